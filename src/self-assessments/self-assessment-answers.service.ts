import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import type { PublishedCharter } from 'src/charter/charter.service';
import { RequestValidationError } from 'src/common/errors';
import { assertIfMatch, updateVersioned } from 'src/common/versioning';
import { computeScores } from 'src/compliance/score';
import { EvidenceService } from 'src/evidence/evidence.service';
import { diff, JournalService } from 'src/journal/journal.service';
import type { Site } from 'src/members/site.entity';
import { SitesService } from 'src/members/sites.service';
import { notApplicableRefusal } from 'src/self-assessments/not-applicable';
import { SelfAssessmentAnswer } from 'src/self-assessments/self-assessment-answer.entity';
import { SelfAssessment } from 'src/self-assessments/self-assessment.entity';
import type {
  SaveAnswerRequest,
  SelfAssessmentResponse,
} from 'src/self-assessments/self-assessments.dto';
import {
  IfMatchRequiredError,
  NotApplicableRefusedError,
  SelfAssessmentAlreadySubmittedError,
  SelfAssessmentCommitmentNotFoundError,
  SelfAssessmentIncompleteError,
} from 'src/self-assessments/self-assessments.errors';
import { SelfAssessmentsService } from 'src/self-assessments/self-assessments.service';
import { type Answer, ANSWER_VALUES } from 'src/self-assessments/self-assessments.types';

const ENTITY = 'SELF_ASSESSMENT';
// Journalled beside the answer, as `{ before, after }`, when they change.
const ANSWER_DETAILS = ['comment', 'evidenceIds'] as const;

/** What a write to an open self-assessment works on, once locked and checked. */
interface Writable {
  readonly current: SelfAssessment;
  readonly site: Site;
}

/**
 * Answering and submitting: writes to an open self-assessment, each based on the version the
 * caller read (If-Match), each bumping it.
 */
@Injectable()
export class SelfAssessmentAnswersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly selfAssessments: SelfAssessmentsService,
    private readonly sites: SitesService,
    private readonly evidence: EvidenceService,
    private readonly journal: JournalService,
  ) {}

  /** Answers one commitment, or replaces its answer (the row, hence its id, stays the same). */
  saveAnswer(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    code: string,
    body: SaveAnswerRequest,
    ifMatch: number[] | undefined,
  ): Promise<SelfAssessmentResponse> {
    const comment = body.comment || null;
    return this.db.transaction(async (em) => {
      const seen = await this.selfAssessments.findVisible(em, actor, id);
      const charter = await this.selfAssessments.charterOf(em, seen);
      const commitment = charter.commitments.find((c) => c.code === code);
      if (!commitment) {
        throw new SelfAssessmentCommitmentNotFoundError(charter.version.version, code);
      }
      const { current, site } = await this.lockForWrite(em, actor, seen, ifMatch);
      if (body.answer === 'not_applicable') {
        assertJustified(comment, charter.rules.notApplicableJustificationMinLength);
        assertNotApplicableAllowed(commitment, site);
      }
      const before = await this.answerOf(em, id, code);
      const after = await updateVersioned(em, SelfAssessment, ENTITY, current, {});
      const answerId = await upsertAnswer(em, { id, code, answer: body.answer, comment }, actor);
      // As the database gives them back, so that an unchanged list is not a change.
      const evidenceIds = (body.evidenceIds ?? []).map((e) => e.toLowerCase());
      await this.evidence.attach(em, {
        organisationId: current.organisationId,
        recordType: 'self_assessment_answer',
        recordId: answerId,
        evidenceIds,
      });
      const response = await this.selfAssessments.render(em, after, charter, site);
      await this.journal.append(em, ctx, {
        action: 'self_assessment.answered',
        entityType: 'self_assessment',
        entityId: id,
        organisationId: current.organisationId,
        changes: {
          code,
          answer: { before: before.answer, after: body.answer },
          ...diff(before, { answer: body.answer, comment, evidenceIds }, ANSWER_DETAILS),
        },
      });
      return response;
    });
  }

  /**
   * Submits a fully answered self-assessment: its self-score and group scores are computed
   * with the version's weights and fixed, and it can no longer change.
   */
  submit(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    ifMatch: number[] | undefined,
  ): Promise<SelfAssessmentResponse> {
    return this.db.transaction(async (em) => {
      const seen = await this.selfAssessments.findVisible(em, actor, id);
      const charter = await this.selfAssessments.charterOf(em, seen);
      const { current, site } = await this.lockForWrite(em, actor, seen, ifMatch);
      const answers = await em.find(SelfAssessmentAnswer, { where: { selfAssessmentId: id } });
      const byCode = new Map(answers.map((a) => [a.commitmentCode, a.answer]));
      const missing = charter.commitments.map((c) => c.code).filter((c) => !byCode.has(c));
      if (missing.length > 0) {
        throw new SelfAssessmentIncompleteError(missing);
      }
      // The site may have changed since a commitment was answered not applicable.
      for (const commitment of charter.commitments) {
        if (byCode.get(commitment.code) === 'not_applicable') {
          assertNotApplicableAllowed(commitment, site);
        }
      }
      const { score, groupScores } = scoreOf(charter, byCode);
      const after = await updateVersioned(em, SelfAssessment, ENTITY, current, {
        status: 'submitted',
        submittedBy: actor.userId,
        submittedAt: () => 'now()',
        score,
        scoreEmployees: groupScores.employees,
        scoreClients: groupScores.clients,
        scoreProviders: groupScores.providers,
        scoreCommunity: groupScores.community,
      });
      const response = await this.selfAssessments.render(em, after, charter, site);
      await this.journal.append(em, ctx, {
        action: 'self_assessment.submitted',
        entityType: 'self_assessment',
        entityId: id,
        organisationId: current.organisationId,
        changes: { status: { before: 'open', after: 'submitted' }, score, groupScores },
      });
      return response;
    });
  }

  /** The answer to one commitment as it stands, with its evidence (null and none: unanswered). */
  private async answerOf(em: EntityManager, selfAssessmentId: string, code: string) {
    const found = await em.findOneBy(SelfAssessmentAnswer, {
      selfAssessmentId,
      commitmentCode: code,
    });
    const evidence = found
      ? await this.evidence.attachedTo(em, 'self_assessment_answer', [found.id])
      : undefined;
    return {
      answer: found?.answer ?? null,
      comment: found?.comment ?? null,
      evidenceIds: found ? (evidence?.get(found.id) ?? []) : [],
    };
  }

  /**
   * In the order every writer takes them (organisation, then the self-assessment): checks that
   * the write says which version it is based on, that the site is writable, and that the
   * self-assessment is still open and at that version.
   */
  private async lockForWrite(
    em: EntityManager,
    actor: Actor,
    seen: SelfAssessment,
    ifMatch: number[] | undefined,
  ): Promise<Writable> {
    if (ifMatch === undefined) {
      throw new IfMatchRequiredError();
    }
    const site = await this.sites.findVisible(em, actor, seen.siteId);
    await this.selfAssessments.assertWritable(em, site);
    const current = await em.findOneOrFail(SelfAssessment, {
      where: { id: seen.id },
      lock: { mode: 'pessimistic_write' },
    });
    if (current.status === 'submitted') {
      throw new SelfAssessmentAlreadySubmittedError();
    }
    assertIfMatch(ENTITY, current.version, ifMatch);
    return { current, site };
  }
}

