import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL server the tests run against; they create and drop their own databases on it. */
export const TEST_SERVER_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Refuses any database the harness did not create: their names all start with `test`. */
export function assertTestDatabaseName(name: string): void {
  if (!/^test[a-z0-9_]*$/.test(name)) {
    throw new Error(
      `Refusing to create or drop database "${name}": its name must start with "test"`,
    );
  }
}

export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string, template?: string): Promise<void> {
  assertTestDatabaseName(name);
  if (template) {
    assertTestDatabaseName(template);
  }
  await withServer((client) =>
    client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`),
  );
}

export async function dropDatabase(name: string): Promise<void> {
  assertTestDatabaseName(name);
  await withServer((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
