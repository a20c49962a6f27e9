import type { EntityManager } from 'typeorm';
import type { Answer } from 'src/self-assessments/self-assessments.types';

/** A site's submitted self-assessment, as the audit's gap reads it. */
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

/**
 * The site's last self-assessment submitted at or before `asOf`, with its answers, or null.
 * A read-only query of the self-assessments' tables (`self_assessment`, `self_assessment_answer`,
 * migration 1795920100000): their service exposes no such read. Submitted self-assessments never
 * change, so the gap of a closed audit read as of its closing stays what it was.
 */
export async function lastSubmittedSelfAssessment(
  em: EntityManager,
  siteId: string,
  asOf: Date,
): Promise<SubmittedSelfAssessment | null> {
  const [found] = await em.query<
    { id: string; charter_version: string; submitted_at: Date; score: string | null }[]
  >(
    `SELECT sa.id, cv.version AS charter_version, sa.submitted_at, sa.score
       FROM self_assessment sa
       JOIN charter_version cv ON cv.id = sa.charter_version_id
      WHERE sa.site_id = $1 AND sa.status = 'submitted' AND sa.submitted_at <= $2
      ORDER BY sa.submitted_at DESC, sa.id DESC
      LIMIT 1`,
    [siteId, asOf],
  );
  if (!found) {
    return null;
  }
  const answers = await em.query<{ code: string; answer: Answer; comment: string | null }[]>(
    `SELECT commitment_code AS code, answer, comment
       FROM self_assessment_answer WHERE self_assessment_id = $1`,
    [found.id],
  );
  return {
    id: found.id,
    charterVersion: found.charter_version,
    submittedAt: found.submitted_at,
    score: found.score === null ? null : Number(found.score),
    answers: new Map(answers.map((a) => [a.code, { answer: a.answer, comment: a.comment }])),
  };
}
