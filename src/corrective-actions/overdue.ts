import type {
  CorrectiveActionStatus,
  ResponseOutcome,
} from 'src/corrective-actions/corrective-actions.types';

/** What the clock of a corrective action reads of it. */
export interface ClockedAction {
  readonly dueAt: Date;
  readonly supersededAt: Date | null;
}

/** What the clock reads of each of its responses. */
export interface ClockedResponse {
  readonly respondedAt: Date;
  /** Null while under review. */
  readonly outcome: ResponseOutcome | null;
  readonly reviewedAt: Date | null;
}

/**
 * The state of a corrective action at time `at`, read from its history: superseded once a newer
 * audit closed; otherwise its last response given by then decides: none, or rejected by then,
 * `open`; accepted by then, `verified`; not reviewed by then, `responded`.
 */
export function correctiveActionStateAt(
  action: ClockedAction,
  responses: readonly ClockedResponse[],
  at: Date,
): CorrectiveActionStatus {
  if (action.supersededAt !== null && action.supersededAt.getTime() <= at.getTime()) {
    return 'superseded';
  }
  let last: ClockedResponse | undefined;
  for (const response of responses) {
    const time = response.respondedAt.getTime();
    if (time <= at.getTime() && (!last || time >= last.respondedAt.getTime())) {
      last = response;
    }
  }
  if (!last) {
    return 'open';
  }
  if (last.outcome === null || last.reviewedAt === null || last.reviewedAt > at) {
    return 'responded';
  }
  return last.outcome === 'accepted' ? 'verified' : 'open';
}

/**
 * Whether a corrective action is overdue at `at` (charter-v1.md): it is open — never responded
 * to, or its last response rejected — and `at` is past `dueAt`. A response stops the clock while
 * an auditor reviews it, however long the review takes; a rejection restarts it, and past `dueAt`
 * the action is overdue at once (the deadline does not move).
 *
 * The `overdue` filter of the corrective-action list reads the same rule off the stored status:
 * `status = 'open' AND due_at < at`.
 */
export function isOverdue(
  action: ClockedAction,
  responses: readonly ClockedResponse[],
  at: Date,
): boolean {
  return (
    at.getTime() > action.dueAt.getTime() &&
    correctiveActionStateAt(action, responses, at) === 'open'
  );
}
