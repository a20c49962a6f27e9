import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In, Not, QueryFailedError } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { Audit } from 'src/audits/audit.entity';
import type {
  AuditResponse,
  CancelAuditRequest,
  PlanAuditRequest,
  RescheduleAuditRequest,
} from 'src/audits/audits.dto';
import {
  AuditorInvalidError,
  AuditSiteInactiveError,
  SiteHasActiveAuditError,
} from 'src/audits/audits.errors';
import { AUDIT_ENTITY, AuditsService } from 'src/audits/audits.service';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import { RequestValidationError } from 'src/common/errors';
import { definedFields } from 'src/common/transforms';
import { updateVersioned } from 'src/common/versioning';
import { diff, JournalService } from 'src/journal/journal.service';
import { OrganisationsService } from 'src/members/organisations.service';
import { SitesService } from 'src/members/sites.service';
import { UsersService } from 'src/members/users.service';
import { NotificationsService } from 'src/notifications/notifications.service';

// Planning further ahead than this is a typo, not a plan.
const MAX_DAYS_AHEAD = 730;

const PLAN_FIELDS = ['plannedFor', 'auditorId'] as const;

/** The administrators' side of an audit before it is conducted: plan, reschedule, cancel. */
@Injectable()
export class AuditPlanningService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audits: AuditsService,
    private readonly organisations: OrganisationsService,
    private readonly sites: SitesService,
    private readonly users: UsersService,
    private readonly journal: JournalService,
    private readonly notifications: NotificationsService,
  ) {}

  /** Plans an audit of an active site: one audit per site neither closed nor cancelled. */
  async plan(ctx: RequestContext, actor: Actor, body: PlanAuditRequest): Promise<AuditResponse> {
    assertPlannedFor(body.plannedFor, new Date());
    await this.assertAuditor(body.auditorId);
    try {
      return await this.db.transaction(async (em) => {
        const site = await this.sites.findVisible(em, actor, body.siteId);
        await this.organisations.lockActive(
          em,
          site.organisationId,
          () => new AuditSiteInactiveError(),
        );
        if (!site.active) {
          throw new AuditSiteInactiveError();
        }
        const active = await findActive(em, site.id);
        if (active) {
          throw new SiteHasActiveAuditError(active.id);
        }
        const { identifiers } = await em.insert(Audit, {
          siteId: site.id,
          organisationId: site.organisationId,
          type: body.type,
          status: 'planned',
          plannedFor: body.plannedFor,
          auditorId: body.auditorId,
          plannedBy: actor.userId,
          version: 1,
        });
        const id = (identifiers[0] as { id: string }).id;
        const response = await this.audits.render(
          em,
          actor,
          await em.findOneByOrFail(Audit, { id }),
        );
        await this.notifications.notify(em, { kind: 'audit.planned', auditId: id });
        await this.journal.append(em, ctx, {
          action: 'audit.planned',
          entityType: 'audit',
          entityId: id,
          organisationId: site.organisationId,
          changes: {
            siteId: site.id,
            type: body.type,
            plannedFor: body.plannedFor,
            auditorId: body.auditorId,
            status: 'planned',
          },
        });
        return response;
      });
    } catch (error) {
      throw await this.translateActiveConflict(error, body.siteId);
    }
  }

  /** Moves a planned audit to another date or another auditor. */
  async reschedule(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    body: RescheduleAuditRequest,
    ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    const fields = definedFields(body);
    if (fields.plannedFor !== undefined) {
      assertPlannedFor(fields.plannedFor, new Date());
    }
    if (fields.auditorId !== undefined) {
      await this.assertAuditor(fields.auditorId);
    }
    return this.db.transaction(async (em) => {
      const { current } = await this.audits.lockFor(em, actor, id, 'reschedule', ifMatch, {
        ifMatchRequired: false,
      });
      const changes = diff(current, { ...current, ...fields }, PLAN_FIELDS);
      if (Object.keys(changes).length === 0) {
        return this.audits.render(em, actor, current);
      }
      const after = await updateVersioned(em, Audit, AUDIT_ENTITY, current, fields);
      const response = await this.audits.render(em, actor, after);
      await this.notifyRescheduled(em, current, after);
      await this.journal.append(em, ctx, {
        action: 'audit.rescheduled',
        entityType: 'audit',
        entityId: id,
        organisationId: current.organisationId,
        changes,
      });
      return response;
    });
  }

  /**
   * A new date: the auditor and the members get an invitation that moves the visit. A new
   * auditor: the former one gets a cancellation, the new one an invitation as to a new audit, and
   * the members hear of it only if the date moved too. Every message carries the audit's new
   * version as its calendar SEQUENCE.
   */
  private async notifyRescheduled(em: EntityManager, before: Audit, after: Audit): Promise<void> {
    const moved = after.plannedFor !== before.plannedFor;
    const previousPlannedFor = before.plannedFor;
    if (after.auditorId === before.auditorId) {
      await this.notifications.notify(em, {
        kind: 'audit.rescheduled',
        auditId: after.id,
        previousPlannedFor,
      });
      return;
    }
    await this.notifications.notify(em, {
      kind: 'audit.unassigned',
      auditId: after.id,
      previousAuditorId: before.auditorId,
      previousPlannedFor,
    });
    await this.notifications.notify(em, {
      kind: 'audit.planned',
      auditId: after.id,
      only: 'auditor',
    });
    if (moved) {
      await this.notifications.notify(em, {
        kind: 'audit.rescheduled',
        auditId: after.id,
        previousPlannedFor,
        only: 'members',
      });
    }
  }

  /** Cancels a planned or in-progress audit, with a reason: final. */
  cancel(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    body: CancelAuditRequest,
    ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.db.transaction(async (em) => {
      const { current, to } = await this.audits.lockFor(em, actor, id, 'cancel', ifMatch, {
        ifMatchRequired: false,
      });
      const after = await updateVersioned(em, Audit, AUDIT_ENTITY, current, {
        status: to,
        cancelledAt: () => 'now()',
        cancelledBy: actor.userId,
        cancelReason: body.reason,
      });
      const response = await this.audits.render(em, actor, after);
      await this.notifications.notify(em, { kind: 'audit.cancelled', auditId: id });
      await this.journal.append(em, ctx, {
        action: 'audit.cancelled',
        entityType: 'audit',
        entityId: id,
        organisationId: current.organisationId,
        changes: { status: { before: current.status, after: to }, reason: body.reason },
      });
      return response;
    });
  }

  // Read before the transaction: the users' service reads through its own repository.
  private async assertAuditor(auditorId: string): Promise<void> {
    const user = await this.users.findById(auditorId);
    if (!user) {
      throw new AuditorInvalidError('is not a user');
    }
    if (user.role !== 'auditor') {
      throw new AuditorInvalidError(`must be an auditor, not a user with the ${user.role} role`);
    }
    if (user.disabledAt) {
      throw new AuditorInvalidError('is a disabled user');
    }
  }

  // A plan that lost the race to a concurrent one: the same 409 as when the other was seen.
  private async translateActiveConflict(error: unknown, siteId: string): Promise<unknown> {
    const driverError: unknown = error instanceof QueryFailedError ? error.driverError : undefined;
    const { code, constraint } = (driverError ?? {}) as { code?: string; constraint?: string };
    if (code !== '23505' || constraint !== 'audit_site_active_uq') {
      return error;
    }
    const active = await findActive(this.db.manager, siteId);
    return new SiteHasActiveAuditError(active?.id ?? null);
  }
}

function findActive(em: EntityManager, siteId: string): Promise<Audit | null> {
  return em.findOneBy(Audit, { siteId, status: Not(In(['closed', 'cancelled'])) });
}

/** A planned date is today or later (in Africa/Casablanca), within two years. */
function assertPlannedFor(plannedFor: string, at: Date): void {
  const today = calendarDate(at);
  const latest = addDays(today, MAX_DAYS_AHEAD);
  if (plannedFor < today || plannedFor > latest) {
    throw new RequestValidationError([
      {
        field: 'plannedFor',
        message: `must be between today (${today}, Africa/Casablanca) and ${latest}`,
      },
    ]);
  }
}
