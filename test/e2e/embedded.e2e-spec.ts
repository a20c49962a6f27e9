import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });

/** Runs the built service as `npm start` does, without DATABASE_URL, and waits for /health. */
async function startBuiltService(dataDir: string, port: number) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port) };
  delete env.DATABASE_URL;
  Object.assign(env, { HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'development' });
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the service exited with ${child.exitCode}:\n${output}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      return child;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`no /health within 45 s:\n${output}`);
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

/** The first run of a new user: no DATABASE_URL, the embedded engine under DATA_DIR. */
describe('the embedded default', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(MAIN)) {
      throw new Error(`${MAIN} is missing: npm test builds it first (npm run build)`);
    }
    dataDir = await mkdtemp(join(tmpdir(), 'charter-embedded-'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts without DATABASE_URL, serves the charter, stops on SIGTERM and keeps its data', async () => {
    const port = await freePort();
    child = await startBuiltService(dataDir, port);
    const first = await fetch(`http://127.0.0.1:${port}/api/v1/charters/2020.1`);
    expect(first.status).toBe(200);
    const charter = (await first.json()) as { publishedAt: string; totalWeight: number };
    expect(charter.totalWeight).toBe(43);
    expect(await stop(child)).toBe(0);

    child = await startBuiltService(dataDir, port);
    const list: unknown = await (await fetch(`http://127.0.0.1:${port}/api/v1/charters`)).json();
    // The same rows, not a fresh seed: the data survived and migrations did not run twice.
    expect(list).toEqual([expect.objectContaining({ publishedAt: charter.publishedAt })]);
    expect(await stop(child)).toBe(0);
  });

  it('refuses to start on a bad setting, with one line naming the variable', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PORT: 'eighty', DATA_DIR: dataDir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /Invalid configuration: PORT must be an integer number \(got "eighty"\)/,
    );
  });
});
