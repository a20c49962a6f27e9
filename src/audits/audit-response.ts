import type { AuditFinding } from 'src/audits/audit-finding.entity';
import type { AuditReturn } from 'src/audits/audit-return.entity';
import { findingValue } from 'src/audits/audit-score';
import type { Audit } from 'src/audits/audit.entity';
import type {
  AuditCommitmentResponse,
  AuditResponse,
  AuditSummaryResponse,
  FindingResponse,
  SelfAssessmentGapResponse,
} from 'src/audits/audits.dto';
import type { SubmittedSelfAssessment } from 'src/audits/last-self-assessment';
import { selfAssessmentGap } from 'src/audits/self-assessment-gap';
import { weightOf } from 'src/charter/charter-response';
import type { PublishedCharter } from 'src/charter/charter.service';
import { STAKEHOLDER_GROUP_TITLES, STAKEHOLDER_GROUPS } from 'src/charter/charter.types';
import type { CorrectiveActionSummaryResponse } from 'src/corrective-actions/corrective-actions.dto';
import { notApplicableRefusal, type SiteFacts } from 'src/self-assessments/not-applicable';
import { ANSWER_VALUES } from 'src/self-assessments/self-assessments.types';

/** Everything an audit's read shows, loaded by the audits service. */
export interface AuditDetail {
  readonly audit: Audit;
  /** Null until started. */
  readonly charter: PublishedCharter | null;
  readonly site: SiteFacts;
  readonly findings: readonly AuditFinding[];
  /** Finding ids to their evidence ids. */
  readonly evidence: ReadonlyMap<string, string[]>;
  readonly selfAssessment: SubmittedSelfAssessment | null;
  readonly returns: readonly AuditReturn[];
  readonly correctiveActions: readonly CorrectiveActionSummaryResponse[];
  /** False for a member until the audit is closed. */
  readonly findingsVisible: boolean;
}

export function toAuditSummaryResponse(
  a: Audit,
  charterVersion: string | null,
): AuditSummaryResponse {
  const closed = a.status === 'closed';
  return {
    id: a.id,
    siteId: a.siteId,
    organisationId: a.organisationId,
    type: a.type,
    status: a.status,
    plannedFor: a.plannedFor,
    visitedOn: a.visitedOn,
    auditorId: a.auditorId,
    plannedBy: a.plannedBy,
    charterVersion,
    startedAt: a.startedAt?.toISOString() ?? null,
    submittedAt: a.submittedAt?.toISOString() ?? null,
    closedAt: a.closedAt?.toISOString() ?? null,
    closedBy: a.closedBy,
    cancelledAt: a.cancelledAt?.toISOString() ?? null,
    cancelReason: a.cancelReason,
    score: closed ? a.score : null,
    groupScores: closed
      ? {
          employees: a.scoreEmployees,
          clients: a.scoreClients,
          providers: a.scoreProviders,
          community: a.scoreCommunity,
        }
      : null,
    version: a.version,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

/**
 * The whole audit: every commitment of its version with its finding and the member's own
 * answer beside it, grouped by stakeholder group in charter order, and the self-assessment gap.
 */
export function toAuditResponse(d: AuditDetail): AuditResponse {
  const { audit, charter } = d;
  const base = {
    ...toAuditSummaryResponse(audit, charter?.version.version ?? null),
    returns: d.returns.map((r) => ({
      comment: r.comment,
      returnedBy: r.returnedBy,
      returnedAt: r.returnedAt.toISOString(),
    })),
    progress: charter ? { recorded: d.findings.length, total: charter.commitments.length } : null,
    correctiveActions: [...d.correctiveActions],
  };
  if (!charter || !d.findingsVisible) {
    return { ...base, groups: null, selfAssessmentGap: null };
  }
  const findings = new Map(d.findings.map((f) => [f.commitmentCode, f]));
  const selfAnswers: SubmittedSelfAssessment['answers'] = d.selfAssessment?.answers ?? new Map();
  const gap = selfAssessmentGap(
    charter.commitments.map((c) => c.code),
    new Map([...selfAnswers].map(([code, a]) => [code, ANSWER_VALUES[a.answer]])),
    new Map([...findings].map(([code, f]) => [code, findingValue(f.result, charter.rules)])),
  );
  const commitments = charter.commitments.map((c) => {
    const finding = findings.get(c.code);
    const own = selfAnswers.get(c.code);
    const item: AuditCommitmentResponse = {
      code: c.code,
      criticality: c.criticality,
      weight: weightOf(c.criticality, charter.rules),
      title: { fr: c.titleFr, en: c.titleEn },
      notApplicable: {
        allowed: c.notApplicableWhen !== null,
        when: c.notApplicableWhen,
        allowedForSite: notApplicableRefusal(c.notApplicableWhen, d.site) === undefined,
      },
      finding: finding
        ? toFindingResponse(finding, charter, d.evidence.get(finding.id) ?? [])
        : null,
      selfAssessment: own
        ? { answer: own.answer, value: ANSWER_VALUES[own.answer], comment: own.comment }
        : null,
      overRated: gap.byCode.get(c.code)?.overRated ?? false,
    };
    return { group: c.stakeholderGroup, item };
  });
  const selfAssessmentGapResponse: SelfAssessmentGapResponse | null = d.selfAssessment
    ? {
        selfAssessmentId: d.selfAssessment.id,
        charterVersion: d.selfAssessment.charterVersion,
        submittedAt: d.selfAssessment.submittedAt.toISOString(),
        selfScore: d.selfAssessment.score,
        ...gap.summary,
      }
    : null;
  return {
    ...base,
    groups: STAKEHOLDER_GROUPS.map((group) => ({
      group,
      title: STAKEHOLDER_GROUP_TITLES[group],
      commitments: commitments.filter((c) => c.group === group).map((c) => c.item),
    })).filter((g) => g.commitments.length > 0),
    selfAssessmentGap: selfAssessmentGapResponse,
  };
}

function toFindingResponse(
  f: AuditFinding,
  charter: PublishedCharter,
  evidenceIds: readonly string[],
): FindingResponse {
  return {
    id: f.id,
    result: f.result,
    value: findingValue(f.result, charter.rules),
    note: f.note,
    evidenceIds: [...evidenceIds],
    recordedBy: f.recordedBy,
    recordedAt: f.recordedAt.toISOString(),
  };
}
