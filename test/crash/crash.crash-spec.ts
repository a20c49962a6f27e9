import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { validateEnvironment } from 'src/config/environment';
import { runJournalVerification } from 'src/journal/verify-journal';
import { login } from '../load/fixture';
import { expectStatus, Http, NetworkError } from '../load/http';
import { serviceFiles, type ServiceProcess, sleep, startServiceProcess } from '../load/service';
import { Cluster, postgresVersion } from './cluster';

/**
 * `npm run test:crash`: the real service (its own process) on a PostgreSQL cluster of the test's
 * own, under a write load; the cluster is stopped with `-m immediate`, left down 5 s, started
 * again. Every write is classified by its answer: acknowledged (201) ones must be in the
 * database, those answered 503 must not be. The service's process must live through it, answer
 * 503 with Retry-After while the database is away, and be ready again within 10 s of its return;
 * the journal's hash chain must still verify.
 */

const PORT = Number(process.env.CRASH_PG_PORT ?? 5433);
const DATABASE = 'charter_crash';
const WRITERS = 12;
const LOAD_BEFORE_MS = 5_000;
const OUTAGE_MS = 5_000;
const LOAD_AFTER_MS = 5_000;
const READY_WITHIN_MS = 10_000;

const API = '/api/v1';
const print = (text: string) => process.stdout.write(`${text}\n`);

type Kind = 'organisation' | 'site';
type Outcome = 'acknowledged' | 'unavailable' | 'other' | 'network';
type Phase = 'before' | 'during' | 'after';

interface Write {
  readonly kind: Kind;
  /** Client-side id, in the record's name. */
  readonly name: string;
  readonly startedAt: number;
  endedAt: number;
  outcome: Outcome;
  status: number;
  retryAfter: string | null;
  id?: string;
  detail?: string;
}

