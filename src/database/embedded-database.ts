import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Logger } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  /** A postgres:// URL the normal `pg` driver connects to. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL compiled to WebAssembly (PGlite) in this process, persisted under
 * `<dataDir>/pglite`, and serves it on a loopback port so that TypeORM reaches it through the
 * same `pg` driver as a real server. The socket server takes two connections: the pool's one,
 * and one spare so that a stray second connection fails on the pool's timeout, loudly.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const logger = new Logger('EmbeddedDatabase');
  const folder = join(dataDir, 'pglite');
  await mkdir(folder, { recursive: true });
  const db = await PGlite.create(folder);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  logger.log(`Embedded PostgreSQL (PGlite) serving ${folder} on ${server.getServerConn()}`);
  return {
    url,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
