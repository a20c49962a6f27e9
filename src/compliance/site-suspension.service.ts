import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import type { ComplianceCause } from 'src/compliance/compliance-history.entity';
import { type ComplianceResponse, toComplianceResponse } from 'src/compliance/compliance.dto';
import { SiteAlreadySuspendedError, SiteNotSuspendedError } from 'src/compliance/compliance.errors';
import { ComplianceService } from 'src/compliance/compliance.service';
import { SiteSuspension } from 'src/compliance/site-suspension.entity';
import { JournalService } from 'src/journal/journal.service';
import { rethrowUniqueViolation } from 'src/members/members.errors';
import type { Site } from 'src/members/site.entity';
import { SitesService } from 'src/members/sites.service';

// Two suspensions racing past the check: the partial unique index refuses the second.
const oneActive = rethrowUniqueViolation({
  site_suspension_active_uq: () => new SiteAlreadySuspendedError(),
});

/** An administrator's override of a site's status, set and lifted with a reason. */
@Injectable()
export class SiteSuspensionService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sites: SitesService,
    private readonly compliance: ComplianceService,
    private readonly journal: JournalService,
  ) {}

  suspend(
    ctx: RequestContext,
    actor: Actor,
    siteId: string,
    reason: string,
  ): Promise<ComplianceResponse> {
    const at = new Date();
    return this.db
      .transaction(async (em) => {
        const site = await this.sites.findVisible(em, actor, siteId);
        await this.compliance.lock(em, siteId, at);
        if (await this.activeOf(em, siteId)) {
          throw new SiteAlreadySuspendedError();
        }
        const { identifiers } = await em.insert(SiteSuspension, {
          siteId,
          reason,
          suspendedBy: actor.userId,
          suspendedAt: at,
        });
        return this.finish(em, ctx, site, 'suspension_set', at, {
          suspensionId: (identifiers[0] as { id: string }).id,
          reason,
        });
      })
      .catch(oneActive);
  }

  lift(
    ctx: RequestContext,
    actor: Actor,
    siteId: string,
    reason: string,
  ): Promise<ComplianceResponse> {
    const at = new Date();
    return this.db.transaction(async (em) => {
      const site = await this.sites.findVisible(em, actor, siteId);
      await this.compliance.lock(em, siteId, at);
      const active = await this.activeOf(em, siteId);
      if (!active) {
        throw new SiteNotSuspendedError();
      }
      await em.update(
        SiteSuspension,
        { id: active.id },
        { liftedBy: actor.userId, liftedAt: at, liftReason: reason },
      );
      return this.finish(em, ctx, site, 'suspension_lifted', at, {
        suspensionId: active.id,
        reason,
      });
    });
  }

  private activeOf(em: EntityManager, siteId: string): Promise<SiteSuspension | null> {
    return em.findOne(SiteSuspension, {
      where: { siteId, liftedAt: IsNull() },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** Recomputes the status (the row is locked) and journals the action, last. */
  private async finish(
    em: EntityManager,
    ctx: RequestContext,
    site: Pick<Site, 'id' | 'organisationId'>,
    cause: Extract<ComplianceCause, 'suspension_set' | 'suspension_lifted'>,
    at: Date,
    changes: Record<string, unknown>,
  ): Promise<ComplianceResponse> {
    const { before, result } = await this.compliance.recompute(em, site.id, cause, at);
    await this.journal.append(em, ctx, {
      action: cause === 'suspension_set' ? 'site.suspended' : 'site.suspension_lifted',
      entityType: 'site',
      entityId: site.id,
      organisationId: site.organisationId,
      changes: { ...changes, status: { before: before.status, after: result.status } },
    });
    return toComplianceResponse(result);
  }
}
