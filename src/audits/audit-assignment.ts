import { type EntityManager, In } from 'typeorm';
import { Audit } from 'src/audits/audit.entity';
import type { AuditStatus } from 'src/audits/audits.types';

/** The statuses in which an audit's auditor is still to conduct it. */
export const ASSIGNED_STATUSES: readonly AuditStatus[] = ['planned', 'in_progress'];

/**
 * Whether the auditor is assigned an audit of the site that is still to be conducted (planned
 * or in progress): such an auditor may upload evidence for the site. A plain function beside
 * {@link AuditsService.isAssignedAuditor}, so that the evidence feature can ask without
 * importing the audits module (which imports the evidence module).
 */
export function isAssignedAuditor(
  em: EntityManager,
  auditorId: string,
  siteId: string,
): Promise<boolean> {
  return em.existsBy(Audit, { auditorId, siteId, status: In([...ASSIGNED_STATUSES]) });
}
