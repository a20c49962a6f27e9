import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

// Arbitrary constant shared by every instance: only one of them migrates at a time.
const MIGRATION_LOCK_KEY = 7_204_311;

/**
 * Applies pending migrations. On a shared server several instances may start together, so the
 * run is serialised by a session advisory lock; the embedded engine has a single connection and
 * a single process, and needs none.
 */
export async function runMigrations(dataSource: DataSource, options: { lock: boolean }) {
  const logger = new Logger('Migrations');
  const runner = options.lock ? dataSource.createQueryRunner() : undefined;
  try {
    if (runner) {
      await runner.connect();
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    }
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) {
      logger.log(`Applied ${migration.name}`);
    }
    return applied.length;
  } finally {
    if (runner) {
      await runner
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
        .catch(() => undefined);
      await runner.release();
    }
  }
}
