import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { Evidence } from 'src/evidence/evidence.entity';
import { EVIDENCE_SWEEP_JOB } from 'src/evidence/evidence.module';
import { EvidenceService } from 'src/evidence/evidence.service';
import type { EvidenceLink } from 'src/evidence/evidence.types';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { SchedulerService } from 'src/scheduler/scheduler.service';
import { createTestApp, type TestApp } from '../app';
import { databaseUrl } from '../database';
import {
  authAs,
  givenAudit,
  givenEvidence,
  givenOrganisation,
  givenSite,
  givenUser,
} from '../factories';
import * as corpus from '../fixtures/evidence-corpus';
import { evidenceForm, type FormPart, multipartBody } from '../fixtures/multipart';

const MISSING = '2b5d3f0e-8c1a-4d7e-9f60-000000000000';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const contentPath = (hash: string) => `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect({ status: res.statusCode, code: res.json().code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

/** Every file under the storage root, staging and trash included. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

async function startApp(env: Record<string, string> = {}) {
  const filesDir = await mkdtemp(join(tmpdir(), 'evidence-files-'));
  const t = await createTestApp({
    env: { FILES_DIR: filesDir, EVIDENCE_MAX_BYTES: String(15 * 1024 * 1024), ...env },
  });
  return { t, filesDir };
}

describe('evidence', () => {
  let t: TestApp;
  let filesDir: string;
  let organisation: Organisation;
  let site: Site;
  let member: User;
  let colleague: User;
  let other: User;
  let otherSite: Site;
  let admin: User;
  let auditor: User;

  const upload = async (user: User | null, form: ReturnType<typeof multipartBody>) =>
    t.request({
      method: 'POST',
      url: '/api/v1/evidence',
      payload: form.payload,
      headers: { ...(user ? await authAs(t, user) : {}), ...form.headers },
    });
  const call = async (user: User | null, method: 'GET' | 'DELETE', url: string) =>
    t.request({ method, url: `/api/v1${url}`, headers: user ? await authAs(t, user) : {} });
  const uploaded = async (content: Buffer, user = member, to = site, name = 'photo.jpg') => {
    const res = await upload(user, evidenceForm(to.id, content, name));
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string; sha256: string }>();
  };
  const evidenceCount = () => t.db.getRepository(Evidence).count();
  const row = (id: string) => t.db.getRepository(Evidence).findOneBy({ id });
  const journalOf = (entityId: string) =>
    t.db.query<{ action: string; actor_id: string | null; changes: Record<string, unknown> }[]>(
      'SELECT action, actor_id, changes FROM journal_entry WHERE entity_id = $1 ORDER BY seq',
      [entityId],
    );
  const service = () => t.app.get(EvidenceService);
  const attach = (link: EvidenceLink) => t.db.transaction((em) => service().attach(em, link));

  beforeAll(async () => {
    ({ t, filesDir } = await startApp());
    organisation = await givenOrganisation(t.db);
    site = await givenSite(t.db, organisation);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    colleague = await givenUser(t.db, 'member', { organisationId: organisation.id });
    const otherOrganisation = await givenOrganisation(t.db);
    otherSite = await givenSite(t.db, otherOrganisation);
    other = await givenUser(t.db, 'member', { organisationId: otherOrganisation.id });
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
  });

  afterAll(async () => {
    await t.close();
    await rm(filesDir, { recursive: true, force: true });
  });

  describe('POST /evidence', () => {
    const exif = corpus.exifSegment('2020:07:12 09:30:00');

    it.each([
      ['a JPEG', corpus.jpeg(), 'photo.jpg', 'image/jpeg', 'image/jpeg'],
      ['a PNG', corpus.png(), 'plan.png', 'image/png', 'image/png'],
      ['a WebP', corpus.webp(), 'capture.webp', 'image/webp', 'image/webp'],
      ['a HEIC', corpus.heic(), 'IMG_0042.HEIC', 'image/heic', 'image/heic'],
      ['a PDF', corpus.pdf(), 'registre.pdf', 'application/pdf', 'application/pdf'],
      [
        'a PDF declared as bytes',
        corpus.pdf(1),
        'r.pdf',
        'application/octet-stream',
        'application/pdf',
      ],
      ['a PNG declared as nothing', corpus.png().subarray(0), 'p.png', undefined, 'image/png'],
    ])('stores %s under its SHA-256 and journals it', async (_, content, name, declared, type) => {
      const res = await upload(member, evidenceForm(site.id, content, name, declared));
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({
        id: expect.any(String),
        siteId: site.id,
        organisationId: organisation.id,
        originalName: name,
        size: content.length,
        mediaType: type,
        sha256: sha256(content),
        uploadedAt: expect.any(String),
        capturedAt: null,
        uploadedBy: member.id,
        attached: false,
      });
      expect(await row(body.id)).toMatchObject({ sha256: sha256(content), mediaType: type });
      expect(await filesUnder(filesDir)).toContain(contentPath(sha256(content)));
      expect(await journalOf(body.id)).toEqual([
        {
          action: 'evidence.uploaded',
          actor_id: member.id,
          changes: {
            siteId: site.id,
            originalName: name,
            size: content.length,
            mediaType: type,
            sha256: sha256(content),
            capturedAt: null,
          },
        },
      ]);
    });

    it('reads when a photo was taken from its Exif DateTimeOriginal', async () => {
      const res = await upload(member, evidenceForm(site.id, corpus.jpeg({ exif }), 'a.jpg'));
      expect(res.statusCode).toBe(201);
      // Africa/Casablanca, UTC+1 in July 2020.
      expect(res.json().capturedAt).toBe('2020-07-12T08:30:00.000Z');
    });

    it('takes siteId after the file as well as before', async () => {
      const content = corpus.jpeg({ comment: randomUUID() });
      const form = evidenceForm(site.id, content, 'late.jpg', 'image/jpeg', 'file-first');
      const res = await upload(member, form);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ siteId: site.id, sha256: sha256(content) });
    });

    it('lets an admin upload for any active site', async () => {
      const res = await upload(admin, evidenceForm(otherSite.id, corpus.pdf(2), 'audit.pdf'));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ organisationId: otherSite.organisationId });
    });

    it('lets an auditor upload only for the sites of the audits assigned to them, still to conduct', async () => {
      const unassigned = await upload(auditor, evidenceForm(otherSite.id, corpus.pdf(3), 'a.pdf'));
      expect(unassigned.statusCode).toBe(403);
      const audit = await givenAudit(t.db, otherSite, auditor, { status: 'in_progress' });
      const assigned = await upload(auditor, evidenceForm(otherSite.id, corpus.pdf(4), 'b.pdf'));
      expect(assigned.statusCode).toBe(201);
      expect(assigned.json()).toMatchObject({ organisationId: otherSite.organisationId });
      await t.db.query(
        `UPDATE audit SET status = 'cancelled', cancelled_at = now(),
          cancelled_by = $2, cancel_reason = 'Site fermé pour travaux' WHERE id = $1`,
        [audit.id, auditor.id],
      );
      const cancelled = await upload(auditor, evidenceForm(otherSite.id, corpus.pdf(5), 'c.pdf'));
      expect(cancelled.statusCode).toBe(403);
    });

    it('keeps identical content once, for every record of it', async () => {
      const content = corpus.jpeg({ comment: `twice ${randomUUID()}` });
      const first = await uploaded(content);
      const second = await uploaded(content, other, otherSite);
      expect(second.id).not.toBe(first.id);
      expect(second.sha256).toBe(first.sha256);
      const copies = (await filesUnder(filesDir)).filter((f) => f.endsWith(first.sha256));
      expect(copies).toEqual([contentPath(first.sha256)]);
    });

    it('sanitises the file name', async () => {
      const form = multipartBody([
        { name: 'siteId', value: site.id },
        {
          name: 'file',
          value: corpus.png(),
          filename: 'C:\\Users\\amina\\Re\u0301leve\u0301\u202E\u0007.png',
        },
      ]);
      const res = await upload(member, form);
      expect(res.statusCode).toBe(201);
      expect(res.json().originalName).toBe('Rélevé.png');
    });

    describe('refuses, keeping neither file nor row,', () => {
      it.each([
        ['an ELF executable renamed', corpus.elf(), 'photo.jpg', 'image/jpeg'],
        ['a PE executable renamed', corpus.portableExecutable(), 'scan.pdf', 'application/pdf'],
        ['a PHP script renamed', corpus.php(), 'shell.php.jpg', 'image/jpeg'],
        ['an HTML page posing as a PNG', corpus.html(), 'image.png', 'image/png'],
        ['an SVG image', corpus.svg(), 'logo.svg', 'image/svg+xml'],
        ['an empty file', Buffer.alloc(0), 'empty.jpg', 'image/jpeg'],
        ['a truncated JPEG', corpus.truncated(corpus.jpeg(), 2), 'cut.jpg', 'image/jpeg'],
        ['a truncated PNG', corpus.truncated(corpus.png(), 5), 'cut.png', 'image/png'],
        ['a truncated PDF', corpus.truncated(corpus.pdf(), 7), 'cut.pdf', 'application/pdf'],
      ])('%s with 415', async (_, content, name, declared) => {
        const [files, rows] = [await filesUnder(filesDir), await evidenceCount()];
        const res = await upload(member, evidenceForm(site.id, content, name, declared));
        const problem = expectProblem(res, 415, 'EVIDENCE.UNSUPPORTED_TYPE');
        expect(problem.detail).toMatch(/Accepted: JPEG, PNG, WebP and HEIC images, PDF/);
        expect(await filesUnder(filesDir)).toEqual(files);
        expect(await evidenceCount()).toBe(rows);
      });

      it('a JPEG declared image/png with 415', async () => {
        const [files, rows] = [await filesUnder(filesDir), await evidenceCount()];
        const res = await upload(
          member,
          evidenceForm(site.id, corpus.jpeg(), 'a.png', 'image/png'),
        );
        const problem = expectProblem(res, 415, 'EVIDENCE.DECLARED_TYPE_MISMATCH');
        expect(problem.detail).toBe(
          'The file part is declared image/png but its content is image/jpeg',
        );
        expect(await filesUnder(filesDir)).toEqual(files);
        expect(await evidenceCount()).toBe(rows);
      });

      // `SITE` stands for the member's own site.
      it.each([
        ['siteId missing', [{ name: 'file', value: corpus.png(), filename: 'a.png' }], ['siteId']],
        ['file missing', [{ name: 'siteId', value: 'SITE' }], ['file']],
        ['siteId not a UUID', [{ name: 'siteId', value: 'site-1' }], ['siteId']],
        [
          'an unknown field',
          [
            { name: 'siteId', value: 'SITE' },
            { name: 'comment', value: 'hello' },
          ],
          ['comment'],
        ],
        [
          'the file as a plain field',
          [
            { name: 'siteId', value: 'SITE' },
            { name: 'file', value: 'not a file' },
          ],
          ['file'],
        ],
        [
          'siteId twice',
          [
            { name: 'siteId', value: 'SITE' },
            { name: 'siteId', value: 'SITE' },
          ],
          ['siteId'],
        ],
        ['siteId as a file', [{ name: 'siteId', value: 'SITE', filename: 'site.txt' }], ['siteId']],
        [
          'an unknown field after the file',
          [
            { name: 'file', value: corpus.png(), filename: 'a.png' },
            { name: 'picture', value: 'x' },
          ],
          ['picture'],
        ],
        ['nothing at all', [], ['siteId', 'file']],
      ] as [string, FormPart[], string[]][])(
        '%s with 400 naming the field',
        async (_, parts, fields) => {
          const [files, rows] = [await filesUnder(filesDir), await evidenceCount()];
          const form = multipartBody(
            parts.map((p) => (p.value === 'SITE' ? { ...p, value: site.id } : p)),
          );
          const res = await upload(member, form);
          const problem = expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
          expect(problem.errors.map((e: { field: string }) => e.field)).toEqual(fields);
          expect(await filesUnder(filesDir)).toEqual(files);
          expect(await evidenceCount()).toBe(rows);
        },
      );

      it('a body cut in the middle of the file with 400', async () => {
        const files = await filesUnder(filesDir);
        const { payload, headers } = evidenceForm(site.id, corpus.pdf(5000), 'a.pdf');
        const res = await t.request({
          method: 'POST',
          url: '/api/v1/evidence',
          payload: payload.subarray(0, 3000),
          headers: { ...(await authAs(t, member)), ...headers },
        });
        expectProblem(res, 400, 'REQUEST.MALFORMED_MULTIPART');
        expect(await filesUnder(filesDir)).toEqual(files);
      });

      it('a multipart body without boundary with 400', async () => {
        const res = await t.request({
          method: 'POST',
          url: '/api/v1/evidence',
          payload: 'siteId=1',
          headers: { ...(await authAs(t, member)), 'content-type': 'multipart/form-data' },
        });
        expectProblem(res, 400, 'REQUEST.MALFORMED_MULTIPART');
      });

      it.each([
        ['JSON', 'application/json', JSON.stringify({ siteId: MISSING })],
        ['a form', 'application/x-www-form-urlencoded', `siteId=${MISSING}`],
      ])('%s instead of multipart with 415', async (_, type, payload) => {
        const res = await t.request({
          method: 'POST',
          url: '/api/v1/evidence',
          payload,
          headers: { ...(await authAs(t, member)), 'content-type': type },
        });
        expect(res.statusCode).toBe(415);
        expect(res.json().code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
      });

      it('two files with 413', async () => {
        const files = await filesUnder(filesDir);
        const res = await upload(
          member,
          multipartBody([
            { name: 'siteId', value: site.id },
            { name: 'file', value: corpus.png(), filename: 'a.png' },
            { name: 'file', value: corpus.png(), filename: 'b.png' },
          ]),
        );
        expect(res.statusCode).toBe(413);
        expect(await filesUnder(filesDir)).toEqual(files);
      });

      it('without a token with 401', async () => {
        const res = await upload(null, evidenceForm(site.id, corpus.png()));
        expectProblem(res, 401, 'AUTH.INVALID_TOKEN');
      });

      it.each([
        ['before', 'siteId-first'],
        ['after', 'file-first'],
      ] as const)(
        'another company’s site, named %s the file, with the 404 of a missing one',
        async (_, order) => {
          const [files, rows] = [await filesUnder(filesDir), await evidenceCount()];
          const foreign = await upload(
            member,
            evidenceForm(otherSite.id, corpus.png(), 'a.png', undefined, order),
          );
          const missing = await upload(
            member,
            evidenceForm(MISSING, corpus.png(), 'a.png', undefined, order),
          );
          const problem = expectProblem(foreign, 404, 'SITE.NOT_FOUND');
          expectProblem(missing, 404, 'SITE.NOT_FOUND');
          expect(problem.errors).toEqual([{ field: 'siteId', message: 'no such site' }]);
          expect(problem.detail).toBe(missing.json().detail);
          expect(await filesUnder(filesDir)).toEqual(files);
          expect(await evidenceCount()).toBe(rows);
        },
      );

      it('a foreign site named first over real HTTP, answering before the file and closing', async () => {
        await t.app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = t.app.getHttpServer().address() as AddressInfo;
        const files = await filesUnder(filesDir);
        const boundary = 'early-refusal';
        const head = Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="siteId"\r\n\r\n${otherSite.id}\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n`,
        );
        const fileSize = 14 * 1024 * 1024;
        const auth = await authAs(t, member);
        const answer = await new Promise<{ status?: number; connection?: string; body: string }>(
          (resolve, reject) => {
            const req = request(
              {
                port,
                host: '127.0.0.1',
                method: 'POST',
                path: '/api/v1/evidence',
                agent: false,
                headers: {
                  ...auth,
                  'content-type': `multipart/form-data; boundary=${boundary}`,
                  'content-length': String(head.length + fileSize),
                },
              },
              (res) => {
                const chunks: Buffer[] = [];
                res.on('data', (c: Buffer) => chunks.push(c));
                res.on('end', () =>
                  resolve({
                    status: res.statusCode,
                    connection: res.headers.connection,
                    body: Buffer.concat(chunks).toString(),
                  }),
                );
              },
            );
            // The server stops reading: writes past the socket buffers fail, as they should.
            req.on('error', (error) => (req.writableEnded ? undefined : reject(error)));
            req.write(head);
            const chunk = Buffer.alloc(256 * 1024, 0x25);
            let sent = 0;
            const pump = () => {
              while (sent < fileSize && !req.destroyed) {
                sent += chunk.length;
                if (!req.write(chunk)) {
                  req.once('drain', pump);
                  return;
                }
              }
            };
            pump();
          },
        );
        expect(answer).toMatchObject({ status: 404, connection: 'close' });
        expect(JSON.parse(answer.body)).toMatchObject({ code: 'SITE.NOT_FOUND' });
        expect(await filesUnder(filesDir)).toEqual(files);
      });

      it('a site of an ended membership with 409', async () => {
        const ended = await givenOrganisation(t.db, {
          status: 'ended',
          membershipEndedAt: new Date(),
        });
        const inactive = await givenSite(t.db, ended, { active: false });
        const rows = await evidenceCount();
        const res = await upload(admin, evidenceForm(inactive.id, corpus.png(), 'a.png'));
        expectProblem(res, 409, 'SITE.READ_ONLY');
        expect(await evidenceCount()).toBe(rows);
      });
    });

    describe('over EVIDENCE_MAX_BYTES', () => {
      let small: { t: TestApp; filesDir: string };
      let smallSite: Site;
      let authorization: { authorization: string };

      beforeAll(async () => {
        small = await startApp({ EVIDENCE_MAX_BYTES: '65536' });
        const org = await givenOrganisation(small.t.db);
        smallSite = await givenSite(small.t.db, org);
        const smallMember = await givenUser(small.t.db, 'member', { organisationId: org.id });
        authorization = await authAs(small.t, smallMember);
      });

      afterAll(async () => {
        await small.t.close();
        await rm(small.filesDir, { recursive: true, force: true });
      });

      const uploadSmall = (form: ReturnType<typeof multipartBody>) =>
        small.t.request({
          method: 'POST',
          url: '/api/v1/evidence',
          payload: form.payload,
          headers: { ...authorization, ...form.headers },
        });

      it.each([
        ['before', 'siteId-first'],
        ['after', 'file-first'],
      ] as const)(
        'refuses a file one byte too large (siteId %s it) with 413, keeping nothing',
        async (_, order) => {
          const content = corpus.pdfOfSize(65537);
          expect(content.length).toBe(65537);
          const res = await uploadSmall(
            evidenceForm(smallSite.id, content, 'big.pdf', undefined, order),
          );
          const problem = expectProblem(res, 413, 'EVIDENCE.TOO_LARGE');
          expect(problem.maxBytes).toBe(65536);
          expect(await filesUnder(small.filesDir)).toEqual([]);
          expect(await small.t.db.getRepository(Evidence).count()).toBe(0);
        },
      );

      it('accepts a file of exactly the limit', async () => {
        const content = corpus.pdfOfSize(65536);
        const res = await uploadSmall(evidenceForm(smallSite.id, content, 'limit.pdf'));
        expect(res.statusCode).toBe(201);
        expect(res.json().size).toBe(65536);
        expect(await filesUnder(small.filesDir)).toEqual([contentPath(sha256(content))]);
      });
    });
  });

  describe('GET /evidence/:id', () => {
    let evidence: { id: string; sha256: string };

    beforeAll(async () => {
      evidence = await uploaded(corpus.jpeg({ exif: corpus.exifSegment('2021:03:04 10:00:00') }));
    });

    it.each([
      ['its company’s member', () => colleague],
      ['an auditor', () => auditor],
      ['an admin', () => admin],
    ])('shows the metadata to %s', async (_, user) => {
      const res = await call(user(), 'GET', `/evidence/${evidence.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        id: evidence.id,
        siteId: site.id,
        organisationId: organisation.id,
        originalName: 'photo.jpg',
        size: expect.any(Number),
        mediaType: 'image/jpeg',
        sha256: evidence.sha256,
        uploadedAt: expect.any(String),
        capturedAt: '2021-03-04T09:00:00.000Z',
        uploadedBy: member.id,
        attached: false,
      });
    });

    it('says when it is attached', async () => {
      const recordId = randomUUID();
      await attach({
        organisationId: organisation.id,
        recordType: 'self_assessment_answer',
        recordId,
        evidenceIds: [evidence.id],
      });
      expect((await call(member, 'GET', `/evidence/${evidence.id}`)).json().attached).toBe(true);
      await attach({
        organisationId: organisation.id,
        recordType: 'self_assessment_answer',
        recordId,
        evidenceIds: [],
      });
      expect((await call(member, 'GET', `/evidence/${evidence.id}`)).json().attached).toBe(false);
    });

    it('answers another company’s member exactly as for a missing id', async () => {
      const foreign = expectProblem(
        await call(other, 'GET', `/evidence/${evidence.id}`),
        404,
        'EVIDENCE.NOT_FOUND',
      );
      const missing = expectProblem(
        await call(other, 'GET', `/evidence/${MISSING}`),
        404,
        'EVIDENCE.NOT_FOUND',
      );
      expect({ ...foreign, instance: null, requestId: null }).toEqual({
        ...missing,
        instance: null,
        requestId: null,
      });
    });

    it('answers 400 to an id that is not a UUID and 401 without a token', async () => {
      const problem = expectProblem(
        await call(member, 'GET', '/evidence/42'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
      expectProblem(await call(null, 'GET', `/evidence/${evidence.id}`), 401, 'AUTH.INVALID_TOKEN');
    });
  });

  describe('GET /evidence/:id/content', () => {
    it('serves the bytes as an attachment that a browser will not run', async () => {
      const content = corpus.pdf(7);
      const res = await upload(member, evidenceForm(site.id, content, 'Relevé mai صورة.pdf'));
      const { id } = res.json();
      const download = await call(auditor, 'GET', `/evidence/${id}/content`);
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload).toEqual(content);
      expect(download.headers).toMatchObject({
        'content-type': 'application/pdf',
        'content-length': String(content.length),
        'content-disposition':
          `attachment; filename="Releve mai ____.pdf"; ` +
          `filename*=UTF-8''Relev%C3%A9%20mai%20%D8%B5%D9%88%D8%B1%D8%A9.pdf`,
        'x-content-type-options': 'nosniff',
        'content-security-policy': 'sandbox',
        'cache-control': 'private, no-store',
      });
    });

    it('serves the owner company’s members and admins, and nobody else', async () => {
      const { id } = await uploaded(corpus.webp());
      for (const user of [member, colleague, admin]) {
        expect((await call(user, 'GET', `/evidence/${id}/content`)).statusCode).toBe(200);
      }
      expectProblem(await call(other, 'GET', `/evidence/${id}/content`), 404, 'EVIDENCE.NOT_FOUND');
      expectProblem(
        await call(admin, 'GET', `/evidence/${MISSING}/content`),
        404,
        'EVIDENCE.NOT_FOUND',
      );
      expectProblem(
        await call(admin, 'GET', '/evidence/x/content'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expectProblem(await call(null, 'GET', `/evidence/${id}/content`), 401, 'AUTH.INVALID_TOKEN');
    });

    it.each([
      ['overwritten', (path: string) => writeFile(path, corpus.png()), 'corrupt'],
      ['missing', (path: string) => unlink(path), 'missing'],
    ])('refuses stored bytes that were %s with 409 and journals it', async (_, damage, reason) => {
      const content = corpus.jpeg({ comment: `damaged ${randomUUID()}` });
      const { id, sha256: hash } = await uploaded(content);
      await damage(join(filesDir, contentPath(hash)));
      const res = await call(member, 'GET', `/evidence/${id}/content`);
      expectProblem(res, 409, 'EVIDENCE.CONTENT_CORRUPT');
      expect(res.rawPayload.includes(corpus.png())).toBe(false);
      const journal = await journalOf(id);
      expect(journal.at(-1)).toEqual({
        action: 'evidence.corruption_detected',
        actor_id: member.id,
        changes: {
          sha256: hash,
          reason,
          found: reason === 'corrupt' ? sha256(corpus.png()) : null,
        },
      });
    });
  });

  describe('DELETE /evidence/:id', () => {
    it('lets the uploader delete an unattached evidence, with its file, and journals it', async () => {
      const content = corpus.jpeg({ comment: `delete ${randomUUID()}` });
      const { id, sha256: hash } = await uploaded(content);
      const res = await call(member, 'DELETE', `/evidence/${id}`);
      expect(res.statusCode).toBe(204);
      expect(await row(id)).toBeNull();
      expect(await filesUnder(filesDir)).not.toContain(contentPath(hash));
      expect((await journalOf(id)).map((e) => [e.action, e.actor_id])).toEqual([
        ['evidence.uploaded', member.id],
        ['evidence.deleted', member.id],
      ]);
    });

    it('keeps the file while another evidence has the same content', async () => {
      const content = corpus.jpeg({ comment: `shared ${randomUUID()}` });
      const first = await uploaded(content);
      const second = await uploaded(content, other, otherSite);
      expect((await call(member, 'DELETE', `/evidence/${first.id}`)).statusCode).toBe(204);
      expect(await filesUnder(filesDir)).toContain(contentPath(first.sha256));
      expect((await call(other, 'GET', `/evidence/${second.id}/content`)).rawPayload).toEqual(
        content,
      );
      expect((await call(other, 'DELETE', `/evidence/${second.id}`)).statusCode).toBe(204);
      expect(await filesUnder(filesDir)).not.toContain(contentPath(first.sha256));
    });

    it('refuses anyone but the uploader with 403', async () => {
      const { id } = await uploaded(corpus.png());
      for (const user of [colleague, admin]) {
        expectProblem(await call(user, 'DELETE', `/evidence/${id}`), 403, 'EVIDENCE.NOT_UPLOADER');
      }
      expect(await row(id)).not.toBeNull();
    });

    it('refuses an attached evidence with 409, until the record lets it go', async () => {
      const { id } = await uploaded(corpus.png());
      const link = {
        organisationId: organisation.id,
        recordType: 'corrective_action_response',
        recordId: randomUUID(),
      } as const;
      await attach({ ...link, evidenceIds: [id] });
      expectProblem(await call(member, 'DELETE', `/evidence/${id}`), 409, 'EVIDENCE.ATTACHED');
      expect(await row(id)).not.toBeNull();
      await attach({ ...link, evidenceIds: [] });
      expect((await call(member, 'DELETE', `/evidence/${id}`)).statusCode).toBe(204);
    });

    it('answers 404 for another company’s evidence or a missing one, 400 and 401', async () => {
      const { id } = await uploaded(corpus.png());
      expectProblem(await call(other, 'DELETE', `/evidence/${id}`), 404, 'EVIDENCE.NOT_FOUND');
      expectProblem(
        await call(member, 'DELETE', `/evidence/${MISSING}`),
        404,
        'EVIDENCE.NOT_FOUND',
      );
      expectProblem(await call(member, 'DELETE', '/evidence/1'), 400, 'REQUEST.VALIDATION_FAILED');
      expectProblem(await call(null, 'DELETE', `/evidence/${id}`), 401, 'AUTH.INVALID_TOKEN');
      expect(await row(id)).not.toBeNull();
    });
  });

  describe('EvidenceService.attach and attachedTo', () => {
    const answer = () => ({
      organisationId: organisation.id,
      recordType: 'self_assessment_answer' as const,
      recordId: randomUUID(),
    });
    const listOf = async (recordId: string) =>
      (await service().attachedTo(t.db.manager, 'self_assessment_answer', [recordId])).get(
        recordId,
      );

    it('replaces the record’s list, in order, duplicates once; an empty list detaches all', async () => {
      const [a, b, c] = await Promise.all([1, 2, 3].map(() => givenEvidence(t.db, site, member)));
      const link = answer();
      await attach({ ...link, evidenceIds: [b.id, a.id, b.id] });
      expect(await listOf(link.recordId)).toEqual([b.id, a.id]);
      await attach({ ...link, evidenceIds: [c.id, b.id] });
      expect(await listOf(link.recordId)).toEqual([c.id, b.id]);
      await attach({ ...link, evidenceIds: [] });
      expect(await listOf(link.recordId)).toEqual([]);
    });

    it('gives every record asked for its list, empty when it has none', async () => {
      const e = await givenEvidence(t.db, site, member);
      const [one, two] = [answer(), answer()];
      await attach({ ...one, evidenceIds: [e.id] });
      const lists = await service().attachedTo(t.db.manager, 'self_assessment_answer', [
        one.recordId,
        two.recordId,
      ]);
      expect([...lists.entries()]).toEqual([
        [one.recordId, [e.id]],
        [two.recordId, []],
      ]);
      const other = await service().attachedTo(t.db.manager, 'audit_finding', [one.recordId]);
      expect(other.get(one.recordId)).toEqual([]);
    });

    it.each([
      ['another company’s evidence', async () => (await givenEvidence(t.db, otherSite, other)).id],
      ['a missing evidence', () => Promise.resolve(MISSING)],
      ['something that is not a UUID', () => Promise.resolve('evidence-1')],
    ])('refuses %s with EVIDENCE.NOT_FOUND naming it, changing nothing', async (_, idOf) => {
      const own = await givenEvidence(t.db, site, member);
      const link = answer();
      await attach({ ...link, evidenceIds: [own.id] });
      const foreign = await idOf();
      const error = await attach({ ...link, evidenceIds: [foreign] }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        status: 404,
        code: 'EVIDENCE.NOT_FOUND',
        message: `evidenceIds: no evidence ${foreign.toLowerCase()}`,
        extensions: { errors: [{ field: 'evidenceIds', message: `no evidence ${foreign}` }] },
      });
      expect(await listOf(link.recordId)).toEqual([own.id]);
    });

    it('refuses more than 20 evidence', async () => {
      const many = await Promise.all(
        Array.from({ length: 21 }, () => givenEvidence(t.db, site, member)),
      );
      const ids = many.map((e) => e.id);
      await expect(attach({ ...answer(), evidenceIds: ids.slice(0, 20) })).resolves.toBeUndefined();
      await expect(attach({ ...answer(), evidenceIds: ids })).rejects.toMatchObject({
        status: 400,
        errors: [{ field: 'evidenceIds', message: 'must hold at most 20 ids' }],
      });
      // Duplicates count once.
      await expect(
        attach({ ...answer(), evidenceIds: [...ids.slice(0, 20), ids[0]] }),
      ).resolves.toBeUndefined();
    });

    it('lets the database itself refuse to delete an attached evidence', async () => {
      const e = await givenEvidence(t.db, site, member);
      await attach({ ...answer(), evidenceIds: [e.id] });
      await expect(t.db.query('DELETE FROM evidence WHERE id = $1', [e.id])).rejects.toMatchObject({
        driverError: { constraint: 'evidence_attachment_evidence_fk' },
      });
    });
  });

  describe('the sweep of unattached uploads', () => {
    const age = (id: string, hours: number) =>
      t.db.query(
        `UPDATE evidence SET uploaded_at = now() - make_interval(hours => $2) WHERE id = $1`,
        [id, hours],
      );
    const sweep = () => t.app.get(SchedulerService).runNow(EVIDENCE_SWEEP_JOB);

    it('deletes unattached uploads older than 24 hours with their files, journalled by nobody', async () => {
      const old = await uploaded(corpus.jpeg({ comment: `old ${randomUUID()}` }));
      const recent = await uploaded(corpus.jpeg({ comment: `recent ${randomUUID()}` }));
      const kept = await uploaded(corpus.jpeg({ comment: `kept ${randomUUID()}` }));
      await attach({
        organisationId: organisation.id,
        recordType: 'audit_finding',
        recordId: randomUUID(),
        evidenceIds: [kept.id],
      });
      await age(old.id, 25);
      await age(recent.id, 23);
      await age(kept.id, 48);

      expect(await sweep()).toBe('completed');

      expect(await row(old.id)).toBeNull();
      expect(await row(recent.id)).not.toBeNull();
      expect(await row(kept.id)).not.toBeNull();
      const files = await filesUnder(filesDir);
      expect(files).not.toContain(contentPath(old.sha256));
      expect(files).toEqual(
        expect.arrayContaining([contentPath(recent.sha256), contentPath(kept.sha256)]),
      );
      expect((await journalOf(old.id)).at(-1)).toEqual({
        action: 'evidence.swept',
        actor_id: null,
        changes: { sha256: old.sha256, uploadedAt: expect.any(String) },
      });
    });

    it('keeps a file another evidence still refers to', async () => {
      const content = corpus.jpeg({ comment: `shared old ${randomUUID()}` });
      const old = await uploaded(content);
      const fresh = await uploaded(content, other, otherSite);
      await age(old.id, 30);
      await sweep();
      expect(await row(old.id)).toBeNull();
      expect(await filesUnder(filesDir)).toContain(contentPath(fresh.sha256));
    });

    it('skips while another instance runs it, and runs once that one is done', async () => {
      const old = await uploaded(corpus.jpeg({ comment: `busy ${randomUUID()}` }));
      await age(old.id, 30);
      const otherInstance = new Client({ connectionString: databaseUrl(t.databaseName) });
      await otherInstance.connect();
      try {
        await otherInstance.query('BEGIN');
        await otherInstance.query(`SELECT pg_try_advisory_xact_lock(hashtext('job:' || $1))`, [
          EVIDENCE_SWEEP_JOB,
        ]);
        expect(await sweep()).toBe('skipped');
        expect(await row(old.id)).not.toBeNull();
        await otherInstance.query('ROLLBACK');
        expect(await sweep()).toBe('completed');
        expect(await row(old.id)).toBeNull();
      } finally {
        await otherInstance.end();
      }
    });

    it('leaves no staged or trashed file behind', async () => {
      const files = await filesUnder(filesDir);
      expect(files.filter((f) => !f.startsWith('sha256/'))).toEqual([]);
    });
  });
});
