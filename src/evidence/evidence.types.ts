export const EVIDENCE_RECORD_TYPES = [
  'self_assessment_answer',
  'audit_finding',
  'corrective_action_response',
] as const;
/** The kinds of record evidence is attached to. */
export type EvidenceRecordType = (typeof EVIDENCE_RECORD_TYPES)[number];

/** The most evidence one record may refer to. */
export const MAX_EVIDENCE_PER_RECORD = 20;

/** Unattached uploads older than this are swept. */
export const UNATTACHED_EVIDENCE_TTL_MS = 24 * 60 * 60 * 1000;

/** What {@link EvidenceService.attach} links. */
export interface EvidenceLink {
  readonly organisationId: string;
  readonly recordType: EvidenceRecordType;
  readonly recordId: string;
  readonly evidenceIds: readonly string[];
}
