import { DAY_MS } from 'src/common/time';
import type { CorrectiveActionGrade } from 'src/corrective-actions/corrective-actions.types';

/** The deadlines of a charter version's rules, in days from the audit's closing. */
export interface CorrectiveActionDeadlines {
  readonly majorNcDeadlineDays: number;
  readonly minorNcDeadlineDays: number;
}

/**
 * `dueAt = closedAt + N days` (charter-v1.md: 7 for a major NC, 30 for a minor one in 2020.1):
 * days of 24 hours from the instant of closing, so that the deadline is the same instant
 * wherever it is read.
 */
export function correctiveActionDueAt(
  grade: CorrectiveActionGrade,
  closedAt: Date,
  deadlines: CorrectiveActionDeadlines,
): Date {
  const days = grade === 'major_nc' ? deadlines.majorNcDeadlineDays : deadlines.minorNcDeadlineDays;
  return new Date(closedAt.getTime() + days * DAY_MS);
}
