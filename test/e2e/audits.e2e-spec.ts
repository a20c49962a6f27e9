import { randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Audit } from 'src/audits/audit.entity';
import { AuditFinding } from 'src/audits/audit-finding.entity';
import { AuditsService } from 'src/audits/audits.service';
import type { FindingResult } from 'src/audits/audits.types';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import { JournalService } from 'src/journal/journal.service';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import {
  apiCaller,
  CODES_2020_1,
  givenAnswers,
  givenAudit,
  givenEvidence,
  givenFindings,
  givenOrganisation,
  givenSelfAssessment,
  givenSite,
  givenUser,
} from '../factories';

const MISSING = '6a1c0b2d-0000-4000-8000-00000000a0d1';
const JUSTIFICATION = 'Aucune activité de back-office sur ce site.'; // ≥ 20 characters

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect({ status: res.statusCode, code: res.json().code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

const fieldsOf = (problem: { errors?: { field: string }[] }) =>
  (problem.errors ?? []).map((e) => e.field);

/** Every commitment of 2020.1 conform, except the ones given. */
const allConform = (except: Record<string, FindingResult> = {}): Record<string, FindingResult> => ({
  ...Object.fromEntries(CODES_2020_1.map((code) => [code, 'conform' as const])),
  ...except,
});

// A mixed audit of a front-office site (E10 may be N/A there): weights 3/2/1 (charter-v1.md).
const MIXED = allConform({
  E03: 'major_nc', // critical
  E06: 'minor_nc', // major
  E08: 'observation',
  E10: 'not_applicable', // standard, out of both sums
  E19: 'minor_nc', // standard
});

describe('audits', () => {
  let t: TestApp;
  let admin: User;
  let auditor: User;
  let otherAuditor: User;
  let disabledAuditor: User;
  let organisation: Organisation;
  let member: User;
  let otherMember: User;
  let otherSite: Site;
  const today = calendarDate(new Date());
  const tomorrow = addDays(today, 1);

  const call = apiCaller(() => t);

  /** A site of the organisation: front office only, remote workers, staff transport. */
  const newSite = (over: Partial<Site> = {}) =>
    givenSite(t.db, organisation, {
      activities: ['front_office'],
      headcountRemote: 30,
      providesStaffTransport: true,
      ...over,
    });

  const planBody = (site: Site, over: Record<string, unknown> = {}) => ({
    siteId: site.id,
    type: 'initial',
    plannedFor: tomorrow,
    auditorId: auditor.id,
    ...over,
  });

  const plan = async (site: Site, over: Record<string, unknown> = {}) => {
    const res = await call(admin, 'POST', '/audits', planBody(site, over));
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string; version: number }>();
  };

  const start = async (site: Site, by = auditor) => {
    const planned = await plan(site, { auditorId: by.id });
    const res = await call(by, 'POST', `/audits/${planned.id}/start`);
    expect(res.statusCode).toBe(200);
    return res.json<{ id: string; version: number }>();
  };

  const record = (user: User, id: string, code: string, body: object, ifMatch: string | null) =>
    call(
      user,
      'PUT',
      `/audits/${id}/findings/${code}`,
      body,
      ifMatch ? { 'if-match': ifMatch } : {},
    );

  /** Records the results through the API, one by one; returns the audit's last version. */
  const recordAll = async (id: string, version: number, results: Record<string, FindingResult>) => {
    for (const [code, result] of Object.entries(results)) {
      const note = result === 'conform' || result === 'observation' ? undefined : JUSTIFICATION;
      const res = await record(auditor, id, code, { result, note }, `"${version}"`);
      expect(res.statusCode).toBe(200);
      version = res.json<{ version: number }>().version;
    }
    return version;
  };

  const submitted = async (site: Site, results = MIXED) => {
    const audit = await start(site);
    const version = await recordAll(audit.id, audit.version, results);
    const res = await call(auditor, 'POST', `/audits/${audit.id}/submit`, undefined, {
      'if-match': `"${version}"`,
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ id: string; version: number }>();
  };

  const closed = async (site: Site, results = MIXED) => {
    const audit = await submitted(site, results);
    const res = await call(admin, 'POST', `/audits/${audit.id}/close`, undefined, {
      'if-match': `"${audit.version}"`,
    });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  const auditRow = (id: string) => t.db.getRepository(Audit).findOneByOrFail({ id });
  const journalOf = (entityId: string) =>
    t.db.query<{ action: string; actor_id: string | null; changes: Record<string, unknown> }[]>(
      'SELECT action, actor_id, changes FROM journal_entry WHERE entity_id = $1 ORDER BY seq',
      [entityId],
    );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor', { fullName: 'Nadia Auditrice' });
    otherAuditor = await givenUser(t.db, 'auditor');
    disabledAuditor = await givenUser(t.db, 'auditor', { disabledAt: new Date() });
    organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    const otherOrganisation = await givenOrganisation(t.db);
    otherSite = await givenSite(t.db, otherOrganisation);
    otherMember = await givenUser(t.db, 'member', { organisationId: otherOrganisation.id });
  });

  afterAll(async () => {
    await t.close();
  });

  describe('POST /audits', () => {
    it('plans an audit, answers it with its ETag and journals it', async () => {
      const site = await newSite();
      const res = await call(admin, 'POST', '/audits', planBody(site, { type: 'surveillance' }));
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({
        id: expect.any(String),
        siteId: site.id,
        organisationId: organisation.id,
        type: 'surveillance',
        status: 'planned',
        plannedFor: tomorrow,
        visitedOn: null,
        auditorId: auditor.id,
        plannedBy: admin.id,
        charterVersion: null,
        startedAt: null,
        submittedAt: null,
        closedAt: null,
        closedBy: null,
        cancelledAt: null,
        cancelReason: null,
        score: null,
        groupScores: null,
        version: 1,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        returns: [],
        progress: null,
        groups: null,
        selfAssessmentGap: null,
        correctiveActions: [],
      });
      expect(res.headers.etag).toBe('"1"');
      expect(await auditRow(body.id)).toMatchObject({
        status: 'planned',
        plannedFor: tomorrow,
        auditorId: auditor.id,
      });
      expect(await journalOf(body.id)).toEqual([
        {
          action: 'audit.planned',
          actor_id: admin.id,
          changes: {
            siteId: site.id,
            type: 'surveillance',
            plannedFor: tomorrow,
            auditorId: auditor.id,
            status: 'planned',
          },
        },
      ]);
    });

    it.each([
      ['an unknown type', { type: 'annual' }, 'type'],
      ['a date in another format', { plannedFor: '02/03/2026' }, 'plannedFor'],
      ['a date that does not exist', { plannedFor: '2031-02-30' }, 'plannedFor'],
      ['a date in the past', { plannedFor: '2020-06-01' }, 'plannedFor'],
      ['a date more than two years ahead', { plannedFor: '2099-01-01' }, 'plannedFor'],
      ['a site id that is not a UUID', { siteId: 'site-1' }, 'siteId'],
      ['an auditor id that is not a UUID', { auditorId: 42 }, 'auditorId'],
      ['an unknown field', { status: 'closed' }, 'status'],
    ])('refuses %s with 400 naming the field', async (_, over, field) => {
      const site = await newSite();
      const problem = expectProblem(
        await call(admin, 'POST', '/audits', planBody(site, over)),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual([field]);
      expect(await t.db.getRepository(Audit).countBy({ siteId: site.id })).toBe(0);
    });

    it('accepts today, in Africa/Casablanca', async () => {
      const res = await call(
        admin,
        'POST',
        '/audits',
        planBody(await newSite(), { plannedFor: today }),
      );
      expect(res.statusCode).toBe(201);
    });

    it.each([
      ['a member', () => member.id, 'must be an auditor, not a user with the member role'],
      ['an administrator', () => admin.id, 'must be an auditor, not a user with the admin role'],
      ['a disabled auditor', () => disabledAuditor.id, 'is a disabled user'],
      ['nobody', () => MISSING, 'is not a user'],
    ])('refuses %s as auditor with 422 naming auditorId', async (_, auditorId, message) => {
      const site = await newSite();
      const problem = expectProblem(
        await call(admin, 'POST', '/audits', planBody(site, { auditorId: auditorId() })),
        422,
        'AUDIT.AUDITOR_INVALID',
      );
      expect(problem.errors).toEqual([{ field: 'auditorId', message }]);
      expect(await t.db.getRepository(Audit).countBy({ siteId: site.id })).toBe(0);
    });

    it('answers 404 for a site that does not exist', async () => {
      expectProblem(
        await call(admin, 'POST', '/audits', { ...planBody(otherSite), siteId: MISSING }),
        404,
        'SITE.NOT_FOUND',
      );
    });

    it('keeps one audit per site neither closed nor cancelled, naming it (409)', async () => {
      const site = await newSite();
      const first = await plan(site);
      const problem = expectProblem(
        await call(admin, 'POST', '/audits', planBody(site)),
        409,
        'AUDIT.SITE_HAS_ACTIVE_AUDIT',
      );
      expect(problem.auditId).toBe(first.id);
      const cancel = await call(admin, 'POST', `/audits/${first.id}/cancel`, {
        reason: 'Site fermé pour travaux',
      });
      expect(cancel.statusCode).toBe(200);
      expect((await call(admin, 'POST', '/audits', planBody(site))).statusCode).toBe(201);
    });

    it('lets one of ten concurrent plans of a site through; the database decides', async () => {
      const site = await newSite();
      const results = await Promise.all(
        Array.from({ length: 10 }, async () => call(admin, 'POST', '/audits', planBody(site))),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([201, ...Array<number>(9).fill(409)]);
      for (const res of results.filter((r) => r.statusCode === 409)) {
        expect(res.json().code).toBe('AUDIT.SITE_HAS_ACTIVE_AUDIT');
      }
      expect(await t.db.getRepository(Audit).countBy({ siteId: site.id })).toBe(1);
    });

    it('refuses a site whose membership has ended (409)', async () => {
      const ended = await givenOrganisation(t.db, {
        status: 'ended',
        membershipEndedAt: new Date(),
      });
      const site = await givenSite(t.db, ended, { active: false });
      expectProblem(
        await call(admin, 'POST', '/audits', planBody(site)),
        409,
        'AUDIT.SITE_INACTIVE',
      );
    });

    it('answers 401 without a token and 403 to an auditor or a member', async () => {
      const site = await newSite();
      expectProblem(await call(null, 'POST', '/audits', planBody(site)), 401, 'AUTH.INVALID_TOKEN');
      for (const user of [auditor, member]) {
        expectProblem(
          await call(user, 'POST', '/audits', planBody(site)),
          403,
          'AUTH.ROLE_NOT_ALLOWED',
        );
      }
      expect(await t.db.getRepository(Audit).countBy({ siteId: site.id })).toBe(0);
    });
  });

  describe('GET /audits', () => {
    let tag: Organisation;
    let siteA: Site;
    let siteB: Site;
    let mine: Audit;
    let theirs: Audit;
    let later: Audit;
    let foreign: Audit;
    let tagMember: User;

    beforeAll(async () => {
      tag = await givenOrganisation(t.db);
      tagMember = await givenUser(t.db, 'member', { organisationId: tag.id });
      siteA = await givenSite(t.db, tag);
      siteB = await givenSite(t.db, tag);
      mine = await givenAudit(t.db, siteA, auditor, {
        plannedFor: '2031-03-02',
        status: 'closed',
      });
      theirs = await givenAudit(t.db, siteB, otherAuditor, { plannedFor: '2031-04-10' });
      later = await givenAudit(t.db, siteA, auditor, { plannedFor: '2031-05-20' });
      foreign = await givenAudit(t.db, otherSite, auditor, { plannedFor: '2031-03-15' });
    });

    const ids = (res: LightMyRequestResponse) =>
      res.json<{ items: { id: string }[] }>().items.map((a) => a.id);

    it('gives an admin every audit, filtered by organisation, latest planned first', async () => {
      const res = await call(admin, 'GET', `/audits?organisationId=${tag.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ total: 3, page: 1, pageSize: 20 });
      expect(ids(res)).toEqual([later.id, theirs.id, mine.id]);
    });

    it.each([
      ['siteId', () => `siteId=${siteB.id}`, () => [theirs.id]],
      ['auditorId', () => `auditorId=${otherAuditor.id}`, () => [theirs.id]],
      ['status', () => `organisationId=${tag.id}&status=closed`, () => [mine.id]],
      [
        'plannedFrom and plannedTo (inclusive)',
        () => `organisationId=${tag.id}&plannedFrom=2031-03-02&plannedTo=2031-04-10`,
        () => [theirs.id, mine.id],
      ],
    ])('filters by %s', async (_, query, expected) => {
      const res = await call(admin, 'GET', `/audits?${query()}`);
      expect(ids(res)).toEqual(expected());
    });

    it('gives an auditor only the audits assigned to them, whatever the filters', async () => {
      const res = await call(otherAuditor, 'GET', `/audits?auditorId=${auditor.id}`);
      expect(res.statusCode).toBe(200);
      expect(ids(res)).toContain(theirs.id);
      expect(
        res
          .json<{ items: { auditorId: string }[] }>()
          .items.every((a) => a.auditorId === otherAuditor.id),
      ).toBe(true);
    });

    it('gives a member only their own company’s audits, whatever the filters', async () => {
      const res = await call(
        tagMember,
        'GET',
        `/audits?organisationId=${otherSite.organisationId}`,
      );
      expect(res.statusCode).toBe(200);
      expect(ids(res)).toEqual([later.id, theirs.id, mine.id]);
      expect(ids(await call(otherMember, 'GET', '/audits'))).toContain(foreign.id);
      expect(ids(await call(otherMember, 'GET', '/audits'))).not.toContain(mine.id);
    });

    it.each([
      ['status=finished', 'status'],
      ['plannedFrom=tomorrow', 'plannedFrom'],
      ['siteId=42', 'siteId'],
      ['pageSize=101', 'pageSize'],
    ])('refuses ?%s with 400 naming the field', async (query, field) => {
      const problem = expectProblem(
        await call(admin, 'GET', `/audits?${query}`),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual([field]);
    });

    it('answers 401 without a token', async () => {
      expectProblem(await call(null, 'GET', '/audits'), 401, 'AUTH.INVALID_TOKEN');
    });
  });

  describe('transitions over HTTP', () => {
    type State = 'planned' | 'in_progress' | 'submitted' | 'closed' | 'cancelled';
    type Action =
      'reschedule' | 'start' | 'record_finding' | 'submit' | 'return' | 'close' | 'cancel';
    const STATES: State[] = ['planned', 'in_progress', 'submitted', 'closed', 'cancelled'];
    // Written out independently of the code's table: anything not here must be a 409.
    const LEGAL: Record<Action, [State[], State]> = {
      reschedule: [['planned'], 'planned'],
      start: [['planned'], 'in_progress'],
      record_finding: [['in_progress'], 'in_progress'],
      submit: [['in_progress'], 'submitted'],
      return: [['submitted'], 'in_progress'],
      close: [['submitted'], 'closed'],
      cancel: [['planned', 'in_progress'], 'cancelled'],
    };
    const REQUESTS: Record<
      Action,
      (id: string) => [User, InjectOptions['method'], string, object?]
    > = {
      reschedule: (id) => [admin, 'PATCH', `/audits/${id}`, { plannedFor: addDays(today, 3) }],
      start: (id) => [auditor, 'POST', `/audits/${id}/start`],
      record_finding: (id) => [auditor, 'PUT', `/audits/${id}/findings/E01`, { result: 'conform' }],
      submit: (id) => [auditor, 'POST', `/audits/${id}/submit`],
      return: (id) => [
        admin,
        'POST',
        `/audits/${id}/return`,
        { comment: 'Revoir les preuves de E05' },
      ],
      close: (id) => [admin, 'POST', `/audits/${id}/close`],
      cancel: (id) => [
        admin,
        'POST',
        `/audits/${id}/cancel`,
        { reason: 'Site fermé pour travaux' },
      ],
    };
    const CASES = STATES.flatMap((from) =>
      (Object.keys(LEGAL) as Action[]).map((action) => {
        const [legalFrom, to] = LEGAL[action];
        return [from, action, legalFrom.includes(from) ? to : null, to] as const;
      }),
    );

    /** An audit in the state, on a fresh site, complete where submitting or closing needs it. */
    const auditIn = async (state: State) => {
      const audit = await givenAudit(t.db, await newSite(), auditor, { status: state });
      if (state === 'in_progress' || state === 'submitted') {
        await givenFindings(t.db, audit, auditor);
      }
      return audit;
    };

    it.each(CASES)('from %s, %s: %s', async (from, action, legalTo, to) => {
      const audit = await auditIn(from);
      const [user, method, url, payload] = REQUESTS[action](audit.id);
      const res = await call(user, method, url, payload, { 'if-match': '"1"' });
      if (legalTo) {
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ status: legalTo, version: 2 });
        expect(await auditRow(audit.id)).toMatchObject({ status: legalTo, version: 2 });
      } else {
        const problem = expectProblem(res, 409, 'AUDIT.ILLEGAL_TRANSITION');
        expect(problem).toMatchObject({ action, from, to });
        expect(problem.detail).toContain(from);
        expect(await auditRow(audit.id)).toMatchObject({ status: from, version: 1 });
      }
    });

    // Who may take each action: every other role is refused before anything is read.
    const ROLES: Record<Action, User['role'][]> = {
      reschedule: ['admin'],
      start: ['auditor'],
      record_finding: ['auditor'],
      submit: ['auditor'],
      return: ['admin'],
      close: ['admin'],
      cancel: ['admin'],
    };
    const WRONG_ROLES = (Object.keys(ROLES) as Action[]).flatMap((action) =>
      (['admin', 'auditor', 'member'] as const)
        .filter((role) => !ROLES[action].includes(role))
        .map((role) => [action, role] as const),
    );

    it.each(WRONG_ROLES)(
      'refuses %s to the %s role (403), changing nothing',
      async (action, role) => {
        const from = LEGAL[action][0][0];
        const audit = await auditIn(from);
        const [, method, url, payload] = REQUESTS[action](audit.id);
        const user = { admin, auditor, member }[role];
        const res = await call(user, method, url, payload, { 'if-match': '"1"' });
        expectProblem(res, 403, 'AUTH.ROLE_NOT_ALLOWED');
        expect(await auditRow(audit.id)).toMatchObject({ status: from, version: 1 });
      },
    );

    it.each(['start', 'record_finding', 'submit'] as const)(
      'answers 404 to another auditor for %s, as for a missing audit',
      async (action) => {
        const audit = await auditIn(LEGAL[action][0][0]);
        const [, method, url, payload] = REQUESTS[action](audit.id);
        const res = await call(otherAuditor, method, url, payload, { 'if-match': '"1"' });
        expectProblem(res, 404, 'AUDIT.NOT_FOUND');
        const [, , missingUrl] = REQUESTS[action](MISSING);
        const missing = await call(otherAuditor, method, missingUrl, payload, {
          'if-match': '"1"',
        });
        expect(missing.json().detail).toBe(res.json().detail);
        expect(await auditRow(audit.id)).toMatchObject({ version: 1 });
      },
    );

    it.each(Object.keys(REQUESTS) as Action[])(
      'answers 404 for %s on a missing audit',
      async (action) => {
        const [user, method, url, payload] = REQUESTS[action](MISSING);
        expectProblem(
          await call(user, method, url, payload, { 'if-match': '"1"' }),
          404,
          'AUDIT.NOT_FOUND',
        );
      },
    );

    it.each(Object.keys(REQUESTS) as Action[])(
      'answers 400 for %s on an id that is not a UUID',
      async (action) => {
        const [user, method, url, payload] = REQUESTS[action]('audit-1');
        const res = await call(user, method, url, payload, { 'if-match': '"1"' });
        expect(res.statusCode).toBe(400);
      },
    );

    it('lets nothing change a closed audit, whatever the path (database trigger)', async () => {
      const audit = await auditIn('closed');
      await expect(
        t.db.query(`UPDATE audit SET status = 'in_progress' WHERE id = $1`, [audit.id]),
      ).rejects.toThrow(/can no longer change/);
      await expect(
        t.db.query(
          `INSERT INTO audit_finding (audit_id, commitment_code, result, recorded_by)
           VALUES ($1, 'E01', 'conform', $2)`,
          [audit.id, auditor.id],
        ),
      ).rejects.toThrow(/can no longer change/);
    });
  });

  describe('PATCH /audits/:id, POST /audits/:id/cancel', () => {
    it('reschedules and reassigns a planned audit, journalling what changed', async () => {
      const audit = await plan(await newSite());
      const later = addDays(today, 10);
      const res = await call(
        admin,
        'PATCH',
        `/audits/${audit.id}`,
        { plannedFor: later, auditorId: otherAuditor.id },
        { 'if-match': '"1"' },
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        plannedFor: later,
        auditorId: otherAuditor.id,
        version: 2,
      });
      expect(res.headers.etag).toBe('"2"');
      expect((await journalOf(audit.id)).at(-1)).toEqual({
        action: 'audit.rescheduled',
        actor_id: admin.id,
        changes: {
          plannedFor: { before: tomorrow, after: later },
          auditorId: { before: auditor.id, after: otherAuditor.id },
        },
      });
      // The former auditor no longer sees it; the new one does.
      expectProblem(await call(auditor, 'GET', `/audits/${audit.id}`), 404, 'AUDIT.NOT_FOUND');
      expect((await call(otherAuditor, 'GET', `/audits/${audit.id}`)).statusCode).toBe(200);
    });

    it('answers 400 naming a field sent as null, and changes nothing', async () => {
      const audit = await plan(await newSite());
      for (const field of ['plannedFor', 'auditorId']) {
        const problem = expectProblem(
          await call(admin, 'PATCH', `/audits/${audit.id}`, { [field]: null }),
          400,
          'REQUEST.VALIDATION_FAILED',
        );
        expect(problem.errors).toEqual([{ field, message: expect.any(String) }]);
      }
      expect(await journalOf(audit.id)).toHaveLength(1);
    });

    it('changes nothing, not even the version, when nothing differs', async () => {
      const audit = await plan(await newSite());
      const res = await call(admin, 'PATCH', `/audits/${audit.id}`, { plannedFor: tomorrow });
      expect(res.json()).toMatchObject({ version: 1 });
      expect(await journalOf(audit.id)).toHaveLength(1);
    });

    it('refuses a stale If-Match (412), a past date (400), a member as auditor (422)', async () => {
      const audit = await plan(await newSite());
      expectProblem(
        await call(
          admin,
          'PATCH',
          `/audits/${audit.id}`,
          { plannedFor: addDays(today, 5) },
          { 'if-match': '"7"' },
        ),
        412,
        'AUDIT.VERSION_MISMATCH',
      );
      expectProblem(
        await call(admin, 'PATCH', `/audits/${audit.id}`, { plannedFor: '2020-01-01' }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expectProblem(
        await call(admin, 'PATCH', `/audits/${audit.id}`, { auditorId: member.id }),
        422,
        'AUDIT.AUDITOR_INVALID',
      );
      expect(await auditRow(audit.id)).toMatchObject({ version: 1, plannedFor: tomorrow });
    });

    it('cancels with a reason, for good, and journals it', async () => {
      const audit = await start(await newSite());
      const res = await call(admin, 'POST', `/audits/${audit.id}/cancel`, {
        reason: '  Le site a fermé définitivement.  ',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'cancelled',
        cancelReason: 'Le site a fermé définitivement.',
        cancelledAt: expect.any(String),
      });
      expect((await journalOf(audit.id)).at(-1)).toEqual({
        action: 'audit.cancelled',
        actor_id: admin.id,
        changes: {
          status: { before: 'in_progress', after: 'cancelled' },
          reason: 'Le site a fermé définitivement.',
        },
      });
    });

    it.each([
      ['no reason', {}],
      ['a reason too short', { reason: 'fermé' }],
      ['a reason over 2000 characters', { reason: 'x'.repeat(2001) }],
    ])('refuses to cancel with %s (400)', async (_, body) => {
      const audit = await plan(await newSite());
      const problem = expectProblem(
        await call(admin, 'POST', `/audits/${audit.id}/cancel`, body),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual(['reason']);
      expect(await auditRow(audit.id)).toMatchObject({ status: 'planned' });
    });
  });

  describe('POST /audits/:id/start', () => {
    it('records today’s date in Casablanca and fixes the latest published version', async () => {
      const planned = await plan(await newSite());
      const res = await call(auditor, 'POST', `/audits/${planned.id}/start`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        status: 'in_progress',
        visitedOn: calendarDate(new Date()),
        charterVersion: '2020.1',
        startedAt: expect.any(String),
        progress: { recorded: 0, total: 20 },
        version: 2,
      });
      expect(body.groups.map((g: { group: string }) => g.group)).toEqual([
        'employees',
        'clients',
        'providers',
        'community',
      ]);
      expect(
        body.groups.flatMap((g: { commitments: { code: string }[] }) =>
          g.commitments.map((c) => c.code),
        ),
      ).toEqual(CODES_2020_1);
      expect((await journalOf(planned.id)).at(-1)).toEqual({
        action: 'audit.started',
        actor_id: auditor.id,
        changes: {
          status: { before: 'planned', after: 'in_progress' },
          visitedOn: body.visitedOn,
          charterVersion: '2020.1',
        },
      });
    });
  });

  describe('PUT /audits/:id/findings/:code', () => {
    it('records a finding with evidence, moves the ETag and journals it', async () => {
      const site = await newSite();
      const audit = await start(site);
      const evidence = await givenEvidence(t.db, site, auditor);
      const res = await record(
        auditor,
        audit.id,
        'E05',
        {
          result: 'major_nc',
          note: '  Aucun registre de nettoyage.  ',
          evidenceIds: [evidence.id],
        },
        '"2"',
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"3"');
      const e05 = res.json().groups[0].commitments.find((c: { code: string }) => c.code === 'E05');
      expect(e05).toMatchObject({
        code: 'E05',
        criticality: 'critical',
        weight: 3,
        finding: {
          id: expect.any(String),
          result: 'major_nc',
          value: 0,
          note: 'Aucun registre de nettoyage.',
          evidenceIds: [evidence.id],
          recordedBy: auditor.id,
        },
      });
      expect((await journalOf(audit.id)).at(-1)).toEqual({
        action: 'audit.finding_recorded',
        actor_id: auditor.id,
        changes: {
          code: 'E05',
          findingId: e05.finding.id,
          result: { before: null, after: 'major_nc' },
          note: { before: null, after: 'Aucun registre de nettoyage.' },
          evidenceIds: [evidence.id],
        },
      });

      // Replaced: the same row (hence the same evidence link), a new result.
      const again = await record(auditor, audit.id, 'E05', { result: 'conform' }, '"3"');
      const replaced = again
        .json()
        .groups[0].commitments.find((c: { code: string }) => c.code === 'E05');
      expect(replaced.finding).toMatchObject({
        id: e05.finding.id,
        result: 'conform',
        note: null,
        evidenceIds: [],
      });
      expect(await t.db.getRepository(AuditFinding).countBy({ auditId: audit.id })).toBe(1);
    });

    it('answers 428 without If-Match and 412 with a stale one, changing nothing', async () => {
      const audit = await start(await newSite());
      expectProblem(
        await record(auditor, audit.id, 'E01', { result: 'conform' }, null),
        428,
        'AUDIT.IF_MATCH_REQUIRED',
      );
      const stale = expectProblem(
        await record(auditor, audit.id, 'E01', { result: 'conform' }, '"1"'),
        412,
        'AUDIT.VERSION_MISMATCH',
      );
      expect(stale.currentVersion).toBe(2);
      expect(await auditRow(audit.id)).toMatchObject({ version: 2 });
      expect(await t.db.getRepository(AuditFinding).countBy({ auditId: audit.id })).toBe(0);
    });

    it.each([
      ['an unknown result', { result: 'passed' }, 'result'],
      ['a non-conformity without a note', { result: 'minor_nc' }, 'note'],
      ['a major non-conformity with a blank note', { result: 'major_nc', note: '   ' }, 'note'],
      [
        'a not-applicable justification under 20 characters',
        { result: 'not_applicable', note: 'Pas de back-office' },
        'note',
      ],
      ['a note over 4000 characters', { result: 'conform', note: 'x'.repeat(4001) }, 'note'],
      [
        '21 evidence ids',
        { result: 'conform', evidenceIds: Array.from({ length: 21 }, () => randomUUID()) },
        'evidenceIds',
      ],
      [
        'an evidence id that is not a UUID',
        { result: 'conform', evidenceIds: ['e-1'] },
        'evidenceIds',
      ],
      ['an unknown field', { result: 'conform', grade: 'A' }, 'grade'],
    ])('refuses %s with 400 naming the field', async (_, body, field) => {
      const audit = await start(await newSite());
      const problem = expectProblem(
        await record(auditor, audit.id, 'E10', body, '"2"'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual([field]);
      expect(await auditRow(audit.id)).toMatchObject({ version: 2 });
    });

    it('answers 400 for a code that is not a commitment code, 404 for one the version lacks', async () => {
      const audit = await start(await newSite());
      const problem = expectProblem(
        await record(auditor, audit.id, 'e1', { result: 'conform' }, '"2"'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual(['code']);
      expectProblem(
        await record(auditor, audit.id, 'E21', { result: 'conform' }, '"2"'),
        404,
        'AUDIT.COMMITMENT_NOT_FOUND',
      );
    });

    it.each([
      [
        'E10 on a site with back office',
        'E10',
        { activities: ['front_office', 'back_office'] },
        'activities',
      ],
      ['E15 on a site with remote workers', 'E15', { headcountRemote: 3 }, 'headcountRemote'],
      [
        'E18 on a site providing staff transport',
        'E18',
        { providesStaffTransport: true },
        'providesStaffTransport',
      ],
    ] as const)('refuses N/A for %s (422 naming the site fact)', async (_, code, over, field) => {
      const audit = await start(await newSite(over as Partial<Site>));
      const problem = expectProblem(
        await record(
          auditor,
          audit.id,
          code,
          { result: 'not_applicable', note: JUSTIFICATION },
          '"2"',
        ),
        422,
        'AUDIT.NOT_APPLICABLE_REFUSED',
      );
      expect(problem).toMatchObject({ commitment: code, siteFact: { field } });
    });

    it('refuses N/A on a commitment the charter never allows it for (422)', async () => {
      const audit = await start(await newSite());
      const problem = expectProblem(
        await record(
          auditor,
          audit.id,
          'E01',
          { result: 'not_applicable', note: JUSTIFICATION },
          '"2"',
        ),
        422,
        'AUDIT.NOT_APPLICABLE_REFUSED',
      );
      expect(problem).toMatchObject({ commitment: 'E01', siteFact: null });
    });

    it('accepts N/A on E10, E15 and E18 where the site’s record allows it, with a justification', async () => {
      const audit = await start(
        await newSite({
          activities: ['front_office'],
          headcountRemote: 0,
          providesStaffTransport: false,
        }),
      );
      let version = audit.version;
      for (const code of ['E10', 'E15', 'E18']) {
        const res = await record(
          auditor,
          audit.id,
          code,
          { result: 'not_applicable', note: JUSTIFICATION },
          `"${version}"`,
        );
        expect(res.statusCode).toBe(200);
        version = res.json().version;
      }
      expect(version).toBe(5);
    });

    it('refuses evidence of another organisation (404), writing nothing', async () => {
      const audit = await start(await newSite());
      const foreign = await givenEvidence(t.db, otherSite, otherMember);
      expectProblem(
        await record(
          auditor,
          audit.id,
          'E01',
          { result: 'conform', evidenceIds: [foreign.id] },
          '"2"',
        ),
        404,
        'EVIDENCE.NOT_FOUND',
      );
      expect(await auditRow(audit.id)).toMatchObject({ version: 2 });
      expect(await t.db.getRepository(AuditFinding).countBy({ auditId: audit.id })).toBe(0);
    });

    it('lets one of 20 concurrent writes with the same If-Match through; nineteen get 412', async () => {
      const audit = await start(await newSite());
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          record(auditor, audit.id, 'E07', { result: i % 2 ? 'conform' : 'observation' }, '"2"'),
        ),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, ...Array<number>(19).fill(412)]);
      for (const res of results.filter((r) => r.statusCode === 412)) {
        expect(res.json()).toMatchObject({ code: 'AUDIT.VERSION_MISMATCH', currentVersion: 3 });
      }
      const winner = results.find((r) => r.statusCode === 200)!.json();
      expect(await auditRow(audit.id)).toMatchObject({ version: 3 });
      const [finding] = await t.db.getRepository(AuditFinding).findBy({ auditId: audit.id });
      const e07 = winner.groups[0].commitments.find((c: { code: string }) => c.code === 'E07');
      expect(finding.result).toBe(e07.finding.result);
      const entries = await journalOf(audit.id);
      expect(entries.filter((e) => e.action === 'audit.finding_recorded')).toHaveLength(1);
    });
  });

  describe('POST /audits/:id/submit', () => {
    it('refuses an incomplete audit with the missing codes (422)', async () => {
      const audit = await start(await newSite());
      const version = await recordAll(audit.id, audit.version, {
        E01: 'conform',
        E02: 'observation',
      });
      const problem = expectProblem(
        await call(auditor, 'POST', `/audits/${audit.id}/submit`, undefined, {
          'if-match': `"${version}"`,
        }),
        422,
        'AUDIT.INCOMPLETE',
      );
      expect(problem.missing).toEqual(CODES_2020_1.slice(2));
      expect(await auditRow(audit.id)).toMatchObject({ status: 'in_progress' });
    });

    it('answers 428 without If-Match', async () => {
      const audit = await start(await newSite());
      expectProblem(
        await call(auditor, 'POST', `/audits/${audit.id}/submit`),
        428,
        'AUDIT.IF_MATCH_REQUIRED',
      );
    });

    it('submits a complete audit and journals it', async () => {
      const audit = await submitted(await newSite());
      expect(audit).toMatchObject({
        status: 'submitted',
        submittedAt: expect.any(String),
        score: null,
      });
      expect((await journalOf(audit.id)).at(-1)).toEqual({
        action: 'audit.submitted',
        actor_id: auditor.id,
        changes: { status: { before: 'in_progress', after: 'submitted' }, nonConformities: 3 },
      });
    });

    it('refuses N/A findings the site’s record no longer allows (422)', async () => {
      const site = await newSite();
      const audit = await start(site);
      const version = await recordAll(audit.id, audit.version, MIXED);
      await t.db.query(`UPDATE site SET activities = '{front_office,back_office}' WHERE id = $1`, [
        site.id,
      ]);
      const problem = expectProblem(
        await call(auditor, 'POST', `/audits/${audit.id}/submit`, undefined, {
          'if-match': `"${version}"`,
        }),
        422,
        'AUDIT.NOT_APPLICABLE_REFUSED',
      );
      expect(problem.commitment).toBe('E10');
    });
  });

  describe('POST /audits/:id/return', () => {
    it('sends a submitted audit back with a comment, kept in its history', async () => {
      const audit = await submitted(await newSite());
      const res = await call(admin, 'POST', `/audits/${audit.id}/return`, {
        comment: 'Joindre les photos de la salle d’isolement (E09).',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'in_progress',
        returns: [
          {
            comment: 'Joindre les photos de la salle d’isolement (E09).',
            returnedBy: admin.id,
            returnedAt: expect.any(String),
          },
        ],
      });
      expect((await journalOf(audit.id)).at(-1)).toEqual({
        action: 'audit.returned',
        actor_id: admin.id,
        changes: {
          status: { before: 'submitted', after: 'in_progress' },
          comment: 'Joindre les photos de la salle d’isolement (E09).',
        },
      });
      // The auditor works on it again and submits it again.
      const version = res.json().version;
      const fixed = await record(
        auditor,
        audit.id,
        'E09',
        { result: 'observation' },
        `"${version}"`,
      );
      expect(fixed.statusCode).toBe(200);
      const again = await call(auditor, 'POST', `/audits/${audit.id}/submit`, undefined, {
        'if-match': `"${fixed.json().version}"`,
      });
      expect(again.json()).toMatchObject({ status: 'submitted', returns: [expect.any(Object)] });
    });

    it('needs a comment (400)', async () => {
      const audit = await submitted(await newSite());
      const problem = expectProblem(
        await call(admin, 'POST', `/audits/${audit.id}/return`, { comment: 'non' }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual(['comment']);
    });
  });

  describe('POST /audits/:id/close', () => {
    it('fixes the score and group scores and opens one corrective action per NC, due by the rules', async () => {
      const audit = await submitted(await newSite());
      const before = Date.now();
      const res = await call(admin, 'POST', `/audits/${audit.id}/close`, undefined, {
        'if-match': `"${audit.version}"`,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      // 42 applicable weight (E10 out); lost: E03 3 × 1, E06 2 × 0.5, E19 1 × 0.5.
      expect(body.score).toBeCloseTo((100 * 37.5) / 42, 10);
      expect(body.groupScores).toEqual({
        employees: expect.closeTo((100 * 24) / 28, 10),
        clients: 100,
        providers: 100,
        community: 75,
      });
      const closedAt = new Date(body.closedAt).getTime();
      expect(closedAt).toBeGreaterThanOrEqual(before - 1000);
      const day = 24 * 60 * 60 * 1000;
      expect(
        body.correctiveActions.map(
          (a: { code: string; grade: string; status: string; dueAt: string }) => [
            a.code,
            a.grade,
            a.status,
            new Date(a.dueAt).getTime() - closedAt,
          ],
        ),
      ).toEqual([
        ['E03', 'major_nc', 'open', 7 * day],
        ['E06', 'minor_nc', 'open', 30 * day],
        ['E19', 'minor_nc', 'open', 30 * day],
      ]);
      const row = await auditRow(audit.id);
      expect(row).toMatchObject({ status: 'closed', closedBy: admin.id });
      expect(row.score).toBeCloseTo((100 * 37.5) / 42, 10);
      const actions = body.correctiveActions.map((a: { id: string }) => a.id);
      expect((await journalOf(audit.id)).at(-1)).toEqual({
        action: 'audit.closed',
        actor_id: admin.id,
        changes: {
          status: { before: 'submitted', after: 'closed' },
          score: body.score,
          groupScores: body.groupScores,
          correctiveActionIds: actions,
          supersededCorrectiveActionIds: [],
        },
      });
    });

    it('answers 428 without If-Match and 412 with a stale one', async () => {
      const audit = await submitted(await newSite());
      expectProblem(
        await call(admin, 'POST', `/audits/${audit.id}/close`),
        428,
        'AUDIT.IF_MATCH_REQUIRED',
      );
      expectProblem(
        await call(admin, 'POST', `/audits/${audit.id}/close`, undefined, { 'if-match': '"1"' }),
        412,
        'AUDIT.VERSION_MISMATCH',
      );
      expect(await auditRow(audit.id)).toMatchObject({ status: 'submitted' });
    });

    it('closes once when two administrators close at the same time: one 200, one 409', async () => {
      const audit = await submitted(await newSite());
      const results = await Promise.all(
        [0, 1].map(() =>
          call(admin, 'POST', `/audits/${audit.id}/close`, undefined, {
            'if-match': `"${audit.version}"`,
          }),
        ),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      const loser = results.find((r) => r.statusCode === 409)!;
      expect(loser.json()).toMatchObject({
        code: 'AUDIT.ILLEGAL_TRANSITION',
        from: 'closed',
        to: 'closed',
      });
      const [{ count }] = await t.db.query<{ count: number }[]>(
        'SELECT count(*)::int AS count FROM corrective_action WHERE audit_id = $1',
        [audit.id],
      );
      expect(count).toBe(3);
      expect((await journalOf(audit.id)).filter((e) => e.action === 'audit.closed')).toHaveLength(
        1,
      );
    });
  });

  describe('GET /audits/:id', () => {
    it('shows the member their site’s audit without findings until it is closed', async () => {
      const site = await newSite();
      const audit = await submitted(site);
      const before = await call(member, 'GET', `/audits/${audit.id}`);
      expect(before.statusCode).toBe(200);
      expect(before.json()).toMatchObject({
        status: 'submitted',
        groups: null,
        selfAssessmentGap: null,
      });
      expect(before.headers.etag).toBe(`"${audit.version}"`);
      await call(admin, 'POST', `/audits/${audit.id}/close`, undefined, {
        'if-match': `"${audit.version}"`,
      });
      const after = (await call(member, 'GET', `/audits/${audit.id}`)).json();
      expect(after.groups).toHaveLength(4);
      expect(after.correctiveActions).toHaveLength(3);
    });

    it('sets the site’s last submitted self-assessment beside the findings, with the gap', async () => {
      const site = await newSite();
      const older = await givenSelfAssessment(t.db, site, member, {
        status: 'submitted',
        submittedAt: new Date(Date.now() - 86_400_000),
      });
      await givenAnswers(
        t.db,
        older,
        member,
        Object.fromEntries(CODES_2020_1.map((c) => [c, 'not_implemented' as const])),
      );
      const latest = await givenSelfAssessment(t.db, site, member, {
        status: 'submitted',
        score: 100,
      });
      await givenAnswers(t.db, latest, member, {
        ...Object.fromEntries(CODES_2020_1.map((c) => [c, 'implemented' as const])),
        E06: 'partially_implemented', // minor NC found: agreed
        E08: 'not_implemented', // observation found: under-rated
        E10: 'not_applicable',
      });
      // Still open, hence not the last submitted one.
      await givenSelfAssessment(t.db, site, member, { status: 'open' });
      const audit = await closed(site);
      const body = (await call(admin, 'GET', `/audits/${audit.id}`)).json();
      expect(body.selfAssessmentGap).toEqual({
        selfAssessmentId: latest.id,
        charterVersion: '2020.1',
        submittedAt: expect.any(String),
        selfScore: 100,
        compared: 19,
        overRated: 2,
        underRated: 1,
        agreed: 16,
        overRatedCodes: ['E03', 'E19'],
      });
      const byCode = new Map<
        string,
        { selfAssessment: unknown; overRated: boolean; finding: { result: string } }
      >(
        body.groups.flatMap((g: { commitments: { code: string }[] }) =>
          g.commitments.map((c) => [c.code, c]),
        ),
      );
      expect(byCode.get('E03')).toMatchObject({
        selfAssessment: { answer: 'implemented', value: 1, comment: null },
        finding: { result: 'major_nc' },
        overRated: true,
      });
      expect(byCode.get('E08')).toMatchObject({
        selfAssessment: { answer: 'not_implemented', value: 0 },
        overRated: false,
      });
      expect(byCode.get('E10')).toMatchObject({
        selfAssessment: { answer: 'not_applicable', value: null },
        overRated: false,
      });

      // A self-assessment submitted after the closing does not change the closed audit's gap.
      const newer = await givenSelfAssessment(t.db, site, member, {
        status: 'submitted',
        submittedAt: new Date(Date.now() + 60_000),
      });
      await givenAnswers(t.db, newer, member);
      const again = (await call(member, 'GET', `/audits/${audit.id}`)).json();
      expect(again.selfAssessmentGap.selfAssessmentId).toBe(latest.id);
    });

    it('has no gap when the site never submitted a self-assessment', async () => {
      const audit = await submitted(await newSite());
      const body = (await call(auditor, 'GET', `/audits/${audit.id}`)).json();
      expect(body.selfAssessmentGap).toBeNull();
      expect(body.groups[0].commitments[0]).toMatchObject({
        selfAssessment: null,
        overRated: false,
      });
    });

    it('answers 404 to an auditor not assigned to it and to another company’s member', async () => {
      const audit = await plan(await newSite());
      expectProblem(await call(otherAuditor, 'GET', `/audits/${audit.id}`), 404, 'AUDIT.NOT_FOUND');
      expectProblem(await call(otherMember, 'GET', `/audits/${audit.id}`), 404, 'AUDIT.NOT_FOUND');
      expectProblem(await call(admin, 'GET', `/audits/${MISSING}`), 404, 'AUDIT.NOT_FOUND');
      expectProblem(
        await call(admin, 'GET', '/audits/not-a-uuid'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
    });
  });

  describe('GET /audits/:id/report.pdf', () => {
    it('serves the report of a submitted audit to the association as a PDF', async () => {
      const audit = await submitted(await newSite());
      for (const user of [admin, auditor]) {
        const res = await call(user, 'GET', `/audits/${audit.id}/report.pdf`);
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('application/pdf');
        expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      }
    });

    it('serves a member their closed audit’s report, not a submitted one’s (409)', async () => {
      const audit = await submitted(await newSite());
      expectProblem(
        await call(member, 'GET', `/audits/${audit.id}/report.pdf`),
        409,
        'AUDIT.REPORT_NOT_AVAILABLE',
      );
      await call(admin, 'POST', `/audits/${audit.id}/close`, undefined, {
        'if-match': `"${audit.version}"`,
      });
      const res = await call(member, 'GET', `/audits/${audit.id}/report.pdf`);
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    });

    it('has no report before submission (409), none for another company (404)', async () => {
      const audit = await start(await newSite());
      const problem = expectProblem(
        await call(admin, 'GET', `/audits/${audit.id}/report.pdf`),
        409,
        'AUDIT.REPORT_NOT_AVAILABLE',
      );
      expect(problem).toMatchObject({
        auditStatus: 'in_progress',
        availableIn: ['submitted', 'closed'],
      });
      expectProblem(
        await call(otherMember, 'GET', `/audits/${audit.id}/report.pdf`),
        404,
        'AUDIT.NOT_FOUND',
      );
      expectProblem(
        await call(otherAuditor, 'GET', `/audits/${audit.id}/report.pdf`),
        404,
        'AUDIT.NOT_FOUND',
      );
    });
  });

  describe('isAssignedAuditor (for evidence uploads)', () => {
    it('holds for the auditor of a planned or in-progress audit of the site, only', async () => {
      const service = t.app.get(AuditsService);
      const ask = (who: User, site: Site) =>
        t.db.transaction((em) => service.isAssignedAuditor(em, who.id, site.id));
      const planned = await newSite();
      await plan(planned);
      const inProgress = await newSite();
      await start(inProgress);
      const done = await newSite();
      await closed(done);
      expect(await ask(auditor, planned)).toBe(true);
      expect(await ask(auditor, inProgress)).toBe(true);
      expect(await ask(auditor, done)).toBe(false);
      expect(await ask(otherAuditor, planned)).toBe(false);
    });
  });

  it('leaves the journal’s hash chain intact after all of the above', async () => {
    expect(await t.app.get(JournalService).verify()).toMatchObject({ ok: true });
  });
});
