import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { type EnvironmentVariables, validateEnvironment } from 'src/config/environment';
import { dataSourceOptions } from 'src/database/data-source-options';
import { startEmbeddedDatabase } from 'src/database/embedded-database';
import { JournalEntry } from 'src/journal/journal-entry.entity';
import { describeVerification, verifyJournal } from 'src/journal/journal-verification';

/** Exit code when the journal could not be read at all (as opposed to read and found broken). */
export const VERIFY_FAILED_EXIT_CODE = 2;

/**
 * `npm run journal:verify`: checks the hash chain of DATABASE_URL's journal, or of the embedded
 * database under DATA_DIR, prints the outcome and returns the exit code (0 intact, 1 broken).
 * Reads only: it neither migrates nor starts the application.
 */
export async function runJournalVerification(
  env: EnvironmentVariables,
  print: (line: string) => void,
): Promise<number> {
  const embedded = env.DATABASE_URL
    ? undefined
    : await startEmbeddedDatabase(resolve(env.DATA_DIR));
  try {
    const dataSource = await new DataSource({
      ...dataSourceOptions({
        url: env.DATABASE_URL ?? embedded!.url,
        embedded: !!embedded,
        poolSize: 1,
      }),
      entities: [JournalEntry],
    }).initialize();
    try {
      const { lines, exitCode } = describeVerification(await verifyJournal(dataSource.manager));
      lines.forEach(print);
      return exitCode;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await embedded?.stop();
  }
}

async function main(): Promise<number> {
  // The outcome is the output: keep the engine's start-up chatter out of it.
  Logger.overrideLogger(['fatal', 'error', 'warn']);
  try {
    return await runJournalVerification(validateEnvironment(process.env), (line) =>
      process.stdout.write(`${line}\n`),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`Journal could not be verified: ${message}\n`);
    return VERIFY_FAILED_EXIT_CODE;
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
