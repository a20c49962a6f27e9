import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import { diff, JournalService } from 'src/journal/journal.service';
import { confinedTo } from 'src/members/access-scope';
import {
  iceTaken,
  MembershipEndedError,
  membershipNumberTaken,
  OrganisationNotFoundError,
  rethrowUniqueViolation,
} from 'src/members/members.errors';
import { containsPattern, definedFields } from 'src/common/transforms';
import {
  MEMBERSHIP_LISTENER,
  type MembershipListener,
  NO_MEMBERSHIP_LISTENER,
} from 'src/members/membership-events';
import { Organisation } from 'src/members/organisation.entity';
import {
  type CreateOrganisationRequest,
  type OrganisationQuery,
  type OrganisationResponse,
  toOrganisationResponse,
  type UpdateOrganisationRequest,
} from 'src/members/organisations.dto';
import { assertIfMatch, updateVersioned } from 'src/common/versioning';

const IDENTITY_FIELDS = ['name', 'ice', 'membershipNumber', 'contactEmail'] as const;

const uniqueFields = rethrowUniqueViolation({
  organisation_ice_uq: iceTaken,
  organisation_membership_number_uq: membershipNumberTaken,
});

@Injectable()
export class OrganisationsService {
  private readonly membershipListener: MembershipListener;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Organisation) private readonly organisations: Repository<Organisation>,
    private readonly journal: JournalService,
    @Optional() @Inject(MEMBERSHIP_LISTENER) membershipListener?: MembershipListener,
  ) {
    this.membershipListener = membershipListener ?? NO_MEMBERSHIP_LISTENER;
  }

  async list(actor: Actor, query: OrganisationQuery): Promise<Page<OrganisationResponse>> {
    const qb = this.organisations.createQueryBuilder('o');
    const own = confinedTo(actor);
    if (own) {
      qb.andWhere('o.id = :own', { own });
    }
    if (query.q) {
      qb.andWhere('o.name ILIKE :pattern', { pattern: containsPattern(query.q) });
    }
    if (query.status) {
      qb.andWhere('o.status = :status', { status: query.status });
    }
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy('o.name', 'ASC')
      .addOrderBy('o.id', 'ASC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    return pageOf(rows.map(toOrganisationResponse), total, query);
  }

  async get(actor: Actor, id: string): Promise<OrganisationResponse> {
    return toOrganisationResponse(await this.findVisible(this.db.manager, actor, id));
  }

  /**
   * The organisation if the caller may see it: any for association staff, only their own for a
   * member; otherwise the same 404 as a missing one.
   */
  async findVisible(em: EntityManager, actor: Actor, id: string): Promise<Organisation> {
    const own = confinedTo(actor);
    const found = own && own !== id ? null : await em.findOneBy(Organisation, { id });
    if (!found) {
      throw new OrganisationNotFoundError();
    }
    return found;
  }

  async create(
    ctx: RequestContext,
    body: CreateOrganisationRequest,
  ): Promise<OrganisationResponse> {
    return this.db
      .transaction(async (em) => {
        const created = await em.save(
          em.create(Organisation, {
            ...definedFields(body),
            status: 'active',
            membershipEndedAt: null,
            membershipEndReason: null,
            version: 1,
          }),
        );
        await this.journal.append(em, ctx, {
          action: 'organisation.created',
          entityType: 'organisation',
          entityId: created.id,
          organisationId: created.id,
          changes: { ...definedFields(body) },
        });
        return toOrganisationResponse(created);
      })
      .catch(uniqueFields);
  }

  /** Identity fields only; still possible after the membership has ended (corrections). */
  async update(
    ctx: RequestContext,
    id: string,
    body: UpdateOrganisationRequest,
    ifMatch: number[] | undefined,
  ): Promise<OrganisationResponse> {
    return this.db
      .transaction(async (em) => {
        const before = await this.lock(em, id);
        assertIfMatch('ORGANISATION', before.version, ifMatch);
        const changes = diff(before, { ...before, ...definedFields(body) }, IDENTITY_FIELDS);
        if (Object.keys(changes).length === 0) {
          return toOrganisationResponse(before);
        }
        const after = await updateVersioned(em, Organisation, 'ORGANISATION', before, {
          ...definedFields(body),
        });
        await this.journal.append(em, ctx, {
          action: 'organisation.updated',
          entityType: 'organisation',
          entityId: id,
          organisationId: id,
          changes,
        });
        return toOrganisationResponse(after);
      })
      .catch(uniqueFields);
  }

  /**
   * Ends the membership at once: the organisation is `ended`, its sites inactive, its users
   * disabled with every session revoked, and whatever follows memberships told (its certificates
   * are revoked). One transaction: all of it or nothing.
   */
  async endMembership(
    ctx: RequestContext,
    id: string,
    reason: string,
    ifMatch: number[] | undefined,
  ): Promise<OrganisationResponse> {
    return this.db.transaction(async (em) => {
      const before = await this.lock(em, id);
      assertIfMatch('ORGANISATION', before.version, ifMatch);
      if (before.status === 'ended') {
        throw new MembershipEndedError();
      }
      const after = await updateVersioned(em, Organisation, 'ORGANISATION', before, {
        status: 'ended',
        membershipEndedAt: () => 'now()',
        membershipEndReason: reason,
      });
      const [sites] = await em.query<[{ id: string }[], number]>(
        `UPDATE site SET active = false, version = version + 1, updated_at = now()
          WHERE organisation_id = $1 AND active RETURNING id`,
        [id],
      );
      const [users] = await em.query<[{ id: string }[], number]>(
        `UPDATE app_user SET disabled_at = now(), token_version = token_version + 1,
                version = version + 1, updated_at = now()
          WHERE organisation_id = $1 AND disabled_at IS NULL RETURNING id`,
        [id],
      );
      await em.query(
        `UPDATE refresh_token SET revoked_at = now()
          WHERE user_id IN (SELECT id FROM app_user WHERE organisation_id = $1)
            AND revoked_at IS NULL`,
        [id],
      );
      await this.journalEnd(em, ctx, after, sites, users);
      await this.membershipListener.onMembershipEnded(em, ctx, {
        organisationId: id,
        reason,
        at: after.membershipEndedAt ?? new Date(),
      });
      return toOrganisationResponse(after);
    });
  }

  // One entry for the organisation and one per site and user, so that each one's history shows it.
  private async journalEnd(
    em: EntityManager,
    ctx: RequestContext,
    organisation: Organisation,
    sites: { id: string }[],
    users: { id: string }[],
  ): Promise<void> {
    const organisationId = organisation.id;
    await this.journal.append(em, ctx, {
      action: 'organisation.membership_ended',
      entityType: 'organisation',
      entityId: organisationId,
      organisationId,
      changes: {
        status: { before: 'active', after: 'ended' },
        reason: organisation.membershipEndReason,
        sitesDeactivated: sites.length,
        usersDisabled: users.length,
      },
    });
    for (const site of sites) {
      await this.journal.append(em, ctx, {
        action: 'site.deactivated',
        entityType: 'site',
        entityId: site.id,
        organisationId,
        changes: { active: { before: true, after: false }, cause: 'membership_ended' },
      });
    }
    for (const user of users) {
      await this.journal.append(em, ctx, {
        action: 'user.disabled',
        entityType: 'user',
        entityId: user.id,
        organisationId,
        changes: { disabled: { before: false, after: true }, cause: 'membership_ended' },
      });
    }
  }

  /**
   * Locks the organisation FOR SHARE and checks that its membership is active: several of its
   * records may be written at once, but not while the membership is ending. Take it before
   * locking any of its sites or users (the order in which ending a membership locks them).
   */
  async lockActive(em: EntityManager, id: string, whenEnded: () => Error): Promise<Organisation> {
    const found = await em.findOne(Organisation, {
      where: { id },
      lock: { mode: 'pessimistic_read' },
    });
    if (!found) {
      throw new OrganisationNotFoundError();
    }
    if (found.status !== 'active') {
      throw whenEnded();
    }
    return found;
  }

  private async lock(em: EntityManager, id: string): Promise<Organisation> {
    const found = await em.findOne(Organisation, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!found) {
      throw new OrganisationNotFoundError();
    }
    return found;
  }
}
