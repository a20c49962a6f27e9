import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import { certificateExpiresAt } from 'src/certificates/certificate-validity';
import { DAY_MS } from 'src/common/time';
import type { NotificationEvent } from 'src/notifications/notification-events';
import { NotificationsService } from 'src/notifications/notifications.service';
import {
  type Bind,
  binder,
  CERTIFICATE_REMINDERS,
  CORRECTIVE_ACTION_REMINDERS,
  notRecorded,
  reminderDue,
  reminderDueSql,
  reminderKey,
  reminderKeySql,
  SURVEILLANCE_REMINDERS,
} from 'src/notifications/reminder-windows';
import { SchedulerService } from 'src/scheduler/scheduler.service';

export const REMINDER_SWEEP_JOB = 'notification-reminders';
export const REMINDER_SWEEP_EVERY_MS = 5 * 60 * 1000;

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
 * The reminders due at `at` (all of them, or the one subject's, locked), not yet recorded. Open
 * corrective actions of active sites by their deadline; valid certificates by their end; sites
 * whose audit validity ends within 30 days and that have no audit planned or under way. Each
 * query leaves out the reminders recorded in `reminder_sent`, so that one written earlier, or
 * that found no one to tell, is not loaded again.
 */
export async function findDueReminders(
  em: EntityManager,
  at: Date,
  subject?: Subject,
): Promise<DueReminder[]> {
  if (subject) {
    return REMINDERS_OF[subject.type](em, at, subject.id);
  }
  return [
    ...(await correctiveActionReminders(em, at)),
    ...(await certificateReminders(em, at)),
    ...(await surveillanceReminders(em, at)),
  ];
}

/** Runs the query `sql` writes, with the values it binds. */
async function select<Row>(em: EntityManager, sql: (bind: Bind) => string): Promise<Row[]> {
  const values: unknown[] = [];
  const text = sql(binder(values));
  return em.query<Row[]>(text, values);
}

/** The subject's reminder of `kind`, keyed by its deadline; none when no kind is due. */
function reminderOf<K extends NotificationEvent['kind']>(
  subject: Subject,
  kind: K | null,
  deadline: Date | string,
  event: (kind: K) => NotificationEvent,
): DueReminder[] {
  return kind === null
    ? []
    : [{ subject, event: event(kind), onceKey: reminderKey(kind, subject.id, deadline) }];
}

// With an id: that subject only, its row locked against a change in progress (skipped if held).
const only = (column: string, lockOf: string, id: string | undefined, bind: Bind) =>
  id === undefined ? '' : ` AND ${column} = ${bind(id)} FOR SHARE OF ${lockOf} SKIP LOCKED`;

async function correctiveActionReminders(
  em: EntityManager,
  at: Date,
  id?: string,
): Promise<DueReminder[]> {
  // Overdue actions stay open for as long as they do: the record of the reminder bounds them.
  const rows = await select<{ id: string; due_at: Date; opened_at: Date }>(em, (bind) => {
    const kind = reminderDueSql(CORRECTIVE_ACTION_REMINDERS, 'ca.due_at', at, bind);
    const horizon = bind(new Date(at.getTime() + 7 * DAY_MS));
    return `SELECT ca.id, ca.due_at, ca.opened_at FROM corrective_action ca
       JOIN site s ON s.id = ca.site_id
      WHERE ca.status = 'open' AND ca.due_at <= ${horizon}::timestamptz AND s.active
        AND ${notRecorded(reminderKeySql(kind, 'ca.id', { instant: 'ca.due_at' }))}${only('ca.id', 'ca', id, bind)}`;
  });
  return rows.flatMap((row) =>
    reminderOf(
      { type: 'corrective_action', id: row.id },
      reminderDue(CORRECTIVE_ACTION_REMINDERS, row.due_at, at, row.opened_at),
      row.due_at,
      (kind) => ({ kind, correctiveActionId: row.id }),
    ),
  );
}

async function certificateReminders(
  em: EntityManager,
  at: Date,
  id?: string,
): Promise<DueReminder[]> {
  const rows = await select<{ id: string; expires_at: Date; issued_at: Date }>(em, (bind) => {
    const kind = reminderDueSql(CERTIFICATE_REMINDERS, 'c.expires_at', at, bind);
    const horizon = bind(new Date(at.getTime() + 30 * DAY_MS));
    return `SELECT c.id, c.expires_at, c.issued_at FROM certificate c
      WHERE c.status = 'valid' AND c.expires_at > ${bind(at)}::timestamptz
        AND c.expires_at <= ${horizon}::timestamptz
        AND ${notRecorded(reminderKeySql(kind, 'c.id', { instant: 'c.expires_at' }))}${only('c.id', 'c', id, bind)}`;
  });
  return rows.flatMap((row) =>
    reminderOf(
      { type: 'certificate', id: row.id },
      reminderDue(CERTIFICATE_REMINDERS, row.expires_at, at, row.issued_at),
      row.expires_at,
      (kind) => ({ kind, certificateId: row.id }),
    ),
  );
}

async function surveillanceReminders(
  em: EntityManager,
  at: Date,
  id?: string,
): Promise<DueReminder[]> {
  const today = calendarDate(at);
  const [{ kind }] = SURVEILLANCE_REMINDERS.before;
  // The status row is the one locked: a recomputation in progress may move the validity.
  const rows = await select<{ id: string; valid_until: string }>(em, (bind) => {
    const key = reminderKeySql(`${bind(kind)}::text`, 's.id', { date: 'sc.valid_until' });
    return `SELECT s.id, sc.valid_until::text AS valid_until FROM site_compliance sc
       JOIN site s ON s.id = sc.site_id
      WHERE sc.valid_until BETWEEN ${bind(today)}::date AND ${bind(addDays(today, 31))}::date
        AND s.active AND ${notRecorded(key)}
        AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.site_id = sc.site_id
                         AND a.status IN ('planned', 'in_progress', 'submitted'))${only('sc.site_id', 'sc', id, bind)}`;
  });
  return rows.flatMap((row) =>
    reminderOf(
      { type: 'site', id: row.id },
      // The validity ends when its last day does, as a certificate's.
      reminderDue(SURVEILLANCE_REMINDERS, certificateExpiresAt(row.valid_until), at),
      row.valid_until,
      (due) => ({ kind: due, siteId: row.id, validUntil: row.valid_until }),
    ),
  );
}

const REMINDERS_OF: Readonly<
  Record<Subject['type'], (em: EntityManager, at: Date, id: string) => Promise<DueReminder[]>>
> = {
  corrective_action: correctiveActionReminders,
  certificate: certificateReminders,
  site: surveillanceReminders,
};

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

  /**
   * Messages written, or null when the subject is held or no longer due (the next sweep sees).
   * The reminder is recorded first, whoever it reaches (all may have muted it): a sweep that
   * records it at the same time waits for this one's end, then writes nothing.
   */
  private writeOne(reminder: DueReminder, at: Date): Promise<number | null> {
    return this.db.transaction(async (em) => {
      const [still] = await findDueReminders(em, at, reminder.subject);
      if (still?.onceKey !== reminder.onceKey) {
        return null;
      }
      const recorded = await em.query<unknown[]>(
        `INSERT INTO reminder_sent (once_key) VALUES ($1) ON CONFLICT DO NOTHING RETURNING once_key`,
        [still.onceKey],
      );
      if (recorded.length === 0) {
        return 0;
      }
      return this.notifications.notify(em, still.event, { onceKey: still.onceKey });
    });
  }
}
