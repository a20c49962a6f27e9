import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { validateEnvironment } from 'src/config/environment';
import { createApp } from 'src/create-app';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from './database';

// One secret per run: tokens of one spec file's app are valid only for the apps of this run.
const TEST_JWT_SECRET = randomBytes(32).toString('hex');

export interface TestApp {
  readonly app: NestFastifyApplication;
  /** The spec file's own database, a copy of the migrated template. */
  readonly db: DataSource;
  readonly databaseName: string;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The real application on a fresh copy of the migrated template database. */
export interface TestAppOptions {
  readonly env?: Record<string, string>;
  /** Modules of the test's own, mounted beside the application's. */
  readonly extraModules?: Type[];
  /** Reach the database through another address (a proxy the test controls). */
  readonly connectVia?: (url: string) => Promise<string>;
  /** Start on this existing database (another app's) instead of a fresh copy; left in place. */
  readonly database?: string;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!template) {
    throw new Error('TEST_TEMPLATE_DATABASE is unset: run the e2e tests through jest');
  }
  const databaseName = options.database ?? uniqueDatabaseName('test');
  if (!options.database) {
    await createDatabase(databaseName, template);
  }
  const direct = databaseUrl(databaseName);
  const url = options.connectVia ? await options.connectVia(direct) : direct;
  // Files and the certificate signing key of each app in folders of their own, removed with it.
  const filesDir = await mkdtemp(join(tmpdir(), 'charter-files-'));
  const keysDir = await mkdtemp(join(tmpdir(), 'charter-keys-'));
  const keyFile = join(keysDir, 'signing-key.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  Object.assign(process.env, {
    FILES_DIR: filesDir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    CERT_SIGNING_KEY_FILE: keyFile,
    ...options.env,
  });
  const config = validateEnvironment(process.env);
  const app = await createApp(
    config,
    { url, embedded: false, poolSize: 5, commitWaitMs: config.COMMIT_RESOLUTION_WAIT_MS },
    {
      extraModules: options.extraModules,
    },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const db = app.get(DataSource);
  return {
    app,
    db,
    databaseName,
    request: (options) => app.inject(options),
    async close() {
      await app.close();
      if (!options.database) {
        await dropDatabase(databaseName);
      }
      await rm(filesDir, { recursive: true, force: true });
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}
