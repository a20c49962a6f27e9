import type { Audit } from 'src/audits/audit.entity';
import type { FindingResult } from 'src/audits/audits.types';
import { ComplianceSweep } from 'src/compliance/compliance-sweep';
import { ComplianceModule } from 'src/compliance/compliance.module';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import {
  apiCaller,
  CODES_2020_1,
  givenAudit,
  givenFindings,
  givenOrganisation,
  givenSite,
  givenUser,
} from '../factories';

const DAY = 24 * 60 * 60 * 1000;
const MISSING = '6a1c0b2d-0000-4000-8000-00000000c0a1';
const DESCRIPTION = 'Registre de nettoyage tenu à chaque rotation, affiché à l’entrée.';
const REJECTION = 'Le registre ne couvre pas l’équipe de nuit.';
const SUSPENSION = 'Cas groupés signalés par la délégation de santé.';
const LIFT = 'Désinfection complète constatée par l’auditeur.';

interface ComplianceBody {
  siteId: string;
  status: string;
  score: number | null;
  groupScores: Record<string, number | null>;
  reasons: { rule: string; detail: { fr: string; en: string }; refs: Record<string, string[]> }[];
  evaluatedAt: string;
  validUntil: string | null;
}

describe('compliance', () => {
  let t: TestApp;
  let admin: User;
  let auditor: User;
  let organisation: Organisation;
  let member: User;
  let otherMember: User;

  const call = apiCaller(() => t);

  const compliance = async (site: Pick<Site, 'id'>, user: User = admin) => {
    const res = await call(user, 'GET', `/sites/${site.id}/compliance`);
    expect(res.statusCode).toBe(200);
    return res.json<ComplianceBody>();
  };
  const rulesOf = (body: ComplianceBody) => body.reasons.map((r) => r.rule);
  const stored = async (site: Pick<Site, 'id'>) => {
    const [row] = await t.db.query<{ status: string; reasons: { rule: string }[] }[]>(
      'SELECT status, reasons FROM site_compliance WHERE site_id = $1',
      [site.id],
    );
    return row ? { status: row.status, rules: row.reasons.map((r) => r.rule) } : undefined;
  };
  const history = (site: Pick<Site, 'id'>) =>
    t.db.query<{ from_status: string | null; to_status: string; cause: string }[]>(
      `SELECT from_status, to_status, cause FROM site_compliance_history
        WHERE site_id = $1 ORDER BY seq`,
      [site.id],
    );
  const journalOf = (siteId: string) =>
    t.db.query<{ action: string; actor_id: string | null; changes: Record<string, unknown> }[]>(
      `SELECT action, actor_id, changes FROM journal_entry
        WHERE entity_type = 'site' AND entity_id = $1 AND action <> 'site.created' ORDER BY seq`,
      [siteId],
    );

  /** A site with an audit closed through the API (so that the listener runs), with these NCs. */
  const closedAudit = async (results: Record<string, FindingResult>, site?: Site) => {
    site ??= await givenSite(t.db, organisation);
    const audit = await givenAudit(t.db, site, auditor, { status: 'submitted' });
    await givenFindings(t.db, audit, auditor, {
      ...Object.fromEntries(CODES_2020_1.map((code) => [code, 'conform' as const])),
      ...results,
    });
    const res = await call(admin, 'POST', `/audits/${audit.id}/close`, undefined, {
      'if-match': '"1"',
    });
    expect(res.statusCode).toBe(200);
    const closed = await t.db.query<{ closed_at: Date; visited_on: string }[]>(
      `SELECT closed_at, visited_on::text FROM audit WHERE id = $1`,
      [audit.id],
    );
    return { site, audit, closedAt: closed[0].closed_at, visitedOn: closed[0].visited_on };
  };
  const actionOf = (audit: Pick<Audit, 'id'>, code: string) =>
    t.db
      .getRepository(CorrectiveAction)
      .findOneByOrFail({ auditId: audit.id, commitmentCode: code });
  const sweep = (at: Date) => t.app.get(ComplianceSweep).sweep(at);

  beforeAll(async () => {
    t = await createTestApp({ extraModules: [ComplianceModule] });
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    const otherOrganisation = await givenOrganisation(t.db);
    otherMember = await givenUser(t.db, 'member', { organisationId: otherOrganisation.id });
  });

  afterAll(async () => {
    await t.close();
  });

  describe('GET /sites/:id/compliance', () => {
    it('answers not_assessed with a null score for a site never audited, without storing it', async () => {
      const site = await givenSite(t.db, organisation);
      const body = await compliance(site, member);
      expect(body).toMatchObject({
        siteId: site.id,
        status: 'not_assessed',
        score: null,
        groupScores: { employees: null, clients: null, providers: null, community: null },
        validUntil: null,
      });
      expect(rulesOf(body)).toEqual(['no_closed_audit']);
      expect(body.reasons[0].detail).toEqual({ fr: expect.any(String), en: expect.any(String) });
      expect(await stored(site)).toBeUndefined();
    });

    it('answers 401 without a token, 404 to a member of another company, 400 on a bad id', async () => {
      const site = await givenSite(t.db, organisation);
      expect((await call(null, 'GET', `/sites/${site.id}/compliance`)).statusCode).toBe(401);
      const foreign = await call(otherMember, 'GET', `/sites/${site.id}/compliance`);
      expect({ status: foreign.statusCode, code: foreign.json().code }).toEqual({
        status: 404,
        code: 'SITE.NOT_FOUND',
      });
      const history = await call(otherMember, 'GET', `/sites/${site.id}/compliance/history`);
      expect(history.statusCode).toBe(404);
      expect((await call(admin, 'GET', `/sites/${MISSING}/compliance`)).statusCode).toBe(404);
      expect((await call(admin, 'GET', `/sites/not-a-uuid/compliance`)).statusCode).toBe(400);
      expect((await call(auditor, 'GET', `/sites/${site.id}/compliance`)).statusCode).toBe(200);
    });
  });

  describe('a full audit cycle', () => {
    it('gives the status and reasons after each event, with one history entry per change', async () => {
      const { site, audit } = await closedAudit({ E02: 'major_nc', E07: 'minor_nc' });
      const closed = await compliance(site, member);
      expect(closed.status).toBe('non_compliant');
      expect(rulesOf(closed)).toEqual(['open_major_nc', 'open_nc_on_critical', 'open_minor_nc']);
      expect(closed.score).toBeGreaterThan(75);
      expect(closed.score).toBeLessThan(100);
      expect(closed.validUntil).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const e02 = await actionOf(audit, 'E02');
      const e07 = await actionOf(audit, 'E07');
      expect(closed.reasons[0].refs.correctiveActionIds).toEqual([e02.id]);
      expect(await stored(site)).toEqual({
        status: 'non_compliant',
        rules: ['open_major_nc', 'open_nc_on_critical', 'open_minor_nc'],
      });

      // A response stops nothing: the NC stays open until verified.
      expect(
        (
          await call(member, 'POST', `/corrective-actions/${e02.id}/response`, {
            description: DESCRIPTION,
          })
        ).statusCode,
      ).toBe(200);
      expect((await compliance(site)).status).toBe('non_compliant');

      expect(
        (await call(auditor, 'POST', `/corrective-actions/${e02.id}/verify`, {})).statusCode,
      ).toBe(200);
      const verified = await compliance(site);
      expect(verified.status).toBe('conditionally_compliant');
      expect(rulesOf(verified)).toEqual(['open_minor_nc']);
      expect(verified.score!).toBeGreaterThan(closed.score!);

      expect(
        (
          await call(member, 'POST', `/corrective-actions/${e07.id}/response`, {
            description: DESCRIPTION,
          })
        ).statusCode,
      ).toBe(200);
      expect(
        (
          await call(auditor, 'POST', `/corrective-actions/${e07.id}/reject`, {
            comment: REJECTION,
          })
        ).statusCode,
      ).toBe(200);
      expect((await compliance(site)).status).toBe('conditionally_compliant');
      expect(
        (
          await call(member, 'POST', `/corrective-actions/${e07.id}/response`, {
            description: DESCRIPTION,
          })
        ).statusCode,
      ).toBe(200);
      expect(
        (await call(auditor, 'POST', `/corrective-actions/${e07.id}/verify`, {})).statusCode,
      ).toBe(200);
      const compliant = await compliance(site);
      expect(compliant).toMatchObject({ status: 'compliant', score: 100, reasons: [] });
      expect(await stored(site)).toEqual({ status: 'compliant', rules: [] });

      // Only the events that changed status, score or reasons are in the history.
      expect(await history(site)).toEqual([
        { from_status: null, to_status: 'non_compliant', cause: 'audit_closed' },
        {
          from_status: 'non_compliant',
          to_status: 'conditionally_compliant',
          cause: 'corrective_action_verified',
        },
        {
          from_status: 'conditionally_compliant',
          to_status: 'compliant',
          cause: 'corrective_action_verified',
        },
      ]);
      const page = await call(member, 'GET', `/sites/${site.id}/compliance/history?pageSize=2`);
      expect(page.statusCode).toBe(200);
      expect(page.json()).toMatchObject({ total: 3, page: 1, pageSize: 2 });
      expect(page.json().items.map((i: { to: string; cause: string }) => [i.to, i.cause])).toEqual([
        ['compliant', 'corrective_action_verified'],
        ['conditionally_compliant', 'corrective_action_verified'],
      ]);
    });

    it('lets a newer audit supersede the older one’s actions: one entry, caused by the closing', async () => {
      const { site } = await closedAudit({ E06: 'major_nc' });
      expect((await compliance(site)).status).toBe('non_compliant');
      await closedAudit({}, site);
      expect((await compliance(site)).status).toBe('compliant');
      expect((await history(site)).map((h) => [h.to_status, h.cause])).toEqual([
        ['non_compliant', 'audit_closed'],
        ['compliant', 'audit_closed'],
      ]);
    });
  });

  describe('suspension', () => {
    it('overrides the status until lifted, journalled, in one transaction', async () => {
      const { site } = await closedAudit({});
      expect((await compliance(site)).status).toBe('compliant');

      const set = await call(admin, 'POST', `/sites/${site.id}/suspension`, { reason: SUSPENSION });
      expect(set.statusCode).toBe(201);
      expect(set.json()).toMatchObject({ siteId: site.id, status: 'suspended' });
      const suspended = await compliance(site, member);
      expect(rulesOf(suspended)).toEqual(['site_suspended']);
      expect(suspended.score).toBe(100);
      expect(await stored(site)).toEqual({ status: 'suspended', rules: ['site_suspended'] });

      const again = await call(admin, 'POST', `/sites/${site.id}/suspension`, {
        reason: SUSPENSION,
      });
      expect({ status: again.statusCode, code: again.json().code }).toEqual({
        status: 409,
        code: 'SITE.ALREADY_SUSPENDED',
      });

      const lifted = await call(admin, 'DELETE', `/sites/${site.id}/suspension`, { reason: LIFT });
      expect(lifted.statusCode).toBe(200);
      expect(lifted.json().status).toBe('compliant');
      const twice = await call(admin, 'DELETE', `/sites/${site.id}/suspension`, { reason: LIFT });
      expect({ status: twice.statusCode, code: twice.json().code }).toEqual({
        status: 409,
        code: 'SITE.NOT_SUSPENDED',
      });

      expect((await history(site)).map((h) => [h.from_status, h.to_status, h.cause])).toEqual([
        [null, 'compliant', 'audit_closed'],
        ['compliant', 'suspended', 'suspension_set'],
        ['suspended', 'compliant', 'suspension_lifted'],
      ]);
      const journal = await journalOf(site.id);
      expect(journal.map((j) => [j.action, j.actor_id])).toEqual([
        ['site.suspended', admin.id],
        ['site.suspension_lifted', admin.id],
      ]);
      expect(journal[0].changes).toMatchObject({
        reason: SUSPENSION,
        status: { before: 'compliant', after: 'suspended' },
      });
      const [{ count }] = await t.db.query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM site_suspension
          WHERE site_id = $1 AND lifted_at IS NOT NULL AND lift_reason = $2`,
        [site.id, LIFT],
      );
      expect(count).toBe(1);
    });

    it('suspends a site never audited, and refuses bad input, other roles and unknown sites', async () => {
      const site = await givenSite(t.db, organisation);
      const url = `/sites/${site.id}/suspension`;
      expect((await call(null, 'POST', url, { reason: SUSPENSION })).statusCode).toBe(401);
      expect((await call(member, 'POST', url, { reason: SUSPENSION })).statusCode).toBe(403);
      expect((await call(auditor, 'POST', url, { reason: SUSPENSION })).statusCode).toBe(403);
      expect((await call(auditor, 'DELETE', url, { reason: LIFT })).statusCode).toBe(403);
      const short = await call(admin, 'POST', url, { reason: 'x'.repeat(9) });
      expect(short.statusCode).toBe(400);
      expect(short.json().errors.map((e: { field: string }) => e.field)).toEqual(['reason']);
      expect((await call(admin, 'POST', url, { reason: 'x'.repeat(501) })).statusCode).toBe(400);
      expect((await call(admin, 'POST', url, { reason: SUSPENSION, extra: 1 })).statusCode).toBe(
        400,
      );
      expect(
        (await call(admin, 'POST', `/sites/${MISSING}/suspension`, { reason: SUSPENSION }))
          .statusCode,
      ).toBe(404);
      expect(
        (await call(admin, 'DELETE', `/sites/${MISSING}/suspension`, { reason: LIFT })).statusCode,
      ).toBe(404);
      expect(await stored(site)).toBeUndefined();

      const set = await call(admin, 'POST', url, { reason: SUSPENSION });
      expect(set.statusCode).toBe(201);
      expect(rulesOf(set.json())).toEqual(['site_suspended', 'no_closed_audit']);
      const lifted = await call(admin, 'DELETE', url, { reason: LIFT });
      expect(lifted.json().status).toBe('not_assessed');
      expect((await history(site)).map((h) => [h.from_status, h.to_status])).toEqual([
        [null, 'suspended'],
        ['suspended', 'not_assessed'],
      ]);
    });
  });

  describe('the sweep', () => {
    it('moves a site to expired once its validity has ended, once', async () => {
      const { site, visitedOn } = await closedAudit({});
      const at = new Date(new Date(`${visitedOn}T12:00:00Z`).getTime() + 181 * DAY);
      expect(await sweep(new Date())).toMatchObject({ changed: 0 });

      const first = await sweep(at);
      expect(first.changed).toBeGreaterThanOrEqual(1);
      expect(await stored(site)).toEqual({ status: 'expired', rules: ['audit_expired'] });
      expect((await history(site)).map((h) => [h.from_status, h.to_status, h.cause])).toEqual([
        [null, 'compliant', 'audit_closed'],
        ['compliant', 'expired', 'sweep'],
      ]);
      const journal = await journalOf(site.id);
      expect(journal).toEqual([
        {
          action: 'compliance.status_changed',
          actor_id: null,
          changes: expect.objectContaining({
            cause: 'sweep',
            status: { before: 'compliant', after: 'expired' },
          }),
        },
      ]);

      // Idempotent: a second run changes nothing.
      expect(await sweep(at)).toMatchObject({ changed: 0 });
      expect(await history(site)).toHaveLength(2);
      expect(await journalOf(site.id)).toHaveLength(1);
    });

    it('still valid on the last day of the validity (visitedOn + 180)', async () => {
      const { site, visitedOn } = await closedAudit({});
      // Noon in Casablanca on the last valid day.
      const lastDay = new Date(new Date(`${visitedOn}T11:00:00Z`).getTime() + 180 * DAY);
      await sweep(lastDay);
      expect((await stored(site))?.status).toBe('compliant');
    });

    it('moves a site with an overdue corrective action to non_compliant', async () => {
      const { site, audit, closedAt } = await closedAudit({ E07: 'minor_nc' });
      expect((await compliance(site)).status).toBe('conditionally_compliant');
      const e07 = await actionOf(audit, 'E07');

      await sweep(new Date(e07.dueAt.getTime() - 1000));
      expect((await stored(site))?.status).toBe('conditionally_compliant');

      const at = new Date(closedAt.getTime() + 31 * DAY);
      await sweep(at);
      const after = await stored(site);
      expect(after).toEqual({
        status: 'non_compliant',
        rules: ['corrective_action_overdue', 'open_minor_nc'],
      });
      expect((await history(site)).map((h) => [h.to_status, h.cause])).toEqual([
        ['conditionally_compliant', 'audit_closed'],
        ['non_compliant', 'sweep'],
      ]);
      expect(await sweep(at)).toMatchObject({ changed: 0 });
      expect(await history(site)).toHaveLength(2);
    });

    it('records one history entry per change when two sweeps run at once', async () => {
      const sites = await Promise.all([closedAudit({}), closedAudit({}), closedAudit({})]);
      const at = new Date(new Date(`${sites[0].visitedOn}T12:00:00Z`).getTime() + 200 * DAY);
      const [a, b] = await Promise.all([sweep(at), sweep(at)]);
      expect(a.changed + b.changed).toBeGreaterThanOrEqual(sites.length);
      for (const { site } of sites) {
        expect((await history(site)).map((h) => h.to_status)).toEqual(['compliant', 'expired']);
        expect(await journalOf(site.id)).toHaveLength(1);
      }
    });

    it('runs as a scheduled job', async () => {
      const { SchedulerService } = await import('src/scheduler/scheduler.service');
      expect(await t.app.get(SchedulerService).runNow('compliance-sweep')).toBe('completed');
    });
  });
});
