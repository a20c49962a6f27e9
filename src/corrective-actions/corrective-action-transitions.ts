import { IllegalCorrectiveActionTransitionError } from 'src/corrective-actions/corrective-actions.errors';
import type { CorrectiveActionStatus } from 'src/corrective-actions/corrective-actions.types';

export const CORRECTIVE_ACTION_EVENTS = [
  'responded',
  'verified',
  'rejected',
  'superseded',
] as const;
/** What happens to a corrective action after it is opened. */
export type CorrectiveActionEvent = (typeof CORRECTIVE_ACTION_EVENTS)[number];

interface Transition {
  readonly from: readonly CorrectiveActionStatus[];
  readonly to: CorrectiveActionStatus;
}

/**
 * open → responded (the member's response) → verified (an auditor accepts it) or open again (an
 * auditor rejects it); open or responded → superseded when a newer audit of the site closes.
 * Verified and superseded are final.
 */
export const CORRECTIVE_ACTION_TRANSITIONS: Readonly<Record<CorrectiveActionEvent, Transition>> = {
  responded: { from: ['open'], to: 'responded' },
  verified: { from: ['responded'], to: 'verified' },
  rejected: { from: ['responded'], to: 'open' },
  superseded: { from: ['open', 'responded'], to: 'superseded' },
};

/** The state `event` leads to from `from`, or null when it cannot happen there. */
export function correctiveActionTransition(
  from: CorrectiveActionStatus,
  event: CorrectiveActionEvent,
): CorrectiveActionStatus | null {
  const transition = CORRECTIVE_ACTION_TRANSITIONS[event];
  return transition.from.includes(from) ? transition.to : null;
}

/**
 * The state `event` leads to from `from`.
 *
 * @throws IllegalCorrectiveActionTransitionError (409 CORRECTIVE_ACTION.ILLEGAL_TRANSITION,
 *   naming both states) when it cannot happen there.
 */
export function assertCorrectiveActionTransition(
  from: CorrectiveActionStatus,
  event: CorrectiveActionEvent,
): CorrectiveActionStatus {
  const to = correctiveActionTransition(from, event);
  if (to === null) {
    const transition = CORRECTIVE_ACTION_TRANSITIONS[event];
    throw new IllegalCorrectiveActionTransitionError(event, from, transition.to, transition.from);
  }
  return to;
}
