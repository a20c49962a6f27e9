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
import type { StoredAttachment } from 'src/notifications/notifications.service';

/** How many messages one pass claims. */
export const DISPATCH_BATCH_SIZE = 20;

/**
 * How long a claim holds its messages: a dispatcher that dies mid-batch lets them go after this,
 * and a batch's sends (each bounded by the SMTP timeouts) end well before it.
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
}

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
}

/**
 * Sends the outbox. A pass claims due messages in one short statement (`FOR UPDATE SKIP LOCKED`,
 * so that two dispatchers never claim the same row), sends each with no transaction open, then
 * marks it sent, or due again after a backoff, or failed after NOTIFY_MAX_ATTEMPTS. Every
 * instance runs a pass on its timer, off under NODE_ENV=test (tests call {@link dispatchOnce}).
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private transport?: MailTransport;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

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
          this.logger.error(
            `Dispatch failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      }
    }, this.config.mail.dispatchIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    this.transport?.close();
  }

  /** One pass: claims up to `limit` due messages and tries each once. */
  async dispatchOnce(limit: number = DISPATCH_BATCH_SIZE): Promise<DispatchOutcome> {
    const pass = this.pass(limit);
    this.running = pass;
    try {
      return await pass;
    } finally {
      if (this.running === pass) {
        this.running = undefined;
      }
    }
  }

  private async pass(limit: number): Promise<DispatchOutcome> {
    const claim = randomUUID();
    const [rows] = await this.db.query<[ClaimedRow[], number]>(
      `UPDATE notification
          SET claimed_until = now() + make_interval(secs => $2), claimed_by = $3,
              attempts = attempts + 1
        WHERE id IN (
          SELECT id FROM notification
           WHERE status = 'pending' AND next_attempt_at <= now()
             AND (claimed_until IS NULL OR claimed_until < now())
           ORDER BY next_attempt_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
      RETURNING id, kind, recipient_email, subject, text_body, html_body, attachments, attempts,
                created_at`,
      [limit, CLAIM_LEASE_SECONDS, claim],
    );
    const outcome = { claimed: rows.length, sent: 0, retrying: 0, failed: 0 };
    for (const row of rows) {
      const result = await this.deliver(row, claim);
      outcome[result] += 1;
    }
    return outcome;
  }

  private async deliver(row: ClaimedRow, claim: string): Promise<'sent' | 'retrying' | 'failed'> {
    this.transport ??= createMailTransport(this.config);
    try {
      await this.transport.send({
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
    // A token sent by email is kept only by its recipient.
    await this.db.query(
      `UPDATE notification
          SET status = 'sent', sent_at = now(), claimed_until = NULL, claimed_by = NULL,
              last_error = NULL,
              text_body = CASE WHEN kind LIKE 'account.%' THEN '' ELSE text_body END,
              html_body = CASE WHEN kind LIKE 'account.%' THEN '' ELSE html_body END
        WHERE id = $1 AND claimed_by = $2`,
      [row.id, claim],
    );
    return 'sent';
  }

  private async recordFailure(
    row: ClaimedRow,
    claim: string,
    error: unknown,
  ): Promise<'retrying' | 'failed'> {
    const { maxAttempts, retryBaseMs } = this.config.mail;
    const next = afterFailure(row.attempts, maxAttempts, retryBaseMs);
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    await this.db.query(
      `UPDATE notification
          SET status = $3, next_attempt_at = now() + make_interval(secs => $4),
              claimed_until = NULL, claimed_by = NULL, last_error = $5
        WHERE id = $1 AND claimed_by = $2`,
      [row.id, claim, next.status, next.delayMs / 1000, reason],
    );
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
}
