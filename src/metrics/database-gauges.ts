import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { type Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { CERTIFICATE_API_STATUSES } from 'src/certificates/certificates.dto';
import { COMPLIANCE_STATUSES } from 'src/compliance/compliance.types';

/** The outbox statuses worth watching; `sent` rows only grow, and counting them is a scan. */
const OUTBOX_STATUSES = ['pending', 'failed'] as const;

/** How long one read of the database serves the scrapes that follow, however many scrapers. */
export const DATABASE_READ_MAX_AGE_MS = 5_000;

/** The most the read may take (its `statement_timeout`), waiting for locks included. */
export const DATABASE_READ_TIMEOUT_MS = 2_000;

// One grouped count per source, all read by one statement at scrape time. Sites and
// certificates are small tables (one row per site; a few certificates per site and year, 50,000
// read in about 20 ms); the outbox is counted through its index of unsent messages, and the
// messages due through the dispatcher's queue index, so the sent messages piling up are never
// read.
const SITES_SQL = `
  SELECT COALESCE(c.status, 'not_assessed') AS status, count(*)::int AS n
    FROM site s
    LEFT JOIN site_compliance c ON c.site_id = s.id
   WHERE s.active
   GROUP BY 1`;

// By stored status, with those past their end apart: see certificateCounts.
const CERTIFICATES_SQL = `
  SELECT status, count(*)::int AS n, count(*) FILTER (WHERE expires_at <= now())::int AS ended
    FROM certificate
   GROUP BY status`;

// After the rows by status (age: of the oldest message), `due`: the pending messages whose time
// has come, which the dispatchers have yet to take (age: how long the first has waited past its
// time), and `retrying`: the pending messages whose last attempt failed, waiting for the next.
const OUTBOX_SQL = `
  SELECT status, count(*)::int AS n,
         extract(epoch FROM now() - min(created_at))::float8 AS age
    FROM notification
   WHERE status IN ('pending', 'failed')
   GROUP BY status
  UNION ALL
  SELECT 'due', count(*)::int, extract(epoch FROM now() - min(next_attempt_at))::float8
    FROM notification
   WHERE status = 'pending' AND next_attempt_at <= now()
  UNION ALL
  SELECT 'retrying', count(*)::int, NULL
    FROM notification
   WHERE status = 'pending' AND last_error IS NOT NULL`;

const SOURCES = { sites: SITES_SQL, certificates: CERTIFICATES_SQL, outbox: OUTBOX_SQL };
type Source = keyof typeof SOURCES;
const SOURCE_NAMES = Object.keys(SOURCES) as Source[];

const rowsAsJson = (sql: string) => `(SELECT coalesce(json_agg(r), '[]') FROM (${sql}) r)`;

/** The whole read: one row, one column of rows (as JSON) per source. */
const ALL_SQL = `SELECT ${SOURCE_NAMES.map((s) => `${rowsAsJson(SOURCES[s])} AS ${s}`).join(', ')}`;

interface Count {
  status: string;
  n: number;
}

type CertificateRow = Count & { ended: number };
type OutboxRow = Count & { age: number | null };

/** What one read found, by source; a source left out could not be read. */
interface Reading {
  sites?: Count[];
  certificates?: CertificateRow[];
  outbox?: OutboxRow[];
}

export interface DatabaseGaugesOptions {
  /** {@link DATABASE_READ_MAX_AGE_MS} unless told. */
  readonly maxAgeMs?: number;
}

/**
 * Certificates by status as shown everywhere (the API's names): stored `valid` is `active`, and
 * one in force past its end is `expired` already, before the job stores it.
 */
export function certificateCounts(rows: readonly CertificateRow[]): Count[] {
  const counts = new Map<string, number>();
  const add = (status: string, n: number) => counts.set(status, (counts.get(status) ?? 0) + n);
  for (const { status, n, ended } of rows) {
    if (status === 'valid' || status === 'suspended') {
      add(status === 'valid' ? 'active' : status, n - ended);
      add('expired', ended);
    } else {
      add(status, n);
    }
  }
  return [...counts].map(([status, n]) => ({ status, n }));
}

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
};

