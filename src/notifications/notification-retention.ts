import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DAY_MS } from 'src/common/time';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { type JobRun, SchedulerService } from 'src/scheduler/scheduler.service';

/** The scheduled job deleting sent notifications older than NOTIFY_RETENTION_DAYS. */
export const NOTIFICATION_RETENTION_JOB = 'notification.retention';
const RETENTION_EVERY_MS = 15 * 60 * 1000;
const PURGE_BATCH = 500;
const PURGE_MAX_BATCHES = 10;

/**
 * Keeps the outbox from growing for ever: a sent message older than NOTIFY_RETENTION_DAYS goes,
 * as an email and as its recipient's notification, read or not. Pending and failed messages stay
 * (administrators see the failed ones). Up to 5,000 a run, by batches read from the oldest end of
 * notification_created_idx; a backlog is worked off over the following runs.
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

  /** Deletes sent messages created before `at` less the retention; returns how many. */
  async purge({ em, at }: Pick<JobRun, 'em' | 'at'>): Promise<number> {
    const cutoff = new Date(at.getTime() - this.config.mail.retentionDays * DAY_MS);
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
    return purged;
  }
}