/** Writes the answer in place (its id, which evidence refers to, never changes); its id. */
async function upsertAnswer(
  em: EntityManager,
  a: { id: string; code: string; answer: Answer; comment: string | null },
  actor: Actor,
): Promise<string> {
  const [{ id }] = await em.query<{ id: string }[]>(
    `INSERT INTO self_assessment_answer
       (self_assessment_id, commitment_code, answer, comment, answered_by, answered_at)
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT ON CONSTRAINT self_assessment_answer_code_uq DO UPDATE
       SET answer = excluded.answer, comment = excluded.comment,
           answered_by = excluded.answered_by, answered_at = excluded.answered_at
     RETURNING id`,
    [a.id, a.code, a.answer, a.comment, actor.userId],
  );
  return id;
}

// A not-applicable answer is always justified, at least as long as the version's rule says.
function assertJustified(comment: string | null, ruleMinLength: number): void {
  const minLength = Math.max(1, ruleMinLength);
  if ((comment?.length ?? 0) < minLength) {
    throw new RequestValidationError([
      {
        field: 'comment',
        message: `must justify a not_applicable answer in at least ${minLength} characters`,
      },
    ]);
  }
}

function assertNotApplicableAllowed(commitment: CharterCommitment, site: Site): void {
  const refusal = notApplicableRefusal(commitment.notApplicableWhen, site);
  if (refusal !== undefined) {
    throw new NotApplicableRefusedError(commitment.code, refusal);
  }
}

function scoreOf(charter: PublishedCharter, answers: ReadonlyMap<string, Answer>) {
  const { rules } = charter;
  return computeScores(
    charter.commitments.map((c) => ({
      code: c.code,
      group: c.stakeholderGroup,
      criticality: c.criticality,
    })),
    { critical: rules.weightCritical, major: rules.weightMajor, standard: rules.weightStandard },
    new Map([...answers].map(([code, answer]) => [code, ANSWER_VALUES[answer]])),
  );
}
