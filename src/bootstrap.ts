import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { resolve } from 'node:path';
import { createApp } from 'src/create-app';
import type { EnvironmentVariables } from 'src/config/environment';
import type { DatabaseTarget } from 'src/database/database-target';
import { type EmbeddedDatabase, startEmbeddedDatabase } from 'src/database/embedded-database';

export interface RunningService {
  readonly app: NestFastifyApplication;
  /** Where the service listens, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly embedded: boolean;
  /** Stops accepting requests, lets the running ones finish, then closes the database. */
  close(): Promise<void>;
}

/**
 * Starts the service on DATABASE_URL, or on the embedded engine under DATA_DIR when it is unset,
 * with its schema migrated, and listens on HOST:PORT.
 */
export async function startService(env: EnvironmentVariables): Promise<RunningService> {
  const logger = new Logger('Bootstrap');
  let embedded: EmbeddedDatabase | undefined;
  let target: DatabaseTarget;
  if (env.DATABASE_URL) {
    target = {
      url: env.DATABASE_URL,
      embedded: false,
      poolSize: env.DATABASE_POOL_SIZE,
      migrationUrl: env.MIGRATION_DATABASE_URL,
      commitWaitMs: env.COMMIT_RESOLUTION_WAIT_MS,
    };
  } else {
    embedded = await startEmbeddedDatabase(resolve(env.DATA_DIR));
    target = { url: embedded.url, embedded: true, poolSize: 1 };
  }
  try {
    const app = await createApp(env, target);
    await app.listen({ port: env.PORT, host: env.HOST });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : env.PORT;
    const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
    const url = `http://${host}:${port}`;
    logger.log(`Listening on ${url} (${embedded ? 'embedded database' : 'PostgreSQL server'})`);
    return {
      app,
      url,
      embedded: !!embedded,
      async close() {
        await app.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
