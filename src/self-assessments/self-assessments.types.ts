export const SELF_ASSESSMENT_STATUSES = ['open', 'submitted'] as const;
export type SelfAssessmentStatus = (typeof SELF_ASSESSMENT_STATUSES)[number];

export const ANSWERS = [
  'implemented',
  'partially_implemented',
  'not_implemented',
  'not_applicable',
] as const;
export type Answer = (typeof ANSWERS)[number];

/** The value of an answer in the score (charter-v1.md, self-assessment scale); N/A: none. */
export const ANSWER_VALUES: Record<Answer, number | null> = {
  implemented: 1,
  partially_implemented: 0.5,
  not_implemented: 0,
  not_applicable: null,
};

export const MAX_COMMENT_LENGTH = 2000;
export const MAX_EVIDENCE_PER_ANSWER = 20;

/** A submitted self-assessment, as another feature reads it (the audits' self-assessment gap). */
export interface SubmittedSelfAssessment {
  readonly id: string;
  readonly charterVersion: string;
  readonly submittedAt: Date;
  readonly score: number | null;
  /** By commitment code. */
  readonly answers: ReadonlyMap<
    string,
    { readonly answer: Answer; readonly comment: string | null }
  >;
}
