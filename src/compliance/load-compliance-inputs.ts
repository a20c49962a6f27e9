import type { EntityManager } from 'typeorm';
import type { CharterService, PublishedCharter } from 'src/charter/charter.service';
import type {
  ComplianceInput,
  ComplianceRules,
  ComplianceStatus,
  FindingResult,
} from 'src/compliance/compliance.types';
import type { ResponseOutcome } from 'src/corrective-actions/corrective-actions.types';
import { isOverdue } from 'src/corrective-actions/overdue';
import { preparedQuery } from 'src/database/prepared-query';

/** What {@link computeCompliance} needs for one site, and its stored evaluation as read. */
export interface LoadedComplianceInput {
  readonly input: ComplianceInput;
  readonly rules: ComplianceRules;
  /** The stored row, unlocked (null when the site was never evaluated). */
  readonly stored: {
    readonly status: ComplianceStatus;
    readonly score: number | null;
    readonly reasons: unknown;
    readonly version: number;
  } | null;
}

interface InputRow {
  readonly site_id: string;
  readonly stored_status: ComplianceStatus | null;
  readonly stored_score: string | null;
  readonly stored_reasons: unknown;
  readonly stored_version: number | null;
  readonly suspension_reason: string | null;
  readonly suspended_at: Date | null;
  readonly audit_id: string | null;
  readonly visited_on: string | null;
  readonly closed_at: Date | null;
  readonly charter_version_id: string | null;
  readonly findings: { id: string; code: string; result: FindingResult }[] | null;
  readonly actions:
    | {
        id: string;
        findingId: string;
        code: string;
        grade: 'minor_nc' | 'major_nc';
        status: 'open' | 'responded' | 'verified' | 'superseded';
        dueAt: string;
        supersededAt: string | null;
        responses: {
          respondedAt: string;
          outcome: ResponseOutcome | null;
          reviewedAt: string | null;
        }[];
      }[]
    | null;
}

/**
 * Every input of the given sites in one statement: the suspension in force, the latest closed
 * audit (latest visitedOn, then latest closedAt) with its findings, and the corrective actions of
 * its non-conformities with their responses (for the overdue clock); and the stored evaluation.
 */
const INPUTS_SQL = `
  SELECT s.id AS site_id, c.status AS stored_status, c.score::text AS stored_score,
         c.reasons AS stored_reasons, c.version AS stored_version,
         sus.reason AS suspension_reason, sus.suspended_at,
         l.id AS audit_id, l.visited_on::text AS visited_on, l.closed_at, l.charter_version_id,
         (SELECT json_agg(json_build_object('id', f.id, 'code', f.commitment_code,
                                            'result', f.result) ORDER BY f.commitment_code)
            FROM audit_finding f WHERE f.audit_id = l.id) AS findings,
         (SELECT json_agg(json_build_object(
                   'id', ca.id, 'findingId', ca.finding_id, 'code', ca.commitment_code,
                   'grade', ca.grade, 'status', ca.status, 'dueAt', ca.due_at,
                   'supersededAt', ca.superseded_at,
                   'responses', (SELECT COALESCE(json_agg(json_build_object(
                                          'respondedAt', r.responded_at, 'outcome', r.outcome,
                                          'reviewedAt', r.reviewed_at)), '[]')
                                   FROM corrective_action_response r
                                  WHERE r.corrective_action_id = ca.id))
                   ORDER BY ca.commitment_code, ca.id)
            FROM corrective_action ca WHERE ca.audit_id = l.id) AS actions
    FROM unnest($1::uuid[]) AS s(id)
    LEFT JOIN site_compliance c ON c.site_id = s.id
    LEFT JOIN site_suspension sus ON sus.site_id = s.id AND sus.lifted_at IS NULL
    LEFT JOIN LATERAL (
      SELECT a.id, a.visited_on, a.closed_at, a.charter_version_id
        FROM audit a
       WHERE a.site_id = s.id AND a.status = 'closed'
       ORDER BY a.visited_on DESC, a.closed_at DESC
       LIMIT 1) l ON true`;

/**
 * The compliance inputs of `siteIds` at `at`, as `em` sees them, read in one round trip (the
 * charter versions come from the charter service's cache of published versions).
 */
export async function loadComplianceInputs(
  em: EntityManager,
  charters: CharterService,
  siteIds: readonly string[],
  at: Date,
): Promise<Map<string, LoadedComplianceInput>> {
  const rows =
    siteIds.length === 0
      ? []
      : await preparedQuery<InputRow>(em, 'compliance-inputs', INPUTS_SQL, [siteIds]);
  const loaded = new Map<string, LoadedComplianceInput>();
  for (const row of rows) {
    const charter = await charters.findPublished(em, row.charter_version_id ?? undefined);
    if (!charter) {
      throw new Error(`No published charter version to evaluate site ${row.site_id} against`);
    }
    loaded.set(row.site_id, {
      input: inputOf(row, charter, at),
      rules: rulesOf(charter),
      stored:
        row.stored_version === null
          ? null
          : {
              status: row.stored_status!,
              score: row.stored_score === null ? null : Number(row.stored_score),
              reasons: row.stored_reasons,
              version: row.stored_version,
            },
    });
  }
  return loaded;
}

function inputOf(row: InputRow, charter: PublishedCharter, at: Date): ComplianceInput {
  return {
    siteId: row.site_id,
    suspension:
      row.suspension_reason !== null
        ? { reason: row.suspension_reason, since: new Date(row.suspended_at!) }
        : null,
    latestAudit:
      row.audit_id === null
        ? null
        : {
            id: row.audit_id,
            visitedOn: row.visited_on!,
            closedAt: new Date(row.closed_at!),
            charterVersion: charter.version.version,
            commitments: charter.commitments.map((c) => ({
              code: c.code,
              group: c.stakeholderGroup,
              criticality: c.criticality,
            })),
            findings: row.findings ?? [],
            correctiveActions: (row.actions ?? []).map((a) => {
              const clock = {
                dueAt: new Date(a.dueAt),
                supersededAt: a.supersededAt === null ? null : new Date(a.supersededAt),
              };
              const responses = a.responses.map((r) => ({
                respondedAt: new Date(r.respondedAt),
                outcome: r.outcome,
                reviewedAt: r.reviewedAt === null ? null : new Date(r.reviewedAt),
              }));
              return {
                id: a.id,
                findingId: a.findingId,
                code: a.code,
                grade: a.grade,
                status: a.status,
                dueAt: clock.dueAt,
                overdue: isOverdue(clock, responses, at),
              };
            }),
          },
  };
}

function rulesOf({ rules: r }: PublishedCharter): ComplianceRules {
  return {
    weights: { critical: r.weightCritical, major: r.weightMajor, standard: r.weightStandard },
    findingValues: {
      conform: r.valueConform,
      observation: r.valueObservation,
      minor_nc: r.valueMinorNc,
      major_nc: r.valueMajorNc,
    },
    scoreThreshold: r.scoreThreshold,
    auditValidityDays: r.auditValidityDays,
  };
}
