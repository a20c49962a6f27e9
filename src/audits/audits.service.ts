import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor } from 'src/auth/request-context';
import { isAssignedAuditor } from 'src/audits/audit-assignment';
import { AuditFinding } from 'src/audits/audit-finding.entity';
import { toAuditResponse, toAuditSummaryResponse } from 'src/audits/audit-response';
import { AuditReturn } from 'src/audits/audit-return.entity';
import { type AuditAction, assertAuditTransition } from 'src/audits/audit-transitions';
import { Audit } from 'src/audits/audit.entity';
import type { AuditQuery, AuditResponse, AuditSummaryResponse } from 'src/audits/audits.dto';
import { AuditIfMatchRequiredError, AuditNotFoundError } from 'src/audits/audits.errors';
import type { AuditStatus } from 'src/audits/audits.types';
import { lastSubmittedSelfAssessment } from 'src/audits/last-self-assessment';
import { CharterService, type PublishedCharter } from 'src/charter/charter.service';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import { assertIfMatch } from 'src/common/versioning';
import { CorrectiveActionsService } from 'src/corrective-actions/corrective-actions.service';
import { EvidenceService } from 'src/evidence/evidence.service';
import { confinedTo } from 'src/members/access-scope';
import { SitesService } from 'src/members/sites.service';

export const AUDIT_ENTITY = 'AUDIT';

/**
 * What an audit looks like to whom: admins see every audit; an auditor only those assigned to
 * them (another auditor's is a 404, so that its existence is not revealed); a member those of
 * their own company's sites.
 */
function visibleTo(actor: Actor): { organisationId?: string; auditorId?: string } {
  switch (actor.role) {
    case 'admin':
      return {};
    case 'auditor':
      return { auditorId: actor.userId };
    case 'member':
      return { organisationId: confinedTo(actor) };
  }
}

