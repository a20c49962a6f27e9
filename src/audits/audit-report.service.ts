import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor } from 'src/auth/request-context';
import { AuditFinding } from 'src/audits/audit-finding.entity';
import type { AuditReportView } from 'src/audits/audit-report.view';
import { scoreAudit } from 'src/audits/audit-score';
import type { Audit } from 'src/audits/audit.entity';
import { AuditReportNotAvailableError } from 'src/audits/audits.errors';
import { AuditsService } from 'src/audits/audits.service';
import type { AuditStatus } from 'src/audits/audits.types';
import { renderAuditReport } from 'src/audits/render-audit-report';
import type { PublishedCharter } from 'src/charter/charter.service';
import { CorrectiveActionsService } from 'src/corrective-actions/corrective-actions.service';
import { OrganisationsService } from 'src/members/organisations.service';
import { SitesService } from 'src/members/sites.service';
import { UsersService } from 'src/members/users.service';

type ReportEvidence = AuditReportView['findings'][number]['evidence'][number];

/** Members read the findings only once the audit is closed; the association once submitted. */
function reportStatuses(actor: Actor): readonly AuditStatus[] {
  return actor.role === 'member' ? ['closed'] : ['submitted', 'closed'];
}

/** The audit report PDF: gathered in one snapshot, rendered outside any transaction. */
@Injectable()
export class AuditReportService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audits: AuditsService,
    private readonly correctiveActions: CorrectiveActionsService,
    private readonly organisations: OrganisationsService,
    private readonly sites: SitesService,
    private readonly users: UsersService,
  ) {}

  async report(actor: Actor, id: string): Promise<Buffer> {
    const at = new Date();
    const { auditorId, ...view } = await this.gather(actor, id, at);
    // The users' service reads through its own connection: outside the snapshot.
    const auditor = await this.users.findById(auditorId);
    return renderAuditReport({
      ...view,
      auditor: { fullName: auditor?.fullName ?? '', email: auditor?.email ?? '' },
    });
  }

  /** Everything the report prints but its auditor, read in one repeatable-read snapshot. */
  private gather(
    actor: Actor,
    id: string,
    at: Date,
  ): Promise<Omit<AuditReportView, 'auditor'> & { auditorId: string }> {
    return this.db.transaction('REPEATABLE READ', async (em) => {
      const audit = await this.audits.findVisible(em, actor, id);
      const available = reportStatuses(actor);
      if (!available.includes(audit.status)) {
        throw new AuditReportNotAvailableError(audit.status, available);
      }
      const charter = await this.audits.startedCharterOf(em, audit);
      const organisation = await this.organisations.findVisible(em, actor, audit.organisationId);
      const site = await this.sites.findVisible(em, actor, audit.siteId);
      const findings = await em.find(AuditFinding, { where: { auditId: id } });
      const evidence = await evidenceOfFindings(em, findings);
      const actions = await this.correctiveActions.listOfAudit(em, id, at);
      const byCode = new Map(findings.map((f) => [f.commitmentCode, f]));
      return {
        audit: auditPart(audit, charter, findings),
        organisation: { name: organisation.name, ice: organisation.ice },
        site: { name: site.name, address: site.address, city: site.city },
        auditorId: audit.auditorId,
        findings: charter.commitments.flatMap((c) => {
          const f = byCode.get(c.code);
          return f
            ? [
                {
                  code: c.code,
                  group: c.stakeholderGroup,
                  title: { fr: c.titleFr, en: c.titleEn },
                  criticality: c.criticality,
                  result: f.result,
                  note: f.note,
                  evidence: evidence.get(f.id) ?? [],
                },
              ]
            : [];
        }),
        correctiveActions: actions.map((a) => ({
          code: a.code,
          grade: a.grade,
          status: a.status,
          dueAt: new Date(a.dueAt),
        })),
        generatedAt: at,
      };
    });
  }
}

/** A closed audit's stored scores; a submitted one's as they would be if it closed now. */
function auditPart(audit: Audit, charter: PublishedCharter, findings: readonly AuditFinding[]) {
  const stored = audit.status === 'closed';
  const scores = stored
    ? {
        score: audit.score,
        groupScores: {
          employees: audit.scoreEmployees,
          clients: audit.scoreClients,
          providers: audit.scoreProviders,
          community: audit.scoreCommunity,
        },
      }
    : scoreAudit(charter, new Map(findings.map((f) => [f.commitmentCode, f.result])));
  return {
    id: audit.id,
    type: audit.type,
    status: stored ? ('closed' as const) : ('submitted' as const),
    plannedFor: audit.plannedFor,
    visitedOn: audit.visitedOn,
    submittedAt: audit.submittedAt,
    closedAt: audit.closedAt,
    charterVersion: charter.version.version,
    score: scores.score,
    groupScores: scores.groupScores,
  };
}

/**
 * The metadata of each finding's evidence, in its order: a read-only query of the evidence
 * tables, as EvidenceService exposes only the ids (`attachedTo`).
 */
async function evidenceOfFindings(
  em: EntityManager,
  findings: readonly AuditFinding[],
): Promise<Map<string, ReportEvidence[]>> {
  const byFinding = new Map<string, ReportEvidence[]>();
  if (findings.length === 0) {
    return byFinding;
  }
  const rows = await em.query<
    {
      record_id: string;
      original_name: string;
      media_type: string;
      sha256: string;
      captured_at: Date | null;
    }[]
  >(
    `SELECT a.record_id, e.original_name, e.media_type, e.sha256, e.captured_at
       FROM evidence_attachment a JOIN evidence e ON e.id = a.evidence_id
      WHERE a.record_type = 'audit_finding' AND a.record_id = ANY($1::uuid[])
      ORDER BY a.record_id, a.position`,
    [findings.map((f) => f.id)],
  );
  for (const row of rows) {
    byFinding.set(row.record_id, [
      ...(byFinding.get(row.record_id) ?? []),
      {
        originalName: row.original_name,
        mediaType: row.media_type,
        sha256: row.sha256,
        capturedAt: row.captured_at,
      },
    ]);
  }
  return byFinding;
}
