import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Client } from 'pg';

// ---------------------------------------------------------------------------------------------
// Settings

/** The PostgreSQL server the benchmarks create (and drop) their own databases on. */
export const BENCH_SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchSettings {
  /** Seconds measured per target. */
  readonly duration: number;
  /** Seconds of load, not measured, before each measurement. */
  readonly warmup: number;
  /** Concurrent HTTP connections. */
  readonly connections: number;
}

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`);
  }
  return Number(raw);
}

export function benchSettings(): BenchSettings {
  return {
    duration: positiveInteger('BENCH_DURATION', 10),
    warmup: positiveInteger('BENCH_WARMUP', 3),
    connections: positiveInteger('BENCH_CONNECTIONS', 50),
  };
}

// ---------------------------------------------------------------------------------------------
// Throw-away databases

/** Refuses any database the harness did not create: their names all start with `test_bench_`. */
function assertBenchDatabaseName(name: string): void {
  if (!/^test_bench_[a-z0-9_]+$/.test(name)) {
    throw new Error(`Refusing to create or drop database "${name}": not a test_bench_ database`);
  }
}

export interface BenchDatabase {
  readonly name: string;
  /** BENCH_SERVER_URL pointing at this database. */
  readonly url: string;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: BENCH_SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty database `test_bench_<label>_<pid>_<random>` on the benchmark server. */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `test_bench_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
  assertBenchDatabaseName(name);
  await onServer(`CREATE DATABASE "${name}"`);
  const url = new URL(BENCH_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

// ---------------------------------------------------------------------------------------------
// Load generation (autocannon ships no type declarations: the little used here is typed below)

interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  /** Seconds. */
  readonly duration: number;
  /** Worker threads firing the requests; 0 or absent: the calling thread. */
  readonly workers?: number;
}

interface Histogram {
  readonly average: number;
  readonly stddev: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

interface AutocannonResult {
  /** Requests per second, sampled every second. */
  readonly requests: Histogram & { readonly total: number };
  /** Milliseconds. */
  readonly latency: Histogram;
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

type Autocannon = (options: AutocannonOptions) => PromiseLike<AutocannonResult>;

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

export interface LoadFigures {
  readonly label: string;
  readonly requestsPerSecond: number;
  readonly totalRequests: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  /** Errors, timeouts and non-2xx answers seen during the warm-up, which is not measured. */
  readonly warmupFailures: number;
}

/**
 * Warms `url` up for `settings.warmup` seconds, then measures it for `settings.duration` seconds.
 * The load is fired from a worker thread so that it does not share an event loop with a server
 * running in this process.
 */
export async function measure(
  label: string,
  url: string,
  settings: BenchSettings,
): Promise<LoadFigures> {
  const options = { url, connections: settings.connections, workers: 1 };
  const warmup = await autocannon({ ...options, duration: settings.warmup });
  const result = await autocannon({ ...options, duration: settings.duration });
  return {
    label,
    requestsPerSecond: result.requests.average,
    totalRequests: result.requests.total,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    warmupFailures: warmup.errors + warmup.timeouts + warmup.non2xx,
  };
}

export function failuresOf(figures: LoadFigures): number {
  return figures.errors + figures.timeouts + figures.non2xx + figures.warmupFailures;
}

export function printFigures(figures: LoadFigures): void {
  console.log(
    [
      `  ${figures.label.padEnd(10)}`,
      `${figures.requestsPerSecond.toFixed(0).padStart(7)} req/s`,
      `p50 ${figures.p50Ms.toFixed(2)} ms`,
      `p90 ${figures.p90Ms.toFixed(2)} ms`,
      `p99 ${figures.p99Ms.toFixed(2)} ms`,
      `${figures.totalRequests} requests`,
      `errors ${figures.errors}`,
      `timeouts ${figures.timeouts}`,
      `non-2xx ${figures.non2xx}`,
      ...(figures.warmupFailures ? [`warm-up failures ${figures.warmupFailures}`] : []),
    ].join(' | '),
  );
}

// ---------------------------------------------------------------------------------------------
// Clean-up, also on Ctrl-C

type CleanupStep = () => Promise<void>;

const pending = new Set<Cleanup>();

/**
 * What a benchmark must undo (servers, databases). Steps run in reverse order of registration,
 * each even when an earlier one failed; they also run when the process is interrupted.
 */
export class Cleanup {
  private readonly steps: { label: string; step: CleanupStep }[] = [];
  private running: Promise<void> | undefined;

  constructor() {
    pending.add(this);
  }

  add(label: string, step: CleanupStep): void {
    this.steps.push({ label, step });
  }

  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    for (const { label, step } of [...this.steps].reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`Clean-up failed (${label}): ${String(error)}`);
        process.exitCode = 1;
      }
    }
    pending.delete(this);
  }
}

/** On SIGINT or SIGTERM, runs the pending clean-ups, then exits. */
export function cleanUpOnSignals(): void {
  const stop = (signal: NodeJS.Signals) => {
    console.error(`${signal} received: cleaning up`);
    void Promise.allSettled([...pending].map((cleanup) => cleanup.run())).then(() =>
      process.exit(130),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `value` rounded to `digits` decimals, for the figures a bench prints. */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
