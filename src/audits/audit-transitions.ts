import { IllegalAuditTransitionError } from 'src/audits/audits.errors';
import type { AuditStatus } from 'src/audits/audits.types';

export const AUDIT_ACTIONS = [
  'reschedule',
  'start',
  'record_finding',
  'submit',
  'return',
  'close',
  'cancel',
] as const;
/** What can be done to an audit; each is allowed from some states only. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

interface Transition {
  readonly from: readonly AuditStatus[];
  readonly to: AuditStatus;
}

/**
 * The audit's life: planned → in_progress → submitted → closed, cancelled from planned or in
 * progress, and a submitted audit returned to its auditor (in progress again). Rescheduling and
 * recording a finding keep the state. Closed and cancelled are final.
 */
export const AUDIT_TRANSITIONS: Readonly<Record<AuditAction, Transition>> = {
  reschedule: { from: ['planned'], to: 'planned' },
  start: { from: ['planned'], to: 'in_progress' },
  record_finding: { from: ['in_progress'], to: 'in_progress' },
  submit: { from: ['in_progress'], to: 'submitted' },
  return: { from: ['submitted'], to: 'in_progress' },
  close: { from: ['submitted'], to: 'closed' },
  cancel: { from: ['planned', 'in_progress'], to: 'cancelled' },
};

/** The state `action` leads to from `from`, or null when it is not allowed there. */
export function auditTransition(from: AuditStatus, action: AuditAction): AuditStatus | null {
  const transition = AUDIT_TRANSITIONS[action];
  return transition.from.includes(from) ? transition.to : null;
}

/**
 * The state `action` leads to from `from`.
 *
 * @throws IllegalAuditTransitionError (409 AUDIT.ILLEGAL_TRANSITION, naming both states) when
 *   the action is not allowed from `from`.
 */
export function assertAuditTransition(from: AuditStatus, action: AuditAction): AuditStatus {
  const to = auditTransition(from, action);
  if (to === null) {
    const transition = AUDIT_TRANSITIONS[action];
    throw new IllegalAuditTransitionError(action, from, transition.to, transition.from);
  }
  return to;
}
