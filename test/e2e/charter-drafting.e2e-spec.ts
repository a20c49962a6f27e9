import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { User } from 'src/members/user.entity';
import { CharterCommitment } from 'src/charter/charter-commitment.entity';
import { CharterRules } from 'src/charter/charter-rules.entity';
import { CharterVersion } from 'src/charter/charter-version.entity';
import { translateCharterWriteError } from 'src/charter/charter.errors';
import { ConflictError } from 'src/common/errors';
import { JournalEntry } from 'src/journal/journal-entry.entity';
import { JournalService } from 'src/journal/journal.service';
import { createTestApp, type TestApp } from '../app';
import { authAs, givenOrganisation, givenUser } from '../factories';

type Headers = Record<string, string>;
type HTTPMethods = NonNullable<InjectOptions['method']>;

const commitment = (overrides: Record<string, unknown> = {}) => ({
  group: 'community',
  criticality: 'major',
  notApplicableWhen: 'no_staff_transport',
  title: { fr: 'Aération des salles de pause', en: 'Ventilation of break rooms' },
  description: { fr: 'Les salles de pause sont aérées.', en: 'Break rooms are ventilated.' },
  evidenceExpected: { fr: 'Registre d’aération', en: 'Ventilation log' },
  verificationPoints: [
    { fr: 'Fenêtres ouvertes', en: 'Windows open' },
    { fr: 'Registre tenu', en: 'Log kept' },
  ],
  ...overrides,
});

