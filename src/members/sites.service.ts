import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import { diff, JournalService } from 'src/journal/journal.service';
import { confinedTo } from 'src/members/access-scope';
import {
  MembershipEndedError,
  rethrowUniqueViolation,
  SiteFieldNotEditableError,
  siteNameTaken,
  SiteNotFoundError,
  SiteReadOnlyError,
} from 'src/members/members.errors';
import { ACTIVITIES, type Activity } from 'src/members/members.types';
import { containsPattern, definedFields } from 'src/common/transforms';
import { OrganisationsService } from 'src/members/organisations.service';
import { Site } from 'src/members/site.entity';
import {
  type CreateSiteRequest,
  OPERATIONAL_SITE_FIELDS,
  type OrganisationSiteQuery,
  type SiteQuery,
  type SiteResponse,
  toSiteResponse,
  type UpdateSiteRequest,
} from 'src/members/sites.dto';
import { assertIfMatch, updateVersioned } from 'src/common/versioning';

const SITE_FIELDS = [
  'name',
  'address',
  'city',
  'region',
  'headcountOnSite',
  'headcountRemote',
  'activities',
  'providesStaffTransport',
] as const;

const uniqueName = rethrowUniqueViolation({ site_name_uq: siteNameTaken });

// Stored in one order, so that the same set is always the same value (and the same diff).
const inCanonicalOrder = (activities: readonly Activity[]): Activity[] =>
  ACTIVITIES.filter((a) => activities.includes(a));

@Injectable()
export class SitesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Site) private readonly sites: Repository<Site>,
    private readonly organisations: OrganisationsService,
    private readonly journal: JournalService,
  ) {}

  /** Sites the caller may see; a member's query is confined to their own organisation. */
  list(actor: Actor, query: SiteQuery): Promise<Page<SiteResponse>> {
    return this.page(confinedTo(actor) ?? query.organisationId, query);
  }

  async listOfOrganisation(
    actor: Actor,
    organisationId: string,
    query: OrganisationSiteQuery,
  ): Promise<Page<SiteResponse>> {
    await this.organisations.findVisible(this.db.manager, actor, organisationId);
    return this.page(organisationId, query);
  }

  private async page(
    organisationId: string | undefined,
    query: OrganisationSiteQuery,
  ): Promise<Page<SiteResponse>> {
    const qb = this.sites.createQueryBuilder('s');
    if (organisationId) {
      qb.andWhere('s.organisation_id = :organisationId', { organisationId });
    }
    if (query.q) {
      qb.andWhere('s.name ILIKE :pattern', { pattern: containsPattern(query.q) });
    }
    if (query.city) {
      qb.andWhere('lower(s.city) = lower(:city)', { city: query.city });
    }
    if (query.region) {
      qb.andWhere('s.region = :region', { region: query.region });
    }
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy('s.name', 'ASC')
      .addOrderBy('s.id', 'ASC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    return pageOf(rows.map(toSiteResponse), total, query);
  }

  async get(actor: Actor, id: string): Promise<SiteResponse> {
    return toSiteResponse(await this.findVisible(this.db.manager, actor, id));
  }

  /** The site if the caller may see it, otherwise the same 404 as a missing one. */
  async findVisible(em: EntityManager, actor: Actor, id: string): Promise<Site> {
    const own = confinedTo(actor);
    const found = await em.findOneBy(Site, own ? { id, organisationId: own } : { id });
    if (!found) {
      throw new SiteNotFoundError();
    }
    return found;
  }

  async create(
    ctx: RequestContext,
    organisationId: string,
    body: CreateSiteRequest,
  ): Promise<SiteResponse> {
    return this.db
      .transaction(async (em) => {
        await this.organisations.lockActive(em, organisationId, () => new MembershipEndedError());
        const fields = { ...definedFields(body), activities: inCanonicalOrder(body.activities) };
        const created = await em.save(
          em.create(Site, { ...fields, organisationId, active: true, version: 1 }),
        );
        await this.journal.append(em, ctx, {
          action: 'site.created',
          entityType: 'site',
          entityId: created.id,
          organisationId,
          changes: fields,
        });
        return toSiteResponse(created);
      })
      .catch(uniqueName);
  }

  /**
   * Association staff may change every field; a member only the operational ones of their own
   * sites. A site of an ended membership is read-only.
   */
  async update(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    body: UpdateSiteRequest,
    ifMatch: number[] | undefined,
  ): Promise<SiteResponse> {
    const given = definedFields(body);
    const fields = given.activities
      ? { ...given, activities: inCanonicalOrder(given.activities) }
      : given;
    return this.db
      .transaction(async (em) => {
        const seen = await this.findVisible(em, actor, id);
        if (actor.role === 'member') {
          const refused = Object.keys(fields).filter(
            (f) => !(OPERATIONAL_SITE_FIELDS as readonly string[]).includes(f),
          );
          if (refused.length > 0) {
            throw new SiteFieldNotEditableError(refused);
          }
        }
        // Organisation before site, in the order ending a membership locks them: no deadlock.
        await this.organisations.lockActive(em, seen.organisationId, () => new SiteReadOnlyError());
        const before = await em.findOneOrFail(Site, {
          where: { id },
          lock: { mode: 'pessimistic_write' },
        });
        assertIfMatch('SITE', before.version, ifMatch);
        const changes = diff(before, { ...before, ...fields }, SITE_FIELDS);
        if (Object.keys(changes).length === 0) {
          return toSiteResponse(before);
        }
        const after = await updateVersioned(em, Site, 'SITE', before, fields);
        await this.journal.append(em, ctx, {
          action: 'site.updated',
          entityType: 'site',
          entityId: id,
          organisationId: before.organisationId,
          changes,
        });
        return toSiteResponse(after);
      })
      .catch(uniqueName);
  }
}
