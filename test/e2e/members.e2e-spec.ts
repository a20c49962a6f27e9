import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { verifyPassword } from 'src/auth/password';
import { Organisation } from 'src/members/organisation.entity';
import { Site } from 'src/members/site.entity';
import { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import {
  apiCaller,
  authAs,
  givenOrganisation,
  givenRefreshToken,
  givenSite,
  givenUser,
  TEST_PASSWORD,
} from '../factories';

const MISSING = '2b5d3f0e-8c1a-4d7e-9f60-000000000000';

const validOrganisation = (over: Record<string, unknown> = {}) => ({
  name: `Atlas Relation Client ${randomUUID().slice(0, 6)}`,
  ice: String(Math.floor(Math.random() * 1e15)).padStart(15, '0'),
  membershipNumber: `AMRC-${randomUUID().slice(0, 8).toUpperCase()}`,
  contactEmail: 'contact@atlas-rc.ma',
  ...over,
});

const validSite = (over: Record<string, unknown> = {}) => ({
  name: `Plateau ${randomUUID().slice(0, 8)}`,
  address: '27 rue Ibn Batouta, quartier des Hôpitaux',
  city: 'Fès',
  region: 'fes_meknes',
  headcountOnSite: 80,
  headcountRemote: 20,
  activities: ['back_office', 'front_office'],
  providesStaffTransport: false,
  ...over,
});

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect({ status: res.statusCode, code: res.json().code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

describe('members: organisations, sites, users', () => {
  let t: TestApp;
  let admin: User;
  let auditor: User;

  const call = apiCaller(() => t);

  const orgRow = (id: string) => t.db.getRepository(Organisation).findOneBy({ id });
  const siteRow = (id: string) => t.db.getRepository(Site).findOneBy({ id });
  const userRow = (id: string) => t.db.getRepository(User).findOneBy({ id });
  const journalOf = (entityId: string) =>
    t.db.query<{ action: string; actor_id: string | null; changes: Record<string, unknown> }[]>(
      'SELECT action, actor_id, changes FROM journal_entry WHERE entity_id = $1 ORDER BY seq',
      [entityId],
    );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
  });

  afterAll(async () => {
    await t.close();
  });

  describe('POST /organisations', () => {
    it('registers a member company, trimmed and normalised, and journals it', async () => {
      const body = validOrganisation({
        name: '  Atlas Relation Client  ',
        membershipNumber: ' amrc-0042 ',
        contactEmail: ' Contact@Atlas-RC.ma ',
      });
      const res = await call(admin, 'POST', '/organisations', body);
      expect(res.statusCode).toBe(201);
      const created = res.json();
      expect(created).toEqual({
        id: expect.any(String),
        name: 'Atlas Relation Client',
        ice: body.ice,
        membershipNumber: 'AMRC-0042',
        contactEmail: 'contact@atlas-rc.ma',
        status: 'active',
        membershipEndedAt: null,
        membershipEndReason: null,
        version: 1,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(res.headers.etag).toBe('"1"');
      expect(await orgRow(created.id)).toMatchObject({ name: 'Atlas Relation Client', version: 1 });
      expect(await journalOf(created.id)).toEqual([
        {
          action: 'organisation.created',
          actor_id: admin.id,
          changes: {
            name: 'Atlas Relation Client',
            ice: body.ice,
            membershipNumber: 'AMRC-0042',
            contactEmail: 'contact@atlas-rc.ma',
          },
        },
      ]);
    });

    it.each([
      ['an ICE of 14 digits', { ice: '00152587400003' }, 'ice'],
      ['an ICE with letters', { ice: '00152587400003A' }, 'ice'],
      ['a membership number with spaces', { membershipNumber: 'AMRC 42' }, 'membershipNumber'],
      ['a membership number too short', { membershipNumber: 'A1' }, 'membershipNumber'],
      ['a bad email', { contactEmail: 'contact@' }, 'contactEmail'],
      ['a one-letter name', { name: ' A ' }, 'name'],
      ['a name over 200 characters', { name: 'x'.repeat(201) }, 'name'],
      ['a number as name', { name: 42 }, 'name'],
      ['an unknown field', { status: 'ended' }, 'status'],
    ])('refuses %s with 400 naming the field', async (_, over, field) => {
      const before = await t.db.getRepository(Organisation).count();
      const res = await call(admin, 'POST', '/organisations', validOrganisation(over));
      const problem = expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
      expect(problem.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(await t.db.getRepository(Organisation).count()).toBe(before);
    });

    it('refuses a missing field', async () => {
      const { ice: _ice, ...rest } = validOrganisation();
      const problem = expectProblem(
        await call(admin, 'POST', '/organisations', rest),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'ice' })]),
      );
    });

    it('answers 401 without a token and 403 to an auditor or a member', async () => {
      const organisation = await givenOrganisation(t.db);
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      const before = await t.db.getRepository(Organisation).count();
      expectProblem(
        await call(null, 'POST', '/organisations', validOrganisation()),
        401,
        'AUTH.INVALID_TOKEN',
      );
      for (const user of [auditor, member]) {
        expectProblem(
          await call(user, 'POST', '/organisations', validOrganisation()),
          403,
          'AUTH.ROLE_NOT_ALLOWED',
        );
      }
      expect(await t.db.getRepository(Organisation).count()).toBe(before);
    });

    it.each([
      ['ice', 'ORGANISATION.ICE_TAKEN'],
      ['membershipNumber', 'ORGANISATION.MEMBERSHIP_NUMBER_TAKEN'],
    ] as const)('answers 409 naming %s when it is taken', async (field, code) => {
      const existing = await givenOrganisation(t.db);
      const before = await t.db.getRepository(Organisation).count();
      const res = await call(
        admin,
        'POST',
        '/organisations',
        validOrganisation({ [field]: existing[field] }),
      );
      const problem = expectProblem(res, 409, code);
      expect(problem.errors).toEqual([{ field, message: expect.any(String) }]);
      expect(await t.db.getRepository(Organisation).count()).toBe(before);
    });
  });

  describe('GET /organisations', () => {
    let tag: string;
    let ended: Organisation;

    beforeAll(async () => {
      tag = randomUUID().slice(0, 6);
      await givenOrganisation(t.db, { name: `Casa Contact ${tag} un` });
      await givenOrganisation(t.db, { name: `casa contact ${tag} deux` });
      ended = await givenOrganisation(t.db, {
        name: `Casa Contact ${tag} trois`,
        status: 'ended',
        membershipEndedAt: new Date(),
        membershipEndReason: 'Cessation d’activité',
      });
    });

    it('pages the companies and searches their names in any case', async () => {
      const res = await call(admin, 'GET', `/organisations?q=CASA%20CONTACT%20${tag}&pageSize=2`);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page).toMatchObject({ total: 3, page: 1, pageSize: 2 });
      expect(page.items).toHaveLength(2);
      const second = (
        await call(auditor, 'GET', `/organisations?q=casa%20contact%20${tag}&pageSize=2&page=2`)
      ).json();
      expect(second.items).toHaveLength(1);
      expect(res.headers.etag).toBeUndefined();
    });

    it('takes the wildcards of a search literally', async () => {
      const page = (await call(admin, 'GET', `/organisations?q=${encodeURIComponent('%')}`)).json();
      expect(page.total).toBe(0);
    });

    it('filters by status', async () => {
      const page = (await call(admin, 'GET', `/organisations?q=${tag}&status=ended`)).json();
      expect(page.items.map((o: { id: string }) => o.id)).toEqual([ended.id]);
    });

    it.each([
      ['status=gone', 'status'],
      ['pageSize=101', 'pageSize'],
      ['page=0', 'page'],
      [`q=${'x'.repeat(101)}`, 'q'],
    ])('refuses ?%s with 400 naming the parameter', async (query, field) => {
      const problem = expectProblem(
        await call(admin, 'GET', `/organisations?${query}`),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    });

    it('answers 401 without a token', async () => {
      expectProblem(await call(null, 'GET', '/organisations'), 401, 'AUTH.INVALID_TOKEN');
    });

    it('shows a member their own company only, in the same shape', async () => {
      const own = await givenOrganisation(t.db);
      const member = await givenUser(t.db, 'member', { organisationId: own.id });
      const page = (await call(member, 'GET', '/organisations')).json();
      expect(page).toMatchObject({ total: 1, page: 1, pageSize: 20 });
      expect(page.items.map((o: { id: string }) => o.id)).toEqual([own.id]);
    });
  });

  describe('GET /organisations/:id', () => {
    it('gives the company with its version as ETag, to admins and auditors', async () => {
      const organisation = await givenOrganisation(t.db, { version: 4 });
      for (const user of [admin, auditor]) {
        const res = await call(user, 'GET', `/organisations/${organisation.id}`);
        expect(res.statusCode).toBe(200);
        expect(res.headers.etag).toBe('"4"');
        expect(res.json()).toMatchObject({
          id: organisation.id,
          ice: organisation.ice,
          version: 4,
        });
      }
    });

    it('answers 400 naming the id when it is not a UUID', async () => {
      const problem = expectProblem(
        await call(admin, 'GET', '/organisations/42'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
    });

    it('answers 404 for a missing id and 401 without a token', async () => {
      expectProblem(
        await call(admin, 'GET', `/organisations/${MISSING}`),
        404,
        'ORGANISATION.NOT_FOUND',
      );
      expectProblem(
        await call(null, 'GET', `/organisations/${MISSING}`),
        401,
        'AUTH.INVALID_TOKEN',
      );
    });
  });

  describe('PATCH /organisations/:id', () => {
    it('answers 400 naming a field sent as null, and changes nothing', async () => {
      const organisation = await givenOrganisation(t.db);
      const problem = expectProblem(
        await call(admin, 'PATCH', `/organisations/${organisation.id}`, { name: null }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([{ field: 'name', message: expect.any(String) }]);
      expect(await orgRow(organisation.id)).toMatchObject({ name: organisation.name, version: 1 });
    });

    it('changes identity fields, bumps the version and journals the difference', async () => {
      const organisation = await givenOrganisation(t.db);
      const res = await call(
        admin,
        'PATCH',
        `/organisations/${organisation.id}`,
        { name: 'Nouveau Nom', contactEmail: 'DPO@Example.ma' },
        { 'if-match': '"1"' },
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toMatchObject({
        name: 'Nouveau Nom',
        contactEmail: 'dpo@example.ma',
        ice: organisation.ice,
        version: 2,
      });
      expect(await orgRow(organisation.id)).toMatchObject({ name: 'Nouveau Nom', version: 2 });
      const [entry] = await journalOf(organisation.id);
      expect(entry).toEqual({
        action: 'organisation.updated',
        actor_id: admin.id,
        changes: {
          name: { before: organisation.name, after: 'Nouveau Nom' },
          contactEmail: { before: organisation.contactEmail, after: 'dpo@example.ma' },
        },
      });
    });

    it('leaves the version alone when nothing changes', async () => {
      const organisation = await givenOrganisation(t.db);
      const res = await call(admin, 'PATCH', `/organisations/${organisation.id}`, {
        name: organisation.name,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().version).toBe(1);
      expect(await journalOf(organisation.id)).toEqual([]);
    });

    it('answers 412 to a stale If-Match and changes nothing', async () => {
      const organisation = await givenOrganisation(t.db, { version: 3 });
      const problem = expectProblem(
        await call(
          admin,
          'PATCH',
          `/organisations/${organisation.id}`,
          { name: 'Trop tard' },
          { 'if-match': '"2"' },
        ),
        412,
        'ORGANISATION.VERSION_MISMATCH',
      );
      expect(problem.currentVersion).toBe(3);
      expect(await orgRow(organisation.id)).toMatchObject({ name: organisation.name, version: 3 });
    });

    it('answers 400 to an If-Match that is not an entity tag', async () => {
      const organisation = await givenOrganisation(t.db);
      const problem = expectProblem(
        await call(
          admin,
          'PATCH',
          `/organisations/${organisation.id}`,
          { name: 'Nom' },
          { 'if-match': 'version 1' },
        ),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors[0].field).toBe('If-Match');
    });

    it('answers 409 naming the field when the ICE belongs to another company', async () => {
      const [a, b] = [await givenOrganisation(t.db), await givenOrganisation(t.db)];
      const problem = expectProblem(
        await call(admin, 'PATCH', `/organisations/${a.id}`, { ice: b.ice }),
        409,
        'ORGANISATION.ICE_TAKEN',
      );
      expect(problem.errors).toEqual([{ field: 'ice', message: expect.any(String) }]);
      expect((await orgRow(a.id))?.ice).toBe(a.ice);
    });

    it('answers 400, 401, 403 and 404', async () => {
      const organisation = await givenOrganisation(t.db);
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      const url = `/organisations/${organisation.id}`;
      expectProblem(
        await call(admin, 'PATCH', url, { ice: '1' }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expectProblem(
        await call(admin, 'PATCH', url, { status: 'ended' }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expectProblem(await call(null, 'PATCH', url, { name: 'Nom' }), 401, 'AUTH.INVALID_TOKEN');
      for (const user of [auditor, member]) {
        expectProblem(
          await call(user, 'PATCH', url, { name: 'Nom' }),
          403,
          'AUTH.ROLE_NOT_ALLOWED',
        );
      }
      expectProblem(
        await call(admin, 'PATCH', `/organisations/${MISSING}`, { name: 'Nom' }),
        404,
        'ORGANISATION.NOT_FOUND',
      );
      expect(await orgRow(organisation.id)).toMatchObject({ name: organisation.name, version: 1 });
    });
  });

  describe('POST /organisations/:id/end-membership', () => {
    it('ends the membership: sites inactive, users disabled and signed out, all at once', async () => {
      const organisation = await givenOrganisation(t.db);
      const sites = [await givenSite(t.db, organisation), await givenSite(t.db, organisation)];
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      const already = await givenUser(t.db, 'member', {
        organisationId: organisation.id,
        disabledAt: new Date('2020-05-01T00:00:00Z'),
      });
      await givenRefreshToken(t.db, member);
      const bystander = await givenSite(t.db, await givenOrganisation(t.db));
      const token = await authAs(t, member);
      expect(
        (await t.request({ method: 'GET', url: '/api/v1/sites', headers: token })).statusCode,
      ).toBe(200);

      const res = await call(admin, 'POST', `/organisations/${organisation.id}/end-membership`, {
        reason: '  Cotisation 2020 impayée après trois relances  ',
      });

      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toMatchObject({
        status: 'ended',
        membershipEndedAt: expect.any(String),
        membershipEndReason: 'Cotisation 2020 impayée après trois relances',
        version: 2,
      });
      for (const site of sites) {
        expect(await siteRow(site.id)).toMatchObject({ active: false, version: 2 });
      }
      expect(await siteRow(bystander.id)).toMatchObject({ active: true, version: 1 });
      expect(await userRow(member.id)).toMatchObject({
        disabledAt: expect.any(Date),
        tokenVersion: 1,
      });
      expect(await userRow(already.id)).toMatchObject({
        disabledAt: new Date('2020-05-01T00:00:00Z'),
        tokenVersion: 0,
      });
      const tokens = await t.db.query('SELECT revoked_at FROM refresh_token WHERE user_id = $1', [
        member.id,
      ]);
      expect(tokens).toEqual([{ revoked_at: expect.any(Date) }]);
      const next = await t.request({ method: 'GET', url: '/api/v1/sites', headers: token });
      expectProblem(next, 401, 'AUTH.INVALID_TOKEN');
      expect((await journalOf(organisation.id)).map((e) => e.action)).toEqual([
        'organisation.membership_ended',
      ]);
      expect((await journalOf(member.id)).map((e) => e.action)).toEqual(['user.disabled']);
      expect((await journalOf(sites[0].id)).map((e) => e.action)).toEqual(['site.deactivated']);
    });

    it('makes the company read-only for what hangs on it', async () => {
      const organisation = await givenOrganisation(t.db);
      const site = await givenSite(t.db, organisation);
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      await call(admin, 'POST', `/organisations/${organisation.id}/end-membership`, {
        reason: 'Fin de l’adhésion à la demande du membre',
      });
      expectProblem(
        await call(admin, 'PATCH', `/sites/${site.id}`, { headcountOnSite: 3 }),
        409,
        'SITE.READ_ONLY',
      );
      expectProblem(
        await call(admin, 'POST', `/organisations/${organisation.id}/sites`, validSite()),
        409,
        'ORGANISATION.MEMBERSHIP_ENDED',
      );
      expectProblem(
        await call(admin, 'POST', '/users', {
          email: `late-${randomUUID().slice(0, 6)}@example.ma`,
          password: TEST_PASSWORD,
          fullName: 'Arrivée tardive',
          role: 'member',
          organisationId: organisation.id,
        }),
        409,
        'ORGANISATION.MEMBERSHIP_ENDED',
      );
      expectProblem(
        await call(admin, 'PATCH', `/users/${member.id}`, { disabled: false }),
        409,
        'ORGANISATION.MEMBERSHIP_ENDED',
      );
      expectProblem(
        await call(admin, 'POST', `/organisations/${organisation.id}/end-membership`, {
          reason: 'Une seconde fois, par erreur',
        }),
        409,
        'ORGANISATION.MEMBERSHIP_ENDED',
      );
      expect(await siteRow(site.id)).toMatchObject({ headcountOnSite: site.headcountOnSite });
      expect(await t.db.getRepository(Site).countBy({ organisationId: organisation.id })).toBe(1);
      expect((await userRow(member.id))?.disabledAt).not.toBeNull();
    });

    it('answers 400, 401, 403, 404 and 412, and ends nothing', async () => {
      const organisation = await givenOrganisation(t.db);
      const url = `/organisations/${organisation.id}/end-membership`;
      const reason = 'Cotisation impayée depuis un an';
      const problem = expectProblem(
        await call(admin, 'POST', url, { reason: 'court' }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors.map((e: { field: string }) => e.field)).toEqual(['reason']);
      expectProblem(await call(null, 'POST', url, { reason }), 401, 'AUTH.INVALID_TOKEN');
      expectProblem(await call(auditor, 'POST', url, { reason }), 403, 'AUTH.ROLE_NOT_ALLOWED');
      expectProblem(
        await call(admin, 'POST', `/organisations/${MISSING}/end-membership`, { reason }),
        404,
        'ORGANISATION.NOT_FOUND',
      );
      expectProblem(
        await call(admin, 'POST', url, { reason }, { 'if-match': '"7"' }),
        412,
        'ORGANISATION.VERSION_MISMATCH',
      );
      expect(await orgRow(organisation.id)).toMatchObject({ status: 'active', version: 1 });
    });
  });

  describe('POST /organisations/:id/sites', () => {
    let organisation: Organisation;

    beforeAll(async () => {
      organisation = await givenOrganisation(t.db);
    });

    it('registers a site with its activities in a fixed order, and journals it', async () => {
      const body = validSite({ city: '  Fès ' });
      const res = await call(admin, 'POST', `/organisations/${organisation.id}/sites`, body);
      expect(res.statusCode).toBe(201);
      expect(res.headers.etag).toBe('"1"');
      const site = res.json();
      expect(site).toEqual({
        ...body,
        id: expect.any(String),
        organisationId: organisation.id,
        city: 'Fès',
        activities: ['front_office', 'back_office'],
        active: true,
        version: 1,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await siteRow(site.id)).toMatchObject({ city: 'Fès', region: 'fes_meknes' });
      expect((await journalOf(site.id)).map((e) => [e.action, e.actor_id])).toEqual([
        ['site.created', admin.id],
      ]);
    });

    it.each([
      ['an unknown region', { region: 'andalousie' }, 'region'],
      ['a negative headcount', { headcountOnSite: -1 }, 'headcountOnSite'],
      ['a headcount over 100000', { headcountRemote: 100_001 }, 'headcountRemote'],
      ['a fractional headcount', { headcountOnSite: 1.5 }, 'headcountOnSite'],
      ['a headcount as text', { headcountOnSite: '12' }, 'headcountOnSite'],
      ['no activity', { activities: [] }, 'activities'],
      ['a repeated activity', { activities: ['back_office', 'back_office'] }, 'activities'],
      ['an unknown activity', { activities: ['call_centre'] }, 'activities'],
      ['activities as text', { activities: 'front_office' }, 'activities'],
      ['a one-letter city', { city: 'F' }, 'city'],
      ['a short address', { address: 'rue' }, 'address'],
      ['a name over 200 characters', { name: 'x'.repeat(201) }, 'name'],
      ['transport as text', { providesStaffTransport: 'yes' }, 'providesStaffTransport'],
      ['an organisation in the body', { organisationId: randomUUID() }, 'organisationId'],
    ])('refuses %s with 400 naming the field', async (_, over, field) => {
      const res = await call(
        admin,
        'POST',
        `/organisations/${organisation.id}/sites`,
        validSite(over),
      );
      const problem = expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
      expect(new Set(problem.errors.map((e: { field: string }) => e.field))).toEqual(
        new Set([field]),
      );
    });

    it('answers 409 naming the field when the company already has a site of that name', async () => {
      const existing = await givenSite(t.db, organisation);
      const before = await t.db.getRepository(Site).count();
      const problem = expectProblem(
        await call(
          admin,
          'POST',
          `/organisations/${organisation.id}/sites`,
          validSite({ name: existing.name }),
        ),
        409,
        'SITE.NAME_TAKEN',
      );
      expect(problem.errors).toEqual([{ field: 'name', message: expect.any(String) }]);
      expect(await t.db.getRepository(Site).count()).toBe(before);
      const elsewhere = await givenOrganisation(t.db);
      const res = await call(
        admin,
        'POST',
        `/organisations/${elsewhere.id}/sites`,
        validSite({ name: existing.name }),
      );
      expect(res.statusCode).toBe(201);
    });

    it('answers 400, 401, 403 and 404', async () => {
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      const url = `/organisations/${organisation.id}/sites`;
      const before = await t.db.getRepository(Site).count();
      expectProblem(
        await call(admin, 'POST', '/organisations/x/sites', validSite()),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expectProblem(await call(null, 'POST', url, validSite()), 401, 'AUTH.INVALID_TOKEN');
      for (const user of [auditor, member]) {
        expectProblem(await call(user, 'POST', url, validSite()), 403, 'AUTH.ROLE_NOT_ALLOWED');
      }
      expectProblem(
        await call(admin, 'POST', `/organisations/${MISSING}/sites`, validSite()),
        404,
        'ORGANISATION.NOT_FOUND',
      );
      expect(await t.db.getRepository(Site).count()).toBe(before);
    });
  });

  describe('GET /sites and /organisations/:id/sites', () => {
    let a: Organisation;
    let b: Organisation;
    const tag = randomUUID().slice(0, 6);

    beforeAll(async () => {
      a = await givenOrganisation(t.db);
      b = await givenOrganisation(t.db);
      await givenSite(t.db, a, { name: `Agadir ${tag}`, city: 'Agadir', region: 'souss_massa' });
      await givenSite(t.db, a, {
        name: `Tanger ${tag}`,
        city: 'Tanger',
        region: 'tanger_tetouan_al_hoceima',
      });
      await givenSite(t.db, b, {
        name: `Agadir bis ${tag}`,
        city: 'AGADIR',
        region: 'souss_massa',
      });
    });

    const names = (res: LightMyRequestResponse) =>
      res.json().items.map((s: { name: string }) => s.name);

    it.each([
      [`q=agadir%20${tag}`, [`Agadir ${tag}`]],
      [`q=${tag}&city=agadir`, [`Agadir ${tag}`, `Agadir bis ${tag}`]],
      [`q=${tag}&region=tanger_tetouan_al_hoceima`, [`Tanger ${tag}`]],
      [`q=${tag}&pageSize=1&page=3`, [`Tanger ${tag}`]],
    ])('filters ?%s', async (query, expected) => {
      const res = await call(auditor, 'GET', `/sites?${query}`);
      expect(res.statusCode).toBe(200);
      // Which of the two Agadir names sorts first depends on the random tag: compare the sets.
      expect([...names(res)].sort()).toEqual([...expected].sort());
    });

    it('filters by organisation for admins and auditors', async () => {
      const res = await call(admin, 'GET', `/sites?organisationId=${b.id}`);
      expect(names(res)).toEqual([`Agadir bis ${tag}`]);
      expect(res.json().total).toBe(1);
    });

    it('lists the sites of one company', async () => {
      const res = await call(auditor, 'GET', `/organisations/${a.id}/sites?city=TANGER`);
      expect(res.statusCode).toBe(200);
      expect(names(res)).toEqual([`Tanger ${tag}`]);
    });

    it.each([
      ['/sites?organisationId=42', 'organisationId'],
      ['/sites?region=nord', 'region'],
      ['/sites?pageSize=0', 'pageSize'],
      ['/organisations/42/sites', 'id'],
      [`/organisations/${MISSING}/sites?organisationId=${MISSING}`, 'organisationId'],
    ])('refuses %s with 400 naming the parameter', async (url, field) => {
      const problem = expectProblem(
        await call(admin, 'GET', url),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    });

    it('answers 404 for the sites of a missing company, 401 without a token', async () => {
      expectProblem(
        await call(admin, 'GET', `/organisations/${MISSING}/sites`),
        404,
        'ORGANISATION.NOT_FOUND',
      );
      expectProblem(await call(null, 'GET', '/sites'), 401, 'AUTH.INVALID_TOKEN');
      expectProblem(
        await call(null, 'GET', `/organisations/${a.id}/sites`),
        401,
        'AUTH.INVALID_TOKEN',
      );
    });
  });

  describe('GET /sites/:id', () => {
    it('gives the site with its ETag; 400 for a bad id, 404 for a missing one, 401', async () => {
      const site = await givenSite(t.db, await givenOrganisation(t.db), { version: 2 });
      const res = await call(auditor, 'GET', `/sites/${site.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toMatchObject({ id: site.id, name: site.name, active: true });
      expectProblem(
        await call(admin, 'GET', '/sites/not-a-uuid'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expectProblem(await call(admin, 'GET', `/sites/${MISSING}`), 404, 'SITE.NOT_FOUND');
      expectProblem(await call(null, 'GET', `/sites/${site.id}`), 401, 'AUTH.INVALID_TOKEN');
    });
  });

  describe('PATCH /sites/:id', () => {
    it('answers 400 naming a field sent as null, and changes nothing', async () => {
      const site = await givenSite(t.db, await givenOrganisation(t.db));
      const problem = expectProblem(
        await call(admin, 'PATCH', `/sites/${site.id}`, { city: null }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([{ field: 'city', message: expect.any(String) }]);
      expect(await siteRow(site.id)).toMatchObject({ city: site.city, version: 1 });
    });

    let organisation: Organisation;
    let member: User;

    beforeAll(async () => {
      organisation = await givenOrganisation(t.db);
      member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    });

    it('lets an admin change every field, and journals the difference', async () => {
      const site = await givenSite(t.db, organisation);
      const change = {
        name: 'Plateau Rabat',
        city: 'Rabat',
        region: 'rabat_sale_kenitra',
        headcountOnSite: 10,
      };
      const res = await call(admin, 'PATCH', `/sites/${site.id}`, change, { 'if-match': '"1"' });
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toMatchObject({ ...change, version: 2 });
      expect(await siteRow(site.id)).toMatchObject({ ...change, version: 2 });
      const [entry] = await journalOf(site.id);
      expect(entry.action).toBe('site.updated');
      expect(entry.changes).toEqual({
        name: { before: site.name, after: 'Plateau Rabat' },
        city: { before: 'Casablanca', after: 'Rabat' },
        region: { before: 'casablanca_settat', after: 'rabat_sale_kenitra' },
        headcountOnSite: { before: 120, after: 10 },
      });
    });

    it('lets a member change the operational fields of their own site', async () => {
      const site = await givenSite(t.db, organisation);
      const change = {
        address: '5 avenue Hassan II',
        headcountOnSite: 90,
        headcountRemote: 60,
        activities: ['back_office'],
        providesStaffTransport: false,
      };
      const res = await call(member, 'PATCH', `/sites/${site.id}`, change);
      expect(res.statusCode).toBe(200);
      expect(await siteRow(site.id)).toMatchObject({ ...change, version: 2 });
      expect((await journalOf(site.id))[0].actor_id).toBe(member.id);
    });

    it('refuses a member the association’s fields with 403 naming them', async () => {
      const site = await givenSite(t.db, organisation);
      const res = await call(member, 'PATCH', `/sites/${site.id}`, {
        name: 'Autre nom',
        region: 'oriental',
        headcountOnSite: 1,
      });
      const problem = expectProblem(res, 403, 'SITE.FIELD_NOT_EDITABLE');
      expect(problem.errors.map((e: { field: string }) => e.field)).toEqual(['name', 'region']);
      expect(await siteRow(site.id)).toMatchObject({
        name: site.name,
        headcountOnSite: 120,
        version: 1,
      });
    });

    it('answers 412 to a stale If-Match and changes nothing', async () => {
      const site = await givenSite(t.db, organisation, { version: 5 });
      const problem = expectProblem(
        await call(
          member,
          'PATCH',
          `/sites/${site.id}`,
          { headcountOnSite: 1 },
          { 'if-match': '"4"' },
        ),
        412,
        'SITE.VERSION_MISMATCH',
      );
      expect(problem.currentVersion).toBe(5);
      expect(await siteRow(site.id)).toMatchObject({ headcountOnSite: 120, version: 5 });
    });

    it('lets exactly one of two writers with the same If-Match win', async () => {
      const site = await givenSite(t.db, organisation);
      const [first, second] = await Promise.all([
        call(admin, 'PATCH', `/sites/${site.id}`, { headcountOnSite: 11 }, { 'if-match': '"1"' }),
        call(member, 'PATCH', `/sites/${site.id}`, { headcountOnSite: 22 }, { 'if-match': '"1"' }),
      ]);
      expect([first.statusCode, second.statusCode].sort()).toEqual([200, 412]);
      const winner = first.statusCode === 200 ? 11 : 22;
      expect(await siteRow(site.id)).toMatchObject({ headcountOnSite: winner, version: 2 });
      expect(await journalOf(site.id)).toHaveLength(1);
    });

    it('applies concurrent changes without If-Match one after the other, losing none', async () => {
      const site = await givenSite(t.db, organisation);
      const results = await Promise.all([
        call(admin, 'PATCH', `/sites/${site.id}`, { headcountOnSite: 7 }),
        call(member, 'PATCH', `/sites/${site.id}`, { headcountRemote: 8 }),
        call(member, 'PATCH', `/sites/${site.id}`, { providesStaffTransport: false }),
      ]);
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      expect(await siteRow(site.id)).toMatchObject({
        headcountOnSite: 7,
        headcountRemote: 8,
        providesStaffTransport: false,
        version: 4,
      });
    });

    it('answers 409 naming the field when another site of the company has that name', async () => {
      const [a, b] = [await givenSite(t.db, organisation), await givenSite(t.db, organisation)];
      const problem = expectProblem(
        await call(admin, 'PATCH', `/sites/${a.id}`, { name: b.name }),
        409,
        'SITE.NAME_TAKEN',
      );
      expect(problem.errors).toEqual([{ field: 'name', message: expect.any(String) }]);
      expect((await siteRow(a.id))?.name).toBe(a.name);
    });

    it('answers 400, 401, 403 and 404', async () => {
      const site = await givenSite(t.db, organisation);
      const url = `/sites/${site.id}`;
      expectProblem(
        await call(member, 'PATCH', url, { headcountOnSite: -3 }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expectProblem(
        await call(member, 'PATCH', url, { active: false }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expectProblem(
        await call(admin, 'PATCH', '/sites/1', { headcountOnSite: 3 }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expectProblem(
        await call(null, 'PATCH', url, { headcountOnSite: 3 }),
        401,
        'AUTH.INVALID_TOKEN',
      );
      expectProblem(
        await call(auditor, 'PATCH', url, { headcountOnSite: 3 }),
        403,
        'AUTH.ROLE_NOT_ALLOWED',
      );
      expectProblem(
        await call(admin, 'PATCH', `/sites/${MISSING}`, { headcountOnSite: 3 }),
        404,
        'SITE.NOT_FOUND',
      );
      expect(await siteRow(site.id)).toMatchObject({
        headcountOnSite: 120,
        active: true,
        version: 1,
      });
    });
  });

  describe('POST /users', () => {
    let organisation: Organisation;

    beforeAll(async () => {
      organisation = await givenOrganisation(t.db);
    });

    const newUser = (over: Record<string, unknown> = {}) => ({
      email: `user-${randomUUID().slice(0, 8)}@example.ma`,
      password: TEST_PASSWORD,
      fullName: 'Samira El Idrissi',
      role: 'member',
      organisationId: organisation.id,
      ...over,
    });

    it('creates a member with a hashed password, never shown, and journals it', async () => {
      const body = newUser({ email: '  Samira.ElIdrissi@Example.MA ' });
      const res = await call(admin, 'POST', '/users', body);
      expect(res.statusCode).toBe(201);
      expect(res.headers.etag).toBe('"1"');
      const created = res.json();
      expect(created).toEqual({
        id: expect.any(String),
        email: 'samira.elidrissi@example.ma',
        fullName: 'Samira El Idrissi',
        role: 'member',
        organisationId: organisation.id,
        preferredLanguage: 'fr',
        disabled: false,
        disabledAt: null,
        version: 1,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const row = await userRow(created.id);
      expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(row!.passwordHash, TEST_PASSWORD)).toBe(true);
      const [entry] = await journalOf(created.id);
      expect(entry.action).toBe('user.created');
      expect(JSON.stringify(entry.changes)).not.toMatch(/argon2|password/i);
    });

    it('creates an auditor without an organisation', async () => {
      const res = await call(
        admin,
        'POST',
        '/users',
        newUser({ role: 'auditor', organisationId: undefined }),
      );
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ role: 'auditor', organisationId: null });
    });

    it.each([
      ['a short password', { password: 'short' }, 'password'],
      ['a leaked password', { password: 'password1234' }, 'password'],
      ['a member without an organisation', { organisationId: undefined }, 'organisationId'],
      ['an auditor with an organisation', { role: 'auditor' }, 'organisationId'],
      ['an admin with an organisation', { role: 'admin' }, 'organisationId'],
      ['an organisation id that is no UUID', { organisationId: 'acme' }, 'organisationId'],
      ['an unknown role', { role: 'owner' }, 'role'],
      ['a bad email', { email: 'samira' }, 'email'],
      ['a one-letter name', { fullName: 'S' }, 'fullName'],
      ['a token version', { tokenVersion: 3 }, 'tokenVersion'],
    ])('refuses %s with 400 naming the field', async (_, over, field) => {
      const before = await t.db.getRepository(User).count();
      const problem = expectProblem(
        await call(admin, 'POST', '/users', newUser(over)),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect(await t.db.getRepository(User).count()).toBe(before);
    });

    it('answers 409 when the email is taken, in any case', async () => {
      const existing = await givenUser(t.db, 'auditor');
      const before = await t.db.getRepository(User).count();
      const problem = expectProblem(
        await call(admin, 'POST', '/users', newUser({ email: existing.email.toUpperCase() })),
        409,
        'USER.EMAIL_TAKEN',
      );
      expect(problem.errors).toEqual([{ field: 'email', message: expect.any(String) }]);
      expect(await t.db.getRepository(User).count()).toBe(before);
    });

    it('answers 401, 403 and 404', async () => {
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      expectProblem(await call(null, 'POST', '/users', newUser()), 401, 'AUTH.INVALID_TOKEN');
      for (const user of [auditor, member]) {
        expectProblem(await call(user, 'POST', '/users', newUser()), 403, 'AUTH.ROLE_NOT_ALLOWED');
      }
      expectProblem(
        await call(admin, 'POST', '/users', newUser({ organisationId: MISSING })),
        404,
        'ORGANISATION.NOT_FOUND',
      );
    });
  });

  describe('GET /users and /users/:id', () => {
    it('pages users, filtered by role, organisation and text, without secrets', async () => {
      const organisation = await givenOrganisation(t.db);
      const tag = randomUUID().slice(0, 6);
      const one = await givenUser(t.db, 'member', {
        organisationId: organisation.id,
        fullName: `Karim ${tag}`,
      });
      await givenUser(t.db, 'member', { organisationId: organisation.id });
      const byOrg = (await call(admin, 'GET', `/users?organisationId=${organisation.id}`)).json();
      expect(byOrg.total).toBe(2);
      const byText = (await call(admin, 'GET', `/users?q=KARIM%20${tag}&role=member`)).json();
      expect(byText.items.map((u: { id: string }) => u.id)).toEqual([one.id]);
      const everyone = (await call(admin, 'GET', '/users?pageSize=100')).json();
      // The users of this file, and admin@localhost created at start-up.
      expect(everyone.total).toBe(await t.db.getRepository(User).count());
      expect(everyone.items.map((u: { email: string }) => u.email)).toContain('admin@localhost');
      expect(JSON.stringify(everyone)).not.toMatch(/passwordHash|tokenVersion|argon2/);
    });

    it('gives one user with its ETag; 400, 401, 403, 404', async () => {
      const res = await call(admin, 'GET', `/users/${auditor.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"1"');
      expect(res.json()).not.toHaveProperty('passwordHash');
      expectProblem(await call(admin, 'GET', '/users?role=root'), 400, 'REQUEST.VALIDATION_FAILED');
      expectProblem(await call(admin, 'GET', '/users/x'), 400, 'REQUEST.VALIDATION_FAILED');
      expectProblem(await call(null, 'GET', '/users'), 401, 'AUTH.INVALID_TOKEN');
      expectProblem(await call(auditor, 'GET', '/users'), 403, 'AUTH.ROLE_NOT_ALLOWED');
      expectProblem(
        await call(auditor, 'GET', `/users/${auditor.id}`),
        403,
        'AUTH.ROLE_NOT_ALLOWED',
      );
      expectProblem(await call(admin, 'GET', `/users/${MISSING}`), 404, 'USER.NOT_FOUND');
    });
  });

  describe('PATCH /users/:id', () => {
    let organisation: Organisation;

    beforeAll(async () => {
      organisation = await givenOrganisation(t.db);
    });

    it('disables a user: sessions ended at once, refresh tokens revoked, journalled', async () => {
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      await givenRefreshToken(t.db, member);
      const token = await authAs(t, member);
      const res = await call(
        admin,
        'PATCH',
        `/users/${member.id}`,
        { disabled: true },
        { 'if-match': '"1"' },
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        disabled: true,
        disabledAt: expect.any(String),
        version: 2,
      });
      expect(await userRow(member.id)).toMatchObject({
        tokenVersion: 1,
        disabledAt: expect.any(Date),
      });
      const tokens = await t.db.query('SELECT revoked_at FROM refresh_token WHERE user_id = $1', [
        member.id,
      ]);
      expect(tokens).toEqual([{ revoked_at: expect.any(Date) }]);
      const next = await t.request({ method: 'GET', url: '/api/v1/sites', headers: token });
      expectProblem(next, 401, 'AUTH.INVALID_TOKEN');
      expect(await journalOf(member.id)).toEqual([
        {
          action: 'user.disabled',
          actor_id: admin.id,
          changes: { disabled: { before: false, after: true } },
        },
      ]);

      const enabled = await call(admin, 'PATCH', `/users/${member.id}`, { disabled: false });
      expect(enabled.json()).toMatchObject({ disabled: false, disabledAt: null, version: 3 });
      expect(await userRow(member.id)).toMatchObject({ disabledAt: null, tokenVersion: 1 });
      expect((await journalOf(member.id)).map((e) => e.action)).toEqual([
        'user.disabled',
        'user.enabled',
      ]);
    });

    it('ends the sessions of a user whose role changes, and leaves the organisation', async () => {
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      const token = await authAs(t, member);
      const res = await call(admin, 'PATCH', `/users/${member.id}`, { role: 'auditor' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ role: 'auditor', organisationId: null });
      expect(await userRow(member.id)).toMatchObject({
        role: 'auditor',
        organisationId: null,
        tokenVersion: 1,
      });
      expectProblem(
        await t.request({ method: 'GET', url: '/api/v1/sites', headers: token }),
        401,
        'AUTH.INVALID_TOKEN',
      );
    });

    it('renames without ending sessions, and moves a member to another company', async () => {
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      const other = await givenOrganisation(t.db);
      const renamed = await call(admin, 'PATCH', `/users/${member.id}`, { fullName: ' Nadia B. ' });
      expect(renamed.json()).toMatchObject({ fullName: 'Nadia B.', version: 2 });
      expect((await userRow(member.id))?.tokenVersion).toBe(0);
      const moved = await call(admin, 'PATCH', `/users/${member.id}`, { organisationId: other.id });
      expect(moved.json()).toMatchObject({ organisationId: other.id, version: 3 });
      expect((await userRow(member.id))?.tokenVersion).toBe(1);
    });

    it('refuses an administrator locking themselves out with 409', async () => {
      const self = await givenUser(t.db, 'admin');
      for (const change of [{ disabled: true }, { role: 'auditor' }]) {
        expectProblem(
          await call(self, 'PATCH', `/users/${self.id}`, change),
          409,
          'USER.SELF_LOCKOUT',
        );
      }
      expect(await userRow(self.id)).toMatchObject({ role: 'admin', disabledAt: null, version: 1 });
    });

    it.each([
      [
        'a staff member into an organisation',
        'auditor',
        { organisationId: MISSING },
        'organisationId',
      ],
      ['a staff member to member without one', 'auditor', { role: 'member' }, 'organisationId'],
      ['a bad role', 'auditor', { role: 'chef' }, 'role'],
      ['a password', 'auditor', { password: TEST_PASSWORD }, 'password'],
      ['disabled as text', 'auditor', { disabled: 'yes' }, 'disabled'],
    ])('refuses %s with 400 naming the field', async (_, role, change, field) => {
      const user = await givenUser(t.db, role as 'auditor');
      const problem = expectProblem(
        await call(admin, 'PATCH', `/users/${user.id}`, change),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      expect((await userRow(user.id))?.version).toBe(1);
    });

    it('answers 401, 403, 404 and 412', async () => {
      const user = await givenUser(t.db, 'auditor');
      const url = `/users/${user.id}`;
      expectProblem(await call(null, 'PATCH', url, { fullName: 'Nom' }), 401, 'AUTH.INVALID_TOKEN');
      expectProblem(
        await call(auditor, 'PATCH', url, { fullName: 'Nom' }),
        403,
        'AUTH.ROLE_NOT_ALLOWED',
      );
      expectProblem(
        await call(admin, 'PATCH', `/users/${MISSING}`, { fullName: 'Nom' }),
        404,
        'USER.NOT_FOUND',
      );
      expectProblem(
        await call(admin, 'PATCH', `/users/${user.id}`, { fullName: 'Nom' }, { 'if-match': '"9"' }),
        412,
        'USER.VERSION_MISMATCH',
      );
      expectProblem(
        await call(admin, 'PATCH', `/users/${user.id}`, {
          organisationId: MISSING,
          role: 'member',
        }),
        404,
        'ORGANISATION.NOT_FOUND',
      );
      expect(await userRow(user.id)).toMatchObject({ fullName: user.fullName, version: 1 });
    });
  });
});
