import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { assertIfMatch, updateVersioned } from 'src/common/versioning';
import {
  COMPLIANCE_INPUTS_LISTENER,
  type ComplianceInputsListener,
  NO_COMPLIANCE_INPUTS_LISTENER,
} from 'src/corrective-actions/compliance-inputs';
import { CorrectiveActionReply } from 'src/corrective-actions/corrective-action-reply.entity';
import {
  assertCorrectiveActionTransition,
  type CorrectiveActionEvent,
} from 'src/corrective-actions/corrective-action-transitions';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import type {
  CorrectiveActionResponse,
  RejectRequest,
  RespondRequest,
  VerifyRequest,
} from 'src/corrective-actions/corrective-actions.dto';
import { CorrectiveActionSiteInactiveError } from 'src/corrective-actions/corrective-actions.errors';
import { CorrectiveActionsService } from 'src/corrective-actions/corrective-actions.service';
import { EvidenceService } from 'src/evidence/evidence.service';
import { JournalService } from 'src/journal/journal.service';
import { OrganisationsService } from 'src/members/organisations.service';
import { NotificationsService } from 'src/notifications/notifications.service';

const ENTITY = 'CORRECTIVE_ACTION';

/** What a response or a review does to an action (superseding is the closing audit's). */
type ReviewEvent = Exclude<CorrectiveActionEvent, 'superseded'>;

/** The life of a corrective action after it opens: the member's responses, the auditors' reviews. */
@Injectable()
export class CorrectiveActionReviewsService {
  private readonly listener: ComplianceInputsListener;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly actions: CorrectiveActionsService,
    private readonly organisations: OrganisationsService,
    private readonly evidence: EvidenceService,
    private readonly journal: JournalService,
    private readonly notifications: NotificationsService,
    @Optional() @Inject(COMPLIANCE_INPUTS_LISTENER) listener?: ComplianceInputsListener,
  ) {
    this.listener = listener ?? NO_COMPLIANCE_INPUTS_LISTENER;
  }

  /** The member's response, with its evidence: the clock stops while an auditor reviews it. */
  respond(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    body: RespondRequest,
    ifMatch: number[] | undefined,
  ): Promise<CorrectiveActionResponse> {
    const at = new Date();
    return this.db.transaction(async (em) => {
      const seen = await this.actions.findVisible(em, actor, id);
      // The sites of an ended membership are read-only; locked before the action, as elsewhere.
      await this.organisations.lockActive(
        em,
        seen.organisationId,
        () => new CorrectiveActionSiteInactiveError(),
      );
      const { current, to } = await this.lockFor(em, id, 'responded', ifMatch);
      const { identifiers } = await em.insert(CorrectiveActionReply, {
        correctiveActionId: id,
        description: body.description,
        respondedBy: actor.userId,
        respondedAt: at,
        outcome: null,
        reviewedBy: null,
        reviewedAt: null,
        reviewComment: null,
      });
      const replyId = (identifiers[0] as { id: string }).id;
      const evidenceIds = body.evidenceIds ?? [];
      await this.evidence.attach(em, {
        organisationId: current.organisationId,
        recordType: 'corrective_action_response',
        recordId: replyId,
        evidenceIds,
      });
      const after = await updateVersioned(em, CorrectiveAction, ENTITY, current, { status: to });
      return this.finish(em, ctx, after, 'responded', at, {
        status: { before: current.status, after: to },
        responseId: replyId,
        evidenceIds,
      });
    });
  }

  /** An auditor accepts the response under review: the non-conformity is resolved. */
  verify(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    body: VerifyRequest,
    ifMatch: number[] | undefined,
  ): Promise<CorrectiveActionResponse> {
    const at = new Date();
    return this.db.transaction(async (em) => {
      await this.actions.findVisible(em, actor, id);
      const { current, to } = await this.lockFor(em, id, 'verified', ifMatch);
      const reply = await this.review(em, actor, current, 'accepted', body.comment ?? null, at);
      const after = await updateVersioned(em, CorrectiveAction, ENTITY, current, {
        status: to,
        verifiedAt: at,
        verifiedBy: actor.userId,
      });
      return this.finish(em, ctx, after, 'verified', at, {
        status: { before: current.status, after: to },
        responseId: reply.id,
        ...(body.comment && { comment: body.comment }),
      });
    });
  }

  /** An auditor rejects the response under review: the action is open again, with its deadline. */
  reject(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    body: RejectRequest,
    ifMatch: number[] | undefined,
  ): Promise<CorrectiveActionResponse> {
    const at = new Date();
    return this.db.transaction(async (em) => {
      await this.actions.findVisible(em, actor, id);
      const { current, to } = await this.lockFor(em, id, 'rejected', ifMatch);
      const reply = await this.review(em, actor, current, 'rejected', body.comment, at);
      const after = await updateVersioned(em, CorrectiveAction, ENTITY, current, { status: to });
      return this.finish(em, ctx, after, 'rejected', at, {
        status: { before: current.status, after: to },
        responseId: reply.id,
        comment: body.comment,
      });
    });
  }

  /** The action locked (FOR UPDATE), the event allowed from its state, at the version read. */
  private async lockFor(
    em: EntityManager,
    id: string,
    event: CorrectiveActionEvent,
    ifMatch: number[] | undefined,
  ) {
    const current = await em.findOneOrFail(CorrectiveAction, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    const to = assertCorrectiveActionTransition(current.status, event);
    assertIfMatch(ENTITY, current.version, ifMatch);
    return { current, to };
  }

  /** Writes the review of the response under review (there is one: the action is responded). */
  private async review(
    em: EntityManager,
    actor: Actor,
    action: CorrectiveAction,
    outcome: 'accepted' | 'rejected',
    comment: string | null,
    at: Date,
  ): Promise<CorrectiveActionReply> {
    const pending = await em.findOneByOrFail(CorrectiveActionReply, {
      correctiveActionId: action.id,
      outcome: IsNull(),
    });
    await em.update(
      CorrectiveActionReply,
      { id: pending.id },
      { outcome, reviewedBy: actor.userId, reviewedAt: at, reviewComment: comment },
    );
    return pending;
  }

  /** Once the change is written: tells the listener, renders, notifies, and journals, last. */
  private async finish(
    em: EntityManager,
    ctx: RequestContext,
    after: CorrectiveAction,
    event: ReviewEvent,
    at: Date,
    changes: Record<string, unknown>,
  ): Promise<CorrectiveActionResponse> {
    await this.listener.onCorrectiveActionChanged(em, after.id, event);
    const response = await this.actions.render(em, after, at);
    await this.notifications.notify(em, {
      kind: `corrective_action.${event}`,
      correctiveActionId: after.id,
    });
    await this.journal.append(em, ctx, {
      action: `corrective_action.${event}`,
      entityType: 'corrective_action',
      entityId: after.id,
      organisationId: after.organisationId,
      changes,
    });
    return response;
  }
}
