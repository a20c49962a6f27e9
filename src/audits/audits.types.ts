export const AUDIT_TYPES = ['initial', 'surveillance', 'follow_up'] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export const AUDIT_STATUSES = [
  'planned',
  'in_progress',
  'submitted',
  'closed',
  'cancelled',
] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];

export const FINDING_RESULTS = [
  'conform',
  'observation',
  'minor_nc',
  'major_nc',
  'not_applicable',
] as const;
export type FindingResult = (typeof FINDING_RESULTS)[number];

/** The results that are non-conformities: each opens a corrective action when the audit closes. */
export const NON_CONFORMITIES = ['minor_nc', 'major_nc'] as const;
export type NonConformity = (typeof NON_CONFORMITIES)[number];

export const isNonConformity = (result: FindingResult): result is NonConformity =>
  result === 'minor_nc' || result === 'major_nc';

export const MAX_NOTE_LENGTH = 4000;
export const MAX_EVIDENCE_PER_FINDING = 20;
export const REASON_MIN_LENGTH = 10;
export const REASON_MAX_LENGTH = 2000;
