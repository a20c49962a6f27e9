import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import {
  COMPLIANCE_INPUTS_LISTENER,
  type ComplianceInputsListener,
  NO_COMPLIANCE_INPUTS_LISTENER,
} from 'src/corrective-actions/compliance-inputs';
import {
  type CorrectiveActionDeadlines,
  correctiveActionDueAt,
} from 'src/corrective-actions/corrective-action-deadline';
import { CorrectiveActionReply } from 'src/corrective-actions/corrective-action-reply.entity';
import {
  toCorrectiveActionResponse,
  toCorrectiveActionSummaryResponse,
} from 'src/corrective-actions/corrective-action-response';
import { assertCorrectiveActionTransition } from 'src/corrective-actions/corrective-action-transitions';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import type {
  CorrectiveActionQuery,
  CorrectiveActionResponse,
  CorrectiveActionSummaryResponse,
} from 'src/corrective-actions/corrective-actions.dto';
import { CorrectiveActionNotFoundError } from 'src/corrective-actions/corrective-actions.errors';
import type { CorrectiveActionGrade } from 'src/corrective-actions/corrective-actions.types';
import { EvidenceService } from 'src/evidence/evidence.service';
import { JournalService } from 'src/journal/journal.service';
import { confinedTo } from 'src/members/access-scope';

/** The audit whose closing opens corrective actions (and supersedes the older ones). */
export interface ClosingAudit {
  readonly id: string;
  readonly siteId: string;
  readonly organisationId: string;
}

/** One non-conformity of a closing audit. */
export interface NonConformityFinding {
  readonly findingId: string;
  readonly code: string;
  readonly grade: CorrectiveActionGrade;
  readonly note: string;
}

/** What the closing of an audit did to corrective actions, for its journal entries. */
export interface ClosingOutcome {
  readonly opened: readonly CorrectiveAction[];
  readonly superseded: readonly CorrectiveAction[];
}

const ENTITY_TYPE = 'corrective_action';

/**
 * Reading corrective actions (a member: their own company's), and what closing an audit does to
 * them; responses and reviews are beside it.
 */
