import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { validateEnvironment } from 'src/config/environment';
import { dataSourceOptions } from 'src/database/data-source-options';
import { startEmbeddedDatabase } from 'src/database/embedded-database';
import { runMigrations } from 'src/database/run-migrations';
import { distinctRole, grantRuntimeRole } from 'src/database/runtime-role';
import { resolve } from 'node:path';

/**
 * `npm run migrate`: applies pending migrations as MIGRATION_DATABASE_URL (or DATABASE_URL), or to
 * the embedded engine.
 */
async function migrate() {
  const env = validateEnvironment(process.env);
  const embedded = env.DATABASE_URL
    ? undefined
    : await startEmbeddedDatabase(resolve(env.DATA_DIR));
  const url = env.MIGRATION_DATABASE_URL ?? env.DATABASE_URL ?? embedded!.url;
  const dataSource = await new DataSource(
    dataSourceOptions({ url, embedded: !!embedded, poolSize: 2 }),
  ).initialize();
  try {
    const count = await runMigrations(dataSource, { lock: !embedded });
    const runtimeRole =
      env.MIGRATION_DATABASE_URL && env.DATABASE_URL
        ? distinctRole(env.DATABASE_URL, env.MIGRATION_DATABASE_URL)
        : null;
    if (runtimeRole) {
      await grantRuntimeRole(dataSource, runtimeRole);
    }
    new Logger('Migrations').log(count ? `${count} migration(s) applied` : 'Schema is up to date');
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

migrate().catch((error: unknown) => {
  new Logger('Migrations').error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
