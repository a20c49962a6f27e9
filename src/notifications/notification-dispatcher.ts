import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { createMailTransport, type MailTransport } from 'src/notifications/mail-transport';
import { afterFailure } from 'src/notifications/retry-backoff';
import type { StoredAttachment } from 'src/notifications/notification.entity';

/** How many messages one claim takes; a pass claims again while its claims come back full. */
export const DISPATCH_BATCH_SIZE = 20;

/** Messages one pass sends at once, each over a connection of the pass's SMTP pool. */
export const SEND_CONCURRENCY = 4;

/**
 * How long a pass goes on claiming while its claims come back full: a backlog drains at the pace
 * of the SMTP server, not one batch per interval, and a pass still ends (and closes its
 * connections) within about a minute.
 */
export const PASS_BUDGET_MS = 60_000;

/**
 * How long a claim holds a message. It is renewed just before the message is sent, so it covers
 * the wait for its turn in a batch (DISPATCH_BATCH_SIZE / SEND_CONCURRENCY = 5 sends, each
 * bounded by the SMTP timeouts to about 50 s) and then its own send. A dispatcher that dies lets
 * its messages go after this.
 */
export const CLAIM_LEASE_SECONDS = 600;

/** What one pass did. */
export interface DispatchOutcome {
  readonly claimed: number;
  readonly sent: number;
  /** Failed this time, tried again later. */
  readonly retrying: number;
  /** Failed for the last allowed time: marked failed. */
  readonly failed: number;
  /** Claimed but not tried: another dispatcher had taken it over, or the instance is stopping. */
  readonly skipped: number;
}

export interface DispatchOptions {
  /** After this many milliseconds, the pass claims no more. */
  readonly budgetMs?: number;
  /** Messages sent at once. */
  readonly concurrency?: number;
}

type Result = Exclude<keyof DispatchOutcome, 'claimed'>;

interface ClaimedRow {
  id: string;
  kind: string;
  recipient_email: string;
  subject: string;
  text_body: string;
  html_body: string;
  attachments: StoredAttachment[];
  attempts: number;
  created_at: Date;
  /** The database's time of the claim. */
  claimed_at: Date;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

// A token sent by email is kept only by its recipient: account emails lose their bodies once
// they are sent or given up.
const BLANK_ACCOUNT_BODIES = `
  text_body = CASE WHEN kind LIKE 'account.%' THEN '' ELSE text_body END,
  html_body = CASE WHEN kind LIKE 'account.%' THEN '' ELSE html_body END`;

/**
 * Sends the outbox. A pass claims due messages in one short statement (`FOR UPDATE SKIP LOCKED`,
 * so that two dispatchers never claim the same row), and, with no transaction open, renews each
 * one's claim, sends it, then marks it sent, or due again after a backoff, or failed after
 * NOTIFY_MAX_ATTEMPTS. It claims again while the claims come back full, within
 * {@link PASS_BUDGET_MS}. Every instance runs a pass on its timer, off under NODE_ENV=test
 * (tests call {@link dispatchOnce}).
 *
 * Between live dispatchers a message is sent once: a message whose claim another has taken over
 * is skipped. A process that dies (or loses the database) after sending a message and before
 * marking it leaves it to be sent again once its claim ends: at least once, with the same
 * Message-ID.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopping = false;
  private described = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.env !== 'test') {
      this.start();
    }
  }

  start(): void {
    if (this.timer) {
      return;
    }
    this.timer = setInterval(() => {
      if (!this.running) {
        void this.dispatchOnce().catch((error: unknown) =>
          this.logger.error(`Dispatch failed: ${reasonOf(error)}`),
        );
      }
    }, this.config.mail.dispatchIntervalMs);
    this.timer.unref();
  }

  /** A pass in progress finishes the messages it is sending and gives the others back. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  /** One pass: claims up to `limit` due messages at a time, and tries each once. */
  async dispatchOnce(
    limit: number = DISPATCH_BATCH_SIZE,
    options: DispatchOptions = {},
  ): Promise<DispatchOutcome> {
    const pass = this.pass(
      limit,
      options.budgetMs ?? PASS_BUDGET_MS,
      options.concurrency ?? SEND_CONCURRENCY,
    );
    this.running = pass;
    try {
      return await pass;
    } finally {
      if (this.running === pass) {
        this.running = undefined;
      }
    }
  }

  private async pass(
    limit: number,
    budgetMs: number,
    concurrency: number,
  ): Promise<DispatchOutcome> {
    const claim = randomUUID();
    const ends = performance.now() + budgetMs;
    const outcome = { claimed: 0, sent: 0, retrying: 0, failed: 0, skipped: 0 };
    let transport: MailTransport | undefined;
    let dueBy: Date | null = null;
    try {
      while (!this.stopping) {
        const rows = await this.claim(claim, limit, dueBy);
        outcome.claimed += rows.length;
        if (rows.length === 0) {
          break;
        }
        // The pass's later claims take only what was due at its first: a message that failed
        // in this pass waits for its retry.
        dueBy ??= rows[0].claimed_at;
        transport ??= this.openTransport(concurrency);
        await this.sendBatch(rows, claim, transport, concurrency, outcome);
        if (rows.length < limit || performance.now() >= ends) {
          break;
        }
      }
    } finally {
      transport?.close();
    }
    return outcome;
  }

  private async claim(claim: string, limit: number, dueBy: Date | null): Promise<ClaimedRow[]> {
    const [rows] = await this.db.query<[ClaimedRow[], number]>(
      `UPDATE notification
          SET claimed_until = now() + make_interval(secs => $2), claimed_by = $3,
              attempts = attempts + 1
        WHERE id IN (
          SELECT id FROM notification
           WHERE status = 'pending' AND next_attempt_at <= coalesce($4::timestamptz, now())
             AND (claimed_until IS NULL OR claimed_until < now())
           ORDER BY next_attempt_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
      RETURNING id, kind, recipient_email, subject, text_body, html_body, attachments, attempts,
                created_at, now() AS claimed_at`,
      [limit, CLAIM_LEASE_SECONDS, claim, dueBy],
    );
    return rows;
  }

