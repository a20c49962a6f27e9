import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseTarget } from 'src/database/database-target';
import { SnakeNamingStrategy } from 'src/database/snake-naming.strategy';
import { MIGRATIONS } from '../../migrations';

const logger = new Logger('Database');

/**
 * Connection options shared by the application, the migration command and the test harness.
 * Migrations are run explicitly (see `runMigrations`), never `synchronize`.
 */
export function dataSourceOptions(target: DatabaseTarget): DataSourceOptions {
  return {
    type: 'postgres',
    url: target.url,
    applicationName: 'sanitary-charter',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    migrations: [...MIGRATIONS],
    migrationsTableName: 'schema_migration',
    migrationsTransactionMode: 'each',
    // gen_random_uuid() is core SQL since PostgreSQL 13; the embedded engine has no pgcrypto.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    useUTC: true,
    poolErrorHandler: (error: unknown) =>
      logger.warn(
        `Idle database connection failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
    extra: {
      max: target.embedded ? 1 : target.poolSize,
      // A query issued outside the current transaction on the one embedded connection would
      // otherwise wait forever: fail it loudly instead.
      connectionTimeoutMillis: target.embedded ? 10_000 : 5_000,
      idleTimeoutMillis: 30_000,
    },
  };
}

/** Entity files for the stand-alone data source used by the TypeORM CLI (compiled code). */
export const compiledEntityGlob = join(__dirname, '..', '**', '*.entity.js');
