import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from 'src/database/data-source-options';
import type { DatabaseTarget } from 'src/database/database-target';
import { runMigrations } from 'src/database/run-migrations';

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
            const dataSource = await new DataSource(options!).initialize();
            await runMigrations(dataSource, { lock: !target.embedded });
            return dataSource;
          },
        }),
      ],
    };
  }
}
