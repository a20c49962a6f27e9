import { performance } from 'node:perf_hooks';

/**
 * A small HTTP client for the reliability suites: every request is counted under a kind, with
 * its latency and its status, or as a network error when no answer came.
 */

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
  readonly ms: number;
}

export interface RequestOptions {
  readonly method?: string;
  readonly token?: string;
  /** Sent as JSON, unless a Buffer (sent as is, with `contentType`). */
  readonly json?: unknown;
  readonly raw?: Buffer;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

interface KindStats {
  count: number;
  networkErrors: number;
  statuses: Map<number, number>;
  latencies: number[];
}

export interface KindFigures {
  readonly kind: string;
  readonly count: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly networkErrors: number;
  readonly statuses: Record<string, number>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export class Http {
  private readonly stats = new Map<string, KindStats>();

  constructor(readonly baseUrl: string) {}

  /** One request, counted under `kind`; throws NetworkError when no answer came. */
  async request(kind: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) {
      headers.authorization = `Bearer ${options.token}`;
    }
    let body: Buffer | string | undefined;
    if (options.raw) {
      body = options.raw;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const stats = this.kind(kind);
    stats.count += 1;
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.baseUrl + path, {
        method: options.method ?? 'GET',
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
      text = await response.text();
    } catch (error) {
      stats.networkErrors += 1;
      const cause = (error as { cause?: { message?: unknown } }).cause;
      const reason = typeof cause?.message === 'string' ? ` (${cause.message})` : '';
      throw new NetworkError(`${options.method ?? 'GET'} ${path}: ${String(error)}${reason}`);
    }
    const ms = performance.now() - started;
    stats.latencies.push(ms);
    stats.statuses.set(response.status, (stats.statuses.get(response.status) ?? 0) + 1);
    let parsed: unknown;
    if (/json/.test(response.headers.get('content-type') ?? '')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: response.status, headers: response.headers, text, body: parsed, ms };
  }

  /** Figures per kind over `seconds`. */
  figures(seconds: number): KindFigures[] {
    return [...this.stats.entries()].map(([kind, s]) => {
      const sorted = [...s.latencies].sort((a, b) => a - b);
      return {
        kind,
        count: s.count,
        perSecond: s.count / seconds,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted.at(-1) ?? 0,
        networkErrors: s.networkErrors,
        statuses: Object.fromEntries([...s.statuses.entries()].sort(([a], [b]) => a - b)),
      };
    });
  }

  /** Forgets what was counted (e.g. the fixture's requests, before the measured run). */
  reset(): void {
    this.stats.clear();
  }

  private kind(kind: string): KindStats {
    let stats = this.stats.get(kind);
    if (!stats) {
      stats = { count: 0, networkErrors: 0, statuses: new Map(), latencies: [] };
      this.stats.set(kind, stats);
    }
    return stats;
  }
}

/** The body of an answer that must have `status`, else an error quoting it. */
export function expectStatus<T = Record<string, unknown>>(
  answer: Answer,
  status: number,
  what: string,
): T {
  if (answer.status !== status) {
    throw new Error(`${what}: ${answer.status} (expected ${status}): ${answer.text.slice(0, 400)}`);
  }
  return answer.body as T;
}

export function formatFigures(figures: readonly KindFigures[]): string {
  const rows = figures.map((f) =>
    [
      f.kind.padEnd(18),
      String(f.count).padStart(7),
      `${f.perSecond.toFixed(1).padStart(8)} /s`,
      `p50 ${f.p50Ms.toFixed(1).padStart(7)} ms`,
      `p99 ${f.p99Ms.toFixed(1).padStart(7)} ms`,
      `max ${f.maxMs.toFixed(0).padStart(6)} ms`,
      `net err ${f.networkErrors}`,
      `statuses ${JSON.stringify(f.statuses)}`,
    ].join(' | '),
  );
  return rows.join('\n');
}
