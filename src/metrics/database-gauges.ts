import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { type Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { CERTIFICATE_API_STATUSES } from 'src/certificates/certificates.dto';
import { COMPLIANCE_STATUSES } from 'src/compliance/compliance.types';

/** The outbox statuses worth watching; `sent` rows only grow, and counting them is a scan. */
const OUTBOX_STATUSES = ['pending', 'failed'] as const;

// One grouped count each, read at scrape time. Sites and certificates are small tables (one row
// per site; a few certificates per site and year, 50,000 read in about 20 ms); the outbox is
// counted through its index of unsent messages, and the messages due through the dispatcher's
// queue index, so the sent messages piling up are never read.
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

// The last row, `due`: the pending messages whose time has come, which the dispatchers have yet
// to take (a backlog when it stays up).
const OUTBOX_SQL = `
  SELECT status, count(*)::int AS n,
         extract(epoch FROM now() - min(created_at))::float8 AS oldest
    FROM notification
   WHERE status IN ('pending', 'failed')
   GROUP BY status
  UNION ALL
  SELECT 'due', count(*)::int, NULL
    FROM notification
   WHERE status = 'pending' AND next_attempt_at <= now()`;

interface Count {
  status: string;
  n: number;
}

/**
 * Certificates by status as shown everywhere (the API's names): stored `valid` is `active`, and
 * one in force past its end is `expired` already, before the job stores it.
 */
export function certificateCounts(rows: readonly (Count & { ended: number })[]): Count[] {
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

/**
 * The gauges read from the database at scrape time: the connection pool of this instance (no
 * query), then sites by compliance status, certificates by status and the notification outbox.
 * A query that fails leaves its series out of that scrape and counts a collection error; the
 * rest of the scrape is served.
 */
export class DatabaseGauges {
  private readonly logger = new Logger(DatabaseGauges.name);
  private readonly poolMax: Gauge;
  private readonly poolOpen: Gauge;
  private readonly poolIdle: Gauge;
  private readonly poolWaiting: Gauge;
  private readonly sites: Gauge<'status'>;
  private readonly certificates: Gauge<'status'>;
  private readonly outbox: Gauge<'status'>;
  private readonly outboxOldest: Gauge<'status'>;
  private readonly outboxDue: Gauge;

  constructor(
    private readonly db: DataSource,
    registry: Registry,
    private readonly errors: Counter<'source'>,
  ) {
    const registers = [registry];
    this.poolMax = new Gauge({
      name: 'charter_db_pool_max_connections',
      help: 'Connections the database pool of this instance may open',
      registers,
    });
    this.poolOpen = new Gauge({
      name: 'charter_db_pool_connections',
      help: 'Connections the database pool of this instance holds open, idle or in use',
      registers,
    });
    this.poolIdle = new Gauge({
      name: 'charter_db_pool_idle_connections',
      help: 'Open connections of the pool that no query is using',
      registers,
    });
    this.poolWaiting = new Gauge({
      name: 'charter_db_pool_waiting_requests',
      help: 'Queries and transactions waiting for a connection of the pool',
      registers,
    });
    this.sites = new Gauge({
      name: 'charter_sites',
      help: 'Active sites by stored compliance status (not_assessed: never evaluated)',
      labelNames: ['status'],
      registers,
    });
    this.certificates = new Gauge({
      name: 'charter_certificates',
      help: 'Certificates by status as shown (active, suspended, revoked, expired, superseded)',
      labelNames: ['status'],
      registers,
    });
    this.outbox = new Gauge({
      name: 'charter_notification_outbox_messages',
      help: 'Messages of the notification outbox waiting to be sent (pending) or given up (failed)',
      labelNames: ['status'],
      registers,
    });
    this.outboxOldest = new Gauge({
      name: 'charter_notification_outbox_oldest_age_seconds',
      help: 'Age of the oldest message of the outbox still pending, or failed (0 when none)',
      labelNames: ['status'],
      registers,
    });
    this.outboxDue = new Gauge({
      name: 'charter_notification_outbox_due_messages',
      help: 'Pending messages of the outbox whose time to be sent has come: the dispatchers’ backlog',
      registers,
    });
  }

  /** Reads every gauge anew. Never throws. */
  async refresh(): Promise<void> {
    // The pool first, before the queries below take connections of their own.
    this.readPool();
    await Promise.all([
      this.readCounts('sites', SITES_SQL, this.sites, COMPLIANCE_STATUSES),
      this.readCertificates(),
      this.readOutbox(),
    ]);
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

  private async readCounts(
    source: string,
    sql: string,
    gauge: Gauge<'status'>,
    statuses: readonly string[],
  ): Promise<void> {
    const rows = await this.query<Count>(source, sql);
    gauge.reset();
    if (rows) {
      this.setCounts(gauge, statuses, rows);
    }
  }

  private async readCertificates(): Promise<void> {
    const rows = await this.query<Count & { ended: number }>('certificates', CERTIFICATES_SQL);
    this.certificates.reset();
    if (rows) {
      this.setCounts(this.certificates, CERTIFICATE_API_STATUSES, certificateCounts(rows));
    }
  }

  private async readOutbox(): Promise<void> {
    const rows = await this.query<Count & { oldest: number }>('outbox', OUTBOX_SQL);
    this.outbox.reset();
    this.outboxOldest.reset();
    this.outboxDue.reset();
    if (rows) {
      const byStatus = rows.filter((row) => row.status !== 'due');
      this.setCounts(this.outbox, OUTBOX_STATUSES, byStatus);
      this.setCounts(
        this.outboxOldest,
        OUTBOX_STATUSES,
        byStatus.map((row) => ({ status: row.status, n: row.oldest })),
      );
      this.outboxDue.set(rows.find((row) => row.status === 'due')?.n ?? 0);
    }
  }

  /** Every known status is shown, at 0 when no row has it, so that a series never vanishes. */
  private setCounts(gauge: Gauge<'status'>, statuses: readonly string[], rows: Count[]) {
    for (const status of statuses) {
      gauge.set({ status }, 0);
    }
    for (const row of rows) {
      gauge.set({ status: row.status }, row.n);
    }
  }

  private async query<T>(source: string, sql: string): Promise<T[] | null> {
    try {
      return await this.db.query<T[]>(sql);
    } catch (error) {
      this.errors.inc({ source });
      this.logger.warn(
        `Metrics: ${source} could not be read: ${error instanceof Error ? error.message : String(error)}`,
      );
      return null;
    }
  }
}
