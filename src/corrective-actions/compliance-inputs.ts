import type { EntityManager } from 'typeorm';
import type { CorrectiveActionEvent } from 'src/corrective-actions/corrective-action-transitions';

/**
 * The events that change a site's compliance inputs, for the compliance engine to react to
 * without reaching into the audits or corrective-actions modules. Each is called inside the
 * transaction of the change, after the change is written and before its journal entries: what
 * the listener reads through `em` is the new state, and what it throws rolls the change back.
 */
export interface ComplianceInputsListener {
  /** An audit closed: its score, findings and corrective actions are written. */
  onAuditClosed(em: EntityManager, auditId: string): Promise<void>;
  /** A corrective action was responded to, verified, rejected or superseded. */
  onCorrectiveActionChanged(
    em: EntityManager,
    correctiveActionId: string,
    event: CorrectiveActionEvent,
  ): Promise<void>;
}

/**
 * The DI token of the listener. Provide it from a global module (`{ provide:
 * COMPLIANCE_INPUTS_LISTENER, useExisting: ComplianceEngine }`, exported); without one, the
 * no-op below is used.
 */
export const COMPLIANCE_INPUTS_LISTENER = Symbol('COMPLIANCE_INPUTS_LISTENER');

export const NO_COMPLIANCE_INPUTS_LISTENER: ComplianceInputsListener = {
  onAuditClosed: () => Promise.resolve(),
  onCorrectiveActionChanged: () => Promise.resolve(),
};
