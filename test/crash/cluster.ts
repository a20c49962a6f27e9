import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

/**
 * A PostgreSQL cluster of the crash test's own (Debian's postgresql-common tools, run as root):
 * created on its own port, stopped hard, started again, and dropped. Only the cluster named
 * CLUSTER is ever touched; the shared one (`main`, on 5432) never is.
 */

const run = promisify(execFile);

export const CLUSTER = 'crash';

/** The newest PostgreSQL major version with a configuration under /etc/postgresql. */
export function postgresVersion(): string {
  const fromEnv = process.env.CRASH_PG_VERSION?.trim();
  if (fromEnv) {
    return fromEnv;
  }
  const versions = existsSync('/etc/postgresql')
    ? readdirSync('/etc/postgresql').filter((name) => /^\d+$/.test(name))
    : [];
  if (versions.length === 0) {
    throw new Error('No PostgreSQL under /etc/postgresql: the crash test needs postgresql-common');
  }
  return versions.sort((a, b) => Number(b) - Number(a))[0];
}

export class Cluster {
  readonly serverUrl: string;

  constructor(
    readonly version: string,
    readonly port: number,
  ) {
    this.serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  databaseUrl(name: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  private async ctl(...args: string[]): Promise<void> {
    await run('pg_ctlcluster', [this.version, CLUSTER, ...args]);
  }

  /** Drops a cluster of that name left by an interrupted run, then creates it afresh. */
  async create(): Promise<void> {
    await this.drop();
    await run('pg_createcluster', [this.version, CLUSTER, '-p', String(this.port)]);
    // Trust on loopback TCP, ahead of every other rule.
    const hba = join('/etc/postgresql', this.version, CLUSTER, 'pg_hba.conf');
    const rules = await readFile(hba, 'utf8');
    await writeFile(
      hba,
      'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' + rules,
      'utf8',
    );
  }

  async start(): Promise<void> {
    await this.ctl('start');
  }

  /** `pg_ctlcluster … stop -m immediate`: every backend killed, no checkpoint, as in a crash. */
  async stopImmediately(): Promise<void> {
    await this.ctl('stop', '-m', 'immediate');
  }

  async drop(): Promise<void> {
    const { stdout } = await run('pg_lsclusters', ['--no-header']);
    const exists = stdout
      .split('\n')
      .some(
        (line) => line.trim().split(/\s+/).slice(0, 2).join(' ') === `${this.version} ${CLUSTER}`,
      );
    if (exists) {
      await run('pg_dropcluster', [this.version, CLUSTER, '--stop']);
    }
  }

  /** Whether a new connection is accepted and answers. */
  async accepts(): Promise<boolean> {
    const client = new Client({ connectionString: this.serverUrl, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async query<T extends Record<string, unknown>>(
    database: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    const client = new Client({ connectionString: this.databaseUrl(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
}
