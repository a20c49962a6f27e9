import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createS3Client } from 'src/storage/s3-storage';
import { createTestApp, type TestApp } from '../app';
import { authAs, givenOrganisation, givenSite, givenUser } from '../factories';
import * as corpus from '../fixtures/evidence-corpus';
import { evidenceForm } from '../fixtures/multipart';
import { startS3Server, type S3TestServer } from '../s3-server';
import { TcpProxy } from '../tcp-proxy';

const BUCKET = 'charter-files';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const contentKey = (hash: string) => `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect({ status: res.statusCode, code: res.json().code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

/**
 * The S3 driver behind HTTP, on a local S3-compatible server (s3rver) reached through a relay the
 * test can cut: files larger than an upload part and than what is read whole, damage found in
 * them, and the bucket going away and coming back.
 */
describe('evidence files in an S3-compatible bucket', () => {
  let s3: S3TestServer;
  let relay: TcpProxy;
  let t: TestApp;
  let site: Site;
  let member: User;
  let organisation: Organisation;

  const upload = async (content: Buffer) => {
    const form = evidenceForm(site.id, content, 'registre.pdf');
    return t.request({
      method: 'POST',
      url: '/api/v1/evidence',
      payload: form.payload,
      headers: { ...form.headers, ...(await authAs(t, member)) },
    });
  };
  const download = async (id: string) =>
    t.request({
      method: 'GET',
      url: `/api/v1/evidence/${id}/content`,
      headers: await authAs(t, member),
    });

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket(BUCKET);
    const { port } = new URL(s3.endpoint);
    relay = new TcpProxy('127.0.0.1', Number(port));
    const relayed = `http://127.0.0.1:${await relay.start()}`;
    t = await createTestApp({
      env: {
        ...s3.env(BUCKET),
        S3_ENDPOINT: relayed,
        // Short, so that the outage is seen quickly.
        S3_CONNECT_TIMEOUT_MS: '500',
        S3_REQUEST_TIMEOUT_MS: '2000',
        EVIDENCE_MAX_BYTES: String(15 * 1024 * 1024),
      },
    });
    organisation = await givenOrganisation(t.db);
    site = await givenSite(t.db, organisation);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
  });

  afterAll(async () => {
    await t?.close();
    await relay?.cut();
    await s3?.close();
  });

  it('takes a file larger than an upload part through HTTP and serves it back whole', async () => {
    const content = corpus.pdfOfSize(6 * 1024 * 1024 + 17);
    const res = await upload(content);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ sha256: sha256(content), size: content.length });
    const served = await download(res.json<{ id: string }>().id);
    expect(served.statusCode).toBe(200);
    expect(Number(served.headers['content-length'])).toBe(content.length);
    expect(served.rawPayload.equals(content)).toBe(true);
  });

  it('refuses damaged content over 1 MiB with 409 before sending a byte, and journals it, as on disk', async () => {
    const content = corpus.pdfOfSize(2 * 1024 * 1024);
    const res = await upload(content);
    expect(res.statusCode).toBe(201);
    const { id } = res.json<{ id: string }>();
    const hash = sha256(content);
    const damaged = Buffer.from(content);
    damaged[damaged.length - 100] ^= 1;
    const client = createS3Client(s3.settings(BUCKET));
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: contentKey(hash),
        Body: damaged,
        Metadata: { sha256: hash },
      }),
    );
    client.destroy();
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const served = await download(id);
    logged.mockRestore();
    expectProblem(served, 409, 'EVIDENCE.CONTENT_CORRUPT');
    const journal = await t.db.query<{ action: string; changes: Record<string, unknown> }[]>(
      'SELECT action, changes FROM journal_entry WHERE entity_id = $1 ORDER BY seq',
      [id],
    );
    expect(journal.at(-1)).toEqual({
      action: 'evidence.corruption_detected',
      changes: { sha256: hash, reason: 'corrupt', found: sha256(damaged) },
    });
  });

  it('answers 503 with Retry-After while the bucket is unreachable, says so on /health, and serves again when it returns', async () => {
    const content = corpus.pdfOfSize(300 * 1024);
    const stored = await upload(content);
    expect(stored.statusCode).toBe(201);
    const { id } = stored.json<{ id: string }>();

    await relay.cut();
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const health = await t.request({ method: 'GET', url: '/health' });
    expect(health.headers['retry-after']).toBe('5');
    expect(expectProblem(health, 503, 'SERVICE.STORAGE_UNAVAILABLE')).toMatchObject({
      checks: { database: 'up', storage: 'down' },
    });
    for (const res of [await download(id), await upload(corpus.pdfOfSize(1000))]) {
      expectProblem(res, 503, 'SERVICE.STORAGE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('5');
    }
    // What needs no file still works.
    expect((await t.request({ method: 'GET', url: '/api/v1/charters' })).statusCode).toBe(200);
    warned.mockRestore();

    await relay.start();
    const back = await t.request({ method: 'GET', url: '/health' });
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, storage: { status: 'up' } },
    });
    const served = await download(id);
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(content)).toBe(true);
  });
});