  private openTransport(connections: number): MailTransport {
    const transport = createMailTransport(this.config, connections);
    if (!this.described) {
      this.described = true;
      this.logger.log(`Emails go to ${transport.description}`);
    }
    return transport;
  }

  /** Sends the batch `concurrency` at a time; what is left when the instance stops goes back. */
  private async sendBatch(
    rows: readonly ClaimedRow[],
    claim: string,
    transport: MailTransport,
    concurrency: number,
    outcome: Record<Result, number>,
  ): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < rows.length && !this.stopping) {
        const row = rows[next++];
        outcome[await this.deliver(row, claim, transport)] += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
    const left = rows.slice(next);
    if (left.length > 0) {
      outcome.skipped += left.length;
      await this.release(left, claim);
    }
  }

  private async deliver(row: ClaimedRow, claim: string, transport: MailTransport): Promise<Result> {
    try {
      if (!(await this.renew(row, claim))) {
        this.logger.warn(
          `Notification ${row.id} (${row.kind}) skipped: its claim ran out and another dispatcher took it`,
        );
        return 'skipped';
      }
    } catch (error) {
      this.logger.error(
        `Notification ${row.id} (${row.kind}) skipped: its claim could not be renewed (${reasonOf(error)}); it is tried again once the claim ends`,
      );
      return 'skipped';
    }
    try {
      await transport.send({
        id: row.id,
        to: row.recipient_email,
        subject: row.subject,
        text: row.text_body,
        html: row.html_body,
        attachments: row.attachments,
        createdAt: row.created_at,
      });
    } catch (error) {
      return this.recordFailure(row, claim, error);
    }
    await this.recordSent(row, claim);
    return 'sent';
  }

  /** Extends the claim for the send to come; false when it is no longer this pass's. */
  private async renew(row: ClaimedRow, claim: string): Promise<boolean> {
    const [, renewed] = await this.db.query<[unknown, number]>(
      `UPDATE notification SET claimed_until = now() + make_interval(secs => $3)
        WHERE id = $1 AND claimed_by = $2 AND status = 'pending'`,
      [row.id, claim, CLAIM_LEASE_SECONDS],
    );
    return renewed === 1;
  }

  private async recordSent(row: ClaimedRow, claim: string): Promise<void> {
    try {
      const [, marked] = await this.db.query<[unknown, number]>(
        `UPDATE notification
            SET status = 'sent', sent_at = now(), claimed_until = NULL, claimed_by = NULL,
                last_error = NULL, ${BLANK_ACCOUNT_BODIES}
          WHERE id = $1 AND claimed_by = $2`,
        [row.id, claim],
      );
      if (marked === 0) {
        this.logger.error(
          `Notification ${row.id} (${row.kind}) was sent, but its claim had run out and another dispatcher took it: it may be sent twice`,
        );
      }
    } catch (error) {
      this.logger.error(
        `Notification ${row.id} (${row.kind}) was sent but could not be marked sent (${reasonOf(error)}): it is sent again once its claim ends`,
      );
    }
  }

  private async recordFailure(
    row: ClaimedRow,
    claim: string,
    error: unknown,
  ): Promise<'retrying' | 'failed'> {
    const { maxAttempts, retryBaseMs } = this.config.mail;
    const next = afterFailure(row.attempts, maxAttempts, retryBaseMs);
    const reason = reasonOf(error).slice(0, 1000);
    try {
      const [, marked] = await this.db.query<[unknown, number]>(
        `UPDATE notification
            SET status = $3, next_attempt_at = now() + make_interval(secs => $4),
                claimed_until = NULL, claimed_by = NULL, last_error = $5
                ${next.status === 'failed' ? `, ${BLANK_ACCOUNT_BODIES}` : ''}
          WHERE id = $1 AND claimed_by = $2`,
        [row.id, claim, next.status, next.delayMs / 1000, reason],
      );
      if (marked === 0) {
        this.logger.warn(
          `Notification ${row.id} (${row.kind}): attempt ${row.attempts} failed, and another dispatcher has taken it over meanwhile: ${reason}`,
        );
        return 'retrying';
      }
    } catch (recording) {
      this.logger.error(
        `Notification ${row.id} (${row.kind}): attempt ${row.attempts} failed (${reason}) and could not be recorded (${reasonOf(recording)}); it is tried again once its claim ends`,
      );
      return 'retrying';
    }
    if (next.status === 'failed') {
      this.logger.error(
        `Notification ${row.id} (${row.kind}) failed after ${row.attempts} attempts: ${reason}`,
      );
      return 'failed';
    }
    this.logger.warn(
      `Notification ${row.id} (${row.kind}): attempt ${row.attempts} failed, again in ${next.delayMs / 1000} s: ${reason}`,
    );
    return 'retrying';
  }

  /** Gives back messages claimed but not tried, at once rather than when their claim ends. */
  private async release(rows: readonly ClaimedRow[], claim: string): Promise<void> {
    try {
      await this.db.query(
        `UPDATE notification
            SET claimed_until = NULL, claimed_by = NULL, attempts = attempts - 1
          WHERE id = ANY($1::uuid[]) AND claimed_by = $2`,
        [rows.map((row) => row.id), claim],
      );
    } catch (error) {
      this.logger.warn(
        `${rows.length} notification(s) not given back (${reasonOf(error)}): they are sent once their claim ends`,
      );
    }
  }
}
