import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import { weightOf } from 'src/charter/charter-response';
import type { PublishedCharter } from 'src/charter/charter.service';
import {
  NOT_APPLICABLE_CONDITION_TEXTS,
  STAKEHOLDER_GROUP_TITLES,
  STAKEHOLDER_GROUPS,
} from 'src/charter/charter.types';
import { notApplicableRefusal, type SiteFacts } from 'src/self-assessments/not-applicable';
import type { SelfAssessmentAnswer } from 'src/self-assessments/self-assessment-answer.entity';
import type { SelfAssessment } from 'src/self-assessments/self-assessment.entity';
import type {
  AnswerResponse,
  ProgressResponse,
  SelfAssessmentCommitmentResponse,
  SelfAssessmentResponse,
  SelfAssessmentSummaryResponse,
} from 'src/self-assessments/self-assessments.dto';

export function toSelfAssessmentSummaryResponse(
  s: SelfAssessment,
  charterVersion: string,
  progress: ProgressResponse,
): SelfAssessmentSummaryResponse {
  const submitted = s.status === 'submitted';
  return {
    id: s.id,
    siteId: s.siteId,
    organisationId: s.organisationId,
    charterVersion,
    status: s.status,
    startedBy: s.startedBy,
    startedAt: s.startedAt.toISOString(),
    submittedBy: s.submittedBy,
    submittedAt: s.submittedAt?.toISOString() ?? null,
    score: submitted ? s.score : null,
    groupScores: submitted
      ? {
          employees: s.scoreEmployees,
          clients: s.scoreClients,
          providers: s.scoreProviders,
          community: s.scoreCommunity,
        }
      : null,
    progress,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function toAnswerResponse(a: SelfAssessmentAnswer, evidenceIds: string[]): AnswerResponse {
  return {
    answer: a.answer,
    comment: a.comment,
    evidenceIds,
    answeredBy: a.answeredBy,
    answeredAt: a.answeredAt.toISOString(),
  };
}

function toCommitmentResponse(
  c: CharterCommitment,
  charter: PublishedCharter,
  site: SiteFacts,
  answer: AnswerResponse | null,
): SelfAssessmentCommitmentResponse {
  return {
    code: c.code,
    criticality: c.criticality,
    weight: weightOf(c.criticality, charter.rules),
    title: { fr: c.titleFr, en: c.titleEn },
    notApplicable: {
      allowed: c.notApplicableWhen !== null,
      when: c.notApplicableWhen,
      condition: c.notApplicableWhen ? NOT_APPLICABLE_CONDITION_TEXTS[c.notApplicableWhen] : null,
      allowedForSite: notApplicableRefusal(c.notApplicableWhen, site) === undefined,
    },
    answer,
  };
}

/**
 * The whole self-assessment: every commitment of its version with its answer (or null), grouped
 * by stakeholder group in charter order. `evidence` maps answer ids to their evidence ids.
 */
export function toSelfAssessmentResponse(
  s: SelfAssessment,
  charter: PublishedCharter,
  site: SiteFacts,
  answers: readonly SelfAssessmentAnswer[],
  evidence: ReadonlyMap<string, string[]>,
): SelfAssessmentResponse {
  const byCode = new Map(answers.map((a) => [a.commitmentCode, a]));
  const commitments = charter.commitments.map((c) => {
    const answer = byCode.get(c.code);
    return {
      group: c.stakeholderGroup,
      item: toCommitmentResponse(
        c,
        charter,
        site,
        answer ? toAnswerResponse(answer, evidence.get(answer.id) ?? []) : null,
      ),
    };
  });
  const answered = commitments.filter((c) => c.item.answer !== null).length;
  return {
    ...toSelfAssessmentSummaryResponse(s, charter.version.version, {
      answered,
      total: commitments.length,
    }),
    groups: STAKEHOLDER_GROUPS.map((group) => ({
      group,
      title: STAKEHOLDER_GROUP_TITLES[group],
      commitments: commitments.filter((c) => c.group === group).map((c) => c.item),
    })).filter((g) => g.commitments.length > 0),
  };
}
