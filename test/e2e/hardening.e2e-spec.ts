import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { validateEnvironment } from 'src/config/environment';
import { createApp, MAX_HEADER_BYTES } from 'src/create-app';
import { createTestApp, type TestApp } from '../app';
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  TEST_SERVER_URL,
  uniqueDatabaseName,
} from '../database';

const ALLOWED = 'https://app.example.org';
const OTHER = 'https://evil.example.net';

/** A real HTTP request on the listening server (inject bypasses Node's header parser). */
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Headers adding up to about `bytes`, in 1 KiB values. */
const headersOf = (bytes: number) =>
  Object.fromEntries(
    Array.from({ length: Math.ceil(bytes / 1024) }, (_, i) => [`x-padding-${i}`, 'p'.repeat(1000)]),
  );

describe('CORS from an allowlist', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ORIGINS: `${ALLOWED},http://localhost:5173` } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('gives an allowed origin access-control-allow-origin for itself', async () => {
    const res = await t.request({ method: 'GET', url: '/health', headers: { origin: ALLOWED } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(res.headers.vary)).toMatch(/origin/i);
    expect(String(res.headers['access-control-expose-headers'])).toContain('x-request-id');
  });

  it('gives another origin no CORS headers', async () => {
    const res = await t.request({ method: 'GET', url: '/health', headers: { origin: OTHER } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers a preflight of an allowed origin', async () => {
    const res = await t.request({
      method: 'OPTIONS',
      url: '/api/v1/organisations',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(res.headers['access-control-allow-methods']).split(/,\s*/)).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    );
    expect(String(res.headers['access-control-allow-headers'])).toMatch(/authorization/i);
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  it('does not allow another origin in a preflight', async () => {
    const res = await t.request({
      method: 'OPTIONS',
      url: '/api/v1/organisations',
      headers: { origin: OTHER, 'access-control-request-method': 'POST' },
    });
    // Without access-control-allow-origin the browser refuses, whatever else is said.
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('without CORS_ORIGINS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ORIGINS: '' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('sends no CORS headers at all, even to a preflight', async () => {
    const get = await t.request({ method: 'GET', url: '/health', headers: { origin: ALLOWED } });
    expect(get.statusCode).toBe(200);
    const preflight = await t.request({
      method: 'OPTIONS',
      url: '/api/v1/organisations',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
    });
    for (const res of [get, preflight]) {
      expect(Object.keys(res.headers).filter((name) => name.startsWith('access-control-'))).toEqual(
        [],
      );
    }
  });
});

describe('DOCS_ENABLED', () => {
  it('false: /docs and /docs-json are 404 problem+json', async () => {
    const t = await createTestApp({ env: { DOCS_ENABLED: 'false', CORS_ORIGINS: '' } });
    try {
      for (const url of ['/docs', '/docs-json']) {
        const res = await t.request({ method: 'GET', url });
        expect(res.statusCode).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    } finally {
      await t.close();
    }
  });

  it('true: /docs is served', async () => {
    const t = await createTestApp({ env: { DOCS_ENABLED: 'true', CORS_ORIGINS: '' } });
    try {
      expect((await t.request({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
      expect((await t.request({ method: 'GET', url: '/docs-json' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('request header limit', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ORIGINS: '' } });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await t.close();
  });

  it(`is ${MAX_HEADER_BYTES / 1024} KiB`, () => {
    expect(MAX_HEADER_BYTES).toBe(16 * 1024);
  });

  it('serves a request with 12 KB of headers', async () => {
    const res = await rawGet(port, '/health', headersOf(12 * 1024));
    expect(res.status).toBe(200);
  });

  it('answers 20 KB of headers with 431 problem+json', async () => {
    const res = await rawGet(port, '/health', headersOf(20 * 1024));
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({
      status: 431,
      code: 'REQUEST.HEADERS_TOO_LARGE',
      title: 'Request Header Fields Too Large',
    });
  });

  it('still serves afterwards', async () => {
    expect((await rawGet(port, '/health', {})).status).toBe(200);
  });
});

describe('MIGRATION_DATABASE_URL', () => {
  const owner = `test_owner_${randomBytes(4).toString('hex')}`;
  const runtimeRole = `test_runtime_${randomBytes(4).toString('hex')}`;
  const databaseName = uniqueDatabaseName('test_owner');
  let dir: string;

  const server = async <T>(work: (client: Client) => Promise<T>) => {
    const client = new Client({ connectionString: TEST_SERVER_URL });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    // An empty database owned by a role without superuser rights, which will own the schema.
    await server((client) => client.query(`CREATE ROLE "${owner}" LOGIN`));
    await server((client) => client.query(`CREATE ROLE "${runtimeRole}" LOGIN`));
    await createDatabase(databaseName);
    await server((client) => client.query(`ALTER DATABASE "${databaseName}" OWNER TO "${owner}"`));
    dir = await mkdtemp(join(tmpdir(), 'charter-owner-'));
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeFile(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  });

  afterAll(async () => {
    await dropDatabase(databaseName);
    await server((client) => client.query(`DROP ROLE IF EXISTS "${owner}"`));
    await server((client) => client.query(`DROP ROLE IF EXISTS "${runtimeRole}"`));
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the migrations as its role and the application as DATABASE_URL', async () => {
    const runtime = databaseUrl(databaseName);
    const migrationUrl = new URL(runtime);
    migrationUrl.username = owner;
    // The modules read their settings from process.env, as in the service.
    Object.assign(process.env, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      JWT_SECRET: randomBytes(32).toString('hex'),
      CERT_SIGNING_KEY_FILE: join(dir, 'key.pem'),
      FILES_DIR: join(dir, 'files'),
      DATABASE_URL: runtime,
      MIGRATION_DATABASE_URL: migrationUrl.toString(),
    });
    const env = validateEnvironment(process.env);
    const app = await createApp(env, {
      url: runtime,
      embedded: false,
      poolSize: 2,
      migrationUrl: env.MIGRATION_DATABASE_URL,
    });
    try {
      await app.init();
      const db = app.get(DataSource);
      const [{ user }] = await db.query<{ user: string }[]>('SELECT current_user AS user');
      expect(user).toBe(new URL(runtime).username || 'postgres');
      const owners = await db.query<{ tableowner: string }[]>(
        `SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(owners).toEqual([{ tableowner: owner }]);
      const [{ count }] = await db.query<{ count: number }[]>(
        'SELECT count(*)::int AS count FROM schema_migration',
      );
      expect(count).toBeGreaterThan(0);
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
  it('runs the application as a role without superuser rights that cannot alter the journal', async () => {
    const runtimeUrl = new URL(databaseUrl(databaseName));
    runtimeUrl.username = runtimeRole;
    const migrationUrl = new URL(databaseUrl(databaseName));
    migrationUrl.username = owner;
    Object.assign(process.env, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      JWT_SECRET: randomBytes(32).toString('hex'),
      CERT_SIGNING_KEY_FILE: join(dir, 'key.pem'),
      FILES_DIR: join(dir, 'files'),
      DATABASE_URL: runtimeUrl.toString(),
      MIGRATION_DATABASE_URL: migrationUrl.toString(),
    });
    const env = validateEnvironment(process.env);
    const app = await createApp(env, {
      url: runtimeUrl.toString(),
      embedded: false,
      poolSize: 2,
      migrationUrl: env.MIGRATION_DATABASE_URL,
    });
    try {
      await app.init();
      const db = app.get(DataSource);
      const [role] = await db.query<{ user: string; rolsuper: boolean }[]>(
        'SELECT current_user AS user, rolsuper FROM pg_roles WHERE rolname = current_user',
      );
      expect(role).toEqual({ user: runtimeRole, rolsuper: false });
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      // It writes records (the first administrator, with its journal entry, at start-up)…
      const [{ entries }] = await db.query<{ entries: number }[]>(
        'SELECT count(*)::int AS entries FROM journal_entry',
      );
      expect(entries).toBeGreaterThan(0);
      // …but the journal is append-only for it, whatever path it takes.
      for (const sql of [
        `UPDATE journal_entry SET action = 'forged'`,
        'DELETE FROM journal_entry',
        'TRUNCATE journal_entry',
        'ALTER TABLE journal_entry DISABLE TRIGGER ALL',
        'DROP TABLE journal_entry',
      ]) {
        await expect(db.query(sql)).rejects.toMatchObject({ driverError: { code: '42501' } });
      }
    } finally {
      await app.close();
    }
  });
});
