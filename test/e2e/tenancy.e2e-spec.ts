import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import { authAs, givenOrganisation, givenSite, givenUser } from '../factories';

const MISSING_ORGANISATION = '7d0c9a44-0000-4000-8000-000000000001';
const MISSING_SITE = '7d0c9a44-0000-4000-8000-000000000002';

interface Tenant {
  readonly organisation: Organisation;
  readonly member: User;
  readonly sites: Site[];
}

type Method = InjectOptions['method'];

/** A member-reachable route on a record of a tenant, and the same route on a missing id. */
interface ScopedRoute {
  readonly name: string;
  readonly method: Method;
  readonly url: (tenant: Tenant) => string;
  readonly missingUrl: string;
  readonly payload?: object;
  readonly headers?: Record<string, string>;
}

const ROUTES: ScopedRoute[] = [
  {
    name: 'GET /organisations/:id',
    method: 'GET',
    url: (x) => `/organisations/${x.organisation.id}`,
    missingUrl: `/organisations/${MISSING_ORGANISATION}`,
  },
  {
    name: 'GET /organisations/:id/sites',
    method: 'GET',
    url: (x) => `/organisations/${x.organisation.id}/sites`,
    missingUrl: `/organisations/${MISSING_ORGANISATION}/sites`,
  },
  {
    name: 'GET /sites/:id (first site)',
    method: 'GET',
    url: (x) => `/sites/${x.sites[0].id}`,
    missingUrl: `/sites/${MISSING_SITE}`,
  },
  {
    name: 'GET /sites/:id (second site)',
    method: 'GET',
    url: (x) => `/sites/${x.sites[1].id}`,
    missingUrl: `/sites/${MISSING_SITE}`,
  },
  {
    name: 'PATCH /sites/:id with operational fields',
    method: 'PATCH',
    url: (x) => `/sites/${x.sites[0].id}`,
    missingUrl: `/sites/${MISSING_SITE}`,
    payload: { headcountOnSite: 1, activities: ['back_office'] },
  },
  {
    name: 'PATCH /sites/:id with the association’s fields',
    method: 'PATCH',
    url: (x) => `/sites/${x.sites[1].id}`,
    missingUrl: `/sites/${MISSING_SITE}`,
    payload: { name: 'Repris', region: 'oriental' },
  },
  {
    name: 'PATCH /sites/:id with If-Match',
    method: 'PATCH',
    url: (x) => `/sites/${x.sites[0].id}`,
    missingUrl: `/sites/${MISSING_SITE}`,
    payload: { address: '1 place des Nations Unies' },
    headers: { 'if-match': '"1"' },
  },
];

/** Routes of the association only: refused to a member whoever owns the record. */
const ADMIN_ONLY: { name: string; method: Method; url: (x: Tenant) => string; payload?: object }[] =
  [
    {
      name: 'PATCH /organisations/:id',
      method: 'PATCH',
      url: (x) => `/organisations/${x.organisation.id}`,
      payload: { name: 'Repris' },
    },
    {
      name: 'POST /organisations/:id/end-membership',
      method: 'POST',
      url: (x) => `/organisations/${x.organisation.id}/end-membership`,
      payload: { reason: 'Tentative de sortie forcée' },
    },
    {
      name: 'POST /organisations/:id/sites',
      method: 'POST',
      url: (x) => `/organisations/${x.organisation.id}/sites`,
      payload: {
        name: 'Intrus',
        address: '1 rue Intruse',
        city: 'Oujda',
        region: 'oriental',
        headcountOnSite: 1,
        headcountRemote: 0,
        activities: ['front_office'],
        providesStaffTransport: false,
      },
    },
    {
      name: 'PATCH /users/:id',
      method: 'PATCH',
      url: (x) => `/users/${x.member.id}`,
      payload: { disabled: true },
    },
    { name: 'GET /users', method: 'GET', url: (x) => `/users?organisationId=${x.organisation.id}` },
  ];

/** What a problem says, without what differs between any two requests. */
const comparable = (res: LightMyRequestResponse) => {
  const { instance: _instance, requestId: _requestId, ...rest } = res.json();
  return { status: res.statusCode, ...rest };
};