// Class 42: a query that no longer matches the schema (a table or column renamed by an upgrade
// half done, a grant missing). Only then is each source worth reading on its own; a timeout or a
// database away would only fail three times instead of once.
const isSchemaError = (error: unknown) => sqlState(error)?.startsWith('42') ?? false;

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The gauges read from the database at scrape time: the connection pool of this instance (no
 * query, at every scrape), then sites by compliance status, certificates by status and the
 * notification outbox, in one statement on one connection, in a read-only transaction bounded by
 * a `statement_timeout`. A read serves every scrape for {@link DATABASE_READ_MAX_AGE_MS}, and
 * scrapes arriving during a read wait for it rather than start their own: scrapers and their
 * retries never multiply the database's work. A source that cannot be read is left out of the
 * scrapes its read serves and counts one collection error; the rest is served.
 */
export class DatabaseGauges {
  private readonly logger = new Logger(DatabaseGauges.name);
  private readonly maxAgeMs: number;
  private readonly poolMax: Gauge;
  private readonly poolOpen: Gauge;
  private readonly poolIdle: Gauge;
  private readonly poolWaiting: Gauge;
  private readonly sites: Gauge<'status'>;
  private readonly certificates: Gauge<'status'>;
  private readonly outbox: Gauge<'status'>;
  private readonly outboxOldest: Gauge<'status'>;
  private readonly outboxDue: Gauge;
  private readonly outboxDueAge: Gauge;
  private readonly outboxRetrying: Gauge;
  private reading?: Promise<void>;
  private readAt = -Infinity;

  constructor(
    private readonly db: DataSource,
    registry: Registry,
    private readonly errors: Counter<'source'>,
    options: DatabaseGaugesOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? DATABASE_READ_MAX_AGE_MS;
    const gauge = <L extends string = never>(name: string, help: string, labelNames?: L[]) =>
      new Gauge<L>({ name, help, labelNames: labelNames ?? [], registers: [registry] });
    this.poolMax = gauge(
      'charter_db_pool_max_connections',
      'Connections the database pool of this instance may open',
    );
    this.poolOpen = gauge(
      'charter_db_pool_connections',
      'Connections the database pool of this instance holds open, idle or in use',
    );
    this.poolIdle = gauge(
      'charter_db_pool_idle_connections',
      'Open connections of the pool that no query is using',
    );
    this.poolWaiting = gauge(
      'charter_db_pool_waiting_requests',
      'Queries and transactions waiting for a connection of the pool',
    );
    this.sites = gauge(
      'charter_sites',
      'Active sites by stored compliance status (not_assessed: never evaluated)',
      ['status'],
    );
    this.certificates = gauge(
      'charter_certificates',
      'Certificates by status as shown (active, suspended, revoked, expired, superseded)',
      ['status'],
    );
    this.outbox = gauge(
      'charter_notification_outbox_messages',
      'Messages of the notification outbox waiting to be sent (pending) or given up (failed)',
      ['status'],
    );
    this.outboxOldest = gauge(
      'charter_notification_outbox_oldest_age_seconds',
      'Age of the oldest message of the outbox still pending, or failed (0 when none)',
      ['status'],
    );
    this.outboxDue = gauge(
      'charter_notification_outbox_due_messages',
      'Pending messages of the outbox whose time to be sent has come: the dispatchers’ backlog',
    );
    this.outboxDueAge = gauge(
      'charter_notification_outbox_oldest_due_age_seconds',
      'How long the first pending message whose time has come has waited past it (0 when none)',
    );
    this.outboxRetrying = gauge(
      'charter_notification_outbox_retrying_messages',
      'Pending messages of the outbox whose last attempt failed, waiting for the next',
    );
  }

