import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, ReplicationMode } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { isDatabaseUnavailable } from 'src/common/database-unavailable';
import { DATABASE_RETRY_AFTER_SECONDS } from 'src/common/problem-details.filter';
import { ServiceUnavailableError } from 'src/common/service-unavailable.error';

const logger = new Logger('Database');

/** How long a request whose commit is in doubt waits for the database to tell its outcome. */
export const COMMIT_RESOLUTION_WAIT_MS = 30_000;

/** The problem code of {@link CommitInDoubtError}. */
export const COMMIT_IN_DOUBT = 'SERVICE.COMMIT_IN_DOUBT';

/** What the database says of a transaction whose `COMMIT` lost its connection. */
export type CommitOutcome = 'committed' | 'aborted' | 'unknown';

/**
 * The connection was lost while `COMMIT` ran and the database did not come back in time to say
 * whether it took effect: the change may or may not be stored.
 */
export class CommitInDoubtError extends ServiceUnavailableError {
  constructor(
    readonly transactionId: string,
    readonly connectionError: unknown,
  ) {
    super(
      COMMIT_IN_DOUBT,
      'The database stopped while saving this change, and whether it was saved is not known yet. ' +
        'Look for the record before sending the request again, or send it again with the same ' +
        'Idempotency-Key, which is refused while the outcome is unknown.',
      { retryAfter: DATABASE_RETRY_AFTER_SECONDS },
    );
  }
}

/**
 * Asks the database, once it answers again, whether transaction `xid` committed. Polls with
 * fresh connections (the lost one is gone) until it gets a final answer or `deadline` passes;
 * `in progress` means the server has not yet noticed the lost client, so it asks again.
 */
export async function resolveCommit(
  dataSource: DataSource,
  xid: string,
  deadline: number,
): Promise<CommitOutcome> {
  for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      const [row] = await dataSource.query<{ status: string | null }[]>(
        'SELECT pg_xact_status($1::xid8) AS status',
        [xid],
      );
      if (row.status === 'committed' || row.status === 'aborted') {
        return row.status;
      }
    } catch (error) {
      if (!isDatabaseUnavailable(error)) {
        logger.error(
          `Outcome of transaction ${xid} not asked: ${error instanceof Error ? error.message : String(error)}`,
        );
        return 'unknown';
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      return 'unknown';
    }
    await sleep(Math.min(pause, left));
  }
}

/**
 * A query runner that answers truthfully when its connection is lost during `COMMIT`. The
 * commit record may have reached the disk with only the acknowledgement lost: the transaction's
 * id is noted before `COMMIT` (one light round trip, only for transactions that wrote), and on a
 * lost connection the database is asked, once it is back, whether that transaction committed.
 * Committed: the caller carries on as if `COMMIT` had answered. Aborted: the connection error is
 * thrown (503, nothing stored). Still unknown at the deadline: {@link CommitInDoubtError}.
 */
class CommitResolvingQueryRunner extends PostgresQueryRunner {
  constructor(
    driver: PostgresDriver,
    mode: ReplicationMode,
    private readonly waitMs: number,
  ) {
    super(driver, mode);
  }

  override async commitTransaction(): Promise<void> {
    if (this.transactionDepth !== 1 || !this.isTransactionActive) {
      return super.commitTransaction();
    }
    const [{ xid }] = (await this.query(
      'SELECT pg_current_xact_id_if_assigned()::text AS xid',
    )) as { xid: string | null }[];
    try {
      await super.commitTransaction();
    } catch (error) {
      if (xid === null || !isDatabaseUnavailable(error)) {
        throw error;
      }
      // Frees the lost connection's place in the pool (which drops it, being unusable) before
      // another is asked for: with every connection lost at once, none would be left to ask.
      await this.release();
      const outcome = await resolveCommit(this.dataSource, xid, Date.now() + this.waitMs);
      logger.warn(`Connection lost during COMMIT of transaction ${xid}: ${outcome}`);
      if (outcome === 'aborted') {
        throw error;
      }
      if (outcome === 'unknown') {
        throw new CommitInDoubtError(xid, error);
      }
      this.isTransactionActive = false;
      this.transactionDepth = 0;
    }
  }
}

/** Makes every query runner of `dataSource` a {@link CommitResolvingQueryRunner}. */
export function resolveCommitsInDoubt(
  dataSource: DataSource,
  waitMs = COMMIT_RESOLUTION_WAIT_MS,
): DataSource {
  const driver = dataSource.driver as PostgresDriver;
  driver.createQueryRunner = (mode: ReplicationMode) =>
    new CommitResolvingQueryRunner(driver, mode, waitMs);
  return dataSource;
}
