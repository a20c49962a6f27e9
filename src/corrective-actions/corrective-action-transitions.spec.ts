import {
  assertCorrectiveActionTransition,
  CORRECTIVE_ACTION_EVENTS,
  type CorrectiveActionEvent,
  correctiveActionTransition,
} from 'src/corrective-actions/corrective-action-transitions';
import { IllegalCorrectiveActionTransitionError } from 'src/corrective-actions/corrective-actions.errors';
import {
  CORRECTIVE_ACTION_STATUSES,
  type CorrectiveActionStatus,
} from 'src/corrective-actions/corrective-actions.types';

const LEGAL: [CorrectiveActionStatus, CorrectiveActionEvent, CorrectiveActionStatus][] = [
  ['open', 'responded', 'responded'],
  ['open', 'superseded', 'superseded'],
  ['responded', 'verified', 'verified'],
  ['responded', 'rejected', 'open'],
  ['responded', 'superseded', 'superseded'],
];

const ILLEGAL = CORRECTIVE_ACTION_STATUSES.flatMap((from) =>
  CORRECTIVE_ACTION_EVENTS.filter((e) => !LEGAL.some(([f, l]) => f === from && l === e)).map(
    (event) => [from, event] as [CorrectiveActionStatus, CorrectiveActionEvent],
  ),
);

describe('corrective action transitions', () => {
  it.each(LEGAL)('from %s, being %s leads to %s', (from, event, to) => {
    expect(correctiveActionTransition(from, event)).toBe(to);
    expect(assertCorrectiveActionTransition(from, event)).toBe(to);
  });

  it.each(ILLEGAL)('from %s, being %s is refused with a 409 naming both states', (from, event) => {
    expect(correctiveActionTransition(from, event)).toBeNull();
    expect(() => assertCorrectiveActionTransition(from, event)).toThrow(
      IllegalCorrectiveActionTransitionError,
    );
    try {
      assertCorrectiveActionTransition(from, event);
    } catch (error) {
      const e = error as IllegalCorrectiveActionTransitionError;
      expect(e.status).toBe(409);
      expect(e.code).toBe('CORRECTIVE_ACTION.ILLEGAL_TRANSITION');
      expect(e.extensions).toMatchObject({ event, from });
      expect(e.message).toContain(from);
    }
  });

  it('covers every pair of state and event', () => {
    expect(LEGAL.length + ILLEGAL.length).toBe(
      CORRECTIVE_ACTION_STATUSES.length * CORRECTIVE_ACTION_EVENTS.length,
    );
  });

  it.each(['verified', 'superseded'] as const)('lets nothing out of %s', (status) => {
    for (const event of CORRECTIVE_ACTION_EVENTS) {
      expect(correctiveActionTransition(status, event)).toBeNull();
    }
  });
});
