import {
  AUDIT_ACTIONS,
  type AuditAction,
  assertAuditTransition,
  auditTransition,
} from 'src/audits/audit-transitions';
import { IllegalAuditTransitionError } from 'src/audits/audits.errors';
import { AUDIT_STATUSES, type AuditStatus } from 'src/audits/audits.types';

// Every legal move of the audit's life, written out: anything not here is illegal.
const LEGAL: [AuditStatus, AuditAction, AuditStatus][] = [
  ['planned', 'reschedule', 'planned'],
  ['planned', 'start', 'in_progress'],
  ['planned', 'cancel', 'cancelled'],
  ['in_progress', 'record_finding', 'in_progress'],
  ['in_progress', 'submit', 'submitted'],
  ['in_progress', 'cancel', 'cancelled'],
  ['submitted', 'return', 'in_progress'],
  ['submitted', 'close', 'closed'],
];

const isLegal = (from: AuditStatus, action: AuditAction) =>
  LEGAL.some(([f, a]) => f === from && a === action);

const ILLEGAL = AUDIT_STATUSES.flatMap((from) =>
  AUDIT_ACTIONS.filter((action) => !isLegal(from, action)).map(
    (action) => [from, action] as [AuditStatus, AuditAction],
  ),
);

describe('audit transitions', () => {
  it.each(LEGAL)('from %s, %s leads to %s', (from, action, to) => {
    expect(auditTransition(from, action)).toBe(to);
    expect(assertAuditTransition(from, action)).toBe(to);
  });

  it.each(ILLEGAL)('from %s, %s is refused with a 409 naming both states', (from, action) => {
    expect(auditTransition(from, action)).toBeNull();
    let thrown: unknown;
    try {
      assertAuditTransition(from, action);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalAuditTransitionError);
    const error = thrown as IllegalAuditTransitionError;
    expect(error.status).toBe(409);
    expect(error.code).toBe('AUDIT.ILLEGAL_TRANSITION');
    expect(error.extensions).toMatchObject({ action, from });
    expect(error.message).toContain(from);
    expect(error.message).toContain(String(error.extensions.to));
  });

  it('covers every pair of state and action, legal or not', () => {
    expect(LEGAL.length + ILLEGAL.length).toBe(AUDIT_STATUSES.length * AUDIT_ACTIONS.length);
  });

  it.each(['closed', 'cancelled'] as const)('lets nothing out of %s', (status) => {
    expect(AUDIT_ACTIONS.map((a) => auditTransition(status, a))).toEqual(
      AUDIT_ACTIONS.map(() => null),
    );
  });
});
