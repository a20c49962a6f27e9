import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from 'src/database/data-source-options';
import { resolveCommitsInDoubt } from 'src/database/commit-resolution';
import type { DatabaseTarget } from 'src/database/database-target';
import { runMigrations } from 'src/database/run-migrations';
import { distinctRole, grantRuntimeRole } from 'src/database/runtime-role';

@Module({})
export class DatabaseModule {
  /** Connects to the target and brings its schema up to date before any module starts. */
  static forRoot(target: DatabaseTarget): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(target),
            autoLoadEntities: true,
            retryAttempts: 0,
          }),
          dataSourceFactory: async (options) => {
            if (target.migrationUrl) {
              await migrateAs(target.migrationUrl, distinctRole(target.url, target.migrationUrl));
              return resolveCommitsInDoubt(
                new DataSource(options!),
                target.commitWaitMs,
              ).initialize();
            }
            const dataSource = await resolveCommitsInDoubt(
              new DataSource(options!),
              target.commitWaitMs,
            ).initialize();
            await runMigrations(dataSource, { lock: !target.embedded });
            return dataSource;
          },
        }),
      ],
    };
  }
}

/**
 * Brings the schema up to date through a connection of its own, as another role, and grants the
 * application's role its rights.
 */
async function migrateAs(url: string, runtimeRole: string | null) {
  const owner = await new DataSource(
    dataSourceOptions({ url, embedded: false, poolSize: 2 }),
  ).initialize();
  try {
    await runMigrations(owner, { lock: true });
    if (runtimeRole) {
      await grantRuntimeRole(owner, runtimeRole);
    }
  } finally {
    await owner.destroy();
  }
}
