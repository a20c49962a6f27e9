import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The real service (`src/main.ts`, as `npm start` runs it) in a child process of its own, so that
 * the load does not share its event loop and its process id means something. The TypeScript is
 * compiled as it is required, by @swc/core with the options the Jest projects use: no `dist/`.
 */

export const ROOT = join(__dirname, '..', '..');

const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

/** Run in the child before `src/main.ts`: `.ts` compiled on require, `src/...` resolved. */
const REGISTER_TYPESCRIPT = `
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { transformSync } = require(${JSON.stringify(join(ROOT, 'node_modules', '@swc', 'core'))});
const root = ${JSON.stringify(ROOT)};
const options = ${JSON.stringify(SWC_OPTIONS)};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, request.startsWith('src/') ? join(root, request) : request, ...rest);
};
Module._extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
`;

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceFiles {
  /** DATA_DIR; FILES_DIR is its `files/`. */
  readonly dir: string;
  readonly filesDir: string;
  readonly keyFile: string;
  readonly logFile: string;
  remove(): Promise<void>;
}

/** A folder for one service: its files, its certificate signing key, its log. */
export async function serviceFiles(label: string): Promise<ServiceFiles> {
  const dir = await mkdtemp(join(tmpdir(), `charter-${label}-`));
  const keyFile = join(dir, 'signing-key.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return {
    dir,
    filesDir: join(dir, 'files'),
    keyFile,
    logFile: join(dir, 'service.log'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface ServiceProcess {
  readonly pid: number;
  readonly url: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** The last lines of its log. */
  logTail(lines?: number): Promise<string>;
  /** SIGTERM (finishing requests in flight), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  readonly databaseUrl: string;
  readonly files: ServiceFiles;
  /** Further settings, e.g. PUBLIC_RATE_LIMIT_PER_MINUTE. */
  readonly env?: Record<string, string>;
  /** How long to wait for GET /health to answer 200. */
  readonly readyWithinMs?: number;
}

export async function startServiceProcess(options: ServiceOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const adminEmail = 'admin@reliability.example.ma';
  const adminPassword = `Rel-${randomBytes(18).toString('base64url')}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.files.dir,
    FILES_DIR: options.files.filesDir,
    CERT_SIGNING_KEY_FILE: options.files.keyFile,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: adminEmail,
    ADMIN_PASSWORD: adminPassword,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const log = createWriteStream(options.files.logFile, { flags: 'a' });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--no-warnings',
      '-e',
      `${REGISTER_TYPESCRIPT}\nrequire(${JSON.stringify(join(ROOT, 'src', 'main.ts'))});`,
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  const logTail = async (lines = 40) => {
    const text = await readFile(options.files.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  };
  const stop = async () => {
    if (alive()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
  };
  const deadline = Date.now() + (options.readyWithinMs ?? 90_000);
  for (;;) {
    if (!alive()) {
      throw new Error(`The service exited while starting:\n${await logTail()}`);
    }
    const status = await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) {
      break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The service did not become ready:\n${await logTail()}`);
    }
    await sleep(200);
  }
  return { pid: child.pid!, url, adminEmail, adminPassword, alive, logTail, stop };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
