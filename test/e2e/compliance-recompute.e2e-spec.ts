import type { FindingResult } from 'src/audits/audits.types';
import { ComplianceService } from 'src/compliance/compliance.service';
import { verifyJournal } from 'src/journal/journal-verification';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import {
  CODES_2020_1,
  givenAudit,
  givenFindings,
  givenOrganisation,
  givenSite,
  givenUser,
} from '../factories';

const AT = new Date('2026-03-01T12:00:00Z');

interface StoredRow {
  site_id: string;
  status: string;
  score: string | null;
  reasons: { rule: string }[];
  version: number;
}

describe('full recomputation of compliance', () => {
  let t: TestApp;
  let service: ComplianceService;
  let admin: User;
  let auditor: User;
  const sites: Record<'conform' | 'major' | 'unaudited' | 'suspended' | 'expired', Site> =
    {} as never;

  /** A closed audit written directly, as data restored from a backup would be. */
  const givenClosedAudit = async (
    site: Site,
    visitedOn: string,
    results: Record<string, FindingResult> = {},
  ) => {
    const audit = await givenAudit(t.db, site, auditor, {
      status: 'submitted',
      plannedFor: visitedOn,
      visitedOn,
    });
    await givenFindings(t.db, audit, auditor, {
      ...Object.fromEntries(CODES_2020_1.map((code) => [code, 'conform' as const])),
      ...results,
    });
    await t.db.query(
      `UPDATE audit SET status = 'closed', closed_at = $2, closed_by = $3, score = 90
        WHERE id = $1`,
      [audit.id, `${visitedOn}T16:00:00Z`, auditor.id],
    );
    return audit;
  };

  const stored = async (): Promise<Map<string, StoredRow>> =>
    new Map(
      (
        await t.db.query<StoredRow[]>(
          'SELECT site_id, status, score::text AS score, reasons, version FROM site_compliance',
        )
      ).map((row) => [row.site_id, row]),
    );

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.query<{ n: string }[]>(sql, params))[0].n);

  beforeAll(async () => {
    t = await createTestApp();
    service = t.app.get(ComplianceService);
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    const organisation = await givenOrganisation(t.db);
    for (const name of ['conform', 'major', 'unaudited', 'suspended', 'expired'] as const) {
      sites[name] = await givenSite(t.db, organisation, { name: `Plateau ${name}` });
    }
    await givenClosedAudit(sites.conform, '2026-02-10');
    const major = await givenClosedAudit(sites.major, '2026-02-12', { E05: 'major_nc' });
    await t.db.query(
      `INSERT INTO corrective_action (audit_id, finding_id, site_id, organisation_id,
         commitment_code, grade, finding_note, status, opened_at, due_at)
       SELECT a.id, f.id, a.site_id, a.organisation_id, f.commitment_code, f.result, f.note,
              'open', a.closed_at, a.closed_at + interval '10 days'
         FROM audit a JOIN audit_finding f ON f.audit_id = a.id
        WHERE a.id = $1 AND f.result = 'major_nc'`,
      [major.id],
    );
    await givenClosedAudit(sites.suspended, '2026-02-11');
    await t.db.query(
      `INSERT INTO site_suspension (site_id, reason, suspended_by, suspended_at)
       VALUES ($1, 'Cas groupés signalés par la délégation de santé.', $2, '2026-02-20T09:00:00Z')`,
      [sites.suspended.id, admin.id],
    );
    await givenClosedAudit(sites.expired, '2025-06-01');
    // A stored status the inputs no longer support (restored from an older backup).
    await t.db.query(
      `INSERT INTO site_compliance (site_id, status, score, group_scores, reasons, evaluated_at,
                                    valid_until, version)
       VALUES ($1, 'compliant', 100, '{}', '[]', '2025-06-02T00:00:00Z', '2025-11-28', 3)`,
      [sites.expired.id],
    );
  });

  afterAll(async () => {
    await t.close();
  });

  it('stores for every site what evaluating it alone gives, in batches', async () => {
    const outcome = await service.recomputeAll(AT, 2);

    const rows = await stored();
    const siteCount = await count('SELECT count(*) AS n FROM site');
    expect(outcome.sites).toBe(siteCount);
    expect(rows.size).toBe(siteCount);
    for (const [siteId, row] of rows) {
      const alone = await service.evaluate(t.db.manager, siteId, AT);
      expect({
        siteId,
        status: row.status,
        score: row.score === null ? null : Number(row.score),
      }).toEqual({ siteId, status: alone.status, score: alone.score });
      expect(row.reasons.map((r) => r.rule)).toEqual(alone.reasons.map((r) => r.rule));
    }
    expect(rows.get(sites.conform.id)!.status).toBe('compliant');
    expect(rows.get(sites.major.id)!.status).toBe('non_compliant');
    expect(rows.get(sites.unaudited.id)!.status).toBe('not_assessed');
    expect(rows.get(sites.suspended.id)!.status).toBe('suspended');
    expect(rows.get(sites.expired.id)).toMatchObject({ status: 'expired', version: 4 });
  });

  it('appends one history entry per site evaluated for the first time or changed', async () => {
    const entries = await t.db.query<{ site_id: string; from_status: string | null }[]>(
      `SELECT site_id, from_status FROM site_compliance_history WHERE cause = 'recomputation'`,
    );
    expect(entries).toHaveLength(await count('SELECT count(*) AS n FROM site'));
    expect(entries.find((e) => e.site_id === sites.expired.id)?.from_status).toBe('compliant');
    expect(entries.find((e) => e.site_id === sites.conform.id)?.from_status).toBeNull();
  });

  it('journals each change of status, and the chain still holds', async () => {
    const journalled = await t.db.query<{ entity_id: string; changes: { cause: string } }[]>(
      `SELECT entity_id, changes FROM journal_entry WHERE action = 'compliance.status_changed'`,
    );
    expect(journalled.map((e) => e.entity_id)).toEqual(
      expect.arrayContaining([sites.conform.id, sites.major.id, sites.expired.id]),
    );
    // Unchanged status (a placeholder becoming not_assessed is not a change of status).
    expect(journalled.map((e) => e.entity_id)).not.toContain(sites.unaudited.id);
    expect(journalled.every((e) => e.changes.cause === 'recomputation')).toBe(true);
    expect((await verifyJournal(t.db.manager)).ok).toBe(true);
  });

  it('changes nothing when run again on the same inputs', async () => {
    const history = await count('SELECT count(*) AS n FROM site_compliance_history');
    const journal = await count('SELECT count(*) AS n FROM journal_entry');

    const outcome = await service.recomputeAll(AT);

    expect(outcome).toMatchObject({ changed: 0, statusChanged: 0 });
    expect(await count('SELECT count(*) AS n FROM site_compliance_history')).toBe(history);
    expect(await count('SELECT count(*) AS n FROM journal_entry')).toBe(journal);
  });

  it('agrees with the single-site recomputation afterwards', async () => {
    const before = await stored();
    await t.db.transaction((em) => service.recompute(em, sites.major.id, 'sweep', AT));
    const after = await stored();
    expect(after.get(sites.major.id)).toMatchObject({
      status: before.get(sites.major.id)!.status,
      score: before.get(sites.major.id)!.score,
    });
    expect(
      await count(
        `SELECT count(*) AS n FROM site_compliance_history WHERE site_id = $1 AND cause = 'sweep'`,
        [sites.major.id],
      ),
    ).toBe(0);
  });
});
