import type { CorrectiveActionReply } from 'src/corrective-actions/corrective-action-reply.entity';
import type { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import type {
  CorrectiveActionReplyResponse,
  CorrectiveActionResponse,
  CorrectiveActionSummaryResponse,
} from 'src/corrective-actions/corrective-actions.dto';
import { isOverdue } from 'src/corrective-actions/overdue';

export function toCorrectiveActionSummaryResponse(
  a: CorrectiveAction,
  replies: readonly CorrectiveActionReply[],
  at: Date,
): CorrectiveActionSummaryResponse {
  return {
    id: a.id,
    auditId: a.auditId,
    findingId: a.findingId,
    siteId: a.siteId,
    organisationId: a.organisationId,
    code: a.commitmentCode,
    grade: a.grade,
    findingNote: a.findingNote,
    status: a.status,
    overdue: isOverdue(a, replies, at),
    openedAt: a.openedAt.toISOString(),
    dueAt: a.dueAt.toISOString(),
    verifiedAt: a.verifiedAt?.toISOString() ?? null,
    verifiedBy: a.verifiedBy,
    supersededAt: a.supersededAt?.toISOString() ?? null,
    supersededByAuditId: a.supersededByAuditId,
    version: a.version,
  };
}

export function toCorrectiveActionReplyResponse(
  r: CorrectiveActionReply,
  evidenceIds: readonly string[],
): CorrectiveActionReplyResponse {
  return {
    id: r.id,
    description: r.description,
    evidenceIds: [...evidenceIds],
    respondedBy: r.respondedBy,
    respondedAt: r.respondedAt.toISOString(),
    outcome: r.outcome,
    reviewedBy: r.reviewedBy,
    reviewedAt: r.reviewedAt?.toISOString() ?? null,
    reviewComment: r.reviewComment,
  };
}

/** The action with its responses, oldest first; `evidence` maps response ids to evidence ids. */
export function toCorrectiveActionResponse(
  a: CorrectiveAction,
  replies: readonly CorrectiveActionReply[],
  evidence: ReadonlyMap<string, string[]>,
  at: Date,
): CorrectiveActionResponse {
  return {
    ...toCorrectiveActionSummaryResponse(a, replies, at),
    responses: replies.map((r) => toCorrectiveActionReplyResponse(r, evidence.get(r.id) ?? [])),
  };
}