/** Reading audits, and what every use case on one needs: finding it, locking it, rendering it. */
@Injectable()
export class AuditsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly charter: CharterService,
    private readonly sites: SitesService,
    private readonly evidence: EvidenceService,
    private readonly correctiveActions: CorrectiveActionsService,
  ) {}

  async list(actor: Actor, query: AuditQuery): Promise<Page<AuditSummaryResponse>> {
    const em = this.db.manager;
    const qb = em.createQueryBuilder(Audit, 'a');
    const { organisationId: own, auditorId: me } = visibleTo(actor);
    if (own) {
      qb.andWhere('a.organisation_id = :own', { own });
    }
    if (me) {
      qb.andWhere('a.auditor_id = :me', { me });
    }
    if (query.siteId) {
      qb.andWhere('a.site_id = :siteId', { siteId: query.siteId });
    }
    if (query.organisationId && actor.role !== 'member') {
      qb.andWhere('a.organisation_id = :organisationId', { organisationId: query.organisationId });
    }
    if (query.auditorId && actor.role !== 'auditor') {
      qb.andWhere('a.auditor_id = :auditorId', { auditorId: query.auditorId });
    }
    if (query.status) {
      qb.andWhere('a.status = :status', { status: query.status });
    }
    if (query.plannedFrom) {
      qb.andWhere('a.planned_for >= :plannedFrom', { plannedFrom: query.plannedFrom });
    }
    if (query.plannedTo) {
      qb.andWhere('a.planned_for <= :plannedTo', { plannedTo: query.plannedTo });
    }
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy('a.planned_for', 'DESC')
      .addOrderBy('a.created_at', 'DESC')
      .addOrderBy('a.id', 'ASC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    const versions = await this.versionNames(em, rows);
    return pageOf(
      rows.map((a) => toAuditSummaryResponse(a, versions.get(a.charterVersionId ?? '') ?? null)),
      total,
      query,
    );
  }

  async get(actor: Actor, id: string): Promise<AuditResponse> {
    const em = this.db.manager;
    return this.render(em, actor, await this.findVisible(em, actor, id));
  }

  /** The audit if the caller may see it, otherwise the same 404 as a missing one. */
  async findVisible(em: EntityManager, actor: Actor, id: string): Promise<Audit> {
    const found = await em.findOneBy(Audit, { ...visibleTo(actor), id });
    if (!found) {
      throw new AuditNotFoundError();
    }
    return found;
  }

  /**
   * The audit the caller may see, locked (`SELECT ... FOR UPDATE`), with the state `action`
   * leads to from its current one. Checks in this order: visible (404), If-Match sent when
   * required (428), the action allowed from the current state (409), the version (412).
   */
  async lockFor(
    em: EntityManager,
    actor: Actor,
    id: string,
    action: AuditAction,
    ifMatch: number[] | undefined,
    options: { ifMatchRequired: boolean },
  ): Promise<{ current: Audit; to: AuditStatus }> {
    await this.findVisible(em, actor, id);
    if (options.ifMatchRequired && ifMatch === undefined) {
      throw new AuditIfMatchRequiredError();
    }
    const current = await em.findOne(Audit, {
      where: { ...visibleTo(actor), id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!current) {
      // Reassigned to another auditor while this request waited for the lock.
      throw new AuditNotFoundError();
    }
    const to = assertAuditTransition(current.status, action);
    assertIfMatch(AUDIT_ENTITY, current.version, ifMatch);
    return { current, to };
  }

  /** The charter version the audit is made against: fixed on start, null before. */
  async charterOf(em: EntityManager, audit: Audit): Promise<PublishedCharter | null> {
    if (!audit.charterVersionId) {
      return null;
    }
    const charter = await this.charter.findPublished(em, audit.charterVersionId);
    if (!charter) {
      throw new Error(`audit ${audit.id} refers to an unpublished charter version`);
    }
    return charter;
  }

  /** The charter version of an audit that has started (in progress, submitted, closed). */
  async startedCharterOf(em: EntityManager, audit: Audit): Promise<PublishedCharter> {
    const charter = await this.charterOf(em, audit);
    if (!charter) {
      throw new Error(`audit ${audit.id} is ${audit.status} but has no charter version`);
    }
    return charter;
  }

  /** The whole audit as the caller may see it, read through `em`. */
  async render(em: EntityManager, actor: Actor, audit: Audit): Promise<AuditResponse> {
    const at = new Date();
    const charter = await this.charterOf(em, audit);
    const site = await this.sites.findVisible(em, actor, audit.siteId);
    const findings = await em.find(AuditFinding, {
      where: { auditId: audit.id },
      order: { commitmentCode: 'ASC' },
    });
    const evidence =
      findings.length > 0
        ? await this.evidence.attachedTo(
            em,
            'audit_finding',
            findings.map((f) => f.id),
          )
        : new Map<string, string[]>();
    const findingsVisible = actor.role !== 'member' || audit.status === 'closed';
    const selfAssessment =
      charter && findingsVisible
        ? await lastSubmittedSelfAssessment(em, audit.siteId, audit.closedAt ?? at)
        : null;
    return toAuditResponse({
      audit,
      charter,
      site,
      findings,
      evidence,
      selfAssessment,
      returns: await em.find(AuditReturn, {
        where: { auditId: audit.id },
        order: { returnedAt: 'ASC', id: 'ASC' },
      }),
      correctiveActions: await this.correctiveActions.listOfAudit(em, audit.id, at),
      findingsVisible,
    });
  }

  /**
   * Whether the auditor is assigned an audit of the site that is still to be conducted
   * (planned or in progress): such an auditor may upload evidence for the site.
   */
  isAssignedAuditor(em: EntityManager, auditorId: string, siteId: string): Promise<boolean> {
    return isAssignedAuditor(em, auditorId, siteId);
  }

  private async versionNames(em: EntityManager, rows: readonly Audit[]) {
    const names = new Map<string, string>();
    for (const id of new Set(rows.map((a) => a.charterVersionId))) {
      if (id) {
        const charter = await this.charter.findPublished(em, id);
        names.set(id, charter?.version.version ?? '');
      }
    }
    return names;
  }
}
