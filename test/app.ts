import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
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
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!template) {
    throw new Error('TEST_TEMPLATE_DATABASE is unset: run the e2e tests through jest');
  }
  const databaseName = uniqueDatabaseName('test');
  await createDatabase(databaseName, template);
  const direct = databaseUrl(databaseName);
  const url = options.connectVia ? await options.connectVia(direct) : direct;
  // Files of each app in a folder of its own, removed with it.
  const filesDir = await mkdtemp(join(tmpdir(), 'charter-files-'));
  Object.assign(process.env, {
    FILES_DIR: filesDir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    ...options.env,
  });
  const config = validateEnvironment(process.env);
  const app = await createApp(
    config,
    { url, embedded: false, poolSize: 5 },
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
      await dropDatabase(databaseName);
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}
