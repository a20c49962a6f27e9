import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { AuditFinding } from 'src/audits/audit-finding.entity';
import { AuditReturn } from 'src/audits/audit-return.entity';
import { scoreAudit } from 'src/audits/audit-score';
import { Audit } from 'src/audits/audit.entity';
import type { AuditResponse, ReturnAuditRequest } from 'src/audits/audits.dto';
import { AuditIncompleteError } from 'src/audits/audits.errors';
import { AUDIT_ENTITY, AuditsService } from 'src/audits/audits.service';
import { isNonConformity } from 'src/audits/audits.types';
import { updateVersioned } from 'src/common/versioning';
import {
  COMPLIANCE_INPUTS_LISTENER,
  type ComplianceInputsListener,
  NO_COMPLIANCE_INPUTS_LISTENER,
} from 'src/corrective-actions/compliance-inputs';
import {
  CorrectiveActionsService,
  type NonConformityFinding,
} from 'src/corrective-actions/corrective-actions.service';
import { JournalService } from 'src/journal/journal.service';
import { NotificationsService } from 'src/notifications/notifications.service';

/** The administrators' side of a submitted audit: send it back to its auditor, or close it. */
@Injectable()
export class AuditReviewService {
  private readonly logger = new Logger(AuditReviewService.name);
  private readonly listener: ComplianceInputsListener;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audits: AuditsService,
    private readonly correctiveActions: CorrectiveActionsService,
    private readonly journal: JournalService,
    private readonly notifications: NotificationsService,
    @Optional() @Inject(COMPLIANCE_INPUTS_LISTENER) listener?: ComplianceInputsListener,
  ) {
    this.listener = listener ?? NO_COMPLIANCE_INPUTS_LISTENER;
  }

  /** Sends a submitted audit back to its auditor with a comment: in progress again. */
  returnToAuditor(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    body: ReturnAuditRequest,
    ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.db.transaction(async (em) => {
      const { current, to } = await this.audits.lockFor(em, actor, id, 'return', ifMatch, {
        ifMatchRequired: false,
      });
      await em.insert(AuditReturn, {
        auditId: id,
        comment: body.comment,
        returnedBy: actor.userId,
        returnedAt: new Date(),
      });
      const after = await updateVersioned(em, Audit, AUDIT_ENTITY, current, { status: to });
      const response = await this.audits.render(em, actor, after);
      await this.journal.append(em, ctx, {
        action: 'audit.returned',
        entityType: 'audit',
        entityId: id,
        organisationId: current.organisationId,
        changes: { status: { before: current.status, after: to }, comment: body.comment },
      });
      return response;
    });
  }

  /**
   * Closes a submitted audit, in one transaction: freezes it with its score and group scores,
   * opens one corrective action per non-conformity (due by the version's deadlines from this
   * instant), supersedes the open actions of the site's earlier audits, and tells the
   * compliance listener.
   */
  close(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    const closedAt = new Date();
    const closing = this.db.transaction(async (em) => {
      const { current, to } = await this.audits.lockFor(em, actor, id, 'close', ifMatch, {
        ifMatchRequired: true,
      });
      const charter = await this.audits.startedCharterOf(em, current);
      const findings = await em.find(AuditFinding, {
        where: { auditId: id },
        order: { commitmentCode: 'ASC' },
      });
      const results = new Map(findings.map((f) => [f.commitmentCode, f.result]));
      const missing = charter.commitments.map((c) => c.code).filter((c) => !results.has(c));
      if (missing.length > 0) {
        throw new AuditIncompleteError(missing);
      }
      const { score, groupScores } = scoreAudit(charter, results);
      const after = await updateVersioned(em, Audit, AUDIT_ENTITY, current, {
        status: to,
        closedAt,
        closedBy: actor.userId,
        score,
        scoreEmployees: groupScores.employees,
        scoreClients: groupScores.clients,
        scoreProviders: groupScores.providers,
        scoreCommunity: groupScores.community,
      });
      const outcome = await this.correctiveActions.openForClosingAudit(
        em,
        current,
        findings.flatMap((f): NonConformityFinding[] =>
          isNonConformity(f.result)
            ? [{ findingId: f.id, code: f.commitmentCode, grade: f.result, note: f.note ?? '' }]
            : [],
        ),
        charter.rules,
        closedAt,
      );
      await this.listener.onAuditClosed(em, id);
      // After the listener: the message tells the site's status as it now stands.
      await this.notifications.notify(em, { kind: 'audit.closed', auditId: id });
      const response = await this.audits.render(em, actor, after);
      await this.journal.append(em, ctx, {
        action: 'audit.closed',
        entityType: 'audit',
        entityId: id,
        organisationId: current.organisationId,
        changes: {
          status: { before: current.status, after: to },
          score,
          groupScores,
          correctiveActionIds: outcome.opened.map((a) => a.id),
          supersededCorrectiveActionIds: outcome.superseded.map((a) => a.id),
        },
      });
      await this.correctiveActions.journalClosing(em, ctx, current, outcome);
      return response;
    });
    return closing.then((closed) => {
      this.logger.log(
        `Audit ${id} of site ${closed.siteId} closed: score ${closed.score ?? 'n/a'}, ` +
          `${closed.correctiveActions.length} corrective action(s) opened`,
      );
      return closed;
    });
  }
}
