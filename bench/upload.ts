import 'reflect-metadata';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { type ChildProcess, fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import { TokenService } from 'src/auth/token.service';
import { startService } from 'src/bootstrap';
import { validateEnvironment } from 'src/config/environment';
import { Organisation } from 'src/members/organisation.entity';
import { Site } from 'src/members/site.entity';
import { User } from 'src/members/user.entity';
import type { BenchOutcome } from './charter-read';
import { type BenchSettings, Cleanup, createBenchDatabase, round } from './support';

/**
 * `POST /api/v1/evidence`: 20 concurrent uploads of 50 MB to the real service, measuring how much
 * the server process's resident memory grows (target ≤ 64 MB: uploads are streamed, never held),
 * against the same uploads to a bare Fastify + @fastify/multipart server piping to /dev/null.
 * Each server runs in its own child process and samples its own RSS every 20 ms.
 */

const UPLOADS = 20;
const UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_BYTES = 64 * 1024 * 1024;
const TARGET_GROWTH_MB = 64;
const SAMPLE_EVERY_MS = 20;
const SERVER_FLAG = '--upload-bench-server';
const MB = 1024 * 1024;

type Target = 'app' | 'baseline';

interface Ready {
  readonly type: 'ready';
  readonly url: string;
  readonly authorization?: string;
  readonly siteId?: string;
}

interface Memory {
  readonly type: 'memory';
  readonly beforeRss: number;
  readonly peakRss: number;
  readonly samples: number;
}

interface TargetFigures {
  readonly target: Target;
  readonly growthMb: number;
  readonly beforeMb: number;
  readonly peakMb: number;
  readonly samples: number;
  readonly seconds: number;
  readonly failures: string[];
}

export async function upload(_settings: BenchSettings): Promise<BenchOutcome> {
  const cleanup = new Cleanup();
  try {
    const database = await createBenchDatabase('upload');
    cleanup.add(`drop database ${database.name}`, () => database.drop());
    const dataDir = await mkdtemp(join(tmpdir(), 'bench-upload-'));
    cleanup.add(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));

    console.log(
      `upload: ${UPLOADS} concurrent uploads of ${UPLOAD_BYTES / MB} MB (PDF), loopback, ` +
        `EVIDENCE_MAX_BYTES=${MAX_BYTES / MB} MB; server RSS sampled every ${SAMPLE_EVERY_MS} ms ` +
        `after one warm-up upload (application: the service on PostgreSQL, local-disk storage; ` +
        `baseline: bare Fastify + @fastify/multipart piping each file to /dev/null)`,
    );
    const paths = { dataDir, databaseUrl: database.url };
    const baseline = await measureTarget('baseline', paths, cleanup);
    printTarget(baseline);
    const app = await measureTarget('app', paths, cleanup);
    printTarget(app);
    const left = await storedFiles(join(dataDir, 'files'));
    if (left !== UPLOADS + 1) {
      app.failures.push(`${left} content files stored, ${UPLOADS + 1} expected`);
    }

    const ratio = baseline.growthMb > 0 ? app.growthMb / baseline.growthMb : 0;
    const met = app.growthMb <= TARGET_GROWTH_MB;
    console.log(
      `  app RSS growth ${app.growthMb.toFixed(1)} MB (target ≤ ${TARGET_GROWTH_MB} MB): ` +
        `${met ? 'met' : 'NOT met'}; ratio app ÷ baseline: ${ratio.toFixed(2)}`,
    );
    const failures = [...baseline.failures, ...app.failures];
    for (const failure of failures) {
      console.error(`upload: ${failure}`);
    }
    console.log(
      JSON.stringify({
        bench: 'upload',
        uploads: UPLOADS,
        uploadMb: UPLOAD_BYTES / MB,
        appGrowthMb: round(app.growthMb),
        baselineGrowthMb: round(baseline.growthMb),
        ratio: round(ratio, 2),
        targetMb: TARGET_GROWTH_MB,
        met,
        appSeconds: round(app.seconds, 2),
        baselineSeconds: round(baseline.seconds, 2),
        appFailures: app.failures.length,
        baselineFailures: baseline.failures.length,
      }),
    );
    return { name: 'upload', failed: failures.length > 0 };
  } finally {
    await cleanup.run();
  }
}

