const DAY_MS = 24 * 60 * 60 * 1000;

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
