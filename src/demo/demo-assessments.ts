import { Logger } from '@nestjs/common';
import type { Actor } from 'src/auth/request-context';
import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import {
  ASSESSMENT_PROFILES,
  COMMITMENT_TEXTS,
  NOT_APPLICABLE_JUSTIFICATIONS,
} from 'src/demo/demo-activity-data';
import { memberEvidence, uploadEvidence } from 'src/demo/demo-evidence';
import { contextOf, type DemoWorld } from 'src/demo/demo-members';
import { type EvidenceService } from 'src/evidence/evidence.service';
import type { Site } from 'src/members/site.entity';
import { notApplicableRefusal } from 'src/self-assessments/not-applicable';
import { type SelfAssessmentAnswersService } from 'src/self-assessments/self-assessment-answers.service';
import { type SelfAssessmentsService } from 'src/self-assessments/self-assessments.service';
import type { Answer } from 'src/self-assessments/self-assessments.types';

const logger = new Logger('Demo');

export interface AssessmentServices {
  readonly selfAssessments: SelfAssessmentsService;
  readonly answers: SelfAssessmentAnswersService;
  readonly evidence: EvidenceService;
}

/**
 * One self-assessment per sample site, by its member: submitted ones with all 20 answers, open
 * ones with their first answers. Each answer is saved on the version the previous write
 * returned (If-Match), as a client would.
 */
export async function fillSelfAssessments(
  services: AssessmentServices,
  world: DemoWorld,
  commitments: readonly CharterCommitment[],
): Promise<void> {
  for (const profile of ASSESSMENT_PROFILES) {
    const { site, member } = world.sites.get(profile.site)!;
    const ctx = contextOf(member);
    let assessment = await services.selfAssessments.start(ctx, member, site.id);
    const answered =
      profile.state === 'submitted' ? commitments : commitments.slice(0, profile.answered);
    for (const [index, { code, notApplicableWhen }] of answered.entries()) {
      const notApplicable = profile.notApplicable.includes(code);
      if (notApplicable && notApplicableRefusal(notApplicableWhen, site) !== undefined) {
        throw new Error(`Demo data: ${code} may not be not applicable to ${site.name}`);
      }
      const answer: Answer = notApplicable
        ? 'not_applicable'
        : (profile.answers[code] ?? 'implemented');
      const evidenceIds = profile.evidence.includes(code)
        ? [await uploadFor(services.evidence, member, site, code)]
        : [];
      assessment = await services.answers.saveAnswer(
        ctx,
        member,
        assessment.id,
        code,
        { answer, comment: commentOf(code, answer, index), evidenceIds },
        [assessment.version],
      );
    }
    if (profile.state === 'submitted') {
      assessment = await services.answers.submit(ctx, member, assessment.id, [assessment.version]);
    }
    logger.log(
      `self-assessment of ${site.name}: ${assessment.status}, ` +
        `${assessment.progress.answered}/${assessment.progress.total} answered`,
    );
  }
}

// A justification for N/A, an explanation for a gap, and a word on every third implemented one.
function commentOf(code: string, answer: Answer, index: number): string | null {
  const texts = COMMITMENT_TEXTS[code];
  switch (answer) {
    case 'not_applicable':
      return NOT_APPLICABLE_JUSTIFICATIONS[code];
    case 'implemented':
      return index % 3 === 0 ? texts.implemented : null;
    case 'partially_implemented':
    case 'not_implemented':
      return texts.gap;
  }
}

async function uploadFor(evidence: EvidenceService, member: Actor, site: Site, code: string) {
  return uploadEvidence(evidence, member, site.id, await memberEvidence(code, site.name));
}