async function measureTarget(
  target: Target,
  paths: { dataDir: string; databaseUrl: string },
  cleanup: Cleanup,
): Promise<TargetFigures> {
  const child = fork(__filename, [SERVER_FLAG, target], {
    execArgv: [...process.execArgv, '--expose-gc'],
    env: { ...process.env, BENCH_DATA_DIR: paths.dataDir, BENCH_TARGET_DB: paths.databaseUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.add(`stop the ${target} server`, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
    await exited;
  });
  const ready = await message<Ready>(child, 'ready');
  const failures: string[] = [];
  const headers: Record<string, string> = ready.authorization
    ? { authorization: ready.authorization }
    : {};
  const path = target === 'app' ? '/api/v1/evidence' : '/upload';
  const agent = new Agent({ keepAlive: false, maxSockets: UPLOADS });

  // Warm-up: code paths, pools and lazy modules, before the memory is read.
  const warm = await sendUpload(ready, path, headers, agent, UPLOADS, MB);
  failures.push(...warm);

  child.send({ type: 'start' });
  await message(child, 'started');
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: UPLOADS }, (_, i) =>
      sendUpload(ready, path, headers, agent, i, UPLOAD_BYTES),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  child.send({ type: 'stop' });
  const memory = await message<Memory>(child, 'memory');
  failures.push(...results.flat());
  agent.destroy();
  child.send({ type: 'exit' });
  await exited;
  return {
    target,
    growthMb: Math.max(0, memory.peakRss - memory.beforeRss) / MB,
    beforeMb: memory.beforeRss / MB,
    peakMb: memory.peakRss / MB,
    samples: memory.samples,
    seconds,
    failures: failures.map((f) => `${target}: ${f}`),
  };
}

/** One streamed upload of a distinct PDF of `size` bytes; the failures it met. */
async function sendUpload(
  ready: Ready,
  path: string,
  headers: Record<string, string>,
  agent: Agent,
  index: number,
  size: number,
): Promise<string[]> {
  const boundary = `----bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    (ready.siteId
      ? `--${boundary}\r\nContent-Disposition: form-data; name="siteId"\r\n\r\n${ready.siteId}\r\n`
      : '') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench-${index}.pdf"\r\n` +
      'Content-Type: application/pdf\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const hash = createHash('sha256');
  const body = Readable.from(pdfChunks(index, size, hash));
  const url = new URL(path, ready.url);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + size + tail.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 201 && res.statusCode !== 200) {
            resolve([`upload ${index} answered ${res.statusCode}: ${text.slice(0, 300)}`]);
            return;
          }
          const sha256 = (JSON.parse(text) as { sha256?: string }).sha256;
          const expected = hash.digest('hex');
          resolve(sha256 && sha256 !== expected ? [`upload ${index}: stored ${sha256}`] : []);
        });
      },
    );
    req.on('error', (error) => resolve([`upload ${index}: ${error.message}`]));
    req.write(head);
    body.on('end', () => req.end(tail));
    body.pipe(req, { end: false });
  });
}

/** A PDF of exactly `size` bytes: header, comment lines of random text, `%%EOF`. */
function* pdfChunks(index: number, size: number, hash: ReturnType<typeof createHash>) {
  const header = Buffer.from(
    `%PDF-1.7\n% bench upload ${index} ${randomBytes(8).toString('hex')}\n`,
  );
  const trailer = Buffer.from('\n%%EOF\n');
  const line = (n: number) =>
    `%${randomBytes(Math.ceil(n * 0.75))
      .toString('base64')
      .slice(0, n - 2)}\n`;
  const block = Buffer.from(Array.from({ length: 1024 }, () => line(64)).join(''));
  const emit = (chunk: Buffer) => {
    hash.update(chunk);
    return chunk;
  };
  yield emit(header);
  let left = size - header.length - trailer.length;
  while (left > 0) {
    const chunk = left >= block.length ? block : block.subarray(0, left);
    left -= chunk.length;
    yield emit(chunk);
  }
  yield emit(trailer);
}