describe('crash: the database stops hard under write load', () => {
  it('keeps every acknowledged write, none answered as failed, and recovers within 10 s', async () => {
    const cluster = new Cluster(postgresVersion(), PORT);
    const cleanup: (() => Promise<void>)[] = [() => cluster.drop()];
    try {
      await cluster.create();
      await cluster.start();
      await cluster.query('postgres', `CREATE DATABASE ${DATABASE}`);
      const settings = await cluster.query<{ name: string; setting: string }>(
        'postgres',
        `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')`,
      );
      const files = await serviceFiles('crash');
      cleanup.push(() => files.remove());
      const service: ServiceProcess = await startServiceProcess({
        databaseUrl: cluster.databaseUrl(DATABASE),
        files,
      });
      cleanup.push(() => service.stop());
      const pid = service.pid;
      const http = new Http(service.url);
      const admin = await login(http, service.adminEmail, service.adminPassword);
      const organisation = expectStatus<{ id: string }>(
        await http.request('seed', `${API}/organisations`, {
          method: 'POST',
          token: admin,
          json: {
            name: 'Centre du plan de reprise',
            ice: '777000000000000',
            membershipNumber: 'AMRC-CRASH',
            contactEmail: 'reprise@crash.example.ma',
          },
        }),
        201,
        'seed organisation',
      );
      http.reset();

      // -------------------------------------------------------------------------------------
      // The write load, from start to end, each write classified by its answer.
      const run = randomBytes(4).toString('hex');
      const writes: Write[] = [];
      let serial = 0;
      let stopLoad = false;
      const write = async (kind: Kind): Promise<void> => {
        serial += 1;
        const n = serial;
        const name = `Crash ${run} ${kind} ${n}`;
        const entry: Write = {
          kind,
          name,
          startedAt: Date.now(),
          endedAt: 0,
          outcome: 'other',
          status: 0,
          retryAfter: null,
        };
        writes.push(entry);
        const path =
          kind === 'organisation'
            ? `${API}/organisations`
            : `${API}/organisations/${organisation.id}/sites`;
        const json =
          kind === 'organisation'
            ? {
                name,
                ice: String(800_000_000_000_000 + n),
                membershipNumber: `AMRC-C${n}`,
                contactEmail: `crash-${n}@crash.example.ma`,
              }
            : {
                name,
                address: '3 rue de la Reprise',
                city: 'Rabat',
                region: 'rabat_sale_kenitra',
                headcountOnSite: 40,
                headcountRemote: 0,
                activities: ['back_office'],
                providesStaffTransport: false,
              };
        try {
          const res = await http.request(`create ${kind}`, path, {
            method: 'POST',
            token: admin,
            json,
            timeoutMs: 30_000,
          });
          entry.status = res.status;
          entry.retryAfter = res.headers.get('retry-after');
          if (res.status === 201) {
            entry.outcome = 'acknowledged';
            entry.id = (res.body as { id: string }).id;
          } else if (res.status === 503) {
            entry.outcome = 'unavailable';
          } else {
            entry.outcome = 'other';
            entry.detail = res.text.slice(0, 300);
          }
        } catch (error) {
          entry.outcome = 'network';
          entry.detail = error instanceof NetworkError ? error.message : String(error);
        }
        entry.endedAt = Date.now();
      };
      const writer = async (index: number) => {
        while (!stopLoad) {
          await write(index % 3 === 0 ? 'site' : 'organisation');
          // Requests refused at once (503) would otherwise spin: a client backs off a little.
          if (writes.at(-1)?.outcome !== 'acknowledged') {
            await sleep(50);
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, i) => writer(i));

      await sleep(LOAD_BEFORE_MS);
      const stopIssuedAt = Date.now();
      await cluster.stopImmediately();
      const stoppedAt = Date.now();
      const healthDown = await http.request('health', '/health');
      await sleep(OUTAGE_MS);
      // The start command, and from the same moment two polls: the database is back when a new
      // connection gets an answer, the service is ready when its /health answers 200.
      const startIssuedAt = Date.now();
      let startedAt = 0;
      let databaseBackAt = 0;
      let serviceReadyAt = 0;
      await Promise.all([
        cluster.start().then(() => {
          startedAt = Date.now();
        }),
        (async () => {
          while (!(await cluster.accepts())) {
            await sleep(20);
          }
          databaseBackAt = Date.now();
        })(),
        (async () => {
          const deadline = Date.now() + 60_000;
          while (Date.now() < deadline) {
            const res = await http.request('health', '/health').catch(() => undefined);
            if (res?.status === 200) {
              serviceReadyAt = Date.now();
              return;
            }
            await sleep(50);
          }
        })(),
      ]);
      await sleep(LOAD_AFTER_MS);
      stopLoad = true;
      await Promise.all(writers);
      const loadEndedAt = Date.now();

      // -------------------------------------------------------------------------------------
      // Checks.
      const phaseOf = (w: Write): Phase =>
        w.endedAt < stopIssuedAt ? 'before' : w.startedAt >= databaseBackAt ? 'after' : 'during';
      const stored = new Map<string, string>();
      for (const row of [
        ...(await cluster.query<{ id: string; name: string }>(
          DATABASE,
          'SELECT id, name FROM organisation WHERE name LIKE $1',
          [`Crash ${run} %`],
        )),
        ...(await cluster.query<{ id: string; name: string }>(
          DATABASE,
          'SELECT id, name FROM site WHERE name LIKE $1',
          [`Crash ${run} %`],
        )),
      ]) {
        stored.set(row.name, row.id);
      }
      const journalled = new Set(
        (
          await cluster.query<{ entity_id: string }>(
            DATABASE,
            `SELECT entity_id FROM journal_entry WHERE action IN ('organisation.created', 'site.created')`,
          )
        ).map((r) => r.entity_id),
      );

      const problems: string[] = [];
      const problem = (message: string) => {
        if (problems.length < 30) {
          problems.push(message);
        }
      };
      const figures: Record<Phase, Record<Outcome, number>> = {
        before: { acknowledged: 0, unavailable: 0, other: 0, network: 0 },
        during: { acknowledged: 0, unavailable: 0, other: 0, network: 0 },
        after: { acknowledged: 0, unavailable: 0, other: 0, network: 0 },
      };
      let withoutRetryAfter = 0;
      let lastUnavailableAt = 0;
      for (const w of writes) {
        figures[phaseOf(w)][w.outcome] += 1;
        const id = stored.get(w.name);
        switch (w.outcome) {
          case 'acknowledged':
            if (id === undefined || id !== w.id) {
              problem(`${w.name}: acknowledged as ${w.id}, stored as ${id ?? 'nothing'}`);
            } else if (!journalled.has(id)) {
              problem(`${w.name}: stored, but not in the journal`);
            }
            break;
          case 'unavailable':
            lastUnavailableAt = Math.max(lastUnavailableAt, w.endedAt);
            if (w.retryAfter === null) {
              withoutRetryAfter += 1;
            }
            if (id !== undefined) {
              problem(`${w.name}: answered 503, yet stored as ${id}`);
            }
            break;
          case 'other':
            problem(`${w.name}: answered ${w.status}: ${w.detail}`);
            if (id !== undefined) {
              problem(`${w.name}: answered ${w.status}, yet stored as ${id}`);
            }
            break;
          case 'network':
            // No answer: the outcome is unknown to the client, so either is right; but the
            // service must answer every request.
            problem(`${w.name}: no answer (${w.detail})`);
            break;
        }
      }
      const names = new Set(writes.map((w) => w.name));
      for (const name of stored.keys()) {
        if (!names.has(name)) {
          problem(`${name}: stored, but never sent`);
        }
      }
      // What was sent while the database was down (after it was stopped, before it was started)
      const duringOutage = writes.filter(
        (w) => w.startedAt >= stoppedAt && w.endedAt <= startIssuedAt,
      );
      for (const w of duringOutage.filter((x) => x.outcome !== 'unavailable')) {
        problem(`${w.name}: sent while the database was down, answered ${w.status}`);
      }

      const journal: string[] = [];
      const journalExit = await runJournalVerification(
        validateEnvironment({ DATABASE_URL: cluster.databaseUrl(DATABASE) }),
        (line) => journal.push(line),
      );

      // Commits whose connection was lost: the service asked the database for their outcome.
      const serviceLog = await readFile(files.logFile, 'utf8');
      const resolved = { committed: 0, aborted: 0, unknown: 0 };
      for (const match of serviceLog.matchAll(
        /Connection lost during COMMIT of transaction \d+: (committed|aborted|unknown)/g,
      )) {
        resolved[match[1] as keyof typeof resolved] += 1;
      }

      const recoveryMs = serviceReadyAt ? serviceReadyAt - databaseBackAt : Number.NaN;
      const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      const totals = (phase: Phase) =>
        Object.entries(figures[phase])
          .filter(([, count]) => count > 0)
          .map(([outcome, count]) => `${count} ${outcome}`)
          .join(', ') || 'none';
      print(
        `crash: PostgreSQL ${cluster.version} cluster "crash" on port ${PORT} ` +
          `(${settings.map((s) => `${s.name}=${s.setting}`).join(', ')}), ${WRITERS} writers ` +
          `creating organisations and sites; service pid ${pid}`,
      );
      print(
        `crash: stop -m immediate took ${seconds(stoppedAt - stopIssuedAt)}, down ` +
          `${seconds(startIssuedAt - stoppedAt)}, start took ${seconds(startedAt - startIssuedAt)}; ` +
          `database back ${seconds(databaseBackAt - startIssuedAt)} after the start command, service ` +
          `ready (GET /health 200) ${seconds(recoveryMs)} after the database; last 503 ` +
          `${lastUnavailableAt ? seconds(lastUnavailableAt - databaseBackAt) : 'n/a'} after the database`,
      );
      print(`crash: writes before the stop: ${totals('before')}`);
      print(`crash: writes during the outage: ${totals('during')}`);
      print(`crash: writes after the database was back: ${totals('after')}`);
      print(
        `crash: ${writes.length} writes in ${seconds(loadEndedAt - writes[0].startedAt)}; ` +
          `${stored.size} stored; ${duringOutage.length} sent while down; 503 without Retry-After: ` +
          `${withoutRetryAfter}; /health while down: ${healthDown.status} ` +
          `(Retry-After ${healthDown.headers.get('retry-after')}); journal: ${journal.join(' / ')}`,
      );
      print(
        `crash: commits whose answer was lost, outcome asked once the database was back: ` +
          `${resolved.committed} committed (answered 201), ${resolved.aborted} aborted (answered ` +
          `503), ${resolved.unknown} still unknown (answered 503 SERVICE.COMMIT_IN_DOUBT)`,
      );
      for (const message of problems) {
        print(`  problem: ${message}`);
      }
      print(
        JSON.stringify({
          suite: 'crash',
          writes: writes.length,
          stored: stored.size,
          phases: figures,
          sentWhileDown: duringOutage.length,
          recoveryMs,
          databaseBackMs: databaseBackAt - startIssuedAt,
          commitsResolved: resolved,
          problems: problems.length,
          journalExit,
        }),
      );

      expect(service.alive()).toBe(true);
      expect(service.pid).toBe(pid);
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(healthDown.status).toBe(503);
      expect(healthDown.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(problems).toEqual([]);
      expect(withoutRetryAfter).toBe(0);
      expect(duringOutage.length).toBeGreaterThan(0);
      expect(figures.before.acknowledged).toBeGreaterThan(0);
      expect(figures.after.acknowledged).toBeGreaterThan(0);
      expect(serviceReadyAt).toBeGreaterThan(0);
      expect(recoveryMs).toBeLessThanOrEqual(READY_WITHIN_MS);
      expect(journalExit).toBe(0);
      // The database came back well within the wait: no outcome was left unknown.
      expect(resolved.unknown).toBe(0);
    } finally {
      for (const step of cleanup.reverse()) {
        await step().catch((error: unknown) => print(`clean-up failed: ${String(error)}`));
      }
    }
  }, 300_000);
});
