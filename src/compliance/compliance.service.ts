import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In, IsNull } from 'typeorm';
import { AuditFinding } from 'src/audits/audit-finding.entity';
import { Audit } from 'src/audits/audit.entity';
import type { Actor } from 'src/auth/request-context';
import { CharterService } from 'src/charter/charter.service';
import { canonicalJson } from 'src/common/canonical-json';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import {
  type ComplianceCause,
  SiteComplianceHistory,
} from 'src/compliance/compliance-history.entity';
import {
  type ComplianceHistoryItemResponse,
  type ComplianceHistoryQuery,
  type ComplianceResponse,
  toComplianceHistoryItemResponse,
  toComplianceResponse,
} from 'src/compliance/compliance.dto';
import type {
  ComplianceInput,
  ComplianceResult,
  ComplianceRules,
  ComplianceStatus,
} from 'src/compliance/compliance.types';
import { computeCompliance } from 'src/compliance/compute-compliance';
import type { GroupScores } from 'src/compliance/score';
import { SiteSuspension } from 'src/compliance/site-suspension.entity';
import {
  NO_SITE_STATUS_LISTENER,
  SITE_STATUS_LISTENER,
  type SiteStatusListener,
} from 'src/compliance/status-events';
import type { ComplianceInputsListener } from 'src/corrective-actions/compliance-inputs';
import type { CorrectiveActionEvent } from 'src/corrective-actions/corrective-action-transitions';
import { CorrectiveActionReply } from 'src/corrective-actions/corrective-action-reply.entity';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import { isOverdue } from 'src/corrective-actions/overdue';
import { SitesService } from 'src/members/sites.service';

/** The stored status row as locked; version 0 is the placeholder of a site never evaluated. */
export interface StoredCompliance {
  readonly siteId: string;
  readonly status: ComplianceStatus;
  readonly score: number | null;
  readonly reasons: unknown;
  readonly version: number;
}

/** What one recomputation did. */
export interface Recomputation {
  readonly before: StoredCompliance;
  readonly result: ComplianceResult;
  /** Status, score or reasons differ from the stored ones (a history entry was appended). */
  readonly changed: boolean;
  readonly statusChanged: boolean;
}

const NO_GROUP_SCORES: GroupScores = {
  employees: null,
  clients: null,
  providers: null,
  community: null,
};

/**
 * A site's compliance: evaluated by the pure {@link computeCompliance} from inputs read through
 * the caller's transaction, stored, and appended to the history when it changes. Reads audits and
 * corrective actions through `em` only (the audits module depends on this one's listener).
 */
