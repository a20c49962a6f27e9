import type { CertificateResponse } from 'src/certificates/certificates.dto';
import { ComplianceSweep } from 'src/compliance/compliance-sweep';
import { ComplianceModule } from 'src/compliance/compliance.module';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import {
  authAs,
  givenCertifiableSite,
  givenClosedAudit,
  givenOrganisation,
  givenSite,
  givenUser,
  TEST_PASSWORD,
} from '../factories';
import { png } from '../fixtures/evidence-corpus';
import { evidenceForm } from '../fixtures/multipart';

const DAY = 24 * 60 * 60 * 1000;
const PARALLEL = 12;

/**
 * Two instances of the application on one database, as behind a load balancer: what must hold
 * across instances is kept in PostgreSQL (failed logins, the certificate counter, the compliance
 * status and its history, the registered signing keys), so both behave as one. A third instance
 * with a FILES_DIR of its own shows why the file storage must be shared too.
 */
describe('two instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  /** On the same database, but with its own FILES_DIR. */
  let alone: TestApp;
  let admin: User;
  let auditor: User;
  let organisation: Organisation;

  const either = (i: number) => (i % 2 === 0 ? a : b);

  beforeAll(async () => {
    a = await createTestApp({ extraModules: [ComplianceModule] });
    // createTestApp puts each app's settings in process.env: the second shares the first's
    // storage and signing key, as instances of one deployment do.
    const shared = {
      FILES_DIR: process.env.FILES_DIR!,
      CERT_SIGNING_KEY_FILE: process.env.CERT_SIGNING_KEY_FILE!,
    };
    b = await createTestApp({
      database: a.databaseName,
      env: shared,
      extraModules: [ComplianceModule],
    });
    alone = await createTestApp({
      database: a.databaseName,
      env: { CERT_SIGNING_KEY_FILE: shared.CERT_SIGNING_KEY_FILE },
    });
    admin = await givenUser(a.db, 'admin');
    auditor = await givenUser(a.db, 'auditor');
    organisation = await givenOrganisation(a.db);
  });

  afterAll(async () => {
    // The first owns the database and the shared folders: it goes last.
    await alone?.close();
    await b?.close();
    await a?.close();
  });

  it('counts failed logins in PostgreSQL: failures split across both lock the account out of both', async () => {
    const member = await givenUser(a.db, 'member', { organisationId: organisation.id });
    const login = (t: TestApp, password: string) =>
      t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: member.email, password },
      });

    for (let i = 0; i < 5; i++) {
      expect((await login(either(i), 'not the password at all')).statusCode).toBe(401);
    }
    // The sixth attempt is refused by either instance, even with the right password.
    for (const t of [a, b]) {
      const refused = await login(t, TEST_PASSWORD);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'AUTH.TOO_MANY_ATTEMPTS' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    const [{ count }] = await a.db.query<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM login_failure WHERE email = $1',
      [member.email],
    );
    expect(count).toBe(5);
  });

  it(`numbers ${PARALLEL} parallel issuances split across both without a gap or a duplicate`, async () => {
    const sites: Site[] = [];
    for (let i = 0; i < PARALLEL; i++) {
      sites.push(await givenCertifiableSite(a, { admin, auditor }, organisation));
    }
    const [{ before }] = await a.db.query<{ before: number }[]>(
      'SELECT count(*)::int AS before FROM certificate',
    );
    const responses = await Promise.all(
      sites.map(async (site, i) =>
        either(i).request({
          method: 'POST',
          url: `/api/v1/sites/${site.id}/certificates`,
          headers: await authAs(a, admin),
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(sites.map(() => 201));
    const numbers = responses.map((r) => r.json<CertificateResponse>().number);
    expect(new Set(numbers).size).toBe(PARALLEL);
    const expected = Array.from({ length: PARALLEL }, (_, i) => before + i + 1);
    expect(numbers.map((n) => Number(n.slice(-5))).sort((x, y) => x - y)).toEqual(expected);
    const sequences = await a.db.query<{ sequence: number }[]>(
      'SELECT sequence FROM certificate ORDER BY sequence',
    );
    expect(sequences.map((r) => r.sequence)).toEqual(
      Array.from({ length: before + PARALLEL }, (_, i) => i + 1),
    );
  }, 180_000);

  it('verifies through one a certificate issued through the other, and both publish the same keys', async () => {
    const site = await givenCertifiableSite(a, { admin, auditor }, organisation);
    const issued = await a.request({
      method: 'POST',
      url: `/api/v1/sites/${site.id}/certificates`,
      headers: await authAs(a, admin),
    });
    expect(issued.statusCode).toBe(201);
    const { number, verifyUrl } = issued.json<CertificateResponse>();
    const token = new URL(verifyUrl).searchParams.get('t');

    const verified = await b.request({
      method: 'GET',
      url: `/api/v1/public/certificates/${number}?t=${token}`,
    });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ number, status: 'valid', token: { valid: true } });

    const [jwksA, jwksB] = await Promise.all(
      [a, b].map((t) => t.request({ method: 'GET', url: '/.well-known/jwks.json' })),
    );
    expect(jwksA.statusCode).toBe(200);
    expect(jwksB.json()).toEqual(jwksA.json());
    const { kid } = JSON.parse(Buffer.from(token!.split('.')[0], 'base64url').toString('utf8')) as {
      kid: string;
    };
    expect(jwksB.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid)).toContain(kid);
  });

  it('sweeps from both at once with one history entry and one journal entry per change', async () => {
    const closed = [];
    for (let i = 0; i < 4; i++) {
      const site = await givenSite(a.db, organisation);
      closed.push({ site, ...(await givenClosedAudit(a, site, { admin, auditor })) });
    }
    const at = new Date(new Date(`${closed[0].visitedOn}T12:00:00Z`).getTime() + 200 * DAY);
    const [first, second] = await Promise.all(
      [a, b].map((t) => t.app.get(ComplianceSweep).sweep(at)),
    );
    expect(first.changed + second.changed).toBeGreaterThanOrEqual(closed.length);
    for (const { site } of closed) {
      const history = await a.db.query<{ to_status: string; cause: string }[]>(
        'SELECT to_status, cause FROM site_compliance_history WHERE site_id = $1 ORDER BY seq',
        [site.id],
      );
      expect(history.map((h) => [h.to_status, h.cause])).toEqual([
        ['compliant', 'audit_closed'],
        ['expired', 'sweep'],
      ]);
      const journal = await a.db.query<{ action: string }[]>(
        `SELECT action FROM journal_entry
          WHERE entity_type = 'site' AND entity_id = $1 AND action = 'compliance.status_changed'`,
        [site.id],
      );
      expect(journal).toHaveLength(1);
    }
    // Done is done, whichever instance runs next.
    expect(await b.app.get(ComplianceSweep).sweep(at)).toMatchObject({ changed: 0 });
  });

  it('serves an upload through the other instance when they share FILES_DIR, and not otherwise', async () => {
    const member = await givenUser(a.db, 'member', { organisationId: organisation.id });
    const site = await givenSite(a.db, organisation);
    const content = png();
    const form = evidenceForm(site.id, content, 'affiche.png');
    const uploaded = await a.request({
      method: 'POST',
      url: '/api/v1/evidence',
      payload: form.payload,
      headers: { ...(await authAs(a, member)), ...form.headers },
    });
    expect(uploaded.statusCode).toBe(201);
    const { id } = uploaded.json<{ id: string }>();
    const download = async (t: TestApp) =>
      t.request({
        method: 'GET',
        url: `/api/v1/evidence/${id}/content`,
        headers: await authAs(a, member),
      });

    const shared = await download(b);
    expect(shared.statusCode).toBe(200);
    expect(shared.rawPayload.equals(content)).toBe(true);

    // The record is in the shared database, the bytes are not in this instance's folder: it
    // refuses to serve them rather than serving something else.
    const separate = await download(alone);
    expect(separate.statusCode).toBe(409);
    expect(separate.json()).toMatchObject({ code: 'EVIDENCE.CONTENT_CORRUPT' });
  });
});
