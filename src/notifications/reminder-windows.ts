import { DAY_MS } from 'src/common/time';

/** One window before a deadline: from `leadDays` before it up to the next window, or the deadline. */
export interface ReminderWindow<K extends string> {
  readonly kind: K;
  readonly leadDays: number;
}

/** The reminders of one kind of deadline. */
export interface ReminderSchedule<K extends string> {
  /** Longest lead first. */
  readonly before: readonly ReminderWindow<K>[];
  /** The reminder once the deadline has passed, if any. */
  readonly after?: K;
}

export const CORRECTIVE_ACTION_REMINDERS = {
  before: [
    { kind: 'corrective_action.due_in_7_days', leadDays: 7 },
    { kind: 'corrective_action.due_tomorrow', leadDays: 1 },
  ],
  after: 'corrective_action.overdue',
} as const satisfies ReminderSchedule<string>;

export const CERTIFICATE_REMINDERS = {
  before: [
    { kind: 'certificate.expiring_in_30_days', leadDays: 30 },
    { kind: 'certificate.expiring_in_7_days', leadDays: 7 },
  ],
} as const satisfies ReminderSchedule<string>;

/** The site's audit validity ends within 30 days: its surveillance audit is due. */
export const SURVEILLANCE_REMINDERS = {
  before: [{ kind: 'audit.surveillance_due', leadDays: 30 }],
} as const satisfies ReminderSchedule<string>;

type KindOf<S> = S extends ReminderSchedule<infer K> ? K : never;

/**
 * The reminder due at `at` for a deadline, or null: the window `at` falls in, each from its lead
 * before the deadline up to the next (shorter) one, the last up to the deadline itself; past the
 * deadline, the schedule's `after`. A window that had already begun when the subject came to be
 * (`since`: a corrective action opened 7 days before its deadline) is skipped: the message that
 * announced the subject named the deadline. Days are 24 hours, like the deadlines themselves.
 */
export function reminderDue<S extends ReminderSchedule<string>>(
  schedule: S,
  deadline: Date,
  at: Date,
  since: Date | null = null,
): KindOf<S> | null {
  const time = at.getTime();
  const end = deadline.getTime();
  if (time > end) {
    return (schedule.after as KindOf<S> | undefined) ?? null;
  }
  if (time === end) {
    return null;
  }
  let due: ReminderWindow<string> | undefined;
  for (const window of schedule.before) {
    if (time >= end - window.leadDays * DAY_MS) {
      due = window;
    }
  }
  if (!due || (since !== null && end - due.leadDays * DAY_MS <= since.getTime())) {
    return null;
  }
  return due.kind as KindOf<S>;
}

/**
 * The once-only key of a reminder: its kind, its subject and the deadline it is about, so that it
 * is sent once per subject and threshold, and again only when the deadline itself moves.
 */
export function reminderKey(kind: string, subjectId: string, deadline: Date | string): string {
  return `${kind}:${subjectId}:${deadline instanceof Date ? deadline.toISOString() : deadline}`;
}

/** Binds a value to the query being written and gives its placeholder (`$3`). */
export type Bind = (value: unknown) => string;

/** A `Bind` over `values`, which collects the query's parameters in order. */
export const binder =
  (values: unknown[]): Bind =>
  (value) => {
    values.push(value);
    return `$${values.length}`;
  };

/**
 * The kind {@link reminderDue} gives at `at`, as SQL over a `timestamptz` deadline column, `since`
 * aside (it can only leave a reminder out): a query can then leave out the reminders already
 * recorded before loading them. NULL when none is due.
 */
export function reminderDueSql(
  schedule: ReminderSchedule<string>,
  deadline: string,
  at: Date,
  bind: Bind,
): string {
  const instant = (value: Date) => `${bind(value)}::timestamptz`;
  const now = instant(at);
  // Shortest lead first: the window `at` falls in is the last one begun.
  const windows = [...schedule.before]
    .reverse()
    .map(
      (w) =>
        `WHEN ${deadline} <= ${instant(new Date(at.getTime() + w.leadDays * DAY_MS))} THEN ${bind(w.kind)}::text`,
    );
  const after = schedule.after === undefined ? 'NULL' : `${bind(schedule.after)}::text`;
  return `CASE WHEN ${deadline} < ${now} THEN ${after} WHEN ${deadline} = ${now} THEN NULL
    ${windows.join(' ')} END`;
}

/**
 * {@link reminderKey} as SQL: `deadline` a `timestamptz` column (written as `toISOString` does,
 * to the millisecond) or a `date` one.
 */
export function reminderKeySql(
  kind: string,
  subjectId: string,
  deadline: { readonly instant: string } | { readonly date: string },
): string {
  const written =
    'instant' in deadline
      ? `to_char(${deadline.instant} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : `${deadline.date}::text`;
  return `${kind} || ':' || ${subjectId} || ':' || ${written}`;
}

/** SQL: no reminder is recorded under the key (see `reminder_sent`). */
export const notRecorded = (key: string): string =>
  `NOT EXISTS (SELECT 1 FROM reminder_sent r WHERE r.once_key = ${key})`;
