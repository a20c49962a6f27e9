import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import type { LightMyRequestResponse } from 'fastify';
import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { CertificateResponse } from 'src/certificates/certificates.dto';
import { appConfig, type AppConfig } from 'src/config/app-config';
import type { Organisation } from 'src/members/organisation.entity';
import type { User } from 'src/members/user.entity';
import { FILE_STORAGE, type FileStorage, type StagedFile } from 'src/storage/file-storage';
import { createS3Client } from 'src/storage/s3-storage';
import { createTestApp, type TestApp } from '../app';
import { authAs, givenCertifiableSite, givenOrganisation, givenUser } from '../factories';
import { type S3TestServer, startS3Server } from '../s3-server';

const DRIVERS = ['local', 's3'] as const;
const BUCKET = 'charter-certificates';
const ELSEWHERE = 'https://certificats.ailleurs.example.org';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const keyOf = (hash: string) => `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;

interface StoredRow {
  number: string;
  pdf_sha256: string;
  pdf_size: number;
}

/**
 * Certificate PDFs are stored after the issuance commits, never inside its transaction; a PDF
 * that storage does not have (never stored, or lost) is rendered again from the certificate's row
 * and, when it hashes to the recorded SHA-256, stored again and served.
 */
describe.each(DRIVERS)('certificate PDFs on %s storage', (driver) => {
  let t: TestApp;
  let s3: S3TestServer | undefined;
  let storage: FileStorage;
  let filesDir: string;
  let admin: User;
  let auditor: User;
  let member: User;
  let organisation: Organisation;
  let storageEnv: Record<string, string>;
  let signingKeyFile: string;

  const issue = async (): Promise<LightMyRequestResponse> => {
    const site = await givenCertifiableSite(t, { admin, auditor }, organisation);
    return t.request({
      method: 'POST',
      url: `/api/v1/sites/${site.id}/certificates`,
      headers: await authAs(t, admin),
    });
  };
  const issued = async () => {
    const res = await issue();
    expect(res.statusCode).toBe(201);
    return res.json<CertificateResponse>();
  };
  const rowOf = async (number: string) => {
    const [row] = await t.db.query<StoredRow[]>(
      'SELECT number, pdf_sha256, pdf_size FROM certificate WHERE number = $1',
      [number],
    );
    return row;
  };
  const memberPdf = async (number: string, user: User = member, app: TestApp = t) =>
    app.request({
      method: 'GET',
      url: `/api/v1/certificates/${number}/pdf`,
      headers: await authAs(app, user),
    });
  const publicPdf = (number: string, app: TestApp = t) =>
    app.request({ method: 'GET', url: `/api/v1/public/certificates/${number}/pdf` });
  /** Removed behind the service's back, as by an operator or a lost volume. */
  const lose = async (hash: string) => {
    expect(await storage.delete(hash, () => Promise.resolve(false))).toBe(true);
    expect(await storage.exists(hash)).toBe(false);
  };
  /** Other bytes under the content's name. */
  const damage = async (hash: string) => {
    const bytes = Buffer.from('%PDF-1.7\n% not the certificate\n');
    if (s3) {
      const client = createS3Client(s3.settings(BUCKET));
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: keyOf(hash),
            Body: bytes,
            Metadata: { sha256: hash },
          }),
        );
      } finally {
        client.destroy();
      }
    } else {
      await writeFile(join(filesDir, keyOf(hash)), bytes);
    }
  };
  const expectServed = (res: LightMyRequestResponse, row: StoredRow) => {
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(sha256(res.rawPayload)).toBe(row.pdf_sha256);
    expect(res.rawPayload.length).toBe(row.pdf_size);
  };
  const expectUnavailable = (res: LightMyRequestResponse) => {
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'CERTIFICATE.PDF_UNAVAILABLE' });
  };
  /** Staged uploads left in the store: none once an issuance or a download is over. */
  const leftInStaging = async (): Promise<string[]> => {
    if (!s3) {
      return readdir(join(filesDir, '.staging'));
    }
    const client = createS3Client(s3.settings(BUCKET));
    try {
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: '.staging/' }),
      );
      return (listed.Contents ?? []).map((object) => object.Key!);
    } finally {
      client.destroy();
    }
  };

  beforeAll(async () => {
    if (driver === 's3') {
      s3 = await startS3Server();
      await s3.createBucket(BUCKET);
    }
    // Each app names its driver and address: createTestApp leaves its settings in process.env.
    storageEnv = s3?.env(BUCKET) ?? { STORAGE_DRIVER: 'local' };
    t = await createTestApp({
      env: {
        ...storageEnv,
        PUBLIC_BASE_URL: 'http://localhost:3000',
        PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
      },
    });
    storage = t.app.get<FileStorage>(FILE_STORAGE);
    filesDir = t.app.get<AppConfig>(appConfig.KEY).filesDir;
    signingKeyFile = process.env.CERT_SIGNING_KEY_FILE!;
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  it('stores the PDF only once its certificate is committed, and answers with it stored', async () => {
    const stage = storage.stage.bind(storage);
    let committedWhenStaged: StoredRow[] | null = null;
    jest.spyOn(storage, 'stage').mockImplementationOnce(async (source: Readable) => {
      const staged = await stage(source);
      // Another connection than the issuance's: it sees the row only once committed.
      committedWhenStaged = await t.db.query<StoredRow[]>(
        'SELECT number, pdf_sha256, pdf_size FROM certificate WHERE pdf_sha256 = $1',
        [staged.sha256],
      );
      return staged;
    });

    const certificate = await issued();

    expect(committedWhenStaged).toEqual([await rowOf(certificate.number)]);
    expect(await storage.exists(certificate.pdfSha256)).toBe(true);
    expect(await leftInStaging()).toEqual([]);
  });

  it('serves a PDF removed from storage behind its back again, byte for byte, to its member, an admin and the public, and stores it again', async () => {
    const certificate = await issued();
    const row = await rowOf(certificate.number);
    const original = await memberPdf(certificate.number);
    expectServed(original, row);

    await lose(row.pdf_sha256);
    const again = await memberPdf(certificate.number);
    expectServed(again, row);
    expect(again.headers.etag).toBe(`"${row.pdf_sha256}"`);
    expect(again.rawPayload.equals(original.rawPayload)).toBe(true);
    expect(await storage.exists(row.pdf_sha256)).toBe(true);
    expectServed(await memberPdf(certificate.number, admin), row);

    await lose(row.pdf_sha256);
    const stakeholders = await publicPdf(certificate.number);
    expectServed(stakeholders, row);
    expect(stakeholders.rawPayload.equals(original.rawPayload)).toBe(true);
    expect(await storage.exists(row.pdf_sha256)).toBe(true);
    expect(await leftInStaging()).toEqual([]);
  });

  it('renders a lost PDF once for simultaneous requests, and serves it to all', async () => {
    const certificate = await issued();
    const row = await rowOf(certificate.number);
    await lose(row.pdf_sha256);
    const stage = jest.spyOn(storage, 'stage');

    const responses = await Promise.all([
      publicPdf(certificate.number),
      publicPdf(certificate.number),
      memberPdf(certificate.number),
      memberPdf(certificate.number, admin),
      publicPdf(certificate.number),
    ]);

    for (const res of responses) {
      expectServed(res, row);
    }
    expect(stage).toHaveBeenCalledTimes(1);
    expect(await storage.exists(row.pdf_sha256)).toBe(true);
  });

  it.each([
    ['staging', 'stage'],
    ['publishing', 'publish'],
  ] as const)(
    'issues the certificate (201) when %s its PDF fails, and serves the PDF afterwards',
    async (_, failing) => {
      const stage = storage.stage.bind(storage);
      jest.spyOn(storage, 'stage').mockImplementationOnce(async (source: Readable) => {
        if (failing === 'stage') {
          source.destroy();
          throw new Error('The storage cannot be reached');
        }
        const staged = await stage(source);
        return {
          ...staged,
          publish: () => Promise.reject(new Error('The storage cannot be reached')),
        } satisfies StagedFile;
      });
      const logged = jest.spyOn(Logger.prototype, 'error');

      const res = await issue();

      expect(res.statusCode).toBe(201);
      const certificate = res.json<CertificateResponse>();
      const row = await rowOf(certificate.number);
      expect(row.pdf_sha256).toBe(certificate.pdfSha256);
      expect(await storage.exists(row.pdf_sha256)).toBe(false);
      expect(await leftInStaging()).toEqual([]);
      expect(logged).toHaveBeenCalledWith(
        expect.stringContaining(
          `Certificate ${certificate.number}: PDF ${row.pdf_sha256} not stored`,
        ),
      );
      const [{ count }] = await t.db.query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM journal_entry
          WHERE action = 'certificate.issued' AND entity_id = $1`,
        [certificate.id],
      );
      expect(count).toBe(1);

      expectServed(await publicPdf(certificate.number), row);
      expect(await storage.exists(row.pdf_sha256)).toBe(true);
      expectServed(await memberPdf(certificate.number), row);
    },
  );

  it('does not render over corrupt content: 409 on both routes, the content left as found', async () => {
    const certificate = await issued();
    await damage(certificate.pdfSha256);
    const stage = jest.spyOn(storage, 'stage');

    expectUnavailable(await memberPdf(certificate.number));
    expectUnavailable(await publicPdf(certificate.number));

    expect(stage).not.toHaveBeenCalled();
    await expect(storage.get(certificate.pdfSha256)).rejects.toMatchObject({
      reason: 'corrupt',
    });
  });

  it('refuses a lost PDF that renders otherwise since PUBLIC_BASE_URL changed (409, the reason logged), and stores nothing', async () => {
    const certificate = await issued();
    const row = await rowOf(certificate.number);
    await lose(row.pdf_sha256);
    const before = { ...process.env };
    // The same deployment (database, files, signing key), moved to another address.
    const moved = await createTestApp({
      database: t.databaseName,
      env: {
        ...storageEnv,
        FILES_DIR: filesDir,
        CERT_SIGNING_KEY_FILE: signingKeyFile,
        PUBLIC_BASE_URL: ELSEWHERE,
      },
    });
    try {
      const logged = jest.spyOn(Logger.prototype, 'error');
      expectUnavailable(await memberPdf(certificate.number, admin, moved));
      expectUnavailable(await publicPdf(certificate.number, moved));
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(
          new RegExp(`^Certificate ${certificate.number}: .*missing.*PUBLIC_BASE_URL`),
        ),
      );
      expect(await storage.exists(row.pdf_sha256)).toBe(false);
    } finally {
      await moved.close();
      Object.assign(process.env, before);
    }

    // At its address, the certificate's own PDF again.
    expectServed(await publicPdf(certificate.number), row);
    expect(await storage.exists(row.pdf_sha256)).toBe(true);
  });
});