describe('tenancy: a member sees and changes only their own company', () => {
  let t: TestApp;
  let a: Tenant;
  let b: Tenant;

  const call = async (user: User, method: Method, url: string, payload?: object, headers = {}) =>
    t.request({
      method,
      url: `/api/v1${url}`,
      payload,
      headers: { ...(await authAs(t, user)), ...headers },
    });

  // Everything a denied request could have touched, with the journal.
  const snapshot = async () => ({
    organisations: await t.db.query('SELECT * FROM organisation ORDER BY id'),
    sites: await t.db.query('SELECT * FROM site ORDER BY id'),
    users: await t.db.query('SELECT * FROM app_user ORDER BY id'),
    journal: await t.db.query('SELECT count(*)::int AS n FROM journal_entry'),
  });

  const givenTenant = async (city: string): Promise<Tenant> => {
    const organisation = await givenOrganisation(t.db, { name: `Centre ${city}` });
    return {
      organisation,
      member: await givenUser(t.db, 'member', { organisationId: organisation.id }),
      sites: [
        await givenSite(t.db, organisation, { name: `${city} Nord`, city }),
        await givenSite(t.db, organisation, { name: `${city} Sud`, city }),
      ],
    };
  };

  beforeAll(async () => {
    t = await createTestApp();
    a = await givenTenant('Rabat');
    b = await givenTenant('Oujda');
  });

  afterAll(async () => {
    await t.close();
  });

  describe.each(['A reaching into B', 'B reaching into A'])('%s', (direction) => {
    const me = () => (direction.startsWith('A') ? a : b);
    const other = () => (direction.startsWith('A') ? b : a);

    it.each(ROUTES.map((r) => [r.name, r] as const))(
      '%s on a foreign id answers exactly as on a missing one, and changes nothing',
      async (_, route) => {
        const before = await snapshot();
        const foreign = await call(
          me().member,
          route.method,
          route.url(other()),
          route.payload,
          route.headers,
        );
        const missing = await call(
          me().member,
          route.method,
          route.missingUrl,
          route.payload,
          route.headers,
        );
        expect(foreign.statusCode).toBe(404);
        expect(comparable(foreign)).toEqual(comparable(missing));
        expect(await snapshot()).toEqual(before);
      },
    );

    it.each(ADMIN_ONLY.map((r) => [r.name, r] as const))(
      '%s is refused (403) on both companies, and changes nothing',
      async (_, route) => {
        const before = await snapshot();
        for (const target of [me(), other()]) {
          const res = await call(me().member, route.method, route.url(target), route.payload);
          expect({ status: res.statusCode, code: res.json().code }).toEqual({
            status: 403,
            code: 'AUTH.ROLE_NOT_ALLOWED',
          });
        }
        expect(await snapshot()).toEqual(before);
      },
    );

    it('lists only their own company, whatever the filters say', async () => {
      const ids = (res: LightMyRequestResponse) =>
        res.json().items.map((i: { id: string }) => i.id);
      const own = me().organisation;
      expect(ids(await call(me().member, 'GET', '/organisations'))).toEqual([own.id]);
      const search = await call(
        me().member,
        'GET',
        `/organisations?q=${encodeURIComponent(other().organisation.name)}`,
      );
      expect(search.json()).toMatchObject({ items: [], total: 0 });
    });

    it('lists only their own sites, even when asking for another company’s', async () => {
      const ownSites = me()
        .sites.map((s) => s.id)
        .sort();
      const ids = (res: LightMyRequestResponse) =>
        res
          .json()
          .items.map((i: { id: string }) => i.id)
          .sort();
      expect(ids(await call(me().member, 'GET', '/sites'))).toEqual(ownSites);
      expect(
        ids(await call(me().member, 'GET', `/sites?organisationId=${other().organisation.id}`)),
      ).toEqual(ownSites);
      const byName = await call(
        me().member,
        'GET',
        `/sites?q=${encodeURIComponent(other().sites[0].name)}`,
      );
      expect(byName.json()).toMatchObject({ items: [], total: 0 });
    });
  });

  it.each(['A', 'B'])('lets member %s read its own company and sites', async (name) => {
    const mine = name === 'A' ? a : b;
    expect(
      (await call(mine.member, 'GET', `/organisations/${mine.organisation.id}`)).statusCode,
    ).toBe(200);
    const sites = await call(mine.member, 'GET', `/organisations/${mine.organisation.id}/sites`);
    expect(sites.json().total).toBe(2);
    expect((await call(mine.member, 'GET', `/sites/${mine.sites[1].id}`)).statusCode).toBe(200);
  });

  it('lets a member change their own site, and only that one', async () => {
    const res = await call(a.member, 'PATCH', `/sites/${a.sites[1].id}`, { headcountRemote: 77 });
    expect(res.statusCode).toBe(200);
    const rows = await t.db.query<{ id: string; headcount_remote: number }[]>(
      'SELECT id, headcount_remote FROM site WHERE headcount_remote = 77',
    );
    expect(rows.map((r) => r.id)).toEqual([a.sites[1].id]);
  });

  it('lets an auditor read every company and site but change none', async () => {
    const auditor = await givenUser(t.db, 'auditor');
    const organisations = await call(auditor, 'GET', '/organisations?pageSize=100');
    expect(organisations.json().items.map((o: { id: string }) => o.id)).toEqual(
      expect.arrayContaining([a.organisation.id, b.organisation.id]),
    );
    for (const x of [a, b]) {
      expect(
        (await call(auditor, 'GET', `/organisations/${x.organisation.id}/sites`)).json().total,
      ).toBe(2);
      expect((await call(auditor, 'GET', `/sites/${x.sites[0].id}`)).statusCode).toBe(200);
    }
    const before = await snapshot();
    const patch = await call(auditor, 'PATCH', `/sites/${a.sites[0].id}`, { headcountOnSite: 2 });
    expect({ status: patch.statusCode, code: patch.json().code }).toEqual({
      status: 403,
      code: 'AUTH.ROLE_NOT_ALLOWED',
    });
    expect(await snapshot()).toEqual(before);
  });
});
