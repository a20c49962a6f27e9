import { createHash } from 'node:crypto';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import { CertificateLifecycleService } from 'src/certificates/certificate-lifecycle.service';
import { numberingYear } from 'src/certificates/certificate-number';
import { certificateExpiresAt } from 'src/certificates/certificate-validity';
import type { CertificateResponse } from 'src/certificates/certificates.dto';
import { printedRecordHash } from 'src/certificates/printed-record';
import { ComplianceSweep } from 'src/compliance/compliance-sweep';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { SchedulerService } from 'src/scheduler/scheduler.service';
import { createTestApp, type TestApp } from '../app';
import {
  apiCaller,
  givenCertifiableSite,
  givenClosedAudit,
  givenOrganisation,
  givenSite,
  givenUser,
} from '../factories';

const DAY = 24 * 60 * 60 * 1000;
const MISSING_SITE = '6a1c0b2d-0000-4000-8000-00000000c0a1';
const REVOCATION = 'Fausse déclaration constatée lors d’un contrôle inopiné.';
const SUSPENSION = 'Cas groupés signalés par la délégation de santé.';
const LIFT = 'Désinfection complète constatée par l’auditeur.';
const RESPONSE = 'Casques individuels attribués, registre d’attribution joint.';

interface JournalRow {
  action: string;
  actor_id: string | null;
  changes: Record<string, unknown>;
}

