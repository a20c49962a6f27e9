import type { CertificateResponse } from 'src/certificates/certificates.dto';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import { authAs, givenCertifiableSite, givenOrganisation, givenUser } from '../factories';

const PARALLEL = 50;
// Issuances run one after the other (the counter row): give the burst time on a busy machine.
const BURST_TIMEOUT_MS = 180_000;

describe('certificates under concurrent issuance', () => {
  let t: TestApp;
  let admin: User;
  let auditor: User;
  let organisation: Organisation;

  const issue = async (site: Pick<Site, 'id'>) =>
    t.request({
      method: 'POST',
      url: `/api/v1/sites/${site.id}/certificates`,
      headers: await authAs(t, admin),
    });
  const sequences = async () =>
    (
      await t.db.query<{ sequence: number }[]>('SELECT sequence FROM certificate ORDER BY sequence')
    ).map((r) => r.sequence);
  const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    organisation = await givenOrganisation(t.db);
  });

  afterAll(async () => {
    await t.close();
  });

  it(
    `numbers ${PARALLEL} parallel issuances for ${PARALLEL} sites 1 to ${PARALLEL}, without a gap`,
    async () => {
      const sites: Site[] = [];
      for (let i = 0; i < PARALLEL; i++) {
        sites.push(await givenCertifiableSite(t, { admin, auditor }, organisation));
      }
      const responses = await Promise.all(sites.map((site) => issue(site)));
      expect(responses.map((r) => r.statusCode)).toEqual(sites.map(() => 201));
      const bodies = responses.map((r) => r.json<CertificateResponse>());
      expect(new Set(bodies.map((b) => b.siteId)).size).toBe(PARALLEL);
      const numbers = bodies.map((b) => b.number);
      expect(new Set(numbers).size).toBe(PARALLEL);
      const numbered = numbers.map((n) => Number(n.slice(-5))).sort((a, b) => a - b);
      expect(numbered).toEqual(oneToN(PARALLEL));
      expect(await sequences()).toEqual(oneToN(PARALLEL));
      expect(bodies.every((b) => b.status === 'active')).toBe(true);
    },
    BURST_TIMEOUT_MS,
  );

  it(
    `leaves exactly one active certificate after ${PARALLEL} parallel issuances for one site`,
    async () => {
      const site = await givenCertifiableSite(t, { admin, auditor }, organisation);
      const responses = await Promise.all(Array.from({ length: PARALLEL }, () => issue(site)));
      // Each runs on the site's locked status: one after the other, each superseding the last.
      for (const res of responses) {
        expect(res.statusCode).toBeLessThan(500);
        expect([201, 409]).toContain(res.statusCode);
      }
      const created = responses.filter((r) => r.statusCode === 201).length;
      expect(created).toBeGreaterThanOrEqual(1);

      const rows = await t.db.query<
        { id: string; number: string; status: string; superseded_by: string | null }[]
      >(
        'SELECT id, number, status, superseded_by FROM certificate WHERE site_id = $1 ORDER BY sequence',
        [site.id],
      );
      expect(rows).toHaveLength(created);
      expect(rows.filter((r) => r.status === 'valid')).toHaveLength(1);
      expect(rows.filter((r) => r.status === 'superseded')).toHaveLength(created - 1);
      // Each superseded one names the next issued: a chain ending at the valid one.
      for (let i = 0; i < rows.length - 1; i++) {
        expect(rows[i]).toMatchObject({ status: 'superseded', superseded_by: rows[i + 1].id });
      }
      expect(rows.at(-1)!.status).toBe('valid');
      expect(await sequences()).toEqual(oneToN(PARALLEL + created));
    },
    BURST_TIMEOUT_MS,
  );
});
