export const CORRECTIVE_ACTION_STATUSES = ['open', 'responded', 'verified', 'superseded'] as const;
export type CorrectiveActionStatus = (typeof CORRECTIVE_ACTION_STATUSES)[number];

export const CORRECTIVE_ACTION_GRADES = ['minor_nc', 'major_nc'] as const;
export type CorrectiveActionGrade = (typeof CORRECTIVE_ACTION_GRADES)[number];

export const RESPONSE_OUTCOMES = ['accepted', 'rejected'] as const;
/** An auditor's review of a response; null while it is under review. */
export type ResponseOutcome = (typeof RESPONSE_OUTCOMES)[number];

export const DESCRIPTION_MIN_LENGTH = 10;
export const DESCRIPTION_MAX_LENGTH = 4000;
export const REVIEW_COMMENT_MIN_LENGTH = 10;
export const REVIEW_COMMENT_MAX_LENGTH = 2000;
export const MAX_EVIDENCE_PER_RESPONSE = 20;