  /** Reads the pool now, and the database unless a recent read serves. Never throws. */
  async refresh(): Promise<void> {
    // The pool first, before the read below takes a connection of its own.
    this.readPool();
    if (!this.reading && performance.now() - this.readAt >= this.maxAgeMs) {
      this.reading = this.readDatabase().finally(() => {
        this.readAt = performance.now();
        this.reading = undefined;
      });
    }
    await this.reading;
  }

  /** The next refresh reads the database anew, however recent the last read. */
  expire(): void {
    this.readAt = -Infinity;
  }

  private readPool(): void {
    const pool = (this.db.driver as { master?: Pool }).master;
    if (!pool) {
      return;
    }
    this.poolMax.set(pool.options.max ?? 10);
    this.poolOpen.set(pool.totalCount);
    this.poolIdle.set(pool.idleCount);
    this.poolWaiting.set(pool.waitingCount);
  }

  private async readDatabase(): Promise<void> {
    this.show(await this.read());
  }

  private async read(): Promise<Reading> {
    try {
      const [row] = await this.readOnly<Reading>(ALL_SQL);
      return row;
    } catch (error) {
      if (!isSchemaError(error)) {
        this.failed(SOURCE_NAMES, error);
        return {};
      }
    }
    const reading: Reading = {};
    for (const source of SOURCE_NAMES) {
      try {
        const [row] = await this.readOnly<Reading>(
          `SELECT ${rowsAsJson(SOURCES[source])} AS ${source}`,
        );
        Object.assign(reading, row);
      } catch (error) {
        this.failed([source], error);
      }
    }
    return reading;
  }

  private readOnly<T>(sql: string): Promise<T[]> {
    return this.db.transaction(async (em) => {
      await em.query('SET TRANSACTION READ ONLY');
      await em.query(`SET LOCAL statement_timeout = ${DATABASE_READ_TIMEOUT_MS}`);
      return em.query<T[]>(sql);
    });
  }

  private failed(sources: readonly Source[], error: unknown): void {
    for (const source of sources) {
      this.errors.inc({ source });
    }
    this.logger.warn(`Metrics: ${sources.join(', ')} could not be read: ${reasonOf(error)}`);
  }

  /** All at once, once the read is over: a scrape never sees half of one. */
  private show({ sites, certificates, outbox }: Reading): void {
    for (const gauge of [this.sites, this.certificates, this.outbox, this.outboxOldest]) {
      gauge.reset();
    }
    // A gauge without labels resets to 0: removed, it is left out like the others.
    for (const gauge of [this.outboxDue, this.outboxDueAge, this.outboxRetrying]) {
      gauge.remove();
    }
    if (sites) {
      this.setCounts(this.sites, COMPLIANCE_STATUSES, sites);
    }
    if (certificates) {
      this.setCounts(this.certificates, CERTIFICATE_API_STATUSES, certificateCounts(certificates));
    }
    if (outbox) {
      this.showOutbox(outbox);
    }
  }

  private showOutbox(rows: readonly OutboxRow[]): void {
    const byStatus = rows.filter((row) =>
      (OUTBOX_STATUSES as readonly string[]).includes(row.status),
    );
    this.setCounts(this.outbox, OUTBOX_STATUSES, byStatus);
    this.setCounts(
      this.outboxOldest,
      OUTBOX_STATUSES,
      byStatus.map((row) => ({ status: row.status, n: row.age ?? 0 })),
    );
    const due = rows.find((row) => row.status === 'due');
    this.outboxDue.set(due?.n ?? 0);
    this.outboxDueAge.set(due?.age ?? 0);
    this.outboxRetrying.set(rows.find((row) => row.status === 'retrying')?.n ?? 0);
  }

  /** Every known status is shown, at 0 when no row has it, so that a series never vanishes. */
  private setCounts(gauge: Gauge<'status'>, statuses: readonly string[], rows: readonly Count[]) {
    for (const status of statuses) {
      gauge.set({ status }, 0);
    }
    for (const row of rows) {
      gauge.set({ status: row.status }, row.n);
    }
  }
}
