import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { CertificateResponse } from 'src/certificates/certificates.dto';
import { ComplianceSweep } from 'src/compliance/compliance-sweep';
import { ComplianceModule } from 'src/compliance/compliance.module';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createS3Client } from 'src/storage/s3-storage';
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
import { type S3TestServer, startS3Server } from '../s3-server';

const DAY = 24 * 60 * 60 * 1000;
const PARALLEL = 12;
const DRIVERS = ['local', 's3'] as const;
const SHARED_BUCKET = 'charter-files';
const OTHER_BUCKET = 'charter-files-elsewhere';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Two instances of the application on one database, as behind a load balancer: what must hold
 * across instances is kept in PostgreSQL (failed logins, the certificate counter, the compliance
 * status and its history, the registered signing keys), so both behave as one. Files are in one
 * shared store: a folder both reach, or a bucket of a local S3-compatible server (s3rver). A third
 * instance with a store of its own (another folder, another bucket) shows why it must be shared.
 */
describe.each(DRIVERS)('two instances on one database, files on %s storage', (driver) => {
  let a: TestApp;
  let b: TestApp;
  /** On the same database, but with a file store of its own. */
  let alone: TestApp;
  let s3: S3TestServer | undefined;
  let sharedFilesDir: string;
  let admin: User;
  let auditor: User;
  let organisation: Organisation;

  const either = (i: number) => (i % 2 === 0 ? a : b);

  /** The names under which the shared store holds `hash`: once, when stored at all. */
  const storedAs = async (hash: string): Promise<string[]> => {
    const name = `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
    if (s3) {
      const client = createS3Client(s3.settings(SHARED_BUCKET));
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: SHARED_BUCKET, Prefix: 'sha256/' }),
      );
      client.destroy();
      return (listed.Contents ?? []).map((o) => o.Key!).filter((key) => key === name);
    }
    const files = await readdir(sharedFilesDir, { recursive: true });
    return files.filter((file) => file === name);
  };

  beforeAll(async () => {
    if (driver === 's3') {
      s3 = await startS3Server();
      await s3.createBucket(SHARED_BUCKET);
      await s3.createBucket(OTHER_BUCKET);
    }
    // Every instance names its driver: createTestApp leaves each app's settings in process.env.
    const storage = (bucket: string) => s3?.env(bucket) ?? { STORAGE_DRIVER: 'local' };
    a = await createTestApp({ env: storage(SHARED_BUCKET), extraModules: [ComplianceModule] });
    // The second shares the first's file store and signing key, as instances of one deployment do.
    sharedFilesDir = process.env.FILES_DIR!;
    const shared = {
      ...storage(SHARED_BUCKET),
      FILES_DIR: sharedFilesDir,
      CERT_SIGNING_KEY_FILE: process.env.CERT_SIGNING_KEY_FILE!,
    };
    b = await createTestApp({
      database: a.databaseName,
      env: shared,
      extraModules: [ComplianceModule],
    });
    // Without FILES_DIR, createTestApp gives it a folder of its own.
    alone = await createTestApp({
      database: a.databaseName,
      env: { ...storage(OTHER_BUCKET), CERT_SIGNING_KEY_FILE: shared.CERT_SIGNING_KEY_FILE },
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
    await s3?.close();
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

  it('verifies through one a certificate issued through the other, serves its PDF, and both publish the same keys', async () => {
    const site = await givenCertifiableSite(a, { admin, auditor }, organisation);
    const issued = await a.request({
      method: 'POST',
      url: `/api/v1/sites/${site.id}/certificates`,
      headers: await authAs(a, admin),
    });
    expect(issued.statusCode).toBe(201);
    const { number, verifyUrl, pdfSha256 } = issued.json<CertificateResponse>();
    const token = new URL(verifyUrl).searchParams.get('t');

    const verified = await b.request({
      method: 'GET',
      url: `/api/v1/public/certificates/${number}?t=${token}`,
    });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ number, status: 'valid', token: { valid: true } });

    // The PDF rendered and stored by the first, byte for byte from the second.
    const [pdfA, pdfB] = await Promise.all([
      a.request({
        method: 'GET',
        url: `/api/v1/certificates/${number}/pdf`,
        headers: await authAs(a, admin),
      }),
      b.request({ method: 'GET', url: `/api/v1/public/certificates/${number}/pdf` }),
    ]);
    expect([pdfA.statusCode, pdfB.statusCode]).toEqual([200, 200]);
    expect(pdfB.headers['content-type']).toBe('application/pdf');
    expect(sha256(pdfB.rawPayload)).toBe(pdfSha256);
    expect(pdfB.rawPayload.equals(pdfA.rawPayload)).toBe(true);
    expect(await storedAs(pdfSha256)).toHaveLength(1);

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

  it('serves an upload through the other instance when they share the file store, and not otherwise', async () => {
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

    // The same bytes uploaded through the other are a second record of one stored file.
    const again = await b.request({
      method: 'POST',
      url: '/api/v1/evidence',
      payload: form.payload,
      headers: { ...(await authAs(b, member)), ...form.headers },
    });
    expect(again.statusCode).toBe(201);
    expect(again.json<{ id: string }>().id).not.toBe(id);
    expect(await storedAs(sha256(content))).toHaveLength(1);

    // The record is in the shared database, the bytes are not in this instance's store: it
    // refuses to serve them rather than serving something else.
    const separate = await download(alone);
    expect(separate.statusCode).toBe(409);
    expect(separate.json()).toMatchObject({ code: 'EVIDENCE.CONTENT_CORRUPT' });
  });
});