describe('charter drafting', () => {
  let t: TestApp;
  let admin: User;
  let asAdmin: Headers;
  let asAuditor: Headers;
  let asMember: Headers;
  // Every draft needs a version above all others: hand them out in increasing order.
  let year = 2030;
  let minor = 0;
  const nextVersion = () => `${year}.${++minor}`;
  // The newest published version: drafts must come after it. Kept in step by the publish tests.
  let latestPublished = '2020.1';

  const call = (
    method: HTTPMethods,
    url: string,
    headers: Headers = {},
    payload?: unknown,
  ): Promise<LightMyRequestResponse> =>
    t.request({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  const versionRow = (version: string) => t.db.getRepository(CharterVersion).findOneBy({ version });
  const commitmentsOf = async (version: string) => {
    const row = await versionRow(version);
    return t.db.getRepository(CharterCommitment).find({
      where: { charterVersionId: row!.id },
      order: { position: 'ASC' },
    });
  };
  const journalOf = async (version: string) => {
    const row = await versionRow(version);
    return t.db
      .getRepository(JournalEntry)
      .find({ where: { entityType: 'charter_version', entityId: row!.id }, order: { seq: 'ASC' } });
  };
  const journalCount = () => t.db.getRepository(JournalEntry).count();

  /** A new draft through the API, after discarding whatever draft the previous test left. */
  async function freshDraft(): Promise<string> {
    const [leftover] = await t.db.query<{ version: string }[]>(
      `SELECT version FROM charter_version WHERE status = 'draft'`,
    );
    if (leftover) {
      expect((await call('DELETE', `/charters/${leftover.version}`, asAdmin)).statusCode).toBe(204);
    }
    const version = nextVersion();
    const res = await call('POST', '/charters', asAdmin, { version });
    expect(res.statusCode).toBe(201);
    return version;
  }

  const expectProblem = (res: LightMyRequestResponse, status: number, code?: string) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    if (code) {
      expect(res.json()).toMatchObject({ status, code });
    }
    return res.json();
  };

  const snapshot2020 = () =>
    t.db.query(
      `SELECT c.code, c.position, c.title_en, c.verification_points, r.score_threshold
         FROM charter_commitment c JOIN charter_version v ON v.id = c.charter_version_id
         JOIN charter_rules r ON r.charter_version_id = v.id
        WHERE v.version = '2020.1' ORDER BY c.position`,
    );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    asAdmin = await authAs(t, admin);
    asAuditor = await authAs(t, await givenUser(t.db, 'auditor'));
    const organisation = await givenOrganisation(t.db);
    asMember = await authAs(
      t,
      await givenUser(t.db, 'member', { organisationId: organisation.id }),
    );
  });

  afterAll(async () => {
    await t.close();
  });

  describe('who may draft', () => {
    it.each<[HTTPMethods, string, unknown]>([
      ['GET', '/charters/draft', undefined],
      ['POST', '/charters', { version: '2031.1' }],
      ['PATCH', '/charters/2031.1/rules', { scoreThreshold: 80 }],
      ['PUT', '/charters/2031.1/commitments/E21', commitment()],
      ['DELETE', '/charters/2031.1/commitments/E01', undefined],
      ['POST', '/charters/2031.1/publish', undefined],
      ['DELETE', '/charters/2031.1', undefined],
    ])('%s %s: 401 without a token, 403 for an auditor and a member', async (method, url, body) => {
      const before = await journalCount();
      expectProblem(await call(method, url, {}, body), 401, 'AUTH.INVALID_TOKEN');
      expectProblem(await call(method, url, asAuditor, body), 403, 'AUTH.ROLE_NOT_ALLOWED');
      expectProblem(await call(method, url, asMember, body), 403, 'AUTH.ROLE_NOT_ALLOWED');
      expect(await versionRow('2031.1')).toBeNull();
      expect(await journalCount()).toBe(before);
    });
  });

  describe('POST /charters', () => {
    it('drafts a new version copied from the latest published one, and journals it', async () => {
      const version = nextVersion();
      const res = await call('POST', '/charters', asAdmin, { version });
      expect(res.statusCode).toBe(201);
      const published = (await call('GET', '/charters/2020.1')).json();
      expect(res.json()).toEqual({
        ...published,
        version,
        status: 'draft',
        publishedAt: null,
      });

      const row = await versionRow(version);
      expect(row).toMatchObject({ status: 'draft', publishedAt: null });
      const copied = await commitmentsOf(version);
      const original = await commitmentsOf('2020.1');
      expect(copied.map((c) => [c.code, c.position, c.titleFr, c.verificationPoints])).toEqual(
        original.map((c) => [c.code, c.position, c.titleFr, c.verificationPoints]),
      );
      const rules = await t.db.getRepository(CharterRules).findOneBy({ charterVersionId: row!.id });
      expect(rules).toMatchObject({
        scoreThreshold: 75,
        weightCritical: 3,
        auditValidityDays: 180,
      });
      expect(await journalOf(version)).toEqual([
        expect.objectContaining({
          action: 'charter.drafted',
          actorId: admin.id,
          actorRole: 'admin',
          changes: { version, copiedFrom: '2020.1' },
        }),
      ]);
    });

    it('refuses a second draft while one exists (409 CHARTER.DRAFT_EXISTS)', async () => {
      const draft = await freshDraft();
      const body = expectProblem(
        await call('POST', '/charters', asAdmin, { version: '2099.1' }),
        409,
        'CHARTER.DRAFT_EXISTS',
      );
      expect(body.draftVersion).toBe(draft);
      expect(await versionRow('2099.1')).toBeNull();
    });

    it('lets only one of several concurrent drafts through', async () => {
      await t.db.query(`DELETE FROM charter_version WHERE status = 'draft'`);
      const versions = [nextVersion(), nextVersion(), nextVersion(), nextVersion(), nextVersion()];
      const results = await Promise.all(
        versions.map((version) => call('POST', '/charters', asAdmin, { version })),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
      for (const refused of results.filter((r) => r.statusCode === 409)) {
        expect(refused.json().code).toBe('CHARTER.DRAFT_EXISTS');
      }
      const [{ count }] = await t.db.query(
        `SELECT count(*)::int AS count FROM charter_version WHERE status = 'draft'`,
      );
      expect(count).toBe(1);
    });

    it('refuses an existing version (409 CHARTER.VERSION_EXISTS)', async () => {
      await t.db.query(`DELETE FROM charter_version WHERE status = 'draft'`);
      expectProblem(
        await call('POST', '/charters', asAdmin, { version: '2020.1' }),
        409,
        'CHARTER.VERSION_EXISTS',
      );
    });

    it.each(['2020.0', '2019.9', '2020.01'])(
      'refuses %s, not after 2020.1 (409 CHARTER.VERSION_NOT_NEWER)',
      async (version) => {
        await t.db.query(`DELETE FROM charter_version WHERE status = 'draft'`);
        const body = expectProblem(
          await call('POST', '/charters', asAdmin, { version }),
          409,
          'CHARTER.VERSION_NOT_NEWER',
        );
        expect(body.latestVersion).toBe(latestPublished);
        expect(await versionRow(version)).toBeNull();
      },
    );

    it.each([
      ['a malformed version', { version: '2021' }, 'version'],
      ['a version with letters', { version: 'v2021.1' }, 'version'],
      ['a version of four minor digits', { version: '2021.1000' }, 'version'],
      ['a number for a version', { version: 2021.1 }, 'version'],
      ['no version', {}, 'version'],
      ['an unknown field', { version: '2040.1', status: 'published' }, 'status'],
    ])('answers 400 naming the field for %s', async (_, payload, field) => {
      const body = expectProblem(await call('POST', '/charters', asAdmin, payload), 400);
      expect(body.errors).toEqual([expect.objectContaining({ field })]);
      expect(await versionRow('2040.1')).toBeNull();
    });

    it('answers 400 without a body', async () => {
      expectProblem(await call('POST', '/charters', asAdmin), 400);
    });
  });

  describe('drafts are invisible to the public', () => {
    it('lists and serves published versions only, whoever asks', async () => {
      const draft = await freshDraft();
      for (const headers of [{}, asAdmin, asMember]) {
        const list = await call('GET', '/charters', headers);
        expect(list.json().map((v: { version: string }) => v.version)).not.toContain(draft);
        expectProblem(
          await call('GET', `/charters/${draft}`, headers),
          404,
          'CHARTER.VERSION_NOT_FOUND',
        );
      }
    });

    it('serves the draft to an admin at GET /charters/draft', async () => {
      const draft = await freshDraft();
      const res = await call('GET', '/charters/draft', asAdmin);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ version: draft, status: 'draft', commitmentCount: 20 });
    });

    it('answers 404 CHARTER.NO_DRAFT when nothing is being drafted', async () => {
      await t.db.query(`DELETE FROM charter_version WHERE status = 'draft'`);
      expectProblem(await call('GET', '/charters/draft', asAdmin), 404, 'CHARTER.NO_DRAFT');
    });
  });

  describe('PATCH /charters/:version/rules', () => {
    it('changes the given rules only, and journals the differences', async () => {
      const version = await freshDraft();
      const res = await call('PATCH', `/charters/${version}/rules`, asAdmin, {
        weights: { critical: 4 },
        findingValues: { minor_nc: 0.25 },
        scoreThreshold: 80.5,
        correctiveActionDeadlineDays: { major_nc: 10 },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().rules).toEqual({
        weights: { critical: 4, major: 2, standard: 1 },
        findingValues: { conform: 1, observation: 1, minor_nc: 0.25, major_nc: 0 },
        scoreThreshold: 80.5,
        correctiveActionDeadlineDays: { major_nc: 10, minor_nc: 30 },
        auditValidityDays: 180,
        notApplicableJustificationMinLength: 20,
      });
      // The seven critical commitments weigh one more each.
      expect(res.json().totalWeight).toBe(43 + 7);
      const row = await versionRow(version);
      expect(
        await t.db.getRepository(CharterRules).findOneBy({ charterVersionId: row!.id }),
      ).toMatchObject({ weightCritical: 4, valueMinorNc: 0.25, scoreThreshold: 80.5 });
      const [, updated] = await journalOf(version);
      expect(updated).toMatchObject({
        action: 'charter.rules_updated',
        changes: {
          version,
          weightCritical: { before: 3, after: 4 },
          valueMinorNc: { before: 0.5, after: 0.25 },
          scoreThreshold: { before: 75, after: 80.5 },
          majorNcDeadlineDays: { before: 7, after: 10 },
        },
      });
      expect(Object.keys(updated.changes)).toHaveLength(5);
    });

    it('journals nothing when nothing changes', async () => {
      const version = await freshDraft();
      const before = await journalCount();
      const res = await call('PATCH', `/charters/${version}/rules`, asAdmin, {
        scoreThreshold: 75,
      });
      expect(res.statusCode).toBe(200);
      expect((await call('PATCH', `/charters/${version}/rules`, asAdmin, {})).statusCode).toBe(200);
      expect(await journalCount()).toBe(before);
    });

    it.each([
      [{ weights: { critical: 11 } }, 'weights.critical'],
      [{ weights: { major: 0 } }, 'weights.major'],
      [{ weights: { standard: 1.5 } }, 'weights.standard'],
      [{ weights: { extreme: 3 } }, 'weights.extreme'],
      [{ weights: 3 }, 'weights'],
      [{ findingValues: { conform: 1.01 } }, 'findingValues.conform'],
      [{ findingValues: { minor_nc: 0.1234 } }, 'findingValues.minor_nc'],
      [{ findingValues: { major_nc: 1e-7 } }, 'findingValues.major_nc'],
      [{ findingValues: { observation: '1' } }, 'findingValues.observation'],
      [{ scoreThreshold: 100.01 }, 'scoreThreshold'],
      [{ scoreThreshold: 75.125 }, 'scoreThreshold'],
      [{ scoreThreshold: null }, 'scoreThreshold'],
      [
        { correctiveActionDeadlineDays: { minor_nc: 366 } },
        'correctiveActionDeadlineDays.minor_nc',
      ],
      [{ auditValidityDays: 0 }, 'auditValidityDays'],
      [{ auditValidityDays: 1096 }, 'auditValidityDays'],
      [{ notApplicableJustificationMinLength: 501 }, 'notApplicableJustificationMinLength'],
      [{ notApplicableJustificationMinLength: -1 }, 'notApplicableJustificationMinLength'],
      [{ version: '2020.1' }, 'version'],
    ])('answers 400 for %j, naming %s', async (payload, field) => {
      const version = await freshDraft();
      const before = await journalCount();
      const body = expectProblem(
        await call('PATCH', `/charters/${version}/rules`, asAdmin, payload),
        400,
      );
      expect(body.errors).toEqual([expect.objectContaining({ field })]);
      expect(await journalCount()).toBe(before);
    });

    it('answers 400 for a malformed version, 404 for an unknown one', async () => {
      expectProblem(await call('PATCH', '/charters/latest/rules', asAdmin, {}), 400);
      expectProblem(
        await call('PATCH', '/charters/2099.9/rules', asAdmin, { scoreThreshold: 80 }),
        404,
        'CHARTER.VERSION_NOT_FOUND',
      );
    });

    it('refuses a published version (409 CHARTER.VERSION_PUBLISHED), which stays as it was', async () => {
      const before = await snapshot2020();
      expectProblem(
        await call('PATCH', '/charters/2020.1/rules', asAdmin, { scoreThreshold: 50 }),
        409,
        'CHARTER.VERSION_PUBLISHED',
      );
      expect(await snapshot2020()).toEqual(before);
    });
  });

  describe('PUT /charters/:version/commitments/:code', () => {
    it('adds a new commitment at the end, and journals it', async () => {
      const version = await freshDraft();
      const res = await call('PUT', `/charters/${version}/commitments/C21`, asAdmin, commitment());
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        code: 'C21',
        group: 'community',
        criticality: 'major',
        weight: 2,
        title: { fr: 'Aération des salles de pause', en: 'Ventilation of break rooms' },
        description: { fr: 'Les salles de pause sont aérées.', en: 'Break rooms are ventilated.' },
        evidenceExpected: { fr: 'Registre d’aération', en: 'Ventilation log' },
        notApplicable: {
          allowed: true,
          when: 'no_staff_transport',
          condition: expect.objectContaining({ en: 'the site provides no staff transport' }),
        },
        verificationPoints: [
          { fr: 'Fenêtres ouvertes', en: 'Windows open' },
          { fr: 'Registre tenu', en: 'Log kept' },
        ],
      });
      const rows = await commitmentsOf(version);
      expect(rows.map((c) => c.position)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      expect(rows[20]).toMatchObject({ code: 'C21', position: 21, stakeholderGroup: 'community' });
      expect((await journalOf(version)).at(-1)).toMatchObject({
        action: 'charter.commitment_saved',
        changes: {
          version,
          code: 'C21',
          created: true,
          position: 21,
          titleEn: 'Ventilation of break rooms',
        },
      });
      const draft = (await call('GET', '/charters/draft', asAdmin)).json();
      expect(draft.commitmentCount).toBe(21);
      expect(draft.totalWeight).toBe(45);
    });

    it('replaces an existing commitment in place, and journals what changed', async () => {
      const version = await freshDraft();
      const res = await call(
        'PUT',
        `/charters/${version}/commitments/E05`,
        asAdmin,
        commitment({ group: 'employees', criticality: 'critical', notApplicableWhen: null }),
      );
      expect(res.statusCode).toBe(200);
      const e05 = (await commitmentsOf(version)).find((c) => c.code === 'E05');
      expect(e05).toMatchObject({ position: 5, titleEn: 'Ventilation of break rooms' });
      const entry = (await journalOf(version)).at(-1)!;
      expect(entry.action).toBe('charter.commitment_saved');
      expect(entry.changes).toMatchObject({
        code: 'E05',
        created: false,
        titleEn: { before: expect.any(String), after: 'Ventilation of break rooms' },
      });
      expect(entry.changes).not.toHaveProperty('criticality');

      const before = await journalCount();
      const again = await call(
        'PUT',
        `/charters/${version}/commitments/E05`,
        asAdmin,
        commitment({ group: 'employees', criticality: 'critical', notApplicableWhen: null }),
      );
      expect(again.statusCode).toBe(200);
      expect(await journalCount()).toBe(before);
    });

    it.each([
      ['a lower-case code', 'e21', {}, 'code'],
      ['a code of three digits', 'E210', {}, 'code'],
      ['an unknown group', 'E21', { group: 'everyone' }, 'group'],
      ['an unknown criticality', 'E21', { criticality: 'vital' }, 'criticality'],
      ['an unknown condition', 'E21', { notApplicableWhen: 'always' }, 'notApplicableWhen'],
      ['no title', 'E21', { title: undefined }, 'title'],
      ['a title without English', 'E21', { title: { fr: 'Titre' } }, 'title.en'],
      ['a title of 201 characters', 'E21', { title: { fr: 'é'.repeat(201), en: 'x' } }, 'title.fr'],
      ['a blank title', 'E21', { title: { fr: '   ', en: 'x' } }, 'title.fr'],
      ['a NUL character', 'E21', { description: { fr: 'a\u0000b', en: 'x' } }, 'description.fr'],
      [
        'a lone surrogate',
        'E21',
        { evidenceExpected: { fr: 'a\ud800', en: 'x' } },
        'evidenceExpected.fr',
      ],
      [
        'one verification point',
        'E21',
        { verificationPoints: [{ fr: 'a', en: 'b' }] },
        'verificationPoints',
      ],
      [
        'five verification points',
        'E21',
        { verificationPoints: Array.from({ length: 5 }, () => ({ fr: 'a', en: 'b' })) },
        'verificationPoints',
      ],
      [
        'a point without French',
        'E21',
        { verificationPoints: [{ fr: 'a', en: 'b' }, { en: 'b' }] },
        'verificationPoints.1.fr',
      ],
      ['an unknown field', 'E21', { position: 1 }, 'position'],
    ])('answers 400 for %s, naming the field', async (_, code, overrides, field) => {
      const version = await freshDraft();
      const res = await call('PUT', `/charters/${version}/commitments/${code}`, asAdmin, {
        ...commitment(),
        ...overrides,
      });
      const body = expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await commitmentsOf(version)).toHaveLength(20);
    });

    it('takes a title of 200 characters, astral ones included', async () => {
      const version = await freshDraft();
      const title = { fr: '😀'.repeat(200), en: 'e\u0301'.repeat(100) };
      const res = await call(
        'PUT',
        `/charters/${version}/commitments/E21`,
        asAdmin,
        commitment({ title }),
      );
      expect(res.statusCode).toBe(200);
      expect(res.json().title).toEqual(title);
    });

    it('answers 404 for an unknown version', async () => {
      expectProblem(
        await call('PUT', '/charters/2099.9/commitments/E21', asAdmin, commitment()),
        404,
        'CHARTER.VERSION_NOT_FOUND',
      );
    });

    it('refuses a published version (409), whose commitments stay as they were', async () => {
      const before = await snapshot2020();
      for (const code of ['E01', 'E21']) {
        expectProblem(
          await call('PUT', `/charters/2020.1/commitments/${code}`, asAdmin, commitment()),
          409,
          'CHARTER.VERSION_PUBLISHED',
        );
      }
      expect(await snapshot2020()).toEqual(before);
    });
  });

  describe('DELETE /charters/:version/commitments/:code', () => {
    it('removes the commitment, moves the ones after it up, and journals it', async () => {
      const version = await freshDraft();
      const res = await call('DELETE', `/charters/${version}/commitments/E03`, asAdmin);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const rows = await commitmentsOf(version);
      expect(rows.map((c) => c.code)).not.toContain('E03');
      expect(rows.map((c) => c.position)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
      expect(rows[2].code).toBe('E04');
      expect((await journalOf(version)).at(-1)).toMatchObject({
        action: 'charter.commitment_removed',
        changes: { version, code: 'E03', position: 3, criticality: 'critical' },
      });
    });

    it('answers 404 for an unknown commitment or version, 400 for a malformed code', async () => {
      const version = await freshDraft();
      expectProblem(
        await call('DELETE', `/charters/${version}/commitments/E99`, asAdmin),
        404,
        'CHARTER.COMMITMENT_NOT_FOUND',
      );
      expectProblem(
        await call('DELETE', '/charters/2099.9/commitments/E01', asAdmin),
        404,
        'CHARTER.VERSION_NOT_FOUND',
      );
      const bad = expectProblem(
        await call('DELETE', `/charters/${version}/commitments/1`, asAdmin),
        400,
      );
      expect(bad.errors).toEqual([expect.objectContaining({ field: 'code' })]);
      expect(await commitmentsOf(version)).toHaveLength(20);
    });

    it('refuses a published version (409), whose commitments stay as they were', async () => {
      const before = await snapshot2020();
      expectProblem(
        await call('DELETE', '/charters/2020.1/commitments/E01', asAdmin),
        409,
        'CHARTER.VERSION_PUBLISHED',
      );
      expect(await snapshot2020()).toEqual(before);
    });
  });

  describe('POST /charters/:version/publish', () => {
    it('refuses a draft without commitments (422, listing the problem)', async () => {
      const version = await freshDraft();
      const row = await versionRow(version);
      await t.db.query('DELETE FROM charter_commitment WHERE charter_version_id = $1', [row!.id]);
      const body = expectProblem(
        await call('POST', `/charters/${version}/publish`, asAdmin),
        422,
        'CHARTER.DRAFT_INCOMPLETE',
      );
      expect(body.problems).toEqual([{ rule: 'no_commitments', detail: expect.any(String) }]);
      expect(await versionRow(version)).toMatchObject({ status: 'draft', publishedAt: null });
    });

    it('refuses a draft whose positions are not 1 to n (422, listing the problem)', async () => {
      const version = await freshDraft();
      const row = await versionRow(version);
      await t.db.query(
        `UPDATE charter_commitment SET position = 30 WHERE charter_version_id = $1 AND code = 'E20'`,
        [row!.id],
      );
      const body = expectProblem(
        await call('POST', `/charters/${version}/publish`, asAdmin),
        422,
        'CHARTER.DRAFT_INCOMPLETE',
      );
      expect(body.problems).toEqual([
        { rule: 'positions_not_contiguous', detail: expect.stringContaining('19, 30') },
      ]);
      expect(await versionRow(version)).toMatchObject({ status: 'draft' });
    });

    it('publishes the draft, which the public then sees and nobody can change', async () => {
      const version = await freshDraft();
      expectProblem(await call('GET', `/charters/${version}`), 404);
      await call('PUT', `/charters/${version}/commitments/C21`, asAdmin, commitment());

      const res = await call('POST', `/charters/${version}/publish`, asAdmin);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ version, status: 'published', commitmentCount: 21 });
      latestPublished = version;
      const row = await versionRow(version);
      expect(row!.status).toBe('published');
      expect(row!.publishedAt!.toISOString()).toBe(res.json().publishedAt);
      expect((await journalOf(version)).at(-1)).toMatchObject({
        action: 'charter.published',
        changes: { version, publishedAt: res.json().publishedAt, commitmentCount: 21 },
      });

      // The public now sees it: a 404 served before was not kept.
      const served = await call('GET', `/charters/${version}`);
      expect(served.statusCode).toBe(200);
      expect(served.json()).toEqual(res.json());
      const list = (await call('GET', '/charters')).json();
      expect(list.map((v: { version: string }) => v.version)).toEqual(
        expect.arrayContaining([version, '2020.1']),
      );
      expectProblem(await call('GET', '/charters/draft', asAdmin), 404, 'CHARTER.NO_DRAFT');

      const before = await commitmentsOf(version);
      const journalBefore = await journalCount();
      for (const [method, url, body] of [
        ['PATCH', `/charters/${version}/rules`, { scoreThreshold: 10 }],
        ['PUT', `/charters/${version}/commitments/C21`, commitment({ criticality: 'standard' })],
        ['PUT', `/charters/${version}/commitments/C22`, commitment()],
        ['DELETE', `/charters/${version}/commitments/E01`, undefined],
        ['POST', `/charters/${version}/publish`, undefined],
        ['DELETE', `/charters/${version}`, undefined],
      ] as const) {
        expectProblem(await call(method, url, asAdmin, body), 409, 'CHARTER.VERSION_PUBLISHED');
      }
      expect(await commitmentsOf(version)).toEqual(before);
      expect(await journalCount()).toBe(journalBefore);
    });

    it('compares versions by number: 2031.10 comes after 2031.9', async () => {
      await t.db.query(`DELETE FROM charter_version WHERE status = 'draft'`);
      year += 1;
      minor = 8;
      const nine = nextVersion();
      expect(nine).toBe(`${year}.9`);
      expect((await call('POST', '/charters', asAdmin, { version: nine })).statusCode).toBe(201);
      expect((await call('POST', `/charters/${nine}/publish`, asAdmin)).statusCode).toBe(200);
      latestPublished = nine;
      const ten = nextVersion();
      expect((await call('POST', '/charters', asAdmin, { version: ten })).statusCode).toBe(201);
      expect((await call('POST', `/charters/${ten}/publish`, asAdmin)).statusCode).toBe(200);
      latestPublished = ten;
      expectProblem(
        await call('POST', '/charters', asAdmin, { version: nine }),
        409,
        'CHARTER.VERSION_EXISTS',
      );
      expectProblem(
        await call('POST', '/charters', asAdmin, { version: `${year}.8` }),
        409,
        'CHARTER.VERSION_NOT_NEWER',
      );
    });

    it('answers 404 for an unknown version', async () => {
      expectProblem(
        await call('POST', '/charters/2099.9/publish', asAdmin),
        404,
        'CHARTER.VERSION_NOT_FOUND',
      );
    });

    it('keeps edits racing a publication either in it or refused', async () => {
      const version = await freshDraft();
      const codes = ['C31', 'C32', 'C33', 'C34', 'C35', 'C36'];
      const [published, ...saved] = await Promise.all([
        call('POST', `/charters/${version}/publish`, asAdmin),
        ...codes.map((code) =>
          call('PUT', `/charters/${version}/commitments/${code}`, asAdmin, commitment()),
        ),
      ]);
      expect(published.statusCode).toBe(200);
      const accepted = codes.filter((_, i) => saved[i].statusCode === 200);
      for (const res of saved.filter((r) => r.statusCode !== 200)) {
        expectProblem(res, 409, 'CHARTER.VERSION_PUBLISHED');
      }
      latestPublished = version;
      const rows = await commitmentsOf(version);
      expect(
        rows
          .map((c) => c.code)
          .filter((code) => code.startsWith('C3'))
          .sort(),
      ).toEqual(accepted.sort());
      // What the publication saw and journalled is what stays.
      expect(published.json().commitmentCount).toBe(rows.length);
      expect((await journalOf(version)).at(-1)!.changes).toMatchObject({
        commitmentCount: rows.length,
      });
    });
  });

  describe('DELETE /charters/:version', () => {
    it('discards a draft and its content, and journals it', async () => {
      const version = await freshDraft();
      const row = await versionRow(version);
      const res = await call('DELETE', `/charters/${version}`, asAdmin);
      expect(res.statusCode).toBe(204);
      expect(await versionRow(version)).toBeNull();
      const [{ count }] = await t.db.query(
        `SELECT (SELECT count(*) FROM charter_commitment WHERE charter_version_id = $1)
              + (SELECT count(*) FROM charter_rules WHERE charter_version_id = $1) AS count`,
        [row!.id],
      );
      expect(Number(count)).toBe(0);
      const [last] = await t.db
        .getRepository(JournalEntry)
        .find({ where: { entityId: row!.id }, order: { seq: 'DESC' }, take: 1 });
      expect(last).toMatchObject({ action: 'charter.draft_discarded', changes: { version } });
    });

    it('answers 404 for an unknown version and 409 for a published one', async () => {
      expectProblem(await call('DELETE', '/charters/2099.9', asAdmin), 404);
      expectProblem(
        await call('DELETE', '/charters/2020.1', asAdmin),
        409,
        'CHARTER.VERSION_PUBLISHED',
      );
      expect(await versionRow('2020.1')).toMatchObject({ status: 'published' });
    });
  });

  describe('the database has the last word', () => {
    it('maps a freeze trigger refusal (restrict_violation) to 409 CHARTER.VERSION_PUBLISHED', async () => {
      const error: unknown = await t.db
        .query(
          `UPDATE charter_rules SET score_threshold = 1 WHERE charter_version_id =
                 (SELECT id FROM charter_version WHERE version = '2020.1')`,
        )
        .catch((e: unknown) => e);
      const translated = translateCharterWriteError(error, '2020.1');
      expect(translated).toBeInstanceOf(ConflictError);
      expect(translated).toMatchObject({ status: 409, code: 'CHARTER.VERSION_PUBLISHED' });
    });

    it('maps the single-draft index to 409 CHARTER.DRAFT_EXISTS', async () => {
      await freshDraft();
      const error: unknown = await t.db
        .query(`INSERT INTO charter_version (version, status) VALUES ('2098.1', 'draft')`)
        .catch((e: unknown) => e);
      expect(translateCharterWriteError(error, '2098.1')).toMatchObject({
        status: 409,
        code: 'CHARTER.DRAFT_EXISTS',
      });
    });

    it('leaves other errors as they are', () => {
      const error = new Error('boom');
      expect(translateCharterWriteError(error, '2020.1')).toBe(error);
    });

    it('journals every drafting mutation in a chain that verifies', async () => {
      expect(await t.app.get(JournalService).verify()).toMatchObject({ ok: true });
    });
  });
});
