import 'reflect-metadata';
import { isEmail } from 'class-validator';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { hashPassword, passwordWeakness } from 'src/auth/password';
import { SYSTEM_CONTEXT } from 'src/auth/request-context';
import { validateEnvironment } from 'src/config/environment';
import { DatabaseModule } from 'src/database/database.module';
import type { DatabaseTarget } from 'src/database/database-target';
import { startEmbeddedDatabase } from 'src/database/embedded-database';
import { JournalModule } from 'src/journal/journal.module';
import { JournalService } from 'src/journal/journal.service';
import { upsertAdmin } from 'src/members/admin-account';
import { User } from 'src/members/user.entity';

const USAGE =
  'usage: npm run admin:create -- --email <email> [--password <password>] ' +
  '(or ADMIN_PASSWORD, or typed on a terminal)';

/** A refusal to print as it is, on one line, before exiting with status 1. */
export class CreateAdminError extends Error {}

export interface CreateAdminIo {
  /** Asks for the password when neither --password nor ADMIN_PASSWORD gives it; none: no TTY. */
  readonly askPassword?: () => Promise<string>;
}

/**
 * `npm run admin:create`: creates an administrator, or sets the password of an existing one and
 * enables it, on DATABASE_URL or the embedded database. Returns what it did, in one line.
 */
export async function createAdmin(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CreateAdminIo = {},
): Promise<string> {
  const { email, password } = await readInput(argv, env, io);
  const config = validateEnvironment(env);
  const passwordHash = await hashPassword(password);
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedDatabase(resolve(config.DATA_DIR));
  try {
    const target = { url: config.DATABASE_URL ?? embedded!.url, embedded: !!embedded, poolSize: 2 };
    // Not the whole application: its start-up would create the first administrator on its own.
    const app = await NestFactory.createApplicationContext(CreateAdminModule.forRoot(target), {
      logger: ['fatal', 'error', 'warn'],
    });
    try {
      const journal = app.get(JournalService);
      const outcome = await app
        .get(DataSource)
        .transaction((em) =>
          upsertAdmin(em, journal, SYSTEM_CONTEXT, { email, passwordHash, onlyIfNone: false }),
        );
      return outcome === 'created'
        ? `Administrator ${email} created`
        : `Administrator ${email}: password set, account enabled, other sessions ended`;
    } finally {
      await app.close();
    }
  } finally {
    await embedded?.stop();
  }
}

/** The database (migrated), the users' table and the journal, nothing else. */
@Module({})
class CreateAdminModule {
  static forRoot(target: DatabaseTarget): DynamicModule {
    return {
      module: CreateAdminModule,
      imports: [DatabaseModule.forRoot(target), JournalModule, TypeOrmModule.forFeature([User])],
    };
  }
}

async function readInput(argv: string[], env: NodeJS.ProcessEnv, io: CreateAdminIo) {
  let values: { email?: string; password?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { email: { type: 'string' }, password: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    throw new CreateAdminError(`${(error as Error).message}; ${USAGE}`);
  }
  const email = values.email?.trim().toLowerCase();
  if (!email) {
    throw new CreateAdminError(`--email is required; ${USAGE}`);
  }
  // admin@localhost is fine here: a TLD is not required.
  if (email.length > 254 || !isEmail(email, { require_tld: false })) {
    throw new CreateAdminError(`--email: "${email}" is not an email address`);
  }
  const password = values.password ?? env.ADMIN_PASSWORD ?? (await io.askPassword?.());
  if (password === undefined) {
    throw new CreateAdminError(`a password is needed: --password, ADMIN_PASSWORD or a terminal`);
  }
  const weakness = passwordWeakness(password);
  if (weakness) {
    throw new CreateAdminError(`the password ${weakness}`);
  }
  return { email, password };
}

/** Reads a line from the terminal without echoing it. */
async function askHidden(question: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    process.stdout.write(question);
    const answer = await rl.question('');
    process.stdout.write('\n');
    return answer;
  } finally {
    rl.close();
  }
}

async function askPasswordTwice(): Promise<string> {
  const password = await askHidden('Password: ');
  if ((await askHidden('Password again: ')) !== password) {
    throw new CreateAdminError('the two passwords differ');
  }
  return password;
}

if (require.main === module) {
  createAdmin(process.argv.slice(2), process.env, {
    askPassword: process.stdin.isTTY ? askPasswordTwice : undefined,
  }).then(
    (message) => process.stdout.write(`${message}\n`),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`admin:create: ${message}\n`);
      process.exitCode = 1;
    },
  );
}
