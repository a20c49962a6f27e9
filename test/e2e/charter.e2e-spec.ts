import { createTestApp, type TestApp } from '../app';

describe('charter', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('lists 2020.1 among the published versions', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/charters' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      expect.objectContaining({ version: '2020.1', status: 'published', commitmentCount: 20 }),
    ]);
  });

  it('serves 2020.1 with exactly 20 commitments in the four groups, weighing 43 in all', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/charters/2020.1' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.groups.map((g: { group: string }) => g.group)).toEqual([
      'employees',
      'clients',
      'providers',
      'community',
    ]);
    const commitments = body.groups.flatMap((g: { commitments: unknown[] }) => g.commitments);
    expect(commitments).toHaveLength(20);
    expect(commitments.map((c: { code: string }) => c.code)).toEqual(
      Array.from({ length: 20 }, (_, i) => `E${String(i + 1).padStart(2, '0')}`),
    );
    expect(commitments.reduce((sum: number, c: { weight: number }) => sum + c.weight, 0)).toBe(43);
    expect(body.totalWeight).toBe(43);
  });

  it('carries the rules of charter-v1 as data', async () => {
    const body = (await t.request({ method: 'GET', url: '/api/v1/charters/2020.1' })).json();
    expect(body.rules).toEqual({
      weights: { critical: 3, major: 2, standard: 1 },
      findingValues: { conform: 1, observation: 1, minor_nc: 0.5, major_nc: 0 },
      scoreThreshold: 75,
      correctiveActionDeadlineDays: { major_nc: 7, minor_nc: 30 },
      auditValidityDays: 180,
      notApplicableJustificationMinLength: 20,
    });
  });

  it.each([
    ['E10', 'no_back_office'],
    ['E15', 'no_remote_work'],
    ['E18', 'no_staff_transport'],
  ])('allows %s to be not applicable only when %s', async (code, when) => {
    const body = (await t.request({ method: 'GET', url: '/api/v1/charters/2020.1' })).json();
    const commitments = body.groups.flatMap(
      (g: { commitments: { code: string; notApplicable: { when: string | null } }[] }) =>
        g.commitments,
    );
    expect(commitments.find((c: { code: string }) => c.code === code).notApplicable).toMatchObject({
      allowed: true,
      when,
    });
    const others = commitments.filter(
      (c: { notApplicable: { allowed: boolean } }) => c.notApplicable.allowed,
    );
    expect(others.map((c: { code: string }) => c.code)).toEqual(['E10', 'E15', 'E18']);
  });

  it('gives every commitment both languages and two to four verification points', async () => {
    const body = (await t.request({ method: 'GET', url: '/api/v1/charters/2020.1' })).json();
    for (const group of body.groups) {
      expect(group.title.fr).toBeTruthy();
      for (const c of group.commitments) {
        for (const text of [c.title, c.description, c.evidenceExpected]) {
          expect(text.fr.length).toBeGreaterThan(0);
          expect(text.en.length).toBeGreaterThan(0);
          expect(text.fr).not.toEqual(text.en);
        }
        expect(c.verificationPoints.length).toBeGreaterThanOrEqual(2);
        expect(c.verificationPoints.length).toBeLessThanOrEqual(4);
      }
    }
  });

  it('answers 404 problem+json for an unknown version', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/charters/2099.1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 404, code: 'CHARTER.VERSION_NOT_FOUND' });
  });

  it('answers 400 naming the field for a malformed version', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/charters/latest' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'version', message: expect.any(String) }]);
  });

  describe('a published version is frozen in the database', () => {
    it.each([
      ["UPDATE charter_version SET version = '2020.9' WHERE version = '2020.1'"],
      ["UPDATE charter_version SET status = 'draft', published_at = NULL WHERE version = '2020.1'"],
      ["DELETE FROM charter_version WHERE version = '2020.1'"],
      [
        `UPDATE charter_commitment SET title_en = 'changed' WHERE code = 'E01'
           AND charter_version_id = (SELECT id FROM charter_version WHERE version = '2020.1')`,
      ],
      [
        `DELETE FROM charter_commitment WHERE code = 'E20'
           AND charter_version_id = (SELECT id FROM charter_version WHERE version = '2020.1')`,
      ],
      [
        `UPDATE charter_rules SET score_threshold = 50 WHERE charter_version_id =
           (SELECT id FROM charter_version WHERE version = '2020.1')`,
      ],
      [
        `INSERT INTO charter_commitment (charter_version_id, code, position, stakeholder_group,
           criticality, title_fr, title_en, description_fr, description_en, evidence_expected_fr,
           evidence_expected_en, verification_points)
         SELECT id, 'E21', 21, 'community', 'standard', 't', 't', 'd', 'd', 'e', 'e', '["a","b"]'
           FROM charter_version WHERE version = '2020.1'`,
      ],
    ])('refuses %s', async (sql) => {
      await expect(t.db.query(sql)).rejects.toThrow(/published and cannot change/);
      const [{ count }] = await t.db.query(
        `SELECT count(*)::int AS count FROM charter_commitment c
           JOIN charter_version v ON v.id = c.charter_version_id
          WHERE v.version = '2020.1' AND v.status = 'published' AND c.title_en <> 'changed'`,
      );
      expect(count).toBe(20);
    });
  });
});
