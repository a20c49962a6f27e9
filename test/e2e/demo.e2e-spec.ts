import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../database';

const DEMO = join(__dirname, '..', '..', 'dist', 'src', 'demo', 'demo.js');

function runDemo(url: string, ...args: string[]) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [DEMO, ...args], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        DEMO_PASSWORD: 'demo passphrase 2026',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run demo', () => {
  const name = uniqueDatabaseName('test_demo');
  const url = databaseUrl(name);
  const counts = async () => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, number>>(`
        SELECT (SELECT count(*)::int FROM organisation) AS organisations,
               (SELECT count(*)::int FROM site) AS sites,
               (SELECT count(DISTINCT city)::int FROM site) AS cities,
               (SELECT count(DISTINCT region)::int FROM site) AS regions,
               (SELECT count(*)::int FROM app_user WHERE role = 'member') AS members,
               (SELECT count(*)::int FROM app_user WHERE role = 'auditor') AS auditors,
               (SELECT count(*)::int FROM journal_entry) AS journal`);
      return rows[0];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    if (!existsSync(DEMO)) {
      throw new Error(`${DEMO} is missing: npm test builds it first (npm run build)`);
    }
    await createDatabase(name, process.env.TEST_TEMPLATE_DATABASE);
  });

  afterAll(async () => {
    await dropDatabase(name);
  });

  it('fills an empty database with companies, sites in several cities, members and auditors', async () => {
    const { code, output } = await runDemo(url);
    expect(code).toBe(0);
    expect(output).toContain('demo passphrase 2026');
    const after = await counts();
    expect(after).toMatchObject({ organisations: 6, sites: 11, members: 8, auditors: 3 });
    expect(after.cities).toBeGreaterThanOrEqual(8);
    expect(after.regions).toBeGreaterThanOrEqual(6);
    // Through the services: every record is journalled.
    expect(after.journal).toBeGreaterThanOrEqual(6 + 11 + 8 + 3);
  });

  it('refuses a database that already holds member data, and adds nothing twice with --force', async () => {
    const before = await counts();
    const refused = await runDemo(url);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/already holds 6 member companies; run with --force/);
    expect(await counts()).toEqual(before);
    const forced = await runDemo(url, '--force');
    expect(forced.code).toBe(0);
    expect(await counts()).toMatchObject({ organisations: 6, sites: 11, members: 8, auditors: 3 });
  });
});
