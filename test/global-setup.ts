import './register-src-alias';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/run-migrations';
import { Logger } from '@nestjs/common';
import { createDatabase, databaseUrl, uniqueDatabaseName } from './database';

/**
 * Migrates one template database for the whole run; every e2e spec file then gets its own copy
 * of it (`CREATE DATABASE ... TEMPLATE`), which takes milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  Logger.overrideLogger(['error']);
  const template = uniqueDatabaseName('test_template');
  await createDatabase(template);
  const dataSource = await new DataSource(
    dataSourceOptions({ url: databaseUrl(template), embedded: false, poolSize: 2 }),
  ).initialize();
  try {
    await runMigrations(dataSource, { lock: true });
  } finally {
    // No connection may stay open on a template while it is being copied.
    await dataSource.destroy();
  }
  process.env.TEST_TEMPLATE_DATABASE = template;
  // The AWS SDK warns once per process that its releases after January 2027 need Node.js 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
