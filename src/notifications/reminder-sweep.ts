import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import { certificateExpiresAt } from 'src/certificates/certificate-validity';
import type { NotificationEvent } from 'src/notifications/notification-events';
import { NotificationsService } from 'src/notifications/notifications.service';
import {
  CERTIFICATE_REMINDERS,
  CORRECTIVE_ACTION_REMINDERS,
  reminderDue,
  reminderKey,
  SURVEILLANCE_REMINDERS,
} from 'src/notifications/reminder-windows';
import { SchedulerService } from 'src/scheduler/scheduler.service';

export const REMINDER_SWEEP_JOB = 'notification-reminders';
export const REMINDER_SWEEP_EVERY_MS = 5 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** What a reminder is about: the row locked while it is written. */
interface Subject {
  readonly type: 'corrective_action' | 'certificate' | 'site';
  readonly id: string;
}

/** A reminder due, with its once-only key (kind, subject, deadline). */
export interface DueReminder {
  readonly subject: Subject;
  readonly event: NotificationEvent;
  readonly onceKey: string;
}

export interface ReminderOutcome {
  /** Reminders due and not yet written when the sweep looked. */
  readonly due: number;
  /** Messages written, one per recipient. */
  readonly messages: number;
  /** Left to the next sweep: the subject was held by a change in progress or no longer due. */
  readonly skipped: number;
  /** Failed, logged, and tried again by the next sweep. */
  readonly failed: number;
}

/**
 * The reminders due at `at` (all of them, or the one subject's, locked), not yet written. Open
 * corrective actions of active sites by their deadline; valid certificates by their end; sites
 * whose audit validity ends within 30 days and that have no audit planned or under way.
 */
export async function findDueReminders(
  em: EntityManager,
  at: Date,
  subject?: Subject,
): Promise<DueReminder[]> {
  const due = [
    ...(!subject || subject.type === 'corrective_action'
      ? await correctiveActionReminders(em, at, subject?.id)
      : []),
    ...(!subject || subject.type === 'certificate'
      ? await certificateReminders(em, at, subject?.id)
      : []),
    ...(!subject || subject.type === 'site'
      ? await surveillanceReminders(em, at, subject?.id)
      : []),
  ];
  return withoutWritten(em, due);
}

// With an id: that subject only, its row locked against a change in progress (skipped if held).
const only = (column: string, lockOf: string, id: string | undefined, next: number) =>
  id === undefined ? '' : ` AND ${column} = $${next} FOR SHARE OF ${lockOf} SKIP LOCKED`;

async function correctiveActionReminders(
  em: EntityManager,
  at: Date,
  id?: string,
): Promise<DueReminder[]> {
  const horizon = new Date(at.getTime() + 7 * DAY_MS);
  const rows = await em.query<{ id: string; due_at: Date; opened_at: Date }[]>(
    `SELECT ca.id, ca.due_at, ca.opened_at FROM corrective_action ca
       JOIN site s ON s.id = ca.site_id
      WHERE ca.status = 'open' AND ca.due_at <= $1 AND s.active${only('ca.id', 'ca', id, 2)}`,
    id === undefined ? [horizon] : [horizon, id],
  );
  return rows.flatMap((row): DueReminder[] => {
    const kind = reminderDue(CORRECTIVE_ACTION_REMINDERS, row.due_at, at, row.opened_at);
    return kind === null
      ? []
      : [
          {
            subject: { type: 'corrective_action', id: row.id },
            event: { kind, correctiveActionId: row.id },
            onceKey: reminderKey(kind, row.id, row.due_at),
          },
        ];
  });
}

async function certificateReminders(
  em: EntityManager,
  at: Date,
  id?: string,
): Promise<DueReminder[]> {
  const horizon = new Date(at.getTime() + 30 * DAY_MS);
  const rows = await em.query<{ id: string; expires_at: Date; issued_at: Date }[]>(
    `SELECT c.id, c.expires_at, c.issued_at FROM certificate c
      WHERE c.status = 'valid' AND c.expires_at > $1 AND c.expires_at <= $2${only('c.id', 'c', id, 3)}`,
    id === undefined ? [at, horizon] : [at, horizon, id],
  );
  return rows.flatMap((row): DueReminder[] => {
    const kind = reminderDue(CERTIFICATE_REMINDERS, row.expires_at, at, row.issued_at);
    return kind === null
      ? []
      : [
          {
            subject: { type: 'certificate', id: row.id },
            event: { kind, certificateId: row.id },
            onceKey: reminderKey(kind, row.id, row.expires_at),
          },
        ];
  });
}

