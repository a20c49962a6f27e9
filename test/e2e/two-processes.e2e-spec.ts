import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { Client } from 'pg';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from '../database';
import { jpeg } from '../fixtures/evidence-corpus';
import { evidenceForm } from '../fixtures/multipart';
import {
  certifiedSite,
  createOrganisation,
  createSite,
  createUser,
  login,
  type Organisation,
  type User,
} from '../load/fixture';
import { expectStatus, Http } from '../load/http';
import {
  serviceFiles,
  type ServiceFiles,
  type ServiceProcess,
  sleep,
  startServiceProcess,
} from '../load/service';
import { type S3TestServer, startS3Server } from '../s3-server';
import { createS3Client } from 'src/storage/s3-storage';

const API = '/api/v1';
const BUCKET = 'charter-files';
const ADMIN_EMAIL = 'admin@instances.example.ma';
const ADMIN_PASSWORD = `Two-${randomBytes(18).toString('base64url')}`;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const keyOf = (hash: string) => `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;

/** The bytes of an answer, as sent (the load client reads bodies as text). */
async function fetchBytes(
  url: string,
  token?: string,
): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(30_000),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

/** The files under a folder, relative to it; none when it does not exist. */
const filesUnder = (dir: string) =>
  readdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return [];
    }
    throw error;
  });

/**
 * The service as it is deployed behind a load balancer: two operating-system processes started as
 * `npm start` starts one (test/load/service.ts), on one PostgreSQL database and one bucket of a
 * local S3-compatible server (s3rver), with the same JWT secret and certificate signing key. Each
 * has a DATA_DIR and a FILES_DIR of its own, so nothing they share goes through a local disk.
 */
describe('two service processes on one database and one S3-compatible bucket', () => {
  let s3: S3TestServer | undefined;
  let databaseName: string | undefined;
  let filesA: ServiceFiles | undefined;
  let filesB: ServiceFiles | undefined;
  let a: ServiceProcess | undefined;
  let b: ServiceProcess | undefined;
  let httpA: Http;
  let httpB: Http;
  let admin: string;
  let organisation: Organisation;

  const running = (service: ServiceProcess | undefined): ServiceProcess => {
    if (!service) {
      throw new Error('the service did not start');
    }
    return service;
  };

  const object = async (key: string) => {
    const client = createS3Client(s3!.settings(BUCKET));
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
        (found) => found,
        (error: { $metadata?: { httpStatusCode?: number } }) => {
          if (error.$metadata?.httpStatusCode === 404) {
            return null;
          }
          throw error;
        },
      );
      if (!head) {
        return null;
      }
      const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return Buffer.from(await got.Body!.transformToByteArray());
    } finally {
      client.destroy();
    }
  };

  beforeAll(async () => {
    const template = process.env.TEST_TEMPLATE_DATABASE;
    if (!template) {
      throw new Error('TEST_TEMPLATE_DATABASE is unset: run the e2e tests through jest');
    }
    s3 = await startS3Server();
    await s3.createBucket(BUCKET);
    databaseName = uniqueDatabaseName('test_processes');
    await createDatabase(databaseName, template);
    filesA = await serviceFiles('instance-a');
    filesB = await serviceFiles('instance-b');
    // What instances of one deployment share; DATA_DIR and FILES_DIR stay each one's own.
    const shared = {
      ...s3.env(BUCKET),
      JWT_SECRET: randomBytes(32).toString('hex'),
      CERT_SIGNING_KEY_FILE: filesA.keyFile,
      // The first creates the administrator; the second finds one and leaves it as it is.
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const url = databaseUrl(databaseName);
    a = await startServiceProcess({ databaseUrl: url, files: filesA, env: shared });
    b = await startServiceProcess({ databaseUrl: url, files: filesB, env: shared });
    httpA = new Http(a.url);
    httpB = new Http(b.url);
    admin = await login(httpA, ADMIN_EMAIL, ADMIN_PASSWORD);
    organisation = await createOrganisation(httpA, admin, 'Centre de contacts Atlas');
  }, 240_000);

  afterAll(async () => {
    // Everything is undone even when a step fails; the first failure is reported at the end.
    const outcomes = await Promise.allSettled([b?.stop(), a?.stop()]);
    outcomes.push(
      ...(await Promise.allSettled([
        s3?.close(),
        databaseName ? dropDatabase(databaseName) : undefined,
        filesA?.remove(),
        filesB?.remove(),
      ])),
    );
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
  }, 60_000);

  it('runs as two processes of their own, one administrator for both', async () => {
    const [first, second] = [running(a), running(b)];
    expect(first.pid).not.toBe(second.pid);
    expect([first.pid, second.pid]).not.toContain(process.pid);
    expect([first.alive(), second.alive()]).toEqual([true, true]);

    // The second found the administrator the first created: the same credentials sign in there.
    await login(httpB, ADMIN_EMAIL, ADMIN_PASSWORD);
    const client = new Client({ connectionString: databaseUrl(databaseName!) });
    await client.connect();
    try {
      const { rows } = await client.query<{ email: string }>(
        `SELECT email FROM app_user WHERE role = 'admin'`,
      );
      expect(rows).toEqual([{ email: ADMIN_EMAIL }]);
    } finally {
      await client.end();
    }
  });

  it('serves through one, byte for byte, the evidence uploaded through the other, kept in the bucket', async () => {
    const member: User = await createUser(httpA, admin, 'member', 'member', organisation.id);
    const site = await createSite(httpA, admin, organisation, 'Plateau Anfa');
    const content = jpeg({ comment: `registre ${randomBytes(8).toString('hex')}` });
    const hash = sha256(content);
    const form = evidenceForm(site.id, content, 'registre.jpg');

    const uploaded = expectStatus<{ id: string; sha256: string }>(
      await httpA.request('upload', `${API}/evidence`, {
        method: 'POST',
        token: member.token,
        raw: form.payload,
        contentType: form.headers['content-type'],
      }),
      201,
      'upload through A',
    );
    expect(uploaded.sha256).toBe(hash);

    // The member's token was issued by A: B accepts it, and serves the bytes A received.
    const download = await fetchBytes(
      `${b!.url}${API}/evidence/${uploaded.id}/content`,
      member.token,
    );
    expect(download.status).toBe(200);
    expect(download.type).toMatch(/^image\/jpeg/);
    expect(download.bytes.equals(content)).toBe(true);
    expect(sha256(download.bytes)).toBe(hash);

    // In the bucket under its content address, and in neither instance's FILES_DIR.
    const stored = await object(keyOf(hash));
    expect(stored?.equals(content)).toBe(true);
    for (const files of [filesA!, filesB!]) {
      expect((await filesUnder(files.filesDir)).filter((f) => f.includes(hash))).toEqual([]);
    }
  });

  it('verifies through one a certificate issued through the other, serves its PDF, and both publish the same keys', async () => {
    const auditor: User = await createUser(httpA, admin, 'auditor', 'auditor');
    const site = await createSite(httpA, admin, organisation, 'Plateau Maarif');
    const { number, token } = await certifiedSite(httpA, admin, auditor, site);
    const { pdfSha256 } = expectStatus<{ pdfSha256: string }>(
      await httpA.request('certificate', `${API}/certificates/${number}`, { token: admin }),
      200,
      `certificate ${number} through A`,
    );

    const verified = expectStatus(
      await httpB.request(
        'verify',
        `${API}/public/certificates/${number}?t=${encodeURIComponent(token)}`,
      ),
      200,
      `verify ${number} through B`,
    );
    expect(verified).toMatchObject({ number, status: 'valid', token: { valid: true } });

    const pdf = await fetchBytes(`${b!.url}${API}/public/certificates/${number}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    expect(sha256(pdf.bytes)).toBe(pdfSha256);
    // Stored in the bucket (after the issuance, or by B when it had to render it again).
    let stored = await object(keyOf(pdfSha256));
    for (let i = 0; !stored && i < 50; i++) {
      await sleep(100);
      stored = await object(keyOf(pdfSha256));
    }
    expect(stored && sha256(stored)).toBe(pdfSha256);

    const [jwksA, jwksB] = await Promise.all(
      [httpA, httpB].map(async (http) =>
        expectStatus<{ keys: { kid: string }[] }>(
          await http.request('jwks', '/.well-known/jwks.json'),
          200,
          `JWKS of ${http.baseUrl}`,
        ),
      ),
    );
    expect(jwksB).toEqual(jwksA);
    const { kid } = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as {
      kid: string;
    };
    expect(jwksA.keys.map((k) => k.kid)).toContain(kid);
  });

  it('leaves both processes running', async () => {
    for (const service of [running(a), running(b)]) {
      expect(service.alive()).toBe(true);
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
    }
    expect(running(a).pid).not.toBe(running(b).pid);
  });
});