describe('certificates', () => {
  let t: TestApp;
  let admin: User;
  let auditor: User;
  let organisation: Organisation;
  let member: User;
  let otherOrganisation: Organisation;
  let otherMember: User;
  let people: { admin: User; auditor: User };
  let baseUrl: string;

  const call = apiCaller(() => t);

  const issue = (site: Pick<Site, 'id'>, user: User = admin) =>
    call(user, 'POST', `/sites/${site.id}/certificates`);
  const issued = async (site: Pick<Site, 'id'>) => {
    const res = await issue(site);
    expect(res.statusCode).toBe(201);
    return res.json<CertificateResponse>();
  };
  const read = async (number: string, user: User = admin) => {
    const res = await call(user, 'GET', `/certificates/${number}`);
    expect(res.statusCode).toBe(200);
    return res.json<CertificateResponse>();
  };
  const stored = async (number: string) => {
    const [row] = await t.db.query<
      {
        id: string;
        status: string;
        version: number;
        superseded_by: string | null;
        status_changed_at: Date;
        suspended_at: Date | null;
        revoked_by: string | null;
        revocation_reason: string | null;
      }[]
    >('SELECT * FROM certificate WHERE number = $1', [number]);
    return row;
  };
  const journalOf = (id: string) =>
    t.db.query<JournalRow[]>(
      `SELECT action, actor_id, changes FROM journal_entry
        WHERE entity_type = 'certificate' AND entity_id = $1 ORDER BY seq`,
      [id],
    );
  const certifiedSite = (owner: Organisation = organisation) =>
    givenCertifiableSite(t, people, owner);
  const tokenPayload = (verifyUrl: string) => {
    const token = new URL(verifyUrl).searchParams.get('t')!;
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    people = { admin, auditor };
    organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    otherOrganisation = await givenOrganisation(t.db);
    otherMember = await givenUser(t.db, 'member', { organisationId: otherOrganisation.id });
    baseUrl = t.app.get<AppConfig>(appConfig.KEY).publicBaseUrl;
  });

  afterAll(async () => {
    await t.close();
  });

  describe('POST /sites/:id/certificates', () => {
    it('issues a numbered, signed certificate to a compliant site, with its PDF and a journal entry', async () => {
      const site = await certifiedSite();
      const before = new Date();
      const res = await issue(site);
      expect(res.statusCode).toBe(201);
      const body = res.json<CertificateResponse>();
      expect(res.headers.location).toBe(`/api/v1/certificates/${body.number}`);

      const [, year] = /^AMRC-(\d{4})-\d{5}$/.exec(body.number) ?? [];
      expect(Number(year)).toBe(numberingYear(before));
      const validUntil = addDays(site.closed.visitedOn, 180);
      expect(body).toMatchObject({
        status: 'active',
        siteId: site.id,
        organisationId: organisation.id,
        auditId: site.closed.audit.id,
        charterVersion: '2020.1',
        score: 100,
        issuedBy: admin.id,
        validFrom: calendarDate(before),
        validUntil,
        expiresAt: certificateExpiresAt(validUntil).toISOString(),
        pdfUrl: `/api/v1/certificates/${body.number}/pdf`,
        suspendedAt: null,
        revokedAt: null,
        supersededBy: null,
        version: 1,
      });
      expect(body.printed).toEqual({
        number: body.number,
        company: { name: organisation.name, ice: organisation.ice },
        site: { name: site.name, address: site.address, city: site.city },
        charterVersion: '2020.1',
        auditDate: site.closed.visitedOn,
        score: 100,
        groupScores: { employees: 100, clients: 100, providers: 100, community: 100 },
        validFrom: calendarDate(before),
        validUntil,
      });

      // The QR code's URL carries a token binding the printed record.
      expect(body.verifyUrl.startsWith(`${baseUrl}/verify/${body.number}?t=`)).toBe(true);
      const claims = tokenPayload(body.verifyUrl);
      expect(claims).toMatchObject({
        sub: body.id,
        num: body.number,
        v: '2020.1',
        h: printedRecordHash(body.printed),
        exp: Math.floor(new Date(body.expiresAt).getTime() / 1000),
      });
      expect(claims.nbf).toBe(claims.iat);

      // The same bytes every time, for its admin and its member, matching the recorded hash.
      const first = await call(admin, 'GET', body.pdfUrl.replace('/api/v1', ''));
      const second = await call(member, 'GET', body.pdfUrl.replace('/api/v1', ''));
      for (const pdf of [first, second]) {
        expect(pdf.statusCode).toBe(200);
        expect(pdf.headers['content-type']).toBe('application/pdf');
        expect(pdf.headers['content-disposition']).toContain(`${body.number}.pdf`);
        expect(pdf.headers.etag).toBe(`"${body.pdfSha256}"`);
      }
      expect(first.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      expect(first.rawPayload.equals(second.rawPayload)).toBe(true);
      expect(createHash('sha256').update(first.rawPayload).digest('hex')).toBe(body.pdfSha256);
      expect(first.rawPayload.length).toBe(body.pdfSize);

      expect(await read(body.number, member)).toEqual(body);
      const journal = await journalOf(body.id);
      expect(journal).toEqual([
        {
          action: 'certificate.issued',
          actor_id: admin.id,
          changes: expect.objectContaining({
            number: body.number,
            siteId: site.id,
            pdfSha256: body.pdfSha256,
            supersedes: null,
          }),
        },
      ]);
    });

    it.each([
      ['non_compliant', 'open_major_nc'],
      ['not_assessed', 'no_closed_audit'],
      ['expired', 'audit_expired'],
    ])('refuses a %s site with 422 naming the status and its reasons', async (status, rule) => {
      const site = await givenSite(t.db, organisation);
      if (status === 'non_compliant') {
        await givenClosedAudit(t, site, people, { E02: 'major_nc' });
      } else if (status === 'expired') {
        const long = addDays(calendarDate(new Date()), -200);
        await givenClosedAudit(t, site, people, {}, { plannedFor: long, visitedOn: long });
      }
      const res = await issue(site);
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json<{
        code: string;
        siteStatus: string;
        reasons: { rule: string; detail: { fr: string; en: string } }[];
      }>();
      expect(problem).toMatchObject({ code: 'CERTIFICATE.SITE_NOT_ELIGIBLE', siteStatus: status });
      expect(problem.reasons.map((r) => r.rule)).toContain(rule);
      expect(problem.reasons[0].detail.fr).toEqual(expect.any(String));
      const [{ count }] = await t.db.query<{ count: number }[]>(
        'SELECT count(*)::int AS count FROM certificate WHERE site_id = $1',
        [site.id],
      );
      expect(count).toBe(0);
    });

    it('is for admins only, on a site that exists, of a current member', async () => {
      const site = await certifiedSite();
      expect((await issue(site, member)).statusCode).toBe(403);
      expect((await issue(site, auditor)).statusCode).toBe(403);
      expect((await call(null, 'POST', `/sites/${site.id}/certificates`)).statusCode).toBe(401);
      expect((await issue({ id: MISSING_SITE })).statusCode).toBe(404);
      const bad = await issue({ id: 'not-a-uuid' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors).toEqual([{ field: 'id', message: expect.any(String) }]);

      const leaving = await givenOrganisation(t.db);
      const leavingSite = await certifiedSite(leaving);
      const ended = await call(admin, 'POST', `/organisations/${leaving.id}/end-membership`, {
        reason: 'Cotisation impayée après deux relances.',
      });
      expect(ended.statusCode).toBe(200);
      const refused = await issue(leavingSite);
      expect({ status: refused.statusCode, code: refused.json().code }).toEqual({
        status: 409,
        code: 'CERTIFICATE.MEMBERSHIP_ENDED',
      });
    });

    it('supersedes the active certificate when issued again after a later audit', async () => {
      const site = await certifiedSite();
      const old = await issued(site);
      await givenClosedAudit(t, site, people, {}, { type: 'surveillance' });
      const renewed = await issued(site);
      expect(renewed.number).not.toBe(old.number);
      expect(renewed.auditId).not.toBe(old.auditId);

      const superseded = await read(old.number);
      expect(superseded).toMatchObject({
        status: 'superseded',
        supersededBy: renewed.number,
        version: 2,
      });
      expect(superseded.supersededAt).toEqual(expect.any(String));
      expect((await stored(old.number)).superseded_by).toBe(renewed.id);
      const [{ active }] = await t.db.query<{ active: number }[]>(
        `SELECT count(*)::int AS active FROM certificate
          WHERE site_id = $1 AND status IN ('valid', 'suspended')`,
        [site.id],
      );
      expect(active).toBe(1);
      expect((await journalOf(old.id)).map((j) => [j.action, j.actor_id])).toEqual([
        ['certificate.issued', admin.id],
        ['certificate.superseded', admin.id],
      ]);
      expect((await journalOf(renewed.id))[0].changes.supersedes).toBe(old.number);
    });
  });

  describe('reads', () => {
    it('lists all to admins and auditors, their company’s to a member; 404 for another’s', async () => {
      const mine = await issued(await certifiedSite());
      const theirs = await issued(await certifiedSite(otherOrganisation));

      const list = async (user: User, query = '') => {
        const res = await call(user, 'GET', `/certificates${query}`);
        expect(res.statusCode).toBe(200);
        return res.json<{ items: CertificateResponse[]; total: number }>();
      };
      const numbers = (page: { items: CertificateResponse[] }) => page.items.map((c) => c.number);
      const all = await list(admin, '?pageSize=100');
      expect(numbers(all)).toEqual(expect.arrayContaining([mine.number, theirs.number]));
      expect(numbers(await list(auditor, '?pageSize=100'))).toEqual(numbers(all));

      const own = await list(member, '?pageSize=100');
      expect(own.items.every((c) => c.organisationId === organisation.id)).toBe(true);
      expect(numbers(own)).toContain(mine.number);
      expect(numbers(own)).not.toContain(theirs.number);
      // Members cannot widen their scope.
      const widened = await list(member, `?organisationId=${otherOrganisation.id}`);
      expect(numbers(widened)).not.toContain(theirs.number);

      expect(numbers(await list(admin, `?organisationId=${otherOrganisation.id}`))).toEqual([
        theirs.number,
      ]);
      expect(numbers(await list(admin, `?siteId=${mine.siteId}`))).toEqual([mine.number]);
      const active = await list(admin, '?status=active&pageSize=100');
      expect(active.items.length).toBeGreaterThan(0);
      expect(active.items.every((c) => c.status === 'active')).toBe(true);
      const paged = await list(admin, '?pageSize=1&page=2');
      expect(paged).toMatchObject({ total: all.total, items: [all.items[1]] });

      for (const query of ['?status=valid', '?siteId=x', '?pageSize=1000', '?extra=1']) {
        expect((await call(admin, 'GET', `/certificates${query}`)).statusCode).toBe(400);
      }

      for (const url of [`/certificates/${theirs.number}`, `/certificates/${theirs.number}/pdf`]) {
        const res = await call(member, 'GET', url);
        expect({ status: res.statusCode, code: res.json().code }).toEqual({
          status: 404,
          code: 'CERTIFICATE.NOT_FOUND',
        });
      }
      expect((await call(otherMember, 'GET', `/certificates/${theirs.number}`)).statusCode).toBe(
        200,
      );
      expect((await call(auditor, 'GET', `/certificates/${theirs.number}/pdf`)).statusCode).toBe(
        200,
      );
      expect((await call(admin, 'GET', '/certificates/AMRC-1999-99999')).statusCode).toBe(404);
      const malformed = await call(admin, 'GET', '/certificates/12345');
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().errors[0].field).toBe('number');
      expect((await call(null, 'GET', '/certificates')).statusCode).toBe(401);
    });
  });

  describe('lifecycle', () => {
    it('suspends on a follow-up audit with a major NC, and reinstates once it is verified', async () => {
      const site = await certifiedSite();
      const certificate = await issued(site);

      const { audit } = await givenClosedAudit(
        t,
        site,
        people,
        { E06: 'major_nc' },
        { type: 'follow_up' },
      );
      const suspended = await read(certificate.number, member);
      expect(suspended).toMatchObject({ status: 'suspended', version: 2 });
      expect(suspended.suspendedAt).toEqual(expect.any(String));
      expect(new Date(suspended.statusChangedAt).getTime()).toBeGreaterThan(
        new Date(certificate.statusChangedAt).getTime(),
      );

      const action = await t.db
        .getRepository(CorrectiveAction)
        .findOneByOrFail({ auditId: audit.id, commitmentCode: 'E06' });
      const responded = await call(member, 'POST', `/corrective-actions/${action.id}/response`, {
        description: RESPONSE,
      });
      expect(responded.statusCode).toBe(200);
      expect((await read(certificate.number)).status).toBe('suspended');
      const verified = await call(auditor, 'POST', `/corrective-actions/${action.id}/verify`, {});
      expect(verified.statusCode).toBe(200);
      expect(await read(certificate.number)).toMatchObject({
        status: 'active',
        suspendedAt: null,
        version: 3,
      });

      const journal = await journalOf(certificate.id);
      expect(journal.map((j) => [j.action, j.actor_id])).toEqual([
        ['certificate.issued', admin.id],
        ['certificate.suspended', null],
        ['certificate.reinstated', null],
      ]);
      expect(journal[1].changes).toMatchObject({
        status: { before: 'valid', after: 'suspended' },
        siteStatus: { before: 'compliant', after: 'non_compliant' },
        complianceCause: 'audit_closed',
        rules: ['open_major_nc'],
      });
      expect(journal[2].changes).toMatchObject({
        status: { before: 'suspended', after: 'valid' },
        complianceCause: 'corrective_action_verified',
      });
    });

    it('follows the site’s suspension by an administrator, and its lifting', async () => {
      const site = await certifiedSite();
      const certificate = await issued(site);
      const url = `/sites/${site.id}/suspension`;
      expect((await call(admin, 'POST', url, { reason: SUSPENSION })).statusCode).toBe(201);
      expect((await read(certificate.number)).status).toBe('suspended');
      expect((await stored(certificate.number)).suspended_at).not.toBeNull();
      expect((await call(admin, 'DELETE', url, { reason: LIFT })).statusCode).toBe(200);
      expect(await read(certificate.number)).toMatchObject({ status: 'active', version: 3 });
    });

    it('revokes with a reason, once and for good', async () => {
      const site = await certifiedSite();
      const certificate = await issued(site);
      const url = `/certificates/${certificate.number}/revoke`;

      expect((await call(member, 'POST', url, { reason: REVOCATION })).statusCode).toBe(403);
      expect((await call(auditor, 'POST', url, { reason: REVOCATION })).statusCode).toBe(403);
      for (const payload of [
        {},
        { reason: 'court' },
        { reason: 'x'.repeat(501) },
        { reason: 42 },
        { reason: REVOCATION, extra: true },
      ]) {
        const res = await call(admin, 'POST', url, payload);
        expect(res.statusCode).toBe(400);
        expect(res.json().errors.length).toBeGreaterThan(0);
      }
      const short = await call(admin, 'POST', url, { reason: '   court    ' });
      expect(short.json().errors).toEqual([{ field: 'reason', message: expect.any(String) }]);
      expect(
        (await call(admin, 'POST', '/certificates/AMRC-1999-99999/revoke', { reason: REVOCATION }))
          .statusCode,
      ).toBe(404);
      expect(
        (await call(admin, 'POST', '/certificates/nope/revoke', { reason: REVOCATION })).statusCode,
      ).toBe(400);
      expect((await stored(certificate.number)).status).toBe('valid');

      const revoked = await call(admin, 'POST', url, { reason: REVOCATION });
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json()).toMatchObject({
        status: 'revoked',
        revocationReason: REVOCATION,
        version: 2,
      });
      const again = await call(admin, 'POST', url, { reason: REVOCATION });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'CERTIFICATE.ALREADY_FINAL', status: 409 });
      expect(again.json().certificateStatus).toBe('revoked');

      // Final: the site's later changes leave it revoked; a new issuance supersedes nothing.
      await call(admin, 'POST', `/sites/${site.id}/suspension`, { reason: SUSPENSION });
      await call(admin, 'DELETE', `/sites/${site.id}/suspension`, { reason: LIFT });
      const next = await issued(site);
      expect(await read(certificate.number)).toMatchObject({
        status: 'revoked',
        supersededBy: null,
      });
      expect((await journalOf(certificate.id)).map((j) => [j.action, j.actor_id])).toEqual([
        ['certificate.issued', admin.id],
        ['certificate.revoked', admin.id],
      ]);

      // A superseded one cannot be revoked either.
      await givenClosedAudit(t, site, people, {}, { type: 'surveillance' });
      await issued(site);
      const superseded = await call(admin, 'POST', `/certificates/${next.number}/revoke`, {
        reason: REVOCATION,
      });
      expect({ status: superseded.statusCode, code: superseded.json().code }).toEqual({
        status: 409,
        code: 'CERTIFICATE.ALREADY_FINAL',
      });
    });

    it('revokes the company’s active certificates when its membership ends', async () => {
      const leaving = await givenOrganisation(t.db);
      const a = await certifiedSite(leaving);
      const b = await certifiedSite(leaving);
      const first = await issued(a);
      await givenClosedAudit(t, a, people, {}, { type: 'surveillance' });
      const renewed = await issued(a);
      const other = await issued(b);
      const reason = 'Adhésion résiliée à la demande du membre.';
      const ended = await call(admin, 'POST', `/organisations/${leaving.id}/end-membership`, {
        reason,
      });
      expect(ended.statusCode).toBe(200);

      for (const certificate of [renewed, other]) {
        const row = await stored(certificate.number);
        expect(row).toMatchObject({ status: 'revoked', revoked_by: admin.id, version: 2 });
        expect(row.revocation_reason).toContain('Membership ended');
        expect(row.revocation_reason).toContain(reason);
        const journal = await journalOf(certificate.id);
        expect(journal.at(-1)).toMatchObject({
          action: 'certificate.revoked',
          actor_id: admin.id,
          changes: expect.objectContaining({ cause: 'membership_ended' }),
        });
      }
      expect((await stored(first.number)).status).toBe('superseded');
    });
  });

  describe('numbering', () => {
    it('has no gap: refusals and failures give no number away', async () => {
      const rows = await t.db.query<{ year: number; sequence: number }[]>(
        'SELECT year, sequence FROM certificate ORDER BY year, sequence',
      );
      expect(rows.length).toBeGreaterThan(10);
      const [{ last_sequence }] = await t.db.query<{ last_sequence: number }[]>(
        'SELECT last_sequence FROM certificate_number_counter WHERE year = $1',
        [rows[0].year],
      );
      expect(rows.map((r) => r.sequence)).toEqual(
        Array.from({ length: last_sequence }, (_, i) => i + 1),
      );
    });
  });

  describe('expiry', () => {
    /** Moves the certificate's whole validity 200 days back, so that it ended weeks ago. */
    const backdate = (id: string) =>
      t.db.query(
        `UPDATE certificate SET issued_at = issued_at - interval '200 days',
                valid_from = valid_from - 200, valid_until = valid_until - 200,
                expires_at = expires_at - interval '200 days'
          WHERE id = $1`,
        [id],
      );

    it('shows an active certificate past its end as expired before the sweep stores it', async () => {
      const site = await certifiedSite();
      const certificate = await issued(site);
      await backdate(certificate.id);
      expect(await read(certificate.number)).toMatchObject({ status: 'expired', version: 1 });
      expect((await stored(certificate.number)).status).toBe('valid');
      const expired = await call(admin, 'GET', `/certificates?status=expired&siteId=${site.id}`);
      expect(expired.json().items.map((c: CertificateResponse) => c.number)).toEqual([
        certificate.number,
      ]);
      const valid = await call(admin, 'GET', `/certificates?status=active&siteId=${site.id}`);
      expect(valid.json().total).toBe(0);
      const revoke = await call(admin, 'POST', `/certificates/${certificate.number}/revoke`, {
        reason: REVOCATION,
      });
      expect(revoke.statusCode).toBe(409);
      expect(revoke.json()).toMatchObject({
        code: 'CERTIFICATE.ALREADY_FINAL',
        certificateStatus: 'expired',
      });

      const lifecycle = t.app.get(CertificateLifecycleService);
      expect(await lifecycle.sweepExpired()).toBeGreaterThanOrEqual(1);
      expect(await stored(certificate.number)).toMatchObject({ status: 'expired', version: 2 });
      expect(await lifecycle.sweepExpired()).toBe(0);
      expect((await journalOf(certificate.id)).map((j) => [j.action, j.actor_id])).toEqual([
        ['certificate.issued', admin.id],
        ['certificate.expired', null],
      ]);
    });

    it('stores an ended one as expired, not superseded, when the site is certified again', async () => {
      const site = await certifiedSite();
      const old = await issued(site);
      await backdate(old.id);
      const renewed = await issued(site);
      expect(await read(old.number)).toMatchObject({
        status: 'expired',
        supersededBy: null,
        version: 2,
      });
      expect((await journalOf(old.id)).map((j) => [j.action, j.actor_id])).toEqual([
        ['certificate.issued', admin.id],
        ['certificate.expired', null],
      ]);
      expect((await journalOf(renewed.id))[0].changes.supersedes).toBeNull();
    });

    it('expires with the site’s audit validity when the compliance sweep runs with the clock set forward', async () => {
      const site = await certifiedSite();
      const certificate = await issued(site);
      const at = new Date(new Date(`${site.closed.visitedOn}T12:00:00Z`).getTime() + 181 * DAY);
      await t.app.get(ComplianceSweep).sweep(at);
      expect(await stored(certificate.number)).toMatchObject({ status: 'expired', version: 2 });
      expect((await journalOf(certificate.id)).at(-1)).toMatchObject({
        action: 'certificate.expired',
        actor_id: null,
        changes: expect.objectContaining({ siteStatus: { before: 'compliant', after: 'expired' } }),
      });
    });

    it('expires every certificate past its end in the scheduled job', async () => {
      const certificate = await issued(await certifiedSite());
      expect(await t.app.get(SchedulerService).runNow('certificates.expire')).toBe('completed');
      expect((await stored(certificate.number)).status).toBe('valid');
      const later = new Date(new Date(certificate.expiresAt).getTime() + 1000);
      expect(await t.app.get(CertificateLifecycleService).sweepExpired(later)).toBeGreaterThan(0);
      expect((await stored(certificate.number)).status).toBe('expired');
      const [{ active }] = await t.db.query<{ active: number }[]>(
        `SELECT count(*)::int AS active FROM certificate
          WHERE status IN ('valid', 'suspended') AND expires_at <= $1`,
        [later],
      );
      expect(active).toBe(0);
    });
  });
});
