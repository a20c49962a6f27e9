import type { LightMyRequestResponse } from 'fastify';
import type { RequestContext } from 'src/auth/request-context';
import { validateEnvironment } from 'src/config/environment';
import { JournalEntry } from 'src/journal/journal-entry.entity';
import { JournalService } from 'src/journal/journal.service';
import { runJournalVerification } from 'src/journal/verify-journal';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import { databaseUrl } from '../database';
import { authAs, givenOrganisation, givenUser } from '../factories';

const commitment = (title: string) => ({
  group: 'community',
  criticality: 'standard',
  title: { fr: title, en: title },
  description: { fr: 'Description', en: 'Description' },
  evidenceExpected: { fr: 'Preuve', en: 'Evidence' },
  verificationPoints: [
    { fr: 'Point un', en: 'Point one' },
    { fr: 'Point deux', en: 'Point two' },
  ],
});

describe('journal', () => {
  let t: TestApp;
  let journal: JournalService;
  let admin: User;
  let asAdmin: Record<string, string>;
  let ctx: RequestContext;

  const entriesAfter = (seq: number) =>
    t.db
      .getRepository(JournalEntry)
      .createQueryBuilder('j')
      .where('j.seq > :seq', { seq })
      .orderBy('j.seq', 'ASC')
      .getMany();
  const lastSeq = async () => {
    const [row] = await t.db.query<{ seq: string | null }[]>(
      'SELECT max(seq) AS seq FROM journal_entry',
    );
    return Number(row.seq ?? 0);
  };
  const count = () => t.db.getRepository(JournalEntry).count();
  const append = (change: { action?: string; entityId?: string; organisationId?: string }) =>
    t.db.transaction((em) =>
      journal.append(em, ctx, {
        action: change.action ?? 'test.appended',
        entityType: 'test_entity',
        entityId: change.entityId ?? 'one',
        organisationId: change.organisationId,
        changes: { note: { before: 'é', after: 'ü' }, list: [1, 2.5, null], b: true, a: {} },
      }),
    );

  /** Runs what `npm run journal:verify` runs, on this spec file's database. */
  const runCommand = async () => {
    const lines: string[] = [];
    const env = validateEnvironment({
      DATABASE_URL: databaseUrl(t.databaseName),
      LOG_LEVEL: 'silent',
    });
    const exitCode = await runJournalVerification(env, (line) => lines.push(line));
    return { exitCode, lines };
  };

  /** A statement run by the superuser with the append-only trigger lifted for its length. */
  const asTamperer = (sql: string, params: unknown[]) =>
    t.db.transaction(async (em) => {
      await em.query('ALTER TABLE journal_entry DISABLE TRIGGER journal_entry_no_change_trg');
      await em.query(sql, params);
      await em.query('ALTER TABLE journal_entry ENABLE TRIGGER journal_entry_no_change_trg');
    });

  beforeAll(async () => {
    t = await createTestApp();
    journal = t.app.get(JournalService);
    admin = await givenUser(t.db, 'admin');
    asAdmin = await authAs(t, admin);
    ctx = {
      actor: { userId: admin.id, role: 'admin', organisationId: null },
      requestId: 'journal-e2e',
      ip: '127.0.0.1',
    };
  });

  afterAll(async () => {
    await t.close();
  });

  describe('under concurrent mutations', () => {
    it('stays one linear chain: 200 mutations, 200 entries, contiguous, each linked to the one before', async () => {
      const draft = await t.request({
        method: 'POST',
        url: '/api/v1/charters',
        headers: asAdmin,
        payload: { version: '2040.1' },
      });
      expect(draft.statusCode).toBe(201);
      const before = await lastSeq();
      const viaHttp = Array.from({ length: 10 }, (_, i) =>
        t.request({
          method: 'PUT',
          url: `/api/v1/charters/2040.1/commitments/C${String(i + 21)}`,
          headers: asAdmin,
          payload: commitment(`Engagement ${i}`),
        }),
      );
      const direct = Array.from({ length: 190 }, (_, i) => append({ entityId: `e-${i}` }));
      const [responses] = await Promise.all([Promise.all(viaHttp), Promise.all(direct)]);
      expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200));

      const entries = await entriesAfter(before);
      expect(entries).toHaveLength(200);
      expect(entries.map((e) => e.seq)).toEqual(
        Array.from({ length: 200 }, (_, i) => before + 1 + i),
      );
      const [previous] = await t.db.query<{ hash: string }[]>(
        'SELECT hash FROM journal_entry WHERE seq = $1',
        [before],
      );
      entries.forEach((entry, i) => {
        expect(entry.prevHash).toBe(i === 0 ? previous.hash : entries[i - 1].hash);
      });
      expect(entries.filter((e) => e.action === 'charter.commitment_saved')).toHaveLength(10);
      expect(await journal.verify()).toEqual({
        ok: true,
        verified: before + 200,
        head: { seq: before + 200, hash: entries[199].hash },
      });
    });
  });

  describe('is append-only in the database, even for a superuser', () => {
    beforeAll(async () => {
      await append({});
    });

    it('runs these tests as a superuser', async () => {
      const [{ rolsuper }] = await t.db.query(
        'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
      );
      expect(rolsuper).toBe(true);
    });

    it.each([
      ["UPDATE journal_entry SET action = 'forged.action'"],
      ["UPDATE journal_entry SET changes = '{}' WHERE seq = (SELECT max(seq) FROM journal_entry)"],
      ['DELETE FROM journal_entry'],
      ['DELETE FROM journal_entry WHERE seq = (SELECT max(seq) FROM journal_entry)'],
      ['TRUNCATE journal_entry'],
      ['TRUNCATE journal_entry CASCADE'],
    ])('refuses %s', async (sql) => {
      const before = await count();
      const error = await t.db.query(sql).catch((e: unknown) => e);
      expect(error).toMatchObject({
        message: expect.stringMatching(/journal_entry is append-only/),
        driverError: expect.objectContaining({ code: '23001' }),
      });
      expect(await count()).toBe(before);
      expect(await t.db.getRepository(JournalEntry).countBy({ action: 'forged.action' })).toBe(0);
      expect(await journal.verify()).toMatchObject({ ok: true });
    });
  });

  describe('verification', () => {
    let target: JournalEntry;

    beforeAll(async () => {
      await append({ entityId: 'target' });
      await append({ entityId: 'after-target' });
      [target] = await t.db
        .getRepository(JournalEntry)
        .find({ where: { entityId: 'target' }, order: { seq: 'DESC' }, take: 1 });
    });

    afterEach(async () => {
      // Every test leaves the chain intact again.
      expect(await journal.verify()).toMatchObject({ ok: true });
    });

    it('passes the intact chain, and the command says so with exit code 0', async () => {
      const total = await count();
      expect(await journal.verify()).toMatchObject({ ok: true, verified: total });
      const { exitCode, lines } = await runCommand();
      expect(exitCode).toBe(0);
      expect(lines[0]).toBe(`Journal verified: ${total} entries, chain intact`);
    });

    it.each([
      ['action', `UPDATE journal_entry SET action = 'site.deleted' WHERE seq = $1`],
      [
        'its changes',
        `UPDATE journal_entry SET changes = changes || '{"b": false}' WHERE seq = $1`,
      ],
      ['actor', `UPDATE journal_entry SET actor_id = gen_random_uuid() WHERE seq = $1`],
      [
        'time, by a second',
        `UPDATE journal_entry SET occurred_at = occurred_at + interval '1 second' WHERE seq = $1`,
      ],
      [
        'time, by a microsecond',
        `UPDATE journal_entry SET occurred_at = occurred_at + interval '1 microsecond' WHERE seq = $1`,
      ],
    ])('reports a row whose %s a superuser altered, at that row', async (_, sql) => {
      // As text, so that putting them back is exact to the microsecond.
      const [original] = await t.db.query<string[][]>(
        `SELECT action, changes::text, actor_id::text, occurred_at::text FROM journal_entry
          WHERE seq = $1`,
        [target.seq],
      );
      await asTamperer(sql, [target.seq]);
      try {
        const result = await journal.verify();
        expect(result).toEqual({
          ok: false,
          seq: target.seq,
          verified: target.seq - 1,
          reason: expect.any(String),
        });
        const { exitCode, lines } = await runCommand();
        expect(exitCode).toBe(1);
        expect(lines).toEqual([
          `Journal broken at entry ${target.seq}: ${result.ok ? '' : result.reason}`,
          `${target.seq - 1} entries verified before it`,
        ]);
      } finally {
        await asTamperer(
          `UPDATE journal_entry SET action = $2, changes = $3::jsonb, actor_id = $4::uuid,
             occurred_at = $5::timestamptz WHERE seq = $1`,
          [target.seq, ...Object.values(original)],
        );
      }
    });

    it('reports a row a superuser deleted, at the row after it', async () => {
      const [row] = await t.db.query(`SELECT * FROM journal_entry WHERE seq = $1`, [target.seq]);
      await asTamperer('DELETE FROM journal_entry WHERE seq = $1', [target.seq]);
      try {
        expect(await journal.verify()).toEqual({
          ok: false,
          seq: target.seq + 1,
          verified: target.seq - 1,
          reason: `expected entry ${target.seq}, found ${target.seq + 1}`,
        });
        const { exitCode, lines } = await runCommand();
        expect(exitCode).toBe(1);
        expect(lines[0]).toBe(
          `Journal broken at entry ${target.seq + 1}: expected entry ${target.seq}, found ${target.seq + 1}`,
        );
      } finally {
        // Appending is allowed: putting the very row back restores the chain.
        const columns = Object.keys(row as object);
        await t.db.query(
          `INSERT INTO journal_entry (${columns.join(', ')})
           VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          columns.map((c) => {
            const value = (row as Record<string, unknown>)[c];
            return c === 'changes' ? JSON.stringify(value) : value;
          }),
        );
      }
    });

    it('reports a forged row inserted with a made-up hash, at that row', async () => {
      const seq = (await lastSeq()) + 1;
      await t.db.query(
        `INSERT INTO journal_entry (seq, occurred_at, action, entity_type, entity_id, changes,
           prev_hash, hash)
         VALUES ($1::bigint, now(), 'forged.entry', 'test_entity', 'x', '{}',
           (SELECT hash FROM journal_entry WHERE seq = $1::bigint - 1), repeat('f', 64))`,
        [seq],
      );
      try {
        expect(await journal.verify()).toEqual({
          ok: false,
          seq,
          verified: seq - 1,
          reason: 'its content does not match its hash',
        });
      } finally {
        await asTamperer('DELETE FROM journal_entry WHERE seq = $1', [seq]);
      }
    });
  });

  describe('GET /journal', () => {
    let organisationId: string;
    let draftId: string;

    beforeAll(async () => {
      organisationId = (await givenOrganisation(t.db)).id;
      await append({ action: 'test.filtered', entityId: 'filtered-1', organisationId });
      await append({ action: 'test.filtered', entityId: 'filtered-2', organisationId });
      const res = await t.request({
        method: 'GET',
        url: '/api/v1/charters/draft',
        headers: asAdmin,
      });
      draftId = (
        await t.db.query<{ id: string }[]>(`SELECT id FROM charter_version WHERE version = $1`, [
          res.json().version,
        ])
      )[0].id;
    });

    const get = (query: string, headers = asAdmin): Promise<LightMyRequestResponse> =>
      t.request({ method: 'GET', url: `/api/v1/journal${query}`, headers });

    it('answers 401 without a token', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/journal' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it('answers 403 to an auditor and to a member', async () => {
      const auditor = await givenUser(t.db, 'auditor');
      const member = await givenUser(t.db, 'member', { organisationId });
      for (const user of [auditor, member]) {
        const res = await get('', await authAs(t, user));
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({ code: 'AUTH.ROLE_NOT_ALLOWED' });
      }
    });

    it('lists the newest entries first, paginated, with their hashes', async () => {
      const total = await count();
      const res = await get('?pageSize=3&page=2');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ total, page: 2, pageSize: 3 });
      expect(body.items.map((e: { seq: number }) => e.seq)).toEqual([
        total - 3,
        total - 4,
        total - 5,
      ]);
      expect(body.items[0]).toEqual({
        seq: total - 3,
        id: expect.any(String),
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        actorId: expect.any(String),
        actorRole: expect.any(String),
        organisationId: null,
        action: expect.any(String),
        entityType: expect.any(String),
        entityId: expect.any(String),
        changes: expect.any(Object),
        requestId: expect.any(String),
        prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });

    it('filters by entity', async () => {
      const res = await get(`?entityType=charter_version&entityId=${draftId}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.total).toBe(11); // drafted, then ten commitments saved
      expect(body.items).toHaveLength(11);
      for (const entry of body.items) {
        expect(entry).toMatchObject({ entityType: 'charter_version', entityId: draftId });
        expect(entry.requestId).toEqual(expect.any(String));
      }
      expect(body.items.at(-1).action).toBe('charter.drafted');
    });

    it('filters by action, actor and organisation', async () => {
      const byAction = (await get('?action=test.filtered')).json();
      expect(byAction.items.map((e: { entityId: string }) => e.entityId)).toEqual([
        'filtered-2',
        'filtered-1',
      ]);
      const byOrganisation = (await get(`?organisationId=${organisationId}`)).json();
      expect(byOrganisation.total).toBe(2);
      const byActor = (await get(`?actorId=${admin.id}&action=charter.drafted`)).json();
      expect(byActor.total).toBe(1);
      const nobody = (await get('?actorId=00000000-0000-4000-8000-000000000000')).json();
      expect(nobody).toMatchObject({ items: [], total: 0 });
    });

    it('filters by time, from inclusive to exclusive', async () => {
      const [first] = (await get('?action=test.filtered')).json().items.slice(-1);
      const at = first.occurredAt as string;
      const from = (await get(`?action=test.filtered&from=${at}`)).json();
      expect(from.total).toBeGreaterThanOrEqual(1);
      expect(from.items.map((e: { entityId: string }) => e.entityId)).toContain('filtered-1');
      const to = (await get(`?action=test.filtered&to=${at}`)).json();
      expect(to.items.map((e: { entityId: string }) => e.entityId)).not.toContain('filtered-1');
      const future = (await get('?from=2999-01-01T00:00:00Z')).json();
      expect(future.total).toBe(0);
    });

    it.each([
      ['?entityType=Site!', 'entityType'],
      [`?entityId=${'x'.repeat(65)}`, 'entityId'],
      ['?actorId=not-a-uuid', 'actorId'],
      ['?organisationId=42', 'organisationId'],
      ['?action=DROP%20TABLE', 'action'],
      ['?from=yesterday', 'from'],
      ['?to=2020-13-01T00:00:00Z', 'to'],
      ['?page=0', 'page'],
      ['?pageSize=101', 'pageSize'],
      ['?pageSize=ten', 'pageSize'],
      ['?entityType=a&entityType=b', 'entityType'],
      ['?sort=seq', 'sort'],
    ])('answers 400 for %s, naming %s', async (query, field) => {
      const res = await get(query);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().errors).toEqual([expect.objectContaining({ field })]);
    });
  });
});