@Injectable()
export class ComplianceService implements ComplianceInputsListener {
  private readonly logger = new Logger(ComplianceService.name);
  private readonly statusListener: SiteStatusListener;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly charters: CharterService,
    private readonly sites: SitesService,
    @Optional() @Inject(SITE_STATUS_LISTENER) statusListener?: SiteStatusListener,
  ) {
    this.statusListener = statusListener ?? NO_SITE_STATUS_LISTENER;
  }

  async onAuditClosed(em: EntityManager, auditId: string): Promise<void> {
    const audit = await em.findOneByOrFail(Audit, { id: auditId });
    await this.recompute(em, audit.siteId, 'audit_closed', new Date());
  }

  async onCorrectiveActionChanged(
    em: EntityManager,
    correctiveActionId: string,
    event: CorrectiveActionEvent,
  ): Promise<void> {
    // Superseding happens only as a newer audit closes, whose own recomputation follows in the
    // same transaction, once its corrective actions exist: one entry, caused by the closing.
    if (event === 'superseded') {
      return;
    }
    const action = await em.findOneByOrFail(CorrectiveAction, { id: correctiveActionId });
    await this.recompute(em, action.siteId, `corrective_action_${event}`, new Date());
  }

  /** The status now, computed live from the stored inputs (member: own sites; others 404). */
  async get(actor: Actor, siteId: string): Promise<ComplianceResponse> {
    // One snapshot: the inputs are read as of one instant.
    return this.db.transaction('REPEATABLE READ', async (em) => {
      await this.sites.findVisible(em, actor, siteId);
      return toComplianceResponse(await this.evaluate(em, siteId, new Date()));
    });
  }

  async history(
    actor: Actor,
    siteId: string,
    query: ComplianceHistoryQuery,
  ): Promise<Page<ComplianceHistoryItemResponse>> {
    await this.sites.findVisible(this.db.manager, actor, siteId);
    const { skip, take } = pageWindow(query);
    const [rows, total] = await this.db.manager.findAndCount(SiteComplianceHistory, {
      where: { siteId },
      order: { at: 'DESC', seq: 'DESC' },
      skip,
      take,
    });
    return pageOf(rows.map(toComplianceHistoryItemResponse), total, query);
  }

  /** The site's compliance at `at`, from its inputs as `em` sees them. Writes nothing. */
  async evaluate(em: EntityManager, siteId: string, at: Date): Promise<ComplianceResult> {
    const { input, rules } = await this.loadInput(em, siteId, at);
    return computeCompliance(input, rules, at);
  }

  /**
   * Locks the site's status row, inserting a placeholder first when there is none, so that
   * concurrent recomputations of one site run one after the other. With `skipLocked`, null when
   * another transaction holds it.
   */
  async lock(
    em: EntityManager,
    siteId: string,
    at: Date,
    options: { skipLocked?: boolean } = {},
  ): Promise<StoredCompliance | null> {
    const select = (suffix: string) =>
      em.query<
        { status: ComplianceStatus; score: string | null; reasons: unknown; version: number }[]
      >(
        `SELECT status, score::text AS score, reasons, version FROM site_compliance
          WHERE site_id = $1 FOR UPDATE${suffix}`,
        [siteId],
      );
    let [row] = await select(options.skipLocked ? ' SKIP LOCKED' : '');
    if (!row) {
      if (options.skipLocked) {
        const [exists] = await em.query<unknown[]>(
          'SELECT 1 FROM site_compliance WHERE site_id = $1',
          [siteId],
        );
        if (exists) {
          return null;
        }
      }
      await em.query(
        `INSERT INTO site_compliance (site_id, status, group_scores, reasons, evaluated_at, version)
         VALUES ($1, 'not_assessed', $2, '[]', $3, 0) ON CONFLICT (site_id) DO NOTHING`,
        [siteId, JSON.stringify(NO_GROUP_SCORES), at],
      );
      [row] = await select('');
    }
    return {
      siteId,
      status: row.status,
      score: row.score === null ? null : Number(row.score),
      reasons: row.reasons,
      version: row.version,
    };
  }

  /** Recomputes the site's status in the caller's transaction (locks its row first). */
  async recompute(
    em: EntityManager,
    siteId: string,
    cause: ComplianceCause,
    at: Date,
  ): Promise<Recomputation> {
    const before = (await this.lock(em, siteId, at))!;
    return this.recomputeLocked(em, before, cause, at);
  }

  /** Recomputes a site whose row the transaction holds (from {@link lock}). */
  async recomputeLocked(
    em: EntityManager,
    before: StoredCompliance,
    cause: ComplianceCause,
    at: Date,
  ): Promise<Recomputation> {
    const result = await this.evaluate(em, before.siteId, at);
    // Compared as jsonb gives them back: the reasons' keys reordered.
    const reasons = JSON.parse(JSON.stringify(result.reasons)) as unknown;
    const statusChanged = before.status !== result.status;
    const changed =
      before.version === 0 ||
      statusChanged ||
      before.score !== result.score ||
      canonicalJson(before.reasons) !== canonicalJson(reasons);
    await em.query(
      `UPDATE site_compliance SET status = $2, score = $3, group_scores = $4, reasons = $5,
         evaluated_at = $6, valid_until = $7, version = version + 1
       WHERE site_id = $1`,
      [
        before.siteId,
        result.status,
        result.score,
        JSON.stringify(result.groupScores),
        JSON.stringify(reasons),
        at,
        result.validUntil,
      ],
    );
    if (changed) {
      await em.insert(SiteComplianceHistory, {
        siteId: before.siteId,
        fromStatus: before.version === 0 ? null : before.status,
        toStatus: result.status,
        score: result.score,
        reasons: reasons as SiteComplianceHistory['reasons'],
        cause,
        at,
      });
    }
    if (statusChanged) {
      this.logger.log(`Site ${before.siteId}: ${before.status} → ${result.status} (${cause})`);
      await this.statusListener.onSiteStatusChanged(em, {
        siteId: before.siteId,
        from: before.status,
        to: result.status,
        result,
        cause,
      });
    }
    return { before, result, changed, statusChanged };
  }

  private async loadInput(
    em: EntityManager,
    siteId: string,
    at: Date,
  ): Promise<{ input: ComplianceInput; rules: ComplianceRules }> {
    const suspension = await em.findOne(SiteSuspension, { where: { siteId, liftedAt: IsNull() } });
    const [audit] = await em.find(Audit, {
      where: { siteId, status: 'closed' },
      order: { visitedOn: 'DESC', closedAt: 'DESC' },
      take: 1,
    });
    const charter = await this.charters.findPublished(em, audit?.charterVersionId ?? undefined);
    if (!charter) {
      throw new Error(`No published charter version to evaluate site ${siteId} against`);
    }
    const r = charter.rules;
    const rules: ComplianceRules = {
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
    const input: ComplianceInput = {
      siteId,
      suspension: suspension ? { reason: suspension.reason, since: suspension.suspendedAt } : null,
      latestAudit: audit
        ? {
            id: audit.id,
            visitedOn: audit.visitedOn!,
            closedAt: audit.closedAt!,
            charterVersion: charter.version.version,
            commitments: charter.commitments.map((c) => ({
              code: c.code,
              group: c.stakeholderGroup,
              criticality: c.criticality,
            })),
            ...(await this.auditInputs(em, audit.id, at)),
          }
        : null,
    };
    return { input, rules };
  }

  /** The findings of the audit and the corrective actions of its non-conformities, at `at`. */
  private async auditInputs(em: EntityManager, auditId: string, at: Date) {
    const findings = await em.find(AuditFinding, {
      where: { auditId },
      order: { commitmentCode: 'ASC' },
    });
    const actions = await em.find(CorrectiveAction, {
      where: { auditId },
      order: { commitmentCode: 'ASC' },
    });
    const replies =
      actions.length === 0
        ? []
        : await em.find(CorrectiveActionReply, {
            where: { correctiveActionId: In(actions.map((a) => a.id)) },
          });
    return {
      findings: findings.map((f) => ({ id: f.id, code: f.commitmentCode, result: f.result })),
      correctiveActions: actions.map((a) => ({
        id: a.id,
        findingId: a.findingId,
        code: a.commitmentCode,
        grade: a.grade,
        status: a.status,
        dueAt: a.dueAt,
        overdue: isOverdue(
          a,
          replies.filter((x) => x.correctiveActionId === a.id),
          at,
        ),
      })),
    };
  }
}
