import { Logger } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import {
  certificateCounts,
  DATABASE_READ_MAX_AGE_MS,
  DATABASE_READ_TIMEOUT_MS,
  DatabaseGauges,
} from 'src/metrics/database-gauges';

describe('certificateCounts', () => {
  it('names stored valid certificates active, and counts those in force past their end as expired', () => {
    const counts = certificateCounts([
      { status: 'valid', n: 10, ended: 2 },
      { status: 'suspended', n: 3, ended: 1 },
      { status: 'expired', n: 5, ended: 5 },
      { status: 'revoked', n: 1, ended: 0 },
      { status: 'superseded', n: 4, ended: 3 },
    ]);
    expect(Object.fromEntries(counts.map(({ status, n }) => [status, n]))).toEqual({
      active: 8,
      suspended: 2,
      expired: 8,
      revoked: 1,
      superseded: 4,
    });
    expect(counts).toHaveLength(5);
  });

  it('gives nothing for no certificate', () => {
    expect(certificateCounts([])).toEqual([]);
  });
});

const ROWS = {
  sites: [{ status: 'compliant', n: 3 }],
  certificates: [{ status: 'valid', n: 2, ended: 0 }],
  outbox: [
    { status: 'pending', n: 4, age: 600 },
    { status: 'due', n: 1, age: 90 },
    { status: 'retrying', n: 2, age: null },
  ],
};

const sqlError = (code: string, message: string) =>
  Object.assign(new Error(message), { driverError: { code } });

/** A database answering `answer` to every SELECT, its statements and transactions recorded. */
function fakeDatabase(answer: (sql: string) => Promise<unknown[]>) {
  const statements: string[][] = [];
  const transaction = jest.fn(async (work: (em: unknown) => Promise<unknown>) => {
    const these: string[] = [];
    statements.push(these);
    return work({
      query: (sql: string) => {
        these.push(sql.trim().replace(/\s+/g, ' '));
        return sql.startsWith('SET') ? Promise.resolve([]) : answer(sql);
      },
    });
  });
  return { db: { driver: {}, transaction } as unknown as DataSource, transaction, statements };
}

