import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ACCOUNT_TOKEN_TTL_MS } from 'src/auth/account-tokens';
import { DAY_MS } from 'src/common/time';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { type JobRun, SchedulerService } from 'src/scheduler/scheduler.service';

/** The scheduled job deleting sent notifications older than NOTIFY_RETENTION_DAYS. */
export const NOTIFICATION_RETENTION_JOB = 'notification.retention';
const RETENTION_EVERY_MS = 15 * 60 * 1000;
const PURGE_BATCH = 500;
const PURGE_MAX_BATCHES = 10;

// A failed account email carries a code that no longer works after this long: nothing is left to
// retry (and it cannot be retried), so it goes rather than stay counted as failed for ever.
const DEAD_ACCOUNT_EMAIL_MS = Math.max(...Object.values(ACCOUNT_TOKEN_TTL_MS));

/**
 * Keeps the outbox from growing for ever: a sent message older than NOTIFY_RETENTION_DAYS goes,
 * as an email and as its recipient's notification, read or not; so does a failed account email
 * whose code has expired. Other pending and failed messages stay (administrators see the failed
 * ones). Up to 5,000 a run, by batches read from the oldest end of notification_created_idx; a
 * backlog is worked off over the following runs.
 */
@Injectable()
export class NotificationRetention implements OnModuleInit {
  private readonly logger = new Logger(NotificationRetention.name);

  constructor(
    private readonly scheduler: SchedulerService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: NOTIFICATION_RETENTION_JOB,
      everyMs: RETENTION_EVERY_MS,
      run: async (run) => {
        await this.purge(run);
      },
    });
  }

  /**
   * Deletes sent messages created before `at` less the retention, and failed account emails whose
   * code has expired; returns how many.
   */
  async purge({ em, at }: Pick<JobRun, 'em' | 'at'>): Promise<number> {
    const cutoff = new Date(at.getTime() - this.config.mail.retentionDays * DAY_MS);
    const [, dead] = await em.query<[unknown, number]>(
      `DELETE FROM notification WHERE id IN (
         SELECT id FROM notification
          WHERE status = 'failed' AND kind LIKE 'account.%' AND created_at < $1
          LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [new Date(at.getTime() - DEAD_ACCOUNT_EMAIL_MS), PURGE_BATCH],
    );
    if (dead > 0) {
      this.logger.log(`Deleted ${dead} failed account email(s) whose code has expired`);
    }
    let purged = 0;
    for (let batch = 0; batch < PURGE_MAX_BATCHES; batch++) {
      const [, count] = await em.query<[unknown, number]>(
        `DELETE FROM notification WHERE id IN (
           SELECT id FROM notification WHERE status = 'sent' AND created_at < $1
            ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [cutoff, PURGE_BATCH],
      );
      purged += count;
      if (count < PURGE_BATCH) {
        break;
      }
    }
    if (purged > 0) {
      this.logger.log(
        `Deleted ${purged} sent notification(s) older than ${this.config.mail.retentionDays} days`,
      );
    }
    return purged + dead;
  }
}
