import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { DataSource } from 'typeorm';
import { validateEnvironment } from 'src/config/environment';
import { createApp } from 'src/create-app';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from './database';

export interface TestApp {
  readonly app: NestFastifyApplication;
  /** The spec file's own database, a copy of the migrated template. */
  readonly db: DataSource;
  readonly databaseName: string;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The real application on a fresh copy of the migrated template database. */
export async function createTestApp(
  env: Record<string, string> = {},
  extraModules: Type[] = [],
): Promise<TestApp> {
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!template) {
    throw new Error('TEST_TEMPLATE_DATABASE is unset: run the e2e tests through jest');
  }
  const databaseName = uniqueDatabaseName('test');
  await createDatabase(databaseName, template);
  const url = databaseUrl(databaseName);
  Object.assign(process.env, { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
  const config = validateEnvironment(process.env);
  const app = await createApp(config, { url, embedded: false, poolSize: 5 }, { extraModules });
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
    },
  };
}
