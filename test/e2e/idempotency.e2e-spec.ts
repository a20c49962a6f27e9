import type { LightMyRequestResponse } from 'fastify';
import { randomInt, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { IDEMPOTENCY_PURGE_JOB } from 'src/idempotency/idempotency.module';
import { jsonFingerprint } from 'src/idempotency/request-fingerprint';
import { SchedulerService } from 'src/scheduler/scheduler.service';
import { createTestApp, type TestApp } from '../app';
import {
  authAs,
  givenCertifiableSite,
  givenOrganisation,
  givenSite,
  givenUser,
  TEST_PASSWORD,
} from '../factories';
import * as corpus from '../fixtures/evidence-corpus';
import { evidenceForm } from '../fixtures/multipart';

const digits = (length: number) => Array.from({ length }, () => String(randomInt(10))).join('');

type Send = (app: TestApp, key?: string) => Promise<LightMyRequestResponse>;

interface KeyRow {
  state: string;
  fingerprint: string | null;
  response_status: number | null;
}

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect({ status: res.statusCode, code: res.json<{ code: string }>().code }).toEqual({
    status,
    code,
  });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json<Record<string, unknown>>();
}

describe('Idempotency-Key', () => {
  let t: TestApp;
  let admin: User;
  let otherAdmin: User;
  let auditor: User;
  let organisation: Organisation;
  let member: User;
  let memberSite: Site;

  const count = async (table: string) =>
    (await t.db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
  const keyRows = (key: string) =>
    t.db.query<KeyRow[]>(
      'SELECT state, fingerprint, response_status FROM idempotency_key WHERE key = $1',
      [key],
    );

  /** A JSON POST under /api/v1, with the key when given. */
  const post =
    (user: User, url: string, payload?: unknown): Send =>
    async (app, key) =>
      app.request({
        method: 'POST',
        url: `/api/v1${url}`,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
        headers: {
          ...(await authAs(app, user)),
          ...(key === undefined ? {} : { 'idempotency-key': key }),
        },
      });

  /** An evidence upload; each call writes the form anew, with a boundary of its own. */
  const upload =
    (user: User, site: Pick<Site, 'id'>, content: Buffer): Send =>
    async (app, key) => {
      const form = evidenceForm(site.id, content, 'registre.pdf', 'application/pdf');
      return app.request({
        method: 'POST',
        url: '/api/v1/evidence',
        payload: form.payload,
        headers: {
          ...(await authAs(app, user)),
          ...form.headers,
          ...(key === undefined ? {} : { 'idempotency-key': key }),
        },
      });
    };

  const newOrganisation = () => ({
    name: `Centre ${randomUUID().slice(0, 8)}`,
    ice: digits(15),
    membershipNumber: `AMRC-${digits(6)}`,
    contactEmail: `contact-${randomUUID().slice(0, 8)}@example.ma`,
  });
  const newSite = (name = `Plateau ${randomUUID().slice(0, 8)}`) => ({
    name,
    address: '12 boulevard Zerktouni',
    city: 'Casablanca',
    region: 'casablanca_settat',
    headcountOnSite: 80,
    headcountRemote: 10,
    activities: ['front_office'],
    providesStaffTransport: false,
  });

  /** Every kind of creating route: who sends a fresh request of it, and the table it fills. */
  const KINDS: [string, string, () => Promise<Send>][] = [
    [
      'POST /organisations',
      'organisation',
      () => Promise.resolve(post(admin, '/organisations', newOrganisation())),
    ],
    [
      'POST /organisations/:id/sites',
      'site',
      () => Promise.resolve(post(admin, `/organisations/${organisation.id}/sites`, newSite())),
    ],
    [
      'POST /users',
      'app_user',
      () =>
        Promise.resolve(
          post(admin, '/users', {
            email: `auditor-${randomUUID().slice(0, 8)}@example.ma`,
            password: TEST_PASSWORD,
            fullName: 'Nadia Benali',
            role: 'auditor',
          }),
        ),
    ],
    [
      'POST /evidence (multipart)',
      'evidence',
      () => Promise.resolve(upload(member, memberSite, corpus.pdf(randomInt(1, 4096)))),
    ],
    [
      'POST /audits',
      'audit',
      async () => {
        const site = await givenSite(t.db, organisation);
        return post(admin, '/audits', {
          siteId: site.id,
          type: 'initial',
          plannedFor: addDays(calendarDate(new Date()), 3),
          auditorId: auditor.id,
        });
      },
    ],
    [
      'POST /sites/:id/self-assessments',
      'self_assessment',
      async () =>
        post(member, `/sites/${(await givenSite(t.db, organisation)).id}/self-assessments`),
    ],
    [
      'POST /sites/:id/certificates',
      'certificate',
      async () =>
        post(
          admin,
          `/sites/${(await givenCertifiableSite(t, { admin, auditor })).id}/certificates`,
        ),
    ],
  ];

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    otherAdmin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    memberSite = await givenSite(t.db, organisation);
  });

  afterAll(async () => {
    await t.close();
  });

  describe.each(KINDS)('%s', (_, table, prepare) => {
    it('answers a replay with the same status, body and headers, without creating again', async () => {
      const send = await prepare();
      const key = randomUUID();
      const before = await count(table);
      const first = await send(t, key);
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(await count(table)).toBe(before + 1);

      const again = await send(t, key);
      expect(again.statusCode).toBe(201);
      expect(again.body).toBe(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      for (const header of ['content-type', 'location', 'etag']) {
        expect([header, again.headers[header]]).toEqual([header, first.headers[header]]);
      }
      expect(await count(table)).toBe(before + 1);
      expect(await keyRows(key)).toEqual([
        {
          state: 'completed',
          fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
          response_status: 201,
        },
      ]);
    });

    it('runs the same request again without the header, as before', async () => {
      const send = await prepare();
      const before = await count(table);
      expect((await send(t)).statusCode).toBe(201);
      const second = await send(t);
      expect(second.headers['idempotent-replayed']).toBeUndefined();
      // Either created again (an upload, a certificate superseding the first) or refused by
      // the route's own rules (a name, an email, an open audit or self-assessment taken).
      if (second.statusCode === 201) {
        expect(await count(table)).toBe(before + 2);
      } else {
        expect(second.statusCode).toBe(409);
        expect(second.json<{ code: string }>().code).not.toMatch(/^IDEMPOTENCY\./);
        expect(await count(table)).toBe(before + 1);
      }
    });
  });

  it('gives the certificate its Location again on a replay', async () => {
    const site = await givenCertifiableSite(t, { admin, auditor });
    const send = post(admin, `/sites/${site.id}/certificates`);
    const key = randomUUID();
    const first = await send(t, key);
    const again = await send(t, key);
    expect(first.headers.location).toMatch(/^\/api\/v1\/certificates\/AMRC-\d{4}-\d{5}$/);
    expect(again.headers.location).toBe(first.headers.location);
    expect(
      await t.db.query('SELECT number FROM certificate WHERE site_id = $1', [site.id]),
    ).toHaveLength(1);
  });

  describe('the same key with another request', () => {
    it('is refused with 422 for another body, and nothing is created', async () => {
      const key = randomUUID();
      const body = newOrganisation();
      expect((await post(admin, '/organisations', body)(t, key)).statusCode).toBe(201);
      const before = await count('organisation');
      const res = await post(admin, '/organisations', { ...body, name: `${body.name} bis` })(
        t,
        key,
      );
      const problem = expectProblem(res, 422, 'IDEMPOTENCY.KEY_REUSED');
      expect(problem.detail).toMatch(/Idempotency-Key/);
      expect(await count('organisation')).toBe(before);
    });

    it('is the same request whatever the order of the members and the white space', async () => {
      const key = randomUUID();
      const body = newOrganisation();
      const first = await post(admin, '/organisations', body)(t, key);
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/organisations',
        payload: JSON.stringify(reordered, null, 2),
        headers: {
          ...(await authAs(t, admin)),
          'content-type': 'application/json',
          'idempotency-key': key,
        },
      });
      expect(res.statusCode).toBe(201);
      expect(res.body).toBe(first.body);
    });

    it('is refused with 422 for another path of the same route', async () => {
      const key = randomUUID();
      const [a, b] = await Promise.all([
        givenCertifiableSite(t, { admin, auditor }),
        givenCertifiableSite(t, { admin, auditor }),
      ]);
      expect((await post(admin, `/sites/${a.id}/certificates`)(t, key)).statusCode).toBe(201);
      const res = await post(admin, `/sites/${b.id}/certificates`)(t, key);
      expectProblem(res, 422, 'IDEMPOTENCY.KEY_REUSED');
      expect(await t.db.query('SELECT 1 FROM certificate WHERE site_id = $1', [b.id])).toHaveLength(
        0,
      );
    });

    it('is refused with 422 for an upload of another file, read to the end first', async () => {
      const key = randomUUID();
      expect((await upload(member, memberSite, corpus.pdf(1))(t, key)).statusCode).toBe(201);
      const before = await count('evidence');
      const res = await upload(member, memberSite, corpus.pdf(2))(t, key);
      expectProblem(res, 422, 'IDEMPOTENCY.KEY_REUSED');
      expect(await count('evidence')).toBe(before);
    });

    it('is independent on another route', async () => {
      const key = randomUUID();
      expect((await post(admin, '/organisations', newOrganisation())(t, key)).statusCode).toBe(201);
      const res = await post(admin, `/organisations/${organisation.id}/sites`, newSite())(t, key);
      expect(res.statusCode).toBe(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
    });
  });

  it('keeps keys per user: another user’s same key is a key of its own', async () => {
    const key = randomUUID();
    const mine = await post(admin, '/organisations', newOrganisation())(t, key);
    const theirs = await post(otherAdmin, '/organisations', newOrganisation())(t, key);
    expect([mine.statusCode, theirs.statusCode]).toEqual([201, 201]);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json<{ id: string }>().id).not.toBe(mine.json<{ id: string }>().id);
    expect(await keyRows(key)).toHaveLength(2);
  });

  describe('an invalid key', () => {
    it.each([
      ['an empty value', ''],
      ['256 characters', 'k'.repeat(256)],
      ['a character outside ASCII', 'clé-42'],
    ])('is refused with 400 naming the header: %s', async (_, key) => {
      const before = await count('organisation');
      const res = await post(admin, '/organisations', newOrganisation())(t, key);
      const problem = expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
      expect(problem.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
      expect(await count('organisation')).toBe(before);
    });

    it('is refused on an upload too, before anything is stored', async () => {
      const before = await count('evidence');
      const res = await upload(member, memberSite, corpus.png())(t, 'k'.repeat(300));
      expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
      expect(await count('evidence')).toBe(before);
    });

    it('is ignored by routes that take no key', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/api/v1/organisations',
        headers: { ...(await authAs(t, admin)), 'idempotency-key': '' },
      });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('client errors', () => {
    it('are kept and replayed: the key keeps its answer even once the request would pass', async () => {
      const name = `Plateau ${randomUUID().slice(0, 8)}`;
      const taken = await givenSite(t.db, organisation, { name });
      const send = post(admin, `/organisations/${organisation.id}/sites`, newSite(name));
      const key = randomUUID();
      const refused = await send(t, key);
      expect(refused.statusCode).toBe(409);
      await t.db.query(`UPDATE site SET name = name || ' (ancien)' WHERE id = $1`, [taken.id]);

      const again = await send(t, key);
      expect(again.statusCode).toBe(409);
      expect(again.body).toBe(refused.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await t.db.query('SELECT 1 FROM site WHERE name = $1', [name])).toHaveLength(0);
      // A new key is a new attempt.
      expect((await send(t, randomUUID())).statusCode).toBe(201);
    });

    it('keep a rule’s refusal: a certificate for a site not compliant', async () => {
      const site = await givenSite(t.db, organisation);
      const send = post(admin, `/sites/${site.id}/certificates`);
      const key = randomUUID();
      const first = await send(t, key);
      expectProblem(first, 422, 'CERTIFICATE.SITE_NOT_ELIGIBLE');
      const again = await send(t, key);
      expect([again.statusCode, again.body]).toEqual([422, first.body]);
      expect(await keyRows(key)).toEqual([expect.objectContaining({ response_status: 422 })]);
    });
  });

  describe('a server error', () => {
    afterEach(async () => {
      await t.db.query('DROP TRIGGER IF EXISTS test_refuse_organisation ON organisation');
      await t.db.query('DROP FUNCTION IF EXISTS test_refuse_organisation()');
    });

    it('does not pin the key: the retry with it runs, and creates once', async () => {
      await t.db.query(`
        CREATE FUNCTION test_refuse_organisation() RETURNS trigger LANGUAGE plpgsql
          AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
      await t.db.query(`
        CREATE TRIGGER test_refuse_organisation BEFORE INSERT ON organisation
          FOR EACH ROW EXECUTE FUNCTION test_refuse_organisation()`);
      const body = newOrganisation();
      const key = randomUUID();
      const failed = await post(admin, '/organisations', body)(t, key);
      expectProblem(failed, 500, 'SERVER.INTERNAL_ERROR');
      expect(await keyRows(key)).toEqual([]);

      await t.db.query('DROP TRIGGER test_refuse_organisation ON organisation');
      const retried = await post(admin, '/organisations', body)(t, key);
      expect(retried.statusCode).toBe(201);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      expect(
        await t.db.query('SELECT 1 FROM organisation WHERE ice = $1', [body.ice]),
      ).toHaveLength(1);
    });
  });

  describe('a key in flight', () => {
    /** A row as another instance's running request leaves it. */
    const givenInFlight = async (user: User, url: string, body: unknown, age = '0 seconds') => {
      const key = randomUUID();
      await t.db.query(
        `INSERT INTO idempotency_key (user_id, route, key, fingerprint, state, created_at)
         VALUES ($1, $2, $3, $4, 'in_flight', now() - $5::interval)`,
        [user.id, 'POST /api/v1/organisations', key, jsonFingerprint('POST', url, body), age],
      );
      return key;
    };

    it('answers 409 to the same request, with Retry-After, and runs nothing', async () => {
      const body = newOrganisation();
      const key = await givenInFlight(admin, '/api/v1/organisations', body);
      const before = await count('organisation');
      const res = await post(admin, '/organisations', body)(t, key);
      expectProblem(res, 409, 'IDEMPOTENCY.IN_FLIGHT');
      expect(res.headers['retry-after']).toBe('1');
      expect(await count('organisation')).toBe(before);
      expect(await keyRows(key)).toEqual([expect.objectContaining({ state: 'in_flight' })]);
    });

    it('answers 422 to another request', async () => {
      const key = await givenInFlight(admin, '/api/v1/organisations', newOrganisation());
      const res = await post(admin, '/organisations', newOrganisation())(t, key);
      expectProblem(res, 422, 'IDEMPOTENCY.KEY_REUSED');
    });

    it('is taken over once abandoned for longer than the lease (a process gone)', async () => {
      const body = newOrganisation();
      const key = await givenInFlight(admin, '/api/v1/organisations', body, '11 minutes');
      const res = await post(admin, '/organisations', body)(t, key);
      expect(res.statusCode).toBe(201);
      expect(await keyRows(key)).toEqual([
        expect.objectContaining({ state: 'completed', response_status: 201 }),
      ]);
    });
  });

  describe('expiry', () => {
    const age = (key: string, interval: string) =>
      t.db.query(`UPDATE idempotency_key SET created_at = now() - $2::interval WHERE key = $1`, [
        key,
        interval,
      ]);

    it('purges keys older than 24 hours on schedule; the key then serves a new request', async () => {
      const kept = randomUUID();
      const expired = randomUUID();
      expect((await post(admin, '/organisations', newOrganisation())(t, kept)).statusCode).toBe(
        201,
      );
      expect((await post(admin, '/organisations', newOrganisation())(t, expired)).statusCode).toBe(
        201,
      );
      await age(kept, '23 hours 59 minutes');
      await age(expired, '24 hours 1 minute');

      expect(await t.app.get(SchedulerService).runNow(IDEMPOTENCY_PURGE_JOB)).toBe('completed');
      expect(await keyRows(expired)).toEqual([]);
      expect(await keyRows(kept)).toHaveLength(1);

      const before = await count('organisation');
      const reused = await post(admin, '/organisations', newOrganisation())(t, expired);
      expect(reused.statusCode).toBe(201);
      expect(reused.headers['idempotent-replayed']).toBeUndefined();
      expect(await count('organisation')).toBe(before + 1);
      expectProblem(
        await post(admin, '/organisations', newOrganisation())(t, kept),
        422,
        'IDEMPOTENCY.KEY_REUSED',
      );
    });

    it('does not answer from an expired key the purge has not reached yet', async () => {
      const key = randomUUID();
      expect((await post(admin, '/organisations', newOrganisation())(t, key)).statusCode).toBe(201);
      await age(key, '25 hours');
      const res = await post(admin, '/organisations', newOrganisation())(t, key);
      expect(res.statusCode).toBe(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(await keyRows(key)).toHaveLength(1);
    });
  });

  describe('concurrent duplicates', () => {
    it('fired at once on certificate issuance: one certificate, one 201, the other 409 or its replay', async () => {
      const site = await givenCertifiableSite(t, { admin, auditor });
      const send = post(admin, `/sites/${site.id}/certificates`);
      const key = randomUUID();
      const answers = await Promise.all([send(t, key), send(t, key), send(t, key)]);
      const created = answers.filter(
        (a) => a.statusCode === 201 && a.headers['idempotent-replayed'] === undefined,
      );
      expect(created).toHaveLength(1);
      for (const other of answers.filter((a) => a !== created[0])) {
        if (other.statusCode === 409) {
          expect(other.json<{ code: string }>().code).toBe('IDEMPOTENCY.IN_FLIGHT');
        } else {
          expect([other.statusCode, other.body]).toEqual([201, created[0].body]);
        }
      }
      expect(
        await t.db.query('SELECT 1 FROM certificate WHERE site_id = $1', [site.id]),
      ).toHaveLength(1);
    });
  });

  describe('two instances on one database', () => {
    let t2: TestApp;
    let port: number;

    beforeAll(async () => {
      t2 = await createTestApp({ database: t.databaseName });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.getHttpServer().address() as AddressInfo).port;
    });

    afterAll(async () => {
      await t2.close();
    });

    it('replay on the other instance what one answered, and refuse another request there', async () => {
      const body = newOrganisation();
      const key = randomUUID();
      const first = await post(admin, '/organisations', body)(t, key);
      expect(first.statusCode).toBe(201);
      const before = await count('organisation');
      const again = await post(admin, '/organisations', body)(t2, key);
      expect([again.statusCode, again.body]).toEqual([201, first.body]);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expectProblem(
        await post(admin, '/organisations', newOrganisation())(t2, key),
        422,
        'IDEMPOTENCY.KEY_REUSED',
      );
      expect(await count('organisation')).toBe(before);
    });

    it('see an upload in flight on one as in flight on both (409), then replay its answer', async () => {
      const content = corpus.pdf(3000);
      const key = randomUUID();
      const before = await count('evidence');
      // The first upload sends all but the end of its file, then waits.
      const form = evidenceForm(memberSite.id, content, 'registre.pdf', 'application/pdf');
      const cut = form.payload.length - 200;
      const slow = startUpload(port, {
        ...(await authAs(t, member)),
        ...form.headers,
        'idempotency-key': key,
        'content-length': String(form.payload.length),
      });
      slow.write(form.payload.subarray(0, cut));
      await until(async () => (await keyRows(key)).length === 1);
      expect(await keyRows(key)).toEqual([
        { state: 'in_flight', fingerprint: null, response_status: null },
      ]);

      const send = upload(member, memberSite, content);
      expectProblem(await send(t, key), 409, 'IDEMPOTENCY.IN_FLIGHT');
      expectProblem(await send(t2, key), 409, 'IDEMPOTENCY.IN_FLIGHT');
      expect(await count('evidence')).toBe(before);

      slow.end(form.payload.subarray(cut));
      const first = await slow.answer;
      expect(first.status).toBe(201);
      const replayed = await send(t2, key);
      expect(replayed.statusCode).toBe(201);
      expect(replayed.json()).toEqual(JSON.parse(first.body));
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(await count('evidence')).toBe(before + 1);
    });
  });
});

/** A POST /api/v1/evidence over real HTTP whose body the test writes when it wants. */
function startUpload(port: number, headers: Record<string, string>) {
  let write!: (chunk: Buffer) => void;
  let end!: (chunk: Buffer) => void;
  const answer = new Promise<{ status?: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      { port, host: '127.0.0.1', method: 'POST', path: '/api/v1/evidence', agent: false, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    write = (chunk) => void req.write(chunk);
    end = (chunk) => void req.end(chunk);
  });
  return { write, end, answer };
}

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
