import 'reflect-metadata';
import { type INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppModule } from 'src/app.module';
import { CertificateLifecycleService } from 'src/certificates/certificate-lifecycle.service';
import { ComplianceModule } from 'src/compliance/compliance.module';
import { ComplianceSweep, type SweepOutcome } from 'src/compliance/compliance-sweep';
import { type EnvironmentVariables, validateEnvironment } from 'src/config/environment';
import type { DatabaseTarget } from 'src/database/database-target';
import { startEmbeddedDatabase } from 'src/database/embedded-database';
import { type ReminderOutcome, ReminderSweep } from 'src/notifications/reminder-sweep';

const USAGE = 'usage: npm run compliance:sweep [-- --at <ISO 8601 instant>]';

/**
 * Runs `use` with the whole application's providers (so that whatever listens to status changes
 * hears them) but no HTTP server, on DATABASE_URL or the embedded database.
 */
export async function withComplianceContext<T>(
  env: EnvironmentVariables,
  use: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const embedded = env.DATABASE_URL
    ? undefined
    : await startEmbeddedDatabase(resolve(env.DATA_DIR));
  try {
    const target: DatabaseTarget = embedded
      ? { url: embedded.url, embedded: true, poolSize: 1 }
      : { url: env.DATABASE_URL!, embedded: false, poolSize: 2 };
    // ComplianceModule is named again in case AppModule does not list it: Nest loads it once.
    const app = await NestFactory.createApplicationContext(
      AppModule.forRoot(target, [ComplianceModule]),
      { logger: ['fatal', 'error', 'warn'] },
    );
    try {
      return await use(app);
    } finally {
      await app.close();
    }
  } finally {
    await embedded?.stop();
  }
}

/**
 * `npm run compliance:sweep`: one sweep now (or as of `at`), then the certificates whose validity
 * ended marked expired, then the reminders due written to the outbox. Safe beside running
 * instances.
 */
export function runComplianceSweep(
  env: EnvironmentVariables,
  at: Date = new Date(),
): Promise<
  SweepOutcome & { readonly certificatesExpired: number; readonly reminders: ReminderOutcome }
> {
  return withComplianceContext(env, async (app) => {
    const outcome = await app.get(ComplianceSweep).sweep(at);
    const certificatesExpired = await app.get(CertificateLifecycleService).sweepExpired(at);
    const reminders = await app.get(ReminderSweep).sweep(at);
    return { ...outcome, certificatesExpired, reminders };
  });
}

export function parseAt(argv: string[], usage = USAGE): Date {
  const { values } = parseArgs({ args: argv, options: { at: { type: 'string' } }, strict: true });
  if (values.at === undefined) {
    return new Date();
  }
  const at = new Date(values.at);
  if (Number.isNaN(at.getTime())) {
    throw new Error(`--at: "${values.at}" is not an instant; ${usage}`);
  }
  return at;
}

async function main(): Promise<number> {
  try {
    const at = parseAt(process.argv.slice(2));
    const outcome = await runComplianceSweep(validateEnvironment(process.env), at);
    process.stdout.write(
      `Compliance sweep as of ${at.toISOString()}: ${outcome.candidates} candidate(s), ` +
        `${outcome.changed} changed, ${outcome.skipped} skipped (held by another run); ` +
        `${outcome.certificatesExpired} certificate(s) expired; ` +
        `${outcome.reminders.messages} reminder message(s) written to the outbox\n`,
    );
    return 0;
  } catch (error) {
    new Logger('ComplianceSweep').error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
