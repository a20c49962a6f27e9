import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { SYSTEM_CONTEXT } from 'src/auth/request-context';
import { DEMO_ADMIN, DEMO_AUDITORS, DEMO_ORGANISATIONS } from 'src/demo/demo-data';
import { Organisation } from 'src/members/organisation.entity';
import { type OrganisationsService } from 'src/members/organisations.service';
import { Site } from 'src/members/site.entity';
import { type SitesService } from 'src/members/sites.service';
import type { User } from 'src/members/user.entity';
import { type UsersService } from 'src/members/users.service';

const logger = new Logger('Demo');

/** The context of a request made by `actor`, so that the journal names who did what. */
export function contextOf(actor: Actor): RequestContext {
  return { actor, requestId: null, ip: null };
}

export function actorOf(user: User): Actor {
  return { userId: user.id, role: user.role, organisationId: user.organisationId };
}

/**
 * The sample companies, their sites and members, the auditors and the demo administrator, each
 * created through its service unless already there (with --force, a sample company already
 * there is left as it is).
 */
export async function fillMembers(
  organisations: OrganisationsService,
  sites: SitesService,
  users: UsersService,
  password: string,
  existingIces: readonly string[],
): Promise<void> {
  const ctx = SYSTEM_CONTEXT;
  for (const [role, person] of [
    ...DEMO_AUDITORS.map((auditor) => ['auditor', auditor] as const),
    ['admin', DEMO_ADMIN] as const,
  ]) {
    if (!(await users.findByEmail(person.email))) {
      await users.create(ctx, { ...person, password, role });
      logger.log(`${role} ${person.email}`);
    }
  }
  const present = new Set(existingIces);
  for (const sample of DEMO_ORGANISATIONS) {
    const { members, sites: sampleSites, ...identity } = sample;
    if (present.has(identity.ice)) {
      continue;
    }
    const organisation = await organisations.create(ctx, identity);
    for (const site of sampleSites) {
      await sites.create(ctx, organisation.id, { ...site, activities: [...site.activities] });
    }
    for (const member of members) {
      await users.create(ctx, {
        ...member,
        password,
        role: 'member',
        organisationId: organisation.id,
      });
      logger.log(`member ${member.email} (${sample.name})`);
    }
    logger.log(`${sample.name}: ${sampleSites.length} site(s)`);
  }
}

/** A sample site as the activity sample works on it, with the member who answers for it. */
export interface DemoSiteRef {
  readonly site: Site;
  readonly member: Actor;
}

/** The people and places of the sample, read back from the database. */
export interface DemoWorld {
  readonly sites: ReadonlyMap<string, DemoSiteRef>;
  readonly auditors: readonly Actor[];
  readonly admin: Actor;
}

/** Reads the sample companies' sites and first members, the auditors and the administrator. */
export async function loadWorld(em: EntityManager, users: UsersService): Promise<DemoWorld> {
  const person = async (email: string) => {
    const user = await users.findByEmail(email);
    if (!user) {
      throw new Error(`The demo account ${email} is missing`);
    }
    return actorOf(user);
  };
  const sites = new Map<string, DemoSiteRef>();
  for (const sample of DEMO_ORGANISATIONS) {
    const organisation = await em.findOneByOrFail(Organisation, { ice: sample.ice });
    const member = await person(sample.members[0].email);
    for (const { name } of sample.sites) {
      const site = await em.findOneByOrFail(Site, { organisationId: organisation.id, name });
      sites.set(name, { site, member });
    }
  }
  const auditors: Actor[] = [];
  for (const auditor of DEMO_AUDITORS) {
    auditors.push(await person(auditor.email));
  }
  return { sites, auditors, admin: await person(DEMO_ADMIN.email) };
}
