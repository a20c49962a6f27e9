import type { Audit } from 'src/audits/audit.entity';
import type { FindingResult } from 'src/audits/audits.types';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import type { Answer } from 'src/self-assessments/self-assessments.types';
import { UTF8_BOM } from 'src/stats/csv';
import { CSV_HEADER } from 'src/stats/stats.service';
import { createTestApp, type TestApp } from '../app';
import {
  authAs,
  CODES_2020_1,
  givenAnswers,
  givenAudit,
  givenFindings,
  givenOrganisation,
  givenSelfAssessment,
  givenSite,
  givenUser,
} from '../factories';

/** score, employees, clients, providers, community */
type Scores = [number, number, number, number, number];

const allConform = (): Record<string, FindingResult> =>
  Object.fromEntries(CODES_2020_1.map((code) => [code, 'conform']));
const allImplemented = (): Record<string, Answer> =>
  Object.fromEntries(CODES_2020_1.map((code) => [code, 'implemented']));

/*
 * Five active sites and one inactive one:
 *   A  Casablanca  casablanca_settat  compliant                latest audit 2025-01-15
 *   B  casablanca  casablanca_settat  conditionally_compliant  latest audit 2025-03-10 (+ an
 *                                                             older one, 2024-06-01, ignored)
 *   C  Rabat       rabat_sale_kenitra non_compliant            latest audit 2025-06-20
 *   D  Rabat       rabat_sale_kenitra not_assessed (no row)    no audit
 *   F  Fès         fes_meknes         suspended                latest audit 2025-02-01
 *   E  Casablanca  inactive: never counted
 */
