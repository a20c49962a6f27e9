import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import type { Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { COMPLIANCE_SWEEP_JOB } from 'src/compliance/compliance-sweep';
import type { User } from 'src/members/user.entity';
import { DATABASE_READ_TIMEOUT_MS } from 'src/metrics/database-gauges';
import { MetricsService } from 'src/metrics/metrics.service';
import { buildOpenApiDocument } from 'src/openapi/openapi';
import { SchedulerService } from 'src/scheduler/scheduler.service';
import { createTestApp, type TestApp } from '../app';
import {
  authAs,
  givenCertifiableSite,
  givenClosedAudit,
  givenOrganisation,
  givenSite,
  givenUser,
} from '../factories';

const TOKEN = 'c0ffee5e9a7e4d2b8c6f0a1e5d3c7b9f0d1e2f3a';
const OUTSIDE = '192.0.2.10';
const REVOCATION = 'Fausse déclaration constatée lors d’un contrôle inopiné.';

/** Every series the service promises, with its type. */
const SERIES = {
  charter_http_requests_total: 'counter',
  charter_http_request_duration_seconds: 'histogram',
  charter_db_pool_max_connections: 'gauge',
  charter_db_pool_connections: 'gauge',
  charter_db_pool_idle_connections: 'gauge',
  charter_db_pool_waiting_requests: 'gauge',
  charter_sites: 'gauge',
  charter_certificates: 'gauge',
  charter_notification_outbox_messages: 'gauge',
  charter_notification_outbox_oldest_age_seconds: 'gauge',
  charter_notification_outbox_due_messages: 'gauge',
  charter_notification_outbox_oldest_due_age_seconds: 'gauge',
  charter_notification_outbox_retrying_messages: 'gauge',
  charter_scheduler_job_duration_seconds: 'histogram',
  charter_metrics_collection_errors_total: 'counter',
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
};

type Labels = Record<string, string>;

interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

/** The samples of a text exposition (format 0.0.4). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) {
        throw new Error(`not a sample line: ${line}`);
      }
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

class Scrape {
  readonly samples: Sample[];

  constructor(readonly text: string) {
    this.samples = parse(text);
  }

  /** The value of the one sample with exactly these labels; undefined when there is none. */
  value(name: string, labels: Labels = {}): number | undefined {
    const found = this.samples.filter(
      (s) =>
        s.name === name &&
        Object.keys(s.labels).length === Object.keys(labels).length &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    if (found.length > 1) {
      throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
    }
    return found[0]?.value;
  }

  /** Like {@link value}, with a series not yet seen counting as 0 (counters before any event). */
  count(name: string, labels: Labels = {}): number {
    return this.value(name, labels) ?? 0;
  }

  byStatus(name: string): Record<string, number> {
    return Object.fromEntries(
      this.samples.filter((s) => s.name === name).map((s) => [s.labels.status, s.value]),
    );
  }
}

describe('metrics', () => {
  let t: TestApp;
  let admin: User;
  let auditor: User;

  const scrapeAs = (options: Partial<InjectOptions> = {}) =>
    t.request({ method: 'GET', url: '/metrics', ...options });
  /** The database read anew: what the database holds now, not a read of a few seconds ago. */
  const fresh = () => t.app.get(MetricsService).expireDatabaseReading();
  const scrape = async () => {
    fresh();
    const res = await scrapeAs();
    expect(res.statusCode).toBe(200);
    return new Scrape(res.body);
  };
  const pool = () => (t.db.driver as unknown as { master: Pool }).master;
  const inUse = (s: Scrape) =>
    s.count('charter_db_pool_connections') - s.count('charter_db_pool_idle_connections');

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
  });

  afterAll(async () => {
    await t.close();
  });

  it('exposes every named series in the Prometheus text format, from loopback without a token', async () => {
    const res = await scrapeAs();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    for (const [name, type] of Object.entries(SERIES)) {
      expect({ name, declared: res.body.includes(`\n# TYPE ${name} ${type}\n`) }).toEqual({
        name,
        declared: true,
      });
    }
    expect(() => parse(res.body)).not.toThrow();
  });

  it('counts a request it served exactly once, by route pattern and status, and times it', async () => {
    const ok = { method: 'GET', route: '/api/v1/charters/:version', status: '200' };
    const missing = { ...ok, status: '404' };
    const before = await scrape();

    expect((await t.request({ method: 'GET', url: '/api/v1/charters/2020.1' })).statusCode).toBe(
      200,
    );
    expect((await t.request({ method: 'GET', url: '/api/v1/charters/1999.1' })).statusCode).toBe(
      404,
    );
    const after = await scrape();

    expect(after.count('charter_http_requests_total', ok)).toBe(
      before.count('charter_http_requests_total', ok) + 1,
    );
    expect(after.count('charter_http_requests_total', missing)).toBe(
      before.count('charter_http_requests_total', missing) + 1,
    );
    expect(after.count('charter_http_request_duration_seconds_count', ok)).toBe(
      before.count('charter_http_request_duration_seconds_count', ok) + 1,
    );
    expect(after.count('charter_http_request_duration_seconds_sum', ok)).toBeGreaterThan(
      before.count('charter_http_request_duration_seconds_sum', ok),
    );
    expect(after.count('charter_http_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(
      after.count('charter_http_request_duration_seconds_count', ok),
    );
    // The scrape counts itself too, once the previous one has been answered.
    expect(
      after.count('charter_http_requests_total', {
        method: 'GET',
        route: '/metrics',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('labels a URL that matches no route as unmatched, never with the URL itself', async () => {
    const path = `/no-such-page-${randomUUID()}`;
    const labels = { method: 'GET', route: 'unmatched', status: '404' };
    const before = await scrape();
    expect((await t.request({ method: 'GET', url: path })).statusCode).toBe(404);
    const after = await scrape();

    expect(after.count('charter_http_requests_total', labels)).toBe(
      before.count('charter_http_requests_total', labels) + 1,
    );
    expect(after.text).not.toContain(path);
    // A certificate number or a site id in the path stays out of the labels too.
    await t.request({ method: 'GET', url: `/api/v1/sites/${randomUUID()}` });
    const routes = new Set((await scrape()).samples.map((s) => s.labels.route).filter(Boolean));
    for (const route of routes) {
      expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
    expect(routes).toContain('/api/v1/sites/:id');
  });

  it('refuses a client outside METRICS_ALLOW when no token is set: 403 problem+json', async () => {
    const res = await scrapeAs({ remoteAddress: OUTSIDE });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 403,
      code: 'METRICS.ADDRESS_NOT_ALLOWED',
      detail: expect.stringContaining(OUTSIDE),
    });
    expect(res.body).not.toContain('charter_');
  });

  it('does not take the client address from X-Forwarded-For without TRUST_PROXY_HOPS', async () => {
    const res = await scrapeAs({
      remoteAddress: OUTSIDE,
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    expect(res.statusCode).toBe(403);
  });

  it('leaves /metrics out of the public API document', () => {
    const document = buildOpenApiDocument(t.app);
    expect(Object.keys(document.paths)).toContain('/health');
    expect(Object.keys(document.paths).filter((path) => path.includes('metrics'))).toEqual([]);
  });

  describe('with METRICS_TOKEN and METRICS_ALLOW set, behind one proxy', () => {
    let guarded: TestApp;

    beforeAll(async () => {
      guarded = await createTestApp({
        database: t.databaseName,
        env: {
          METRICS_TOKEN: TOKEN,
          METRICS_ALLOW: '10.9.0.0/16, 2001:db8::7',
          TRUST_PROXY_HOPS: '1',
        },
      });
      // The settings are read as the application starts; the next ones start without them.
      delete process.env.METRICS_TOKEN;
      delete process.env.METRICS_ALLOW;
      delete process.env.TRUST_PROXY_HOPS;
    });

    afterAll(async () => {
      await guarded.close();
    });

    const from = (remoteAddress: string, authorization?: string, forwardedFor?: string) =>
      guarded.request({
        method: 'GET',
        url: '/metrics',
        remoteAddress,
        headers: {
          ...(authorization ? { authorization } : {}),
          ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        },
      });

    it('judges the client behind the proxy, not the proxy', async () => {
      // A proxy on the same machine forwards a client from outside: loopback is not enough.
      const outside = await from('127.0.0.1', undefined, OUTSIDE);
      expect(outside.statusCode).toBe(401);
      expect(outside.json()).toMatchObject({ code: 'METRICS.TOKEN_REQUIRED' });
      expect((await from('127.0.0.1', undefined, '10.9.8.7')).statusCode).toBe(200);
      expect((await from('127.0.0.1', `Bearer ${TOKEN}`, OUTSIDE)).statusCode).toBe(200);
    });

    it.each([
      ['an address of the list', '10.9.3.4', undefined],
      ['another address of the list', '2001:db8::7', undefined],
      ['any address with the token', OUTSIDE, `Bearer ${TOKEN}`],
      ['loopback with the token', '127.0.0.1', `Bearer ${TOKEN}`],
    ])('serves %s', async (_, address, authorization) => {
      const res = await from(address, authorization);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('# TYPE charter_http_requests_total counter');
    });

    it.each([
      ['no token', OUTSIDE, undefined, 'METRICS.TOKEN_REQUIRED'],
      [
        'loopback, no longer in the list, without the token',
        '127.0.0.1',
        undefined,
        'METRICS.TOKEN_REQUIRED',
      ],
      ['another scheme', OUTSIDE, `Basic ${TOKEN}`, 'METRICS.TOKEN_REQUIRED'],
      [
        'a wrong token',
        OUTSIDE,
        `Bearer ${TOKEN.replace('c0ffee', 'deadbe')}`,
        'METRICS.INVALID_TOKEN',
      ],
      [
        'a user access token',
        OUTSIDE,
        'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x',
        'METRICS.INVALID_TOKEN',
      ],
    ])('answers 401 problem+json to %s', async (_, address, authorization, code) => {
      const res = await from(address, authorization);
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json()).toMatchObject({ status: 401, code });
      expect(res.body).not.toContain(TOKEN);
    });
  });

  describe('the database pool', () => {
    const held: QueryRunner[] = [];
    const hold = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const runner = t.db.createQueryRunner();
        await runner.connect();
        held.push(runner);
      }
    };

    afterEach(async () => {
      await Promise.all(held.splice(0).map((runner) => runner.release()));
    });

    it('shows its size, and the connections in use and idle', async () => {
      await hold(1);
      const holding = await scrape();
      expect(holding.value('charter_db_pool_max_connections')).toBe(5);
      expect(inUse(holding)).toBe(1);
      expect(holding.value('charter_db_pool_waiting_requests')).toBe(0);

      await Promise.all(held.splice(0).map((runner) => runner.release()));
      const released = await scrape();
      expect(inUse(released)).toBe(0);
      expect(released.value('charter_db_pool_connections')).toBeGreaterThanOrEqual(1);
      expect(released.value('charter_db_pool_connections')).toBeLessThanOrEqual(5);
    });

    it('shows the queries waiting for a connection when every one is taken', async () => {
      await hold(5);
      const waiting = t.db.query('SELECT 1');
      fresh();
      const scraping = scrapeAs();
      // Once the scrape's own read waits too (one transaction, not one query per count), it has
      // read the pool: let everything go.
      const since = Date.now();
      while (pool().waitingCount < 2 && Date.now() - since < 5000) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(pool().waitingCount).toBe(2);
      await Promise.all(held.splice(0).map((runner) => runner.release()));
      await waiting;
      const res = await scraping;
      expect(res.statusCode).toBe(200);
      const s = new Scrape(res.body);
      expect(s.value('charter_db_pool_waiting_requests')).toBe(1);
      expect(s.value('charter_db_pool_connections')).toBe(5);
      expect(inUse(s)).toBe(5);
    });
  });

  it('counts sites by compliance status and certificates by status as the database holds them', async () => {
    const before = await scrape();
    const people = { admin, auditor };
    const organisation = await givenOrganisation(t.db);
    await givenSite(t.db, organisation);
    const failing = await givenSite(t.db, organisation);
    await givenClosedAudit(t, failing, people, { E01: 'major_nc' });
    await givenSite(t.db, organisation, { active: false });
    const certified = await givenCertifiableSite(t, people, organisation);
    const issued = await t.request({
      method: 'POST',
      url: `/api/v1/sites/${certified.id}/certificates`,
      headers: await authAs(t, admin),
    });
    expect(issued.statusCode).toBe(201);
    const { number } = issued.json<{ number: string }>();

    const after = await scrape();
    const sites = (s: Scrape) => s.byStatus('charter_sites');
    const certificates = (s: Scrape) => s.byStatus('charter_certificates');
    expect(sites(after)).toEqual({
      ...sites(before),
      not_assessed: sites(before).not_assessed + 1,
      non_compliant: sites(before).non_compliant + 1,
      compliant: sites(before).compliant + 1,
    });
    expect(certificates(after)).toEqual({
      ...certificates(before),
      active: certificates(before).active + 1,
    });
    expect(Object.keys(sites(after)).sort()).toEqual([
      'compliant',
      'conditionally_compliant',
      'expired',
      'non_compliant',
      'not_assessed',
      'suspended',
    ]);

    const revoked = await t.request({
      method: 'POST',
      url: `/api/v1/certificates/${number}/revoke`,
      headers: await authAs(t, admin),
      payload: { reason: REVOCATION },
    });
    expect(revoked.statusCode).toBe(200);
    const later = await scrape();
    expect(certificates(later)).toEqual({
      ...certificates(after),
      active: certificates(after).active - 1,
      revoked: certificates(after).revoked + 1,
    });

    // Past its end, a certificate still stored as valid shows expired, as everywhere else.
    const renewed = await t.request({
      method: 'POST',
      url: `/api/v1/sites/${certified.id}/certificates`,
      headers: await authAs(t, admin),
    });
    expect(renewed.statusCode).toBe(201);
    await t.db.query(
      `UPDATE certificate SET issued_at = now() - interval '2 days',
                              expires_at = now() - interval '1 day'
        WHERE number = $1`,
      [renewed.json<{ number: string }>().number],
    );
    const ended = await scrape();
    expect(certificates(ended)).toEqual({
      ...certificates(later),
      expired: certificates(later).expired + 1,
    });

    // The same counts as the database's, status by status.
    const stored = await t.db.query<{ status: string; n: number }[]>(
      `SELECT COALESCE(c.status, 'not_assessed') AS status, count(*)::int AS n
         FROM site s LEFT JOIN site_compliance c ON c.site_id = s.id
        WHERE s.active GROUP BY 1`,
    );
    for (const { status, n } of stored) {
      expect({ status, n: sites(later)[status] }).toEqual({ status, n });
    }
  });

  it('counts the outbox backlog and failures, and the age of the oldest message of each', async () => {
    const before = await scrape();
    const insert = (
      status: string,
      createdAgo: string,
      { dueIn = '0 seconds', lastError = null as string | null } = {},
    ) =>
      t.db.query(
        `INSERT INTO notification
           (kind, recipient_email, language, subject, text_body, html_body, status, sent_at,
            created_at, next_attempt_at, last_error)
         VALUES ('test.metrics', 'ops@example.ma', 'fr', 'Essai', 'Essai', '<p>Essai</p>',
                 $1::varchar, CASE WHEN $1::varchar = 'sent' THEN now() END,
                 now() - $2::interval, now() + $3::interval, $4)`,
        [status, createdAgo, dueIn, lastError],
      );
    // Due for two hours: no dispatcher has taken it.
    await insert('pending', '2 hours', { dueIn: '-2 hours' });
    await insert('pending', '1 minute');
    // Its last attempt failed (the mail server refused it); the next one is in ten minutes.
    await insert('pending', '30 minutes', { dueIn: '10 minutes', lastError: '421 try later' });
    await insert('failed', '1 day', { lastError: '550 no such user' });
    await insert('sent', '3 days');

    const after = await scrape();
    const outbox = (s: Scrape) => s.byStatus('charter_notification_outbox_messages');
    expect(outbox(after)).toEqual({
      pending: outbox(before).pending + 3,
      failed: outbox(before).failed + 1,
    });
    const oldest = after.byStatus('charter_notification_outbox_oldest_age_seconds');
    expect(oldest.pending).toBeGreaterThanOrEqual(2 * 3600);
    expect(oldest.pending).toBeLessThan(3 * 3600);
    expect(oldest.failed).toBeGreaterThanOrEqual(24 * 3600);

    // What an alert on a stuck or failing outbox reads.
    const due = 'charter_notification_outbox_due_messages';
    const retrying = 'charter_notification_outbox_retrying_messages';
    expect(after.value(due)).toBe(before.count(due) + 2);
    expect(after.value(retrying)).toBe(before.count(retrying) + 1);
    const dueFor = after.value('charter_notification_outbox_oldest_due_age_seconds');
    expect(dueFor).toBeGreaterThanOrEqual(2 * 3600);
    expect(dueFor).toBeLessThan(3 * 3600);
  });

  it('times each scheduled job run by job and outcome', async () => {
    const scheduler = t.app.get(SchedulerService);
    const failing = `test.failing-${randomUUID()}`;
    scheduler.register({
      name: failing,
      everyMs: 3_600_000,
      run: () => Promise.reject(new Error('the job fails on purpose')),
    });
    const completed = { job: COMPLIANCE_SWEEP_JOB, outcome: 'completed' };
    const skipped = { job: COMPLIANCE_SWEEP_JOB, outcome: 'skipped' };
    const before = await scrape();

    expect(await scheduler.runNow(COMPLIANCE_SWEEP_JOB)).toBe('completed');
    // Another instance holding the job's lock: this one skips.
    const other = t.db.createQueryRunner();
    await other.startTransaction();
    await other.query(`SELECT pg_advisory_xact_lock(hashtext('job:' || $1))`, [
      COMPLIANCE_SWEEP_JOB,
    ]);
    try {
      expect(await scheduler.runNow(COMPLIANCE_SWEEP_JOB)).toBe('skipped');
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
    await expect(scheduler.runNow(failing)).rejects.toThrow('the job fails on purpose');
    // Committed, but its work after the commit failed: not completed.
    const afterCommit = `test.after-commit-${randomUUID()}`;
    scheduler.register({
      name: afterCommit,
      everyMs: 3_600_000,
      run: ({ afterCommit: later }) => {
        later(() => Promise.reject(new Error('the bucket is away')));
        return Promise.resolve();
      },
    });
    expect(await scheduler.runNow(afterCommit)).toBe('failed');

    const after = await scrape();
    const runs = (s: Scrape, labels: Labels) =>
      s.count('charter_scheduler_job_duration_seconds_count', labels);
    expect(runs(after, completed)).toBe(runs(before, completed) + 1);
    expect(runs(after, skipped)).toBe(runs(before, skipped) + 1);
    expect(runs(after, { job: failing, outcome: 'failed' })).toBe(1);
    expect(runs(after, { job: afterCommit, outcome: 'failed' })).toBe(1);
    expect(runs(after, { job: afterCommit, outcome: 'completed' })).toBe(0);
    expect(after.count('charter_scheduler_job_duration_seconds_sum', completed)).toBeGreaterThan(0);
  });

  it('serves the rest of the scrape when a gauge cannot be read, and counts the error', async () => {
    const before = await scrape();
    await t.db.query('ALTER TABLE notification RENAME TO notification_away');
    let during: Scrape;
    try {
      during = await scrape();
    } finally {
      await t.db.query('ALTER TABLE notification_away RENAME TO notification');
    }
    expect(during.byStatus('charter_notification_outbox_messages')).toEqual({});
    expect(during.byStatus('charter_notification_outbox_oldest_age_seconds')).toEqual({});
    for (const name of [
      'charter_notification_outbox_due_messages',
      'charter_notification_outbox_oldest_due_age_seconds',
      'charter_notification_outbox_retrying_messages',
    ]) {
      expect({ name, value: during.value(name) }).toEqual({ name, value: undefined });
    }
    expect(during.value('charter_metrics_collection_errors_total', { source: 'outbox' })).toBe(
      before.count('charter_metrics_collection_errors_total', { source: 'outbox' }) + 1,
    );
    expect(during.byStatus('charter_sites')).toEqual(before.byStatus('charter_sites'));
    expect(during.byStatus('charter_certificates')).toEqual(
      before.byStatus('charter_certificates'),
    );
    for (const source of ['sites', 'certificates']) {
      expect(during.count('charter_metrics_collection_errors_total', { source })).toBe(
        before.count('charter_metrics_collection_errors_total', { source }),
      );
    }

    const after = await scrape();
    expect(after.byStatus('charter_notification_outbox_messages')).toEqual(
      before.byStatus('charter_notification_outbox_messages'),
    );
  });

  describe('the cost of a scrape', () => {
    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('shares one database read between the scrapes that come together and those just after', async () => {
      fresh();
      const reads = jest.spyOn(t.db, 'transaction');
      const answers = await Promise.all([scrapeAs(), scrapeAs(), scrapeAs()]);
      expect(answers.map((res) => res.statusCode)).toEqual([200, 200, 200]);
      expect(reads).toHaveBeenCalledTimes(1);

      const next = await scrapeAs();
      expect(next.statusCode).toBe(200);
      expect(reads).toHaveBeenCalledTimes(1);
      const [first, again] = [new Scrape(answers[0].body), new Scrape(next.body)];
      for (const name of ['charter_sites', 'charter_certificates']) {
        expect({ name, counts: again.byStatus(name) }).toEqual({
          name,
          counts: first.byStatus(name),
        });
      }
      // Served, but not read anew: the HTTP series still count.
      expect(
        again.count('charter_http_requests_total', {
          method: 'GET',
          route: '/metrics',
          status: '200',
        }),
      ).toBeGreaterThan(
        first.count('charter_http_requests_total', {
          method: 'GET',
          route: '/metrics',
          status: '200',
        }),
      );
    });

    it('answers without the database gauges when their read outlasts its timeout, and counts it', async () => {
      const before = await scrape();
      // A migration holding the table: the read waits for the lock, until its timeout.
      const locker = t.db.createQueryRunner();
      await locker.startTransaction();
      await locker.query('LOCK TABLE certificate IN ACCESS EXCLUSIVE MODE');
      let during: Scrape;
      let hung: NodeJS.Timeout | undefined;
      try {
        fresh();
        // Far longer than the read's timeout: without one, the scrape waits for the lock.
        const answered = await Promise.race([
          scrapeAs(),
          new Promise<null>((resolve) => {
            hung = setTimeout(resolve, DATABASE_READ_TIMEOUT_MS + 10_000, null);
          }),
        ]);
        expect(answered?.statusCode).toBe(200);
        during = new Scrape(answered?.body ?? '');
      } finally {
        clearTimeout(hung);
        await locker.rollbackTransaction();
        await locker.release();
      }
      for (const name of [
        'charter_sites',
        'charter_certificates',
        'charter_notification_outbox_messages',
      ]) {
        expect({ name, counts: during.byStatus(name) }).toEqual({ name, counts: {} });
      }
      expect(during.value('charter_notification_outbox_due_messages')).toBeUndefined();
      for (const source of ['sites', 'certificates', 'outbox']) {
        expect(during.value('charter_metrics_collection_errors_total', { source })).toBe(
          before.count('charter_metrics_collection_errors_total', { source }) + 1,
        );
      }
      expect(during.value('charter_db_pool_max_connections')).toBe(5);

      const after = await scrape();
      expect(after.byStatus('charter_sites')).toEqual(before.byStatus('charter_sites'));
      expect(after.byStatus('charter_certificates')).toEqual(
        before.byStatus('charter_certificates'),
      );
    });
  });
});