function message<T extends { type: string }>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (value: unknown) => {
      if ((value as { type?: unknown }).type === type) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(value as T);
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`the server process exited (${code}) before sending "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function storedFiles(root: string): Promise<number> {
  const entries = await readdir(join(root, 'sha256'), {
    recursive: true,
    withFileTypes: true,
  }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

function printTarget(f: TargetFigures): void {
  const mbPerSecond = (UPLOADS * UPLOAD_BYTES) / MB / f.seconds;
  console.log(
    [
      `  ${f.target.padEnd(10)}`,
      `RSS ${f.beforeMb.toFixed(1)} → peak ${f.peakMb.toFixed(1)} MB`,
      `growth ${f.growthMb.toFixed(1)} MB`,
      `${f.seconds.toFixed(2)} s (${mbPerSecond.toFixed(0)} MB/s)`,
      `${f.samples} samples`,
      `errors ${f.failures.length}`,
    ].join(' | '),
  );
}

// ---------------------------------------------------------------------------------------------
// The server side, in the child process.

async function serve(target: Target): Promise<void> {
  const send = (value: object) => process.send?.(value);
  const server = target === 'app' ? await startApp() : await startBaseline();
  let peak = 0;
  let before = 0;
  let samples = 0;
  let sampler: NodeJS.Timeout | undefined;
  process.on('message', (value: { type?: string }) => {
    if (value.type === 'start') {
      (globalThis as { gc?: () => void }).gc?.();
      before = process.memoryUsage.rss();
      peak = before;
      sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage.rss());
        samples += 1;
      }, SAMPLE_EVERY_MS);
      send({ type: 'started' });
    } else if (value.type === 'stop') {
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage.rss());
      send({ type: 'memory', beforeRss: before, peakRss: peak, samples });
    } else if (value.type === 'exit') {
      void server.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', ...server.ready });
}

async function startApp() {
  const dataDir = process.env.BENCH_DATA_DIR ?? '';
  // The application's configuration reads process.env itself (startService's argument sets the
  // database and the multipart limits): set both.
  Object.assign(process.env, {
    NODE_ENV: 'development',
    DATABASE_URL: process.env.BENCH_TARGET_DB,
    DATA_DIR: dataDir,
    FILES_DIR: join(dataDir, 'files'),
    EVIDENCE_MAX_BYTES: String(MAX_BYTES),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    ADMIN_EMAIL: 'bench-admin@example.ma',
    ADMIN_PASSWORD: randomBytes(16).toString('hex'),
  });
  const env = validateEnvironment(process.env);
  const service = await startService(env);
  const db = service.app.get(DataSource);
  const organisation = await db.getRepository(Organisation).save({
    name: 'Bench Relation Client',
    ice: '001525874000031',
    membershipNumber: 'AMRC-BENCH',
    contactEmail: 'bench@example.ma',
    status: 'active',
    version: 1,
  });
  const site = await db.getRepository(Site).save({
    organisationId: organisation.id,
    name: 'Plateau bench',
    address: '1 boulevard Zerktouni',
    city: 'Casablanca',
    region: 'casablanca_settat',
    headcountOnSite: 100,
    headcountRemote: 0,
    activities: ['front_office'],
    providesStaffTransport: false,
    active: true,
    version: 1,
  });
  const member = await db.getRepository(User).save({
    email: 'bench-member@example.ma',
    passwordHash: 'not used: the benchmark signs its token',
    fullName: 'Bench member',
    role: 'member',
    organisationId: organisation.id,
    preferredLanguage: 'fr',
    tokenVersion: 0,
    version: 1,
  });
  const token = await service.app.get(TokenService).issueAccessToken(member);
  return {
    ready: { url: service.url, authorization: `Bearer ${token}`, siteId: site.id },
    close: () => service.close(),
  };
}

async function startBaseline() {
  const app = Fastify({ logger: false });
  await app.register(multipart, {
    limits: { fileSize: MAX_BYTES, files: 1, fields: 5, fieldSize: 1024, parts: 6 },
  });
  app.post('/upload', async (req) => {
    let bytes = 0;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        part.file.on('data', (chunk: Buffer) => (bytes += chunk.length));
        await pipeline(part.file, createWriteStream('/dev/null'));
      }
    }
    return { bytes };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { ready: { url: `http://127.0.0.1:${port}` }, close: () => app.close() };
}

if (process.argv[2] === SERVER_FLAG) {
  serve(process.argv[3] as Target).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
