import 'reflect-metadata';
import { isDeepStrictEqual } from 'node:util';
import { startService } from 'src/bootstrap';
import { validateEnvironment } from 'src/config/environment';
import { startBaselineCharterServer } from './baseline-charter-server';
import {
  type BenchSettings,
  Cleanup,
  createBenchDatabase,
  failuresOf,
  type LoadFigures,
  measure,
  printFigures,
  round,
} from './support';

/** `GET /api/v1/charters/2020.1`: the application against a bare Fastify + pg baseline. */

const PATH = '/api/v1/charters/2020.1';
/** The application should serve at least this share of the baseline's throughput. */
const TARGET_RATIO = 0.8;

export interface BenchOutcome {
  readonly name: string;
  /** Errors, timeouts or non-2xx answers under load: the figures cannot be trusted. */
  readonly failed: boolean;
}

async function fetchJson(label: string, url: string): Promise<unknown> {
  const response = await fetch(url);
  if (response.status !== 200) {
    throw new Error(`${label}: GET ${url} answered ${response.status}: ${await response.text()}`);
  }
  return response.json();
}

export async function charterRead(settings: BenchSettings): Promise<BenchOutcome> {
  const cleanup = new Cleanup();
  try {
    const database = await createBenchDatabase('charter_read');
    cleanup.add(`drop database ${database.name}`, () => database.drop());

    // The application, migrated (which seeds charter 2020.1) on its own fresh database.
    const env = validateEnvironment({
      ...process.env,
      DATABASE_URL: database.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    const service = await startService(env);
    cleanup.add('close the application', () => service.close());

    const baseline = await startBaselineCharterServer(database.url, env.DATABASE_POOL_SIZE);
    cleanup.add('close the baseline', () => baseline.close());

    // Both must serve the same document, or the comparison means nothing.
    const [appBody, baselineBody] = await Promise.all([
      fetchJson('application', service.url + PATH),
      fetchJson('baseline', baseline.url + PATH),
    ]);
    if (!isDeepStrictEqual(appBody, baselineBody)) {
      throw new Error(
        `The application and the baseline answer ${PATH} differently:\n` +
          `application: ${JSON.stringify(appBody)}\nbaseline:    ${JSON.stringify(baselineBody)}`,
      );
    }

    console.log(
      `charter-read: GET ${PATH}, ${settings.connections} connections, ` +
        `${settings.warmup} s warm-up then ${settings.duration} s measured, one target at a time ` +
        `(application: pool of ${env.DATABASE_POOL_SIZE}; baseline: bare Fastify + pg pool of ` +
        `${env.DATABASE_POOL_SIZE}, same SQL on every request)`,
    );
    const baselineFigures = await measure('baseline', baseline.url + PATH, settings);
    printFigures(baselineFigures);
    const appFigures = await measure('app', service.url + PATH, settings);
    printFigures(appFigures);

    report(appFigures, baselineFigures);
    const failures = failuresOf(appFigures) + failuresOf(baselineFigures);
    if (failures > 0) {
      console.error(`charter-read: ${failures} failed request(s) under load`);
    }
    return { name: 'charter-read', failed: failures > 0 };
  } finally {
    await cleanup.run();
  }
}

function report(app: LoadFigures, baseline: LoadFigures): void {
  const ratio =
    baseline.requestsPerSecond > 0 ? app.requestsPerSecond / baseline.requestsPerSecond : 0;
  const met = ratio >= TARGET_RATIO;
  console.log(
    `  ratio app ÷ baseline: ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}): ` +
      (met ? 'met' : 'NOT met'),
  );
  console.log(
    JSON.stringify({
      bench: 'charter-read',
      appRps: round(app.requestsPerSecond),
      baselineRps: round(baseline.requestsPerSecond),
      ratio: round(ratio, 3),
      target: TARGET_RATIO,
      met,
      appP50Ms: round(app.p50Ms, 3),
      appP99Ms: round(app.p99Ms, 3),
      baselineP50Ms: round(baseline.p50Ms, 3),
      baselineP99Ms: round(baseline.p99Ms, 3),
      appFailures: failuresOf(app),
      baselineFailures: failuresOf(baseline),
    }),
  );
}