@Injectable()
export class CorrectiveActionsService {
  private readonly listener: ComplianceInputsListener;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly evidence: EvidenceService,
    private readonly journal: JournalService,
    @Optional() @Inject(COMPLIANCE_INPUTS_LISTENER) listener?: ComplianceInputsListener,
  ) {
    this.listener = listener ?? NO_COMPLIANCE_INPUTS_LISTENER;
  }

  async list(
    actor: Actor,
    query: CorrectiveActionQuery,
  ): Promise<Page<CorrectiveActionSummaryResponse>> {
    const at = new Date();
    const em = this.db.manager;
    const qb = em.createQueryBuilder(CorrectiveAction, 'ca');
    const organisationId = confinedTo(actor) ?? query.organisationId;
    if (organisationId) {
      qb.andWhere('ca.organisation_id = :organisationId', { organisationId });
    }
    if (query.siteId) {
      qb.andWhere('ca.site_id = :siteId', { siteId: query.siteId });
    }
    if (query.auditId) {
      qb.andWhere('ca.audit_id = :auditId', { auditId: query.auditId });
    }
    if (query.status) {
      qb.andWhere('ca.status = :status', { status: query.status });
    }
    // The rule of isOverdue, read off the stored status (see overdue.ts).
    if (query.overdue !== undefined) {
      const overdue = `(ca.status = 'open' AND ca.due_at < :at)`;
      qb.andWhere(query.overdue ? overdue : `NOT ${overdue}`, { at });
    }
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy('ca.due_at', 'ASC')
      .addOrderBy('ca.commitment_code', 'ASC')
      .addOrderBy('ca.id', 'ASC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    const replies = await this.repliesOf(em, rows);
    return pageOf(
      rows.map((a) => toCorrectiveActionSummaryResponse(a, replies.get(a.id) ?? [], at)),
      total,
      query,
    );
  }

  async get(actor: Actor, id: string): Promise<CorrectiveActionResponse> {
    const em = this.db.manager;
    return this.render(em, await this.findVisible(em, actor, id), new Date());
  }

  /** The corrective actions an audit opened, by commitment code, as the audit shows them. */
  async listOfAudit(em: EntityManager, auditId: string, at: Date) {
    const rows = await em.find(CorrectiveAction, {
      where: { auditId },
      order: { commitmentCode: 'ASC' },
    });
    const replies = await this.repliesOf(em, rows);
    return rows.map((a) => toCorrectiveActionSummaryResponse(a, replies.get(a.id) ?? [], at));
  }

  /** The corrective action if the caller may see it (a member: their own company's), else 404. */
  async findVisible(em: EntityManager, actor: Actor, id: string): Promise<CorrectiveAction> {
    const own = confinedTo(actor);
    const found = await em.findOneBy(CorrectiveAction, own ? { id, organisationId: own } : { id });
    if (!found) {
      throw new CorrectiveActionNotFoundError();
    }
    return found;
  }

  /** The whole corrective action with its responses, read through `em`. */
  async render(
    em: EntityManager,
    action: CorrectiveAction,
    at: Date,
  ): Promise<CorrectiveActionResponse> {
    const replies = (await this.repliesOf(em, [action])).get(action.id) ?? [];
    const evidence =
      replies.length > 0
        ? await this.evidence.attachedTo(
            em,
            'corrective_action_response',
            replies.map((r) => r.id),
          )
        : new Map<string, string[]>();
    return toCorrectiveActionResponse(action, replies, evidence, at);
  }

  /**
   * In the closing audit's transaction: opens one corrective action per non-conformity, due
   * from the closing instant by the version's deadlines, and supersedes the open (or responded)
   * actions of the site's earlier audits, the newer findings standing. Journal entries are
   * left to {@link journalClosing}, the last step of the use case.
   */
  async openForClosingAudit(
    em: EntityManager,
    audit: ClosingAudit,
    nonConformities: readonly NonConformityFinding[],
    deadlines: CorrectiveActionDeadlines,
    closedAt: Date,
  ): Promise<ClosingOutcome> {
    if (nonConformities.length > 0) {
      await em.insert(
        CorrectiveAction,
        nonConformities.map((nc) => ({
          auditId: audit.id,
          findingId: nc.findingId,
          siteId: audit.siteId,
          organisationId: audit.organisationId,
          commitmentCode: nc.code,
          grade: nc.grade,
          findingNote: nc.note,
          status: 'open' as const,
          openedAt: closedAt,
          dueAt: correctiveActionDueAt(nc.grade, closedAt, deadlines),
          version: 1,
        })),
      );
    }
    const opened = await em.find(CorrectiveAction, {
      where: { auditId: audit.id },
      order: { commitmentCode: 'ASC' },
    });
    const superseded = await this.supersedeEarlier(em, audit, closedAt);
    return { opened, superseded };
  }

  /** The journal entries of {@link openForClosingAudit}'s outcome. */
  async journalClosing(
    em: EntityManager,
    ctx: RequestContext,
    audit: ClosingAudit,
    outcome: ClosingOutcome,
  ): Promise<void> {
    for (const a of outcome.opened) {
      await this.journal.append(em, ctx, {
        action: 'corrective_action.opened',
        entityType: ENTITY_TYPE,
        entityId: a.id,
        organisationId: a.organisationId,
        changes: {
          auditId: a.auditId,
          findingId: a.findingId,
          code: a.commitmentCode,
          grade: a.grade,
          status: 'open',
          dueAt: a.dueAt.toISOString(),
        },
      });
    }
    for (const a of outcome.superseded) {
      await this.journal.append(em, ctx, {
        action: 'corrective_action.superseded',
        entityType: ENTITY_TYPE,
        entityId: a.id,
        organisationId: a.organisationId,
        changes: {
          status: { before: a.status, after: 'superseded' },
          supersededByAuditId: audit.id,
        },
      });
    }
  }

  /** Locked, checked and superseded; returned as they were before. */
  private async supersedeEarlier(
    em: EntityManager,
    audit: ClosingAudit,
    at: Date,
  ): Promise<CorrectiveAction[]> {
    const earlier = await em
      .createQueryBuilder(CorrectiveAction, 'ca')
      .setLock('pessimistic_write')
      .where('ca.site_id = :siteId AND ca.audit_id <> :auditId', {
        siteId: audit.siteId,
        auditId: audit.id,
      })
      .andWhere(`ca.status IN ('open', 'responded')`)
      .orderBy('ca.commitment_code', 'ASC')
      .getMany();
    if (earlier.length === 0) {
      return [];
    }
    for (const a of earlier) {
      assertCorrectiveActionTransition(a.status, 'superseded');
    }
    await em
      .createQueryBuilder()
      .update(CorrectiveAction)
      .set({
        status: 'superseded',
        supersededAt: at,
        supersededByAuditId: audit.id,
        version: () => 'version + 1',
        updatedAt: () => 'now()',
      })
      .where({ id: In(earlier.map((a) => a.id)) })
      .execute();
    for (const a of earlier) {
      await this.listener.onCorrectiveActionChanged(em, a.id, 'superseded');
    }
    return earlier;
  }

  private async repliesOf(
    em: EntityManager,
    actions: readonly CorrectiveAction[],
  ): Promise<Map<string, CorrectiveActionReply[]>> {
    const byAction = new Map<string, CorrectiveActionReply[]>();
    if (actions.length === 0) {
      return byAction;
    }
    const replies = await em.find(CorrectiveActionReply, {
      where: { correctiveActionId: In(actions.map((a) => a.id)) },
      order: { respondedAt: 'ASC', id: 'ASC' },
    });
    for (const reply of replies) {
      byAction.set(reply.correctiveActionId, [
        ...(byAction.get(reply.correctiveActionId) ?? []),
        reply,
      ]);
    }
    return byAction;
  }
}