describe('stats', () => {
  let t: TestApp;
  let admin: User;
  let auditor: User;
  let member: User;
  let atlas: Organisation;
  let quoted: Organisation;
  let siteB: Site;

  const get = async (user: User | null, url: string) =>
    t.request({
      method: 'GET',
      url: `/api/v1${url}`,
      headers: user ? await authAs(t, user) : {},
    });

  /** A closed audit of the site, visited that day, with its findings and scores. */
  const givenClosedAudit = async (
    site: Site,
    visitedOn: string,
    results: Record<string, FindingResult>,
    [score, employees, clients, providers, community]: Scores,
  ): Promise<Audit> => {
    const audit = await givenAudit(t.db, site, auditor, {
      status: 'submitted',
      plannedFor: visitedOn,
      visitedOn,
    });
    await givenFindings(t.db, audit, auditor, { ...allConform(), ...results });
    await t.db.query(
      `UPDATE audit SET status = 'closed', closed_at = $2, closed_by = $3, score = $4,
         score_employees = $5, score_clients = $6, score_providers = $7, score_community = $8
       WHERE id = $1`,
      [
        audit.id,
        `${visitedOn}T15:00:00Z`,
        auditor.id,
        score,
        employees,
        clients,
        providers,
        community,
      ],
    );
    return audit;
  };

  /** The stored status row the compliance service would write. */
  const givenStatus = (
    site: Site,
    status: string,
    score: number | null,
    groupScores: Record<string, number | null>,
    validUntil: string | null,
  ) =>
    t.db.query(
      `INSERT INTO site_compliance
         (site_id, status, score, group_scores, reasons, evaluated_at, valid_until, version)
       VALUES ($1, $2, $3, $4, '[]', now(), $5, 1)`,
      [site.id, status, score, JSON.stringify(groupScores), validUntil],
    );

  const givenSubmittedSelfAssessment = async (
    site: Site,
    submittedAt: string,
    answers: Record<string, Answer>,
  ) => {
    const assessment = await givenSelfAssessment(t.db, site, admin, {
      status: 'submitted',
      submittedBy: admin.id,
      submittedAt: new Date(submittedAt),
    });
    await givenAnswers(t.db, assessment, admin, answers);
  };

  const givenCorrectiveAction = (audit: Audit, code: string, status: 'open' | 'verified') =>
    t.db.query(
      `INSERT INTO corrective_action (audit_id, finding_id, site_id, organisation_id,
         commitment_code, grade, finding_note, status, opened_at, due_at, verified_at, verified_by)
       SELECT a.id, f.id, a.site_id, a.organisation_id, f.commitment_code, f.result, f.note, $3::varchar,
              a.closed_at, a.closed_at + interval '30 days',
              CASE WHEN $3::varchar = 'verified' THEN a.closed_at + interval '1 day' END,
              CASE WHEN $3::varchar = 'verified' THEN $4::uuid END
         FROM audit a JOIN audit_finding f ON f.audit_id = a.id
        WHERE a.id = $1 AND f.commitment_code = $2`,
      [audit.id, code, status, auditor.id],
    );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    atlas = await givenOrganisation(t.db, { name: 'Atlas Appels' });
    quoted = await givenOrganisation(t.db, { name: 'Appels "Atlas", Fès' });
    member = await givenUser(t.db, 'member', { organisationId: atlas.id });

    const casablanca = { city: 'Casablanca', region: 'casablanca_settat' as const };
    const rabat = { city: 'Rabat', region: 'rabat_sale_kenitra' as const };
    const siteA = await givenSite(t.db, atlas, { name: 'Plateau A', ...casablanca });
    siteB = await givenSite(t.db, atlas, { name: 'Plateau B', ...casablanca, city: 'casablanca' });
    const siteC = await givenSite(t.db, atlas, { name: 'Plateau C', ...rabat });
    await givenSite(t.db, atlas, { name: 'Plateau D', ...rabat });
    const siteE = await givenSite(t.db, atlas, { name: 'Plateau E', ...casablanca, active: false });
    const siteF = await givenSite(t.db, quoted, {
      name: '@Plateau Nord',
      city: 'Fès',
      region: 'fes_meknes',
    });

    // Submitted before the audits close, as members do: the gap is read as each audit closes.
    // B: an older self-assessment, ignored; the last one over-rates E02 (implemented, minor NC),
    // agrees on E01 (partially, minor NC) and leaves E04 out (N/A).
    await givenSubmittedSelfAssessment(
      siteB,
      '2025-01-01T10:00:00Z',
      Object.fromEntries(CODES_2020_1.map((code) => [code, 'not_implemented'])),
    );
    await givenSubmittedSelfAssessment(siteB, '2025-02-01T10:00:00Z', {
      ...allImplemented(),
      E01: 'partially_implemented',
      E04: 'not_applicable',
    });
    // C: over-rates E01 (major) and E02 (minor), under-rates E03, E04 N/A in the audit.
    await givenSubmittedSelfAssessment(siteC, '2025-05-01T10:00:00Z', {
      ...allImplemented(),
      E03: 'not_implemented',
    });
    // A: submitted after its audit closed: that audit's gap does not read it.
    await givenSubmittedSelfAssessment(
      siteA,
      '2025-03-01T10:00:00Z',
      Object.fromEntries(CODES_2020_1.map((code) => [code, 'not_implemented'])),
    );

    await givenClosedAudit(siteA, '2025-01-15', { E03: 'observation' }, [92.5, 95, 90, 92, 93]);
    await givenClosedAudit(siteB, '2024-06-01', { E05: 'major_nc' }, [70, 70, 70, 70, 70]);
    const auditB = await givenClosedAudit(
      siteB,
      '2025-03-10',
      { E01: 'minor_nc', E02: 'minor_nc' },
      [80, 85, 75, 80, 80],
    );
    await givenClosedAudit(
      siteC,
      '2025-06-20',
      { E01: 'major_nc', E02: 'minor_nc', E04: 'not_applicable' },
      [60, 50, 60, 70, 60],
    );
    await givenClosedAudit(siteE, '2025-02-01', { E09: 'major_nc' }, [40, 40, 40, 40, 40]);
    await givenClosedAudit(siteF, '2025-02-01', {}, [100, 100, 100, 100, 100]);

    await givenStatus(
      siteA,
      'compliant',
      92.5,
      { employees: 95, clients: 90, providers: 92, community: 93 },
      '2025-07-13',
    );
    await givenStatus(
      siteB,
      'conditionally_compliant',
      80,
      { employees: 85, clients: 75, providers: 80, community: 80.125 },
      '2025-09-05',
    );
    await givenStatus(
      siteC,
      'non_compliant',
      60,
      { employees: 50, clients: 60, providers: 70, community: 60 },
      '2025-12-16',
    );
    await givenStatus(siteE, 'compliant', 40, {}, null);
    await givenStatus(
      siteF,
      'suspended',
      100,
      { employees: 100, clients: 100, providers: 100, community: 100 },
      '2025-07-30',
    );

    await givenCorrectiveAction(auditB, 'E01', 'open');
    await givenCorrectiveAction(auditB, 'E02', 'verified');
  });

  afterAll(async () => {
    await t.close();
  });

  describe('GET /stats/compliance', () => {
    it('counts the active sites by status, region and city, a missing row as not_assessed', async () => {
      const res = await get(auditor, '/stats/compliance');

      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.filters).toEqual({ region: null, from: null, to: null });
      expect(body.totalSites).toBe(5);
      expect(body.byStatus).toEqual({
        suspended: 1,
        not_assessed: 1,
        expired: 0,
        non_compliant: 1,
        conditionally_compliant: 1,
        compliant: 1,
      });
      expect(body.byRegion).toEqual([
        {
          region: 'casablanca_settat',
          total: 2,
          byStatus: expect.objectContaining({ compliant: 1, conditionally_compliant: 1 }),
        },
        { region: 'fes_meknes', total: 1, byStatus: expect.objectContaining({ suspended: 1 }) },
        {
          region: 'rabat_sale_kenitra',
          total: 2,
          byStatus: expect.objectContaining({ non_compliant: 1, not_assessed: 1 }),
        },
      ]);
      expect(
        body.byCity.map((c: { city: string; region: string; total: number }) => [
          c.city.toLowerCase(),
          c.region,
          c.total,
        ]),
      ).toEqual([
        ['casablanca', 'casablanca_settat', 2],
        ['fès', 'fes_meknes', 1],
        ['rabat', 'rabat_sale_kenitra', 2],
      ]);
    });

    it('rates compliant and conditionally compliant sites over the assessed ones and over all', async () => {
      const body = (await get(admin, '/stats/compliance')).json();

      expect(body.complianceRate).toEqual({
        compliantSites: 2,
        assessedSites: 4,
        rate: 0.5,
        rateOverAllSites: 0.4,
      });
    });

    it('ranks the commitments failed in each site’s latest closed audit only', async () => {
      const body = (await get(admin, '/stats/compliance')).json();

      expect(body.mostFailedCommitments).toEqual([
        { code: 'E01', minorNc: 1, majorNc: 1, total: 2 },
        { code: 'E02', minorNc: 2, majorNc: 0, total: 2 },
      ]);
    });

    it('averages the scores of the latest closed audits', async () => {
      const body = (await get(admin, '/stats/compliance')).json();

      expect(body.averageScores).toEqual({
        audits: 4,
        score: 83.13,
        employees: 82.5,
        clients: 81.25,
        providers: 85.5,
        community: 83.25,
      });
    });

    it('measures the self-assessment gap of each latest audit against the last self-assessment submitted before it closed, N/A left out', async () => {
      const body = (await get(admin, '/stats/compliance')).json();

      expect(body.selfAssessmentGap).toEqual({
        sites: 2,
        compared: 38,
        overRated: 3,
        underRated: 1,
        overRatedShare: 0.0789,
      });
    });

    it('keeps the sites of one region', async () => {
      const body = (await get(admin, '/stats/compliance?region=rabat_sale_kenitra')).json();

      expect(body.filters.region).toBe('rabat_sale_kenitra');
      expect(body.totalSites).toBe(2);
      expect(body.byStatus).toMatchObject({ non_compliant: 1, not_assessed: 1 });
      expect(body.complianceRate).toEqual({
        compliantSites: 0,
        assessedSites: 1,
        rate: 0,
        rateOverAllSites: 0,
      });
      expect(body.byRegion.map((r: { region: string }) => r.region)).toEqual([
        'rabat_sale_kenitra',
      ]);
    });

    it('keeps the sites whose latest closed audit was visited within from and to, inclusive', async () => {
      const body = (await get(admin, '/stats/compliance?from=2025-03-10&to=2025-06-20')).json();

      expect(body.totalSites).toBe(2);
      expect(body.byStatus).toMatchObject({ conditionally_compliant: 1, non_compliant: 1 });
      expect(body.mostFailedCommitments).toEqual([
        { code: 'E01', minorNc: 1, majorNc: 1, total: 2 },
        { code: 'E02', minorNc: 2, majorNc: 0, total: 2 },
      ]);
      expect(body.averageScores).toMatchObject({ audits: 2, score: 70 });
    });

    it('answers zeros and nulls when no site matches', async () => {
      const body = (await get(admin, '/stats/compliance?region=oriental')).json();

      expect(body).toMatchObject({
        totalSites: 0,
        byRegion: [],
        byCity: [],
        complianceRate: { compliantSites: 0, assessedSites: 0, rate: null, rateOverAllSites: null },
        mostFailedCommitments: [],
        averageScores: { audits: 0, score: null },
        selfAssessmentGap: { sites: 0, compared: 0, overRatedShare: null },
      });
    });

    it.each([
      ['region=atlantis', 'region'],
      ['from=2025-02-30', 'from'],
      ['from=10/03/2025', 'from'],
      ['to=yesterday', 'to'],
      ['from=2025-06-01&to=2025-05-01', 'to'],
      ['city=Rabat', 'city'],
    ])('refuses ?%s with a 400 naming %s', async (query, field) => {
      const res = await get(admin, `/stats/compliance?${query}`);

      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('REQUEST.VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual([field]);
    });
  });

  describe('GET /stats/compliance.csv', () => {
    const lines = (body: string) => body.slice(UTF8_BOM.length).split('\r\n');

    it('writes one row per active site, UTF-8 with a BOM, as an attachment', async () => {
      const res = await get(admin, '/stats/compliance.csv');

      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(
        'attachment; filename="conformite-sites.csv"',
      );
      expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const body = res.rawPayload.toString('utf8');
      expect(body.startsWith(UTF8_BOM)).toBe(true);
      expect(body.endsWith('\r\n')).toBe(true);
      const rows = lines(body).slice(0, -1);
      expect(rows[0]).toBe(CSV_HEADER.join(','));
      expect(rows).toHaveLength(1 + 5);
      expect(rows.filter((r) => r.includes('Plateau E'))).toEqual([]);
    });

    it('writes scores with two decimals and a dot, visits, validity, open NCs and over-ratings', async () => {
      const body = (await get(auditor, '/stats/compliance.csv')).rawPayload.toString('utf8');

      expect(lines(body)).toContain(
        'Atlas Appels,Plateau B,casablanca,casablanca_settat,conditionally_compliant,' +
          '80.00,85.00,75.00,80.00,80.13,2025-03-10,2025-09-05,1,0,1',
      );
      expect(lines(body)).toContain(
        'Atlas Appels,Plateau D,Rabat,rabat_sale_kenitra,not_assessed,,,,,,,,0,0,0',
      );
    });

    it('quotes commas and quotes, and defuses a cell a spreadsheet would run as a formula', async () => {
      const body = (await get(admin, '/stats/compliance.csv')).rawPayload.toString('utf8');

      expect(lines(body)).toContain(
        '"Appels ""Atlas"", Fès",\'@Plateau Nord,Fès,fes_meknes,suspended,' +
          '100.00,100.00,100.00,100.00,100.00,2025-02-01,2025-07-30,0,0,0',
      );
    });

    it('applies the same filters', async () => {
      const res = await get(
        admin,
        '/stats/compliance.csv?region=casablanca_settat&from=2025-03-01',
      );

      const rows = lines(res.rawPayload.toString('utf8')).slice(1, -1);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain('Plateau B');
    });

    it('refuses an invalid filter with a 400 naming it', async () => {
      const res = await get(admin, '/stats/compliance.csv?to=2025-13-01');

      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['to']);
    });
  });

  describe.each(['/stats/compliance', '/stats/compliance.csv'])('%s access', (url) => {
    it('refuses a request without a token with 401', async () => {
      expect((await get(null, url)).statusCode).toBe(401);
    });

    it('refuses a member with 403', async () => {
      expect((await get(member, url)).statusCode).toBe(403);
    });
  });

  it('leaves the stored statuses untouched', async () => {
    const [row] = await t.db.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM site_compliance WHERE site_id = $1',
      [siteB.id],
    );
    expect(row.n).toBe(1);
  });
});