async function surveillanceReminders(
  em: EntityManager,
  at: Date,
  id?: string,
): Promise<DueReminder[]> {
  const today = calendarDate(at);
  // The status row is the one locked: a recomputation in progress may move the validity.
  const filter = only('sc.site_id', 'sc', id, 3);
  const rows = await em.query<{ id: string; valid_until: string }[]>(
    `SELECT s.id, sc.valid_until::text AS valid_until FROM site_compliance sc
       JOIN site s ON s.id = sc.site_id
      WHERE sc.valid_until BETWEEN $1::date AND $2::date AND s.active
        AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.site_id = sc.site_id
                         AND a.status IN ('planned', 'in_progress', 'submitted'))${filter}`,
    id === undefined ? [today, addDays(today, 31)] : [today, addDays(today, 31), id],
  );
  return rows.flatMap((row): DueReminder[] => {
    // The validity ends when its last day does, as a certificate's.
    const kind = reminderDue(SURVEILLANCE_REMINDERS, certificateExpiresAt(row.valid_until), at);
    return kind === null
      ? []
      : [
          {
            subject: { type: 'site', id: row.id },
            event: { kind, siteId: row.id, validUntil: row.valid_until },
            onceKey: reminderKey(kind, row.id, row.valid_until),
          },
        ];
  });
}

/** Drops the reminders already written (by an earlier sweep, or another instance's). */
async function withoutWritten(
  em: EntityManager,
  due: readonly DueReminder[],
): Promise<DueReminder[]> {
  if (due.length === 0) {
    return [];
  }
  const written = await em.query<{ once_key: string }[]>(
    'SELECT DISTINCT once_key FROM notification WHERE once_key = ANY($1::text[])',
    [due.map((r) => r.onceKey)],
  );
  const seen = new Set(written.map((r) => r.once_key));
  return due.filter((r) => !seen.has(r.onceKey));
}

/**
 * The time-driven messages: corrective actions due in 7 days, due tomorrow, overdue; certificates
 * expiring in 30 and in 7 days; surveillance audits due. Every 5 minutes and by `npm run
 * compliance:sweep`: the reminders due are found in one pass, then each is written in its own
 * short transaction with its once-only key, so that a reminder is sent once per subject and
 * threshold however many sweeps run, at once or one after the other.
 */
@Injectable()
export class ReminderSweep implements OnModuleInit {
  private readonly logger = new Logger(ReminderSweep.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scheduler: SchedulerService,
    private readonly notifications: NotificationsService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: REMINDER_SWEEP_JOB,
      everyMs: REMINDER_SWEEP_EVERY_MS,
      run: async ({ em, at, afterCommit }) => {
        const due = await findDueReminders(em, at);
        // Once the job's transaction has ended: the embedded engine has a single connection.
        afterCommit(async () => {
          await this.write(due, at);
        });
      },
    });
  }

  /** Sweeps as of `at` (now unless told: tests and the command may set the clock forward). */
  async sweep(at: Date = new Date()): Promise<ReminderOutcome> {
    return this.write(await findDueReminders(this.db.manager, at), at);
  }

  private async write(due: readonly DueReminder[], at: Date): Promise<ReminderOutcome> {
    let messages = 0;
    let skipped = 0;
    let failed = 0;
    for (const reminder of due) {
      try {
        const written = await this.writeOne(reminder, at);
        messages += written ?? 0;
        skipped += written === null ? 1 : 0;
      } catch (error) {
        failed += 1;
        this.logger.error(
          `Reminder ${reminder.onceKey} not written: ${error instanceof Error ? error.message : String(error)}`,
          error instanceof Error ? error.stack : undefined,
        );
      }
    }
    if (messages > 0) {
      this.logger.log(`Reminders: ${messages} message(s) for ${due.length} reminder(s) due`);
    }
    return { due: due.length, messages, skipped, failed };
  }

  /** Messages written, or null when the subject is held or no longer due (the next sweep sees). */
  private writeOne(reminder: DueReminder, at: Date): Promise<number | null> {
    return this.db.transaction(async (em) => {
      const [still] = await findDueReminders(em, at, reminder.subject);
      if (still?.onceKey !== reminder.onceKey) {
        return null;
      }
      return this.notifications.notify(em, still.event, { onceKey: still.onceKey });
    });
  }
}