describe('DatabaseGauges', () => {
  let registry: Registry;
  let errors: Counter<'source'>;

  beforeEach(() => {
    registry = new Registry();
    errors = new Counter({
      name: 'errors_total',
      help: 'errors',
      labelNames: ['source'],
      registers: [registry],
    });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** name → the values of its samples, by their labels (`status`, `source`, or none). */
  const values = async () => {
    const metrics = await registry.getMetricsAsJSON();
    return Object.fromEntries(
      metrics.map((m) => [
        m.name,
        Object.fromEntries(
          m.values.map((v) => [String(v.labels.status ?? v.labels.source ?? ''), v.value]),
        ),
      ]),
    );
  };

  it('reads every source in one statement, in a read-only transaction with a statement timeout', async () => {
    const { db, statements } = fakeDatabase(() => Promise.resolve([ROWS]));
    await new DatabaseGauges(db, registry, errors).refresh();

    expect(statements).toEqual([
      [
        'SET TRANSACTION READ ONLY',
        `SET LOCAL statement_timeout = ${DATABASE_READ_TIMEOUT_MS}`,
        expect.stringMatching(
          /^SELECT \(SELECT .* AS sites, \(SELECT .* AS certificates, \(SELECT .* AS outbox$/,
        ),
      ],
    ]);
    const seen = await values();
    expect(seen.charter_sites).toMatchObject({ compliant: 3, non_compliant: 0 });
    expect(seen.charter_certificates).toMatchObject({ active: 2, revoked: 0 });
    expect(seen.charter_notification_outbox_messages).toEqual({ pending: 4, failed: 0 });
    expect(seen.charter_notification_outbox_oldest_age_seconds).toEqual({
      pending: 600,
      failed: 0,
    });
    expect(seen.charter_notification_outbox_due_messages).toEqual({ '': 1 });
    expect(seen.charter_notification_outbox_oldest_due_age_seconds).toEqual({ '': 90 });
    expect(seen.charter_notification_outbox_retrying_messages).toEqual({ '': 2 });
    expect(seen.errors_total).toEqual({});
  });

  it('shares one read between the scrapes that come during it and for the few seconds after', async () => {
    let now = 1_000_000;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { db, transaction } = fakeDatabase(() => held.then(() => [ROWS]));
    const gauges = new DatabaseGauges(db, registry, errors);

    const scrapes = [gauges.refresh(), gauges.refresh(), gauges.refresh()];
    release();
    await Promise.all(scrapes);
    expect(transaction).toHaveBeenCalledTimes(1);

    now += DATABASE_READ_MAX_AGE_MS - 1;
    await gauges.refresh();
    expect(transaction).toHaveBeenCalledTimes(1);

    now += 1;
    await gauges.refresh();
    expect(transaction).toHaveBeenCalledTimes(2);

    gauges.expire();
    await gauges.refresh();
    expect(transaction).toHaveBeenCalledTimes(3);
  });

  it('reads the pool at every scrape, cached read or not', async () => {
    const pool = { options: { max: 10 }, totalCount: 4, idleCount: 3, waitingCount: 0 };
    const { db } = fakeDatabase(() => Promise.resolve([ROWS]));
    Object.assign(db.driver, { master: pool });
    const gauges = new DatabaseGauges(db, registry, errors, { maxAgeMs: 60_000 });
    await gauges.refresh();
    pool.idleCount = 1;
    pool.waitingCount = 2;
    await gauges.refresh();
    const seen = await values();
    expect(seen.charter_db_pool_idle_connections).toEqual({ '': 1 });
    expect(seen.charter_db_pool_waiting_requests).toEqual({ '': 2 });
  });

  it('leaves every source out on a timeout, counts an error for each and tries no more', async () => {
    const { db, transaction } = fakeDatabase(() =>
      Promise.reject(sqlError('57014', 'canceling statement due to statement timeout')),
    );
    const gauges = new DatabaseGauges(db, registry, errors);
    await gauges.refresh();
    await gauges.refresh();

    expect(transaction).toHaveBeenCalledTimes(1);
    const seen = await values();
    expect(seen.errors_total).toEqual({ sites: 1, certificates: 1, outbox: 1 });
    for (const name of [
      'charter_sites',
      'charter_certificates',
      'charter_notification_outbox_messages',
      'charter_notification_outbox_oldest_age_seconds',
      'charter_notification_outbox_due_messages',
      'charter_notification_outbox_oldest_due_age_seconds',
      'charter_notification_outbox_retrying_messages',
    ]) {
      expect({ name, samples: seen[name] }).toEqual({ name, samples: {} });
    }
    expect(Logger.prototype.warn).toHaveBeenCalledWith(
      expect.stringContaining('sites, certificates, outbox could not be read: canceling'),
    );
  });

  it('reads each source on its own when one no longer matches the schema, leaving out only that one', async () => {
    const { db, statements } = fakeDatabase((sql) =>
      sql.includes('FROM notification')
        ? Promise.reject(sqlError('42P01', 'relation "notification" does not exist'))
        : Promise.resolve([
            sql.includes('FROM certificate')
              ? { certificates: ROWS.certificates }
              : { sites: ROWS.sites },
          ]),
    );
    await new DatabaseGauges(db, registry, errors).refresh();

    expect(statements).toHaveLength(4);
    const seen = await values();
    expect(seen.errors_total).toEqual({ outbox: 1 });
    expect(seen.charter_sites).toMatchObject({ compliant: 3 });
    expect(seen.charter_certificates).toMatchObject({ active: 2 });
    expect(seen.charter_notification_outbox_messages).toEqual({});
    expect(seen.charter_notification_outbox_due_messages).toEqual({});
  });

  it('shows again what a later read finds, after a failed one', async () => {
    let fail = true;
    const { db } = fakeDatabase(() =>
      fail ? Promise.reject(new Error('connection terminated')) : Promise.resolve([ROWS]),
    );
    const gauges = new DatabaseGauges(db, registry, errors, { maxAgeMs: 0 });
    await gauges.refresh();
    fail = false;
    await gauges.refresh();
    const seen = await values();
    expect(seen.errors_total).toEqual({ sites: 1, certificates: 1, outbox: 1 });
    expect(seen.charter_notification_outbox_due_messages).toEqual({ '': 1 });
    expect(seen.charter_sites).toMatchObject({ compliant: 3 });
  });
});
