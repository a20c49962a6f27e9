import type { LightMyRequestResponse } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityManager } from 'typeorm';
import type { Audit } from 'src/audits/audit.entity';
import type { FindingResult } from 'src/audits/audits.types';
import {
  COMPLIANCE_INPUTS_LISTENER,
  type ComplianceInputsListener,
} from 'src/corrective-actions/compliance-inputs';
import type { CorrectiveActionEvent } from 'src/corrective-actions/corrective-action-transitions';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import { CorrectiveActionReply } from 'src/corrective-actions/corrective-action-reply.entity';
import type { Organisation } from 'src/members/organisation.entity';
import { JournalService } from 'src/journal/journal.service';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import {
  apiCaller,
  authAs,
  CODES_2020_1,
  givenAudit,
  givenEvidence,
  givenFindings,
  givenOrganisation,
  givenSite,
  givenUser,
} from '../factories';
import * as corpus from '../fixtures/evidence-corpus';
import { evidenceForm } from '../fixtures/multipart';

const MISSING = '6a1c0b2d-0000-4000-8000-00000000c0a1';
const DAY = 24 * 60 * 60 * 1000;
const DESCRIPTION = 'Registre de nettoyage tenu à chaque rotation, affiché à l’entrée.';
const REJECTION = 'Le registre ne couvre pas l’équipe de nuit.';

/** What the compliance listener of this test heard, inside each transaction. */
type Heard =
  | { readonly event: 'audit_closed'; readonly id: string; readonly statusSeen: string }
  | {
      readonly event: CorrectiveActionEvent;
      readonly id: string;
      readonly statusSeen: string;
    };

const heard: Heard[] = [];
let failNextAuditClosed = false;

class RecordingListener implements ComplianceInputsListener {
  async onAuditClosed(em: EntityManager, auditId: string): Promise<void> {
    const [row] = await em.query<{ status: string }[]>('SELECT status FROM audit WHERE id = $1', [
      auditId,
    ]);
    heard.push({ event: 'audit_closed', id: auditId, statusSeen: row.status });
    if (failNextAuditClosed) {
      failNextAuditClosed = false;
      throw new Error('the compliance engine failed');
    }
  }

  async onCorrectiveActionChanged(
    em: EntityManager,
    id: string,
    event: CorrectiveActionEvent,
  ): Promise<void> {
    const [row] = await em.query<{ status: string }[]>(
      'SELECT status FROM corrective_action WHERE id = $1',
      [id],
    );
    heard.push({ event, id, statusSeen: row.status });
  }
}

/**
 * Records what the compliance engine is told, then lets the engine do its work: the listener
 * provided under COMPLIANCE_INPUTS_LISTENER is the real ComplianceService, wrapped here.
 */
function recordCallsOf(listener: ComplianceInputsListener): void {
  const recorder = new RecordingListener();
  const closed = listener.onAuditClosed.bind(listener);
  const changed = listener.onCorrectiveActionChanged.bind(listener);
  jest.spyOn(listener, 'onAuditClosed').mockImplementation(async (em, auditId) => {
    await recorder.onAuditClosed(em, auditId);
    await closed(em, auditId);
  });
  jest.spyOn(listener, 'onCorrectiveActionChanged').mockImplementation(async (em, id, event) => {
    await recorder.onCorrectiveActionChanged(em, id, event);
    await changed(em, id, event);
  });
}

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect({ status: res.statusCode, code: res.json().code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

const fieldsOf = (problem: { errors?: { field: string }[] }) =>
  (problem.errors ?? []).map((e) => e.field);

interface ActionBody {
  id: string;
  code: string;
  grade: string;
  status: string;
  overdue: boolean;
  dueAt: string;
  version: number;
  responses: {
    id: string;
    description: string;
    evidenceIds: string[];
    outcome: string | null;
    reviewComment: string | null;
  }[];
}

describe('corrective actions', () => {
  let t: TestApp;
  let filesDir: string;
  let admin: User;
  let auditor: User;
  let otherAuditor: User;
  let organisation: Organisation;
  let member: User;
  let otherMember: User;
  let otherSite: Site;

  const call = apiCaller(() => t);

  const respond = (user: User, id: string, body: object = { description: DESCRIPTION }) =>
    call(user, 'POST', `/corrective-actions/${id}/response`, body);
  const verify = (user: User, id: string, body: object = {}) =>
    call(user, 'POST', `/corrective-actions/${id}/verify`, body);
  const reject = (user: User, id: string, body: object = { comment: REJECTION }) =>
    call(user, 'POST', `/corrective-actions/${id}/reject`, body);

  /** A site of the organisation with an audit closed through the API, with these results. */
  const closedAudit = async (
    results: Record<string, FindingResult>,
    site?: Site,
  ): Promise<{
    site: Site;
    audit: Audit;
    body: { closedAt: string; correctiveActions: ActionBody[] };
  }> => {
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
    return { site, audit, body: res.json() };
  };

  /** The corrective actions of an audit, by commitment code. */
  const actionsOf = async (audit: Pick<Audit, 'id'>) =>
    new Map(
      (await t.db.getRepository(CorrectiveAction).findBy({ auditId: audit.id })).map((a) => [
        a.commitmentCode,
        a,
      ]),
    );

  const row = (id: string) => t.db.getRepository(CorrectiveAction).findOneByOrFail({ id });
  const journalOf = (entityId: string) =>
    t.db.query<{ action: string; actor_id: string | null; changes: Record<string, unknown> }[]>(
      'SELECT action, actor_id, changes FROM journal_entry WHERE entity_id = $1 ORDER BY seq',
      [entityId],
    );

  const upload = async (user: User, site: Site) => {
    const form = evidenceForm(site.id, corpus.pdf(), 'registre-nettoyage.pdf');
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/evidence',
      payload: form.payload,
      headers: { ...(await authAs(t, user)), ...form.headers },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>();
  };

  beforeAll(async () => {
    filesDir = await mkdtemp(join(tmpdir(), 'corrective-actions-files-'));
    t = await createTestApp({
      env: { FILES_DIR: filesDir },
    });
    recordCallsOf(t.app.get<ComplianceInputsListener>(COMPLIANCE_INPUTS_LISTENER));
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    otherAuditor = await givenUser(t.db, 'auditor');
    organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    const otherOrganisation = await givenOrganisation(t.db);
    otherSite = await givenSite(t.db, otherOrganisation);
    otherMember = await givenUser(t.db, 'member', { organisationId: otherOrganisation.id });
  });

  afterAll(async () => {
    await t.close();
    await rm(filesDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    heard.length = 0;
  });

  describe('opened by closing an audit', () => {
    it('opens one per NC, due 7 days (major) or 30 days (minor) after the closing', async () => {
      const { audit, body } = await closedAudit({
        E02: 'major_nc',
        E07: 'minor_nc',
        E08: 'observation',
        E13: 'minor_nc',
        E16: 'major_nc',
      });
      const closedAt = new Date(body.closedAt).getTime();
      const actions = await actionsOf(audit);
      expect(
        [...actions.values()]
          .sort((a, b) => a.commitmentCode.localeCompare(b.commitmentCode))
          .map((a) => [a.commitmentCode, a.grade, a.status, a.dueAt.getTime() - closedAt]),
      ).toEqual([
        ['E02', 'major_nc', 'open', 7 * DAY],
        ['E07', 'minor_nc', 'open', 30 * DAY],
        ['E13', 'minor_nc', 'open', 30 * DAY],
        ['E16', 'major_nc', 'open', 7 * DAY],
      ]);
      const e02 = actions.get('E02')!;
      expect(e02).toMatchObject({ findingNote: expect.any(String), openedAt: new Date(closedAt) });
      expect(await journalOf(e02.id)).toEqual([
        {
          action: 'corrective_action.opened',
          actor_id: admin.id,
          changes: {
            auditId: audit.id,
            findingId: e02.findingId,
            code: 'E02',
            grade: 'major_nc',
            status: 'open',
            dueAt: e02.dueAt.toISOString(),
          },
        },
      ]);
      // The listener heard the closing inside its transaction: it saw the audit closed.
      expect(heard).toEqual([{ event: 'audit_closed', id: audit.id, statusSeen: 'closed' }]);
    });

    it('rolls the whole closing back when the compliance listener fails', async () => {
      const site = await givenSite(t.db, organisation);
      const audit = await givenAudit(t.db, site, auditor, { status: 'submitted' });
      await givenFindings(t.db, audit, auditor, {
        ...Object.fromEntries(CODES_2020_1.map((code) => [code, 'conform' as const])),
        E04: 'major_nc',
      });
      failNextAuditClosed = true;
      const res = await call(admin, 'POST', `/audits/${audit.id}/close`, undefined, {
        'if-match': '"1"',
      });
      expect(res.statusCode).toBe(500);
      const [after] = await t.db.query<{ status: string; version: number }[]>(
        'SELECT status, version FROM audit WHERE id = $1',
        [audit.id],
      );
      expect(after).toEqual({ status: 'submitted', version: 1 });
      expect((await actionsOf(audit)).size).toBe(0);
      expect(await journalOf(audit.id)).toEqual([]);
    });
  });

  describe('respond, reject, verify', () => {
    it('runs the whole cycle: response with evidence, rejection, new response, verification', async () => {
      const { site, audit } = await closedAudit({ E05: 'major_nc' });
      const action = (await actionsOf(audit)).get('E05')!;
      const evidence = await upload(member, site);
      heard.length = 0;

      // The member responds with the evidence uploaded through the API.
      const responded = await respond(member, action.id, {
        description: `  ${DESCRIPTION}  `,
        evidenceIds: [evidence.id],
      });
      expect(responded.statusCode).toBe(200);
      expect(responded.headers.etag).toBe('"2"');
      const first = responded.json<ActionBody>();
      expect(first).toMatchObject({
        id: action.id,
        status: 'responded',
        overdue: false,
        version: 2,
        responses: [
          {
            id: expect.any(String),
            description: DESCRIPTION,
            evidenceIds: [evidence.id],
            respondedBy: member.id,
            respondedAt: expect.any(String),
            outcome: null,
            reviewedBy: null,
            reviewedAt: null,
            reviewComment: null,
          },
        ],
      });
      const responseId = first.responses[0].id;
      const attachments = await t.db.query<{ record_id: string; evidence_id: string }[]>(
        `SELECT record_id, evidence_id FROM evidence_attachment
          WHERE record_type = 'corrective_action_response' AND record_id = $1`,
        [responseId],
      );
      expect(attachments).toEqual([{ record_id: responseId, evidence_id: evidence.id }]);
      expect(heard).toEqual([{ event: 'responded', id: action.id, statusSeen: 'responded' }]);

      // A second response while the first is under review: 409.
      const twice = expectProblem(
        await respond(member, action.id),
        409,
        'CORRECTIVE_ACTION.ILLEGAL_TRANSITION',
      );
      expect(twice).toMatchObject({ from: 'responded', to: 'responded', event: 'responded' });

      // An auditor rejects it, saying why: open again.
      const rejected = await reject(auditor, action.id);
      expect(rejected.statusCode).toBe(200);
      expect(rejected.json()).toMatchObject({
        status: 'open',
        version: 3,
        responses: [{ outcome: 'rejected', reviewedBy: auditor.id, reviewComment: REJECTION }],
      });

      // A new response, verified by any auditor (not only the audit's own).
      expect((await respond(member, action.id)).statusCode).toBe(200);
      const verified = await verify(otherAuditor, action.id, { comment: 'Vérifié sur place.' });
      expect(verified.statusCode).toBe(200);
      expect(verified.json()).toMatchObject({
        status: 'verified',
        verifiedBy: otherAuditor.id,
        verifiedAt: expect.any(String),
        version: 5,
        responses: [
          { outcome: 'rejected' },
          { outcome: 'accepted', reviewedBy: otherAuditor.id, reviewComment: 'Vérifié sur place.' },
        ],
      });
      expect(await row(action.id)).toMatchObject({ status: 'verified', version: 5 });
      const replies = await t.db
        .getRepository(CorrectiveActionReply)
        .find({ where: { correctiveActionId: action.id }, order: { respondedAt: 'ASC' } });
      expect(replies.map((r) => r.outcome)).toEqual(['rejected', 'accepted']);

      expect((await journalOf(action.id)).map((e) => [e.action, e.actor_id])).toEqual([
        ['corrective_action.opened', admin.id],
        ['corrective_action.responded', member.id],
        ['corrective_action.rejected', auditor.id],
        ['corrective_action.responded', member.id],
        ['corrective_action.verified', otherAuditor.id],
      ]);
      expect((await journalOf(action.id))[2].changes).toEqual({
        status: { before: 'responded', after: 'open' },
        responseId,
        comment: REJECTION,
      });
      expect(heard.map((h) => [h.event, h.statusSeen])).toEqual([
        ['responded', 'responded'],
        ['rejected', 'open'],
        ['responded', 'responded'],
        ['verified', 'verified'],
      ]);

      // Final.
      expectProblem(await verify(auditor, action.id), 409, 'CORRECTIVE_ACTION.ILLEGAL_TRANSITION');
      expectProblem(await respond(member, action.id), 409, 'CORRECTIVE_ACTION.ILLEGAL_TRANSITION');
    });

    type State = 'open' | 'responded' | 'verified' | 'superseded';
    type Event = 'respond' | 'verify' | 'reject';
    const LEGAL: Record<Event, [State[], State]> = {
      respond: [['open'], 'responded'],
      verify: [['responded'], 'verified'],
      reject: [['responded'], 'open'],
    };
    const STATES: State[] = ['open', 'responded', 'verified', 'superseded'];
    const CASES = STATES.flatMap((from) =>
      (Object.keys(LEGAL) as Event[]).map(
        (event) => [from, event, LEGAL[event][0].includes(from) ? LEGAL[event][1] : null] as const,
      ),
    );
    const send = (event: Event, id: string) =>
      event === 'respond'
        ? respond(member, id)
        : event === 'verify'
          ? verify(auditor, id)
          : reject(auditor, id);

    /** A corrective action brought to the state through the API (superseded: by the database). */
    const actionIn = async (state: State) => {
      const { audit } = await closedAudit({ E11: 'minor_nc' });
      const action = (await actionsOf(audit)).get('E11')!;
      if (state === 'responded' || state === 'verified') {
        expect((await respond(member, action.id)).statusCode).toBe(200);
      }
      if (state === 'verified') {
        expect((await verify(auditor, action.id)).statusCode).toBe(200);
      }
      if (state === 'superseded') {
        await t.db.query(
          `UPDATE corrective_action SET status = 'superseded', superseded_at = now(),
             superseded_by_audit_id = audit_id WHERE id = $1`,
          [action.id],
        );
      }
      return row(action.id);
    };

    it.each(CASES)('from %s, %s: %s', async (from, event, to) => {
      const action = await actionIn(from);
      const res = await send(event, action.id);
      if (to) {
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ status: to, version: action.version + 1 });
      } else {
        const problem = expectProblem(res, 409, 'CORRECTIVE_ACTION.ILLEGAL_TRANSITION');
        expect(problem).toMatchObject({ from });
        expect(await row(action.id)).toMatchObject({ status: from, version: action.version });
      }
    });

    it.each([
      ['respond', 'an auditor', () => auditor],
      ['respond', 'an admin', () => admin],
      ['verify', 'a member', () => member],
      ['verify', 'an admin', () => admin],
      ['reject', 'a member', () => member],
      ['reject', 'an admin', () => admin],
    ] as const)('refuses to let %s be done by %s (403)', async (event, _, user) => {
      const action = await actionIn(event === 'respond' ? 'open' : 'responded');
      const path = event === 'respond' ? 'response' : event;
      const body = event === 'respond' ? { description: DESCRIPTION } : { comment: REJECTION };
      expectProblem(
        await call(user(), 'POST', `/corrective-actions/${action.id}/${path}`, body),
        403,
        'AUTH.ROLE_NOT_ALLOWED',
      );
      expect(await row(action.id)).toMatchObject({ version: action.version });
    });

    it.each([
      ['no description', {}, 'description'],
      ['a description under 10 characters', { description: ' corrigé  ' }, 'description'],
      ['a description over 4000 characters', { description: 'x'.repeat(4001) }, 'description'],
      [
        '21 evidence ids',
        { description: DESCRIPTION, evidenceIds: Array.from({ length: 21 }, () => MISSING) },
        'evidenceIds',
      ],
      ['an unknown field', { description: DESCRIPTION, status: 'verified' }, 'status'],
    ])('refuses a response with %s (400)', async (_, body, field) => {
      const action = await actionIn('open');
      const problem = expectProblem(
        await respond(member, action.id, body),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual([field]);
      expect(await row(action.id)).toMatchObject({ status: 'open', version: 1 });
    });

    it('refuses another organisation’s evidence in a response (404), writing nothing', async () => {
      const action = await actionIn('open');
      const foreign = await givenEvidence(t.db, otherSite, otherMember);
      expectProblem(
        await respond(member, action.id, { description: DESCRIPTION, evidenceIds: [foreign.id] }),
        404,
        'EVIDENCE.NOT_FOUND',
      );
      expect(await row(action.id)).toMatchObject({ status: 'open', version: 1 });
      expect(
        await t.db.getRepository(CorrectiveActionReply).countBy({ correctiveActionId: action.id }),
      ).toBe(0);
    });

    it.each([
      ['no comment', {}],
      ['a comment under 10 characters', { comment: 'Non.' }],
      ['a comment over 2000 characters', { comment: 'x'.repeat(2001) }],
    ])('refuses a rejection with %s (400)', async (_, body) => {
      const action = await actionIn('responded');
      const problem = expectProblem(
        await reject(auditor, action.id, body),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual(['comment']);
      expect(await row(action.id)).toMatchObject({ status: 'responded' });
    });

    it('honours If-Match: a stale one is refused (412)', async () => {
      const action = await actionIn('responded');
      expectProblem(
        await call(
          auditor,
          'POST',
          `/corrective-actions/${action.id}/verify`,
          {},
          { 'if-match': '"1"' },
        ),
        412,
        'CORRECTIVE_ACTION.VERSION_MISMATCH',
      );
      const ok = await call(
        auditor,
        'POST',
        `/corrective-actions/${action.id}/verify`,
        {},
        {
          'if-match': `"${action.version}"`,
        },
      );
      expect(ok.statusCode).toBe(200);
    });

    it('takes one of two concurrent responses; the other is a 409', async () => {
      const action = await actionIn('open');
      const results = await Promise.all([respond(member, action.id), respond(member, action.id)]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      expect(
        await t.db.getRepository(CorrectiveActionReply).countBy({ correctiveActionId: action.id }),
      ).toBe(1);
    });
  });

  describe('superseding', () => {
    it('supersedes the open and responded actions of the earlier audit when a newer one closes', async () => {
      const first = await closedAudit({ E03: 'major_nc', E06: 'minor_nc', E19: 'minor_nc' });
      const older = await actionsOf(first.audit);
      expect((await respond(member, older.get('E06')!.id)).statusCode).toBe(200);
      expect((await respond(member, older.get('E19')!.id)).statusCode).toBe(200);
      expect((await verify(auditor, older.get('E19')!.id)).statusCode).toBe(200);
      heard.length = 0;

      const second = await closedAudit({ E03: 'minor_nc' }, first.site);
      const after = await actionsOf(first.audit);
      expect(after.get('E03')).toMatchObject({
        status: 'superseded',
        supersededByAuditId: second.audit.id,
        supersededAt: new Date(second.body.closedAt),
      });
      expect(after.get('E06')).toMatchObject({ status: 'superseded' });
      expect(after.get('E19')).toMatchObject({ status: 'verified', supersededAt: null });
      expect((await actionsOf(second.audit)).get('E03')).toMatchObject({
        status: 'open',
        grade: 'minor_nc',
      });

      expect((await journalOf(older.get('E06')!.id)).at(-1)).toEqual({
        action: 'corrective_action.superseded',
        actor_id: admin.id,
        changes: {
          status: { before: 'responded', after: 'superseded' },
          supersededByAuditId: second.audit.id,
        },
      });
      const closing = (await journalOf(second.audit.id)).at(-1)!;
      expect((closing.changes.supersededCorrectiveActionIds as string[]).sort()).toEqual(
        [older.get('E03')!.id, older.get('E06')!.id].sort(),
      );
      expect(heard).toEqual(
        expect.arrayContaining([
          { event: 'superseded', id: older.get('E03')!.id, statusSeen: 'superseded' },
          { event: 'superseded', id: older.get('E06')!.id, statusSeen: 'superseded' },
          { event: 'audit_closed', id: second.audit.id, statusSeen: 'closed' },
        ]),
      );
      expectProblem(
        await respond(member, older.get('E03')!.id),
        409,
        'CORRECTIVE_ACTION.ILLEGAL_TRANSITION',
      );
      // Another site's actions are left alone.
      const elsewhere = await closedAudit({ E03: 'major_nc' });
      await closedAudit({ E04: 'major_nc' });
      expect((await actionsOf(elsewhere.audit)).get('E03')).toMatchObject({ status: 'open' });
    });
  });

  describe('GET /corrective-actions', () => {
    let site: Site;
    let ids: Record<string, string>;

    // One site, one action in each situation of the clock (charter-v1.md).
    beforeAll(async () => {
      const closed = await closedAudit({
        E01: 'major_nc', // open, past due: overdue
        E02: 'major_nc', // open, due later
        E03: 'major_nc', // responded in time, under review past due
        E04: 'major_nc', // responded, rejected past due: overdue at once
        E05: 'major_nc', // verified
        E06: 'minor_nc', // superseded
      });
      site = closed.site;
      const actions = await actionsOf(closed.audit);
      ids = Object.fromEntries([...actions].map(([code, a]) => [code, a.id]));
      expect((await respond(member, ids.E03)).statusCode).toBe(200);
      expect((await respond(member, ids.E04)).statusCode).toBe(200);
      expect((await respond(member, ids.E05)).statusCode).toBe(200);
      expect((await verify(auditor, ids.E05)).statusCode).toBe(200);
      // The clock moved: every deadline but E02's is past, the responses were given in time.
      await t.db.query(
        `UPDATE corrective_action SET opened_at = now() - interval '10 days',
           due_at = now() - interval '1 day' WHERE id = ANY($1::uuid[])`,
        [[ids.E01, ids.E03, ids.E04, ids.E05, ids.E06]],
      );
      await t.db.query(
        `UPDATE corrective_action_response SET responded_at = now() - interval '3 days'
          WHERE corrective_action_id = ANY($1::uuid[])`,
        [[ids.E03, ids.E04, ids.E05]],
      );
      expect((await reject(auditor, ids.E04)).statusCode).toBe(200);
      await t.db.query(
        `UPDATE corrective_action SET status = 'superseded', superseded_at = now(),
           superseded_by_audit_id = audit_id WHERE id = $1`,
        [ids.E06],
      );
    });

    const codesOf = (res: LightMyRequestResponse) =>
      res
        .json<{ items: { id: string }[] }>()
        .items.map((a) => Object.keys(ids).find((code) => ids[code] === a.id))
        .sort();

    it('lists the overdue ones with overdue=true, the others with overdue=false', async () => {
      const overdue = await call(
        admin,
        'GET',
        `/corrective-actions?siteId=${site.id}&overdue=true`,
      );
      expect(overdue.statusCode).toBe(200);
      expect(codesOf(overdue)).toEqual(['E01', 'E04']);
      expect(overdue.json().total).toBe(2);
      const others = await call(
        member,
        'GET',
        `/corrective-actions?siteId=${site.id}&overdue=false`,
      );
      expect(codesOf(others)).toEqual(['E02', 'E03', 'E05', 'E06']);
    });

    it('derives each item’s overdue flag the same way as the filter', async () => {
      const all = await call(auditor, 'GET', `/corrective-actions?siteId=${site.id}`);
      const flags = Object.fromEntries(
        all
          .json<{ items: ActionBody[] }>()
          .items.map((a) => [Object.keys(ids).find((c) => ids[c] === a.id), a.overdue]),
      );
      expect(flags).toEqual({
        E01: true,
        E02: false,
        E03: false,
        E04: true,
        E05: false,
        E06: false,
      });
      const one = await call(member, 'GET', `/corrective-actions/${ids.E04}`);
      expect(one.json()).toMatchObject({ status: 'open', overdue: true });
      expect(one.headers.etag).toBe(`"${one.json().version}"`);
    });

    it.each([
      ['status', () => `status=open`, ['E01', 'E02', 'E04']],
      ['status', () => `status=verified`, ['E05']],
      ['auditId', () => `auditId=${MISSING}`, []],
    ])('filters by %s', async (_, query, expected) => {
      const res = await call(admin, 'GET', `/corrective-actions?siteId=${site.id}&${query()}`);
      expect(codesOf(res)).toEqual(expected);
    });

    it('pages, soonest due first', async () => {
      const res = await call(
        admin,
        'GET',
        `/corrective-actions?siteId=${site.id}&pageSize=2&page=1`,
      );
      expect(res.json()).toMatchObject({ total: 6, page: 1, pageSize: 2 });
      const dues = res.json<{ items: ActionBody[] }>().items.map((a) => a.dueAt);
      expect([...dues].sort()).toEqual(dues);
    });

    it.each([
      ['overdue=yes', 'overdue'],
      ['status=closed', 'status'],
      ['siteId=site-1', 'siteId'],
    ])('refuses ?%s (400 naming the field)', async (query, field) => {
      const problem = expectProblem(
        await call(admin, 'GET', `/corrective-actions?${query}`),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual([field]);
    });

    it('shows a member of another company none of them, whatever the filters', async () => {
      const res = await call(
        otherMember,
        'GET',
        `/corrective-actions?siteId=${site.id}&organisationId=${organisation.id}`,
      );
      expect(res.json()).toMatchObject({ items: [], total: 0 });
    });

    it('filters by organisation for the association', async () => {
      const res = await call(
        admin,
        'GET',
        `/corrective-actions?organisationId=${otherSite.organisationId}`,
      );
      expect(
        res
          .json<{ items: { organisationId: string }[] }>()
          .items.every((a) => a.organisationId === otherSite.organisationId),
      ).toBe(true);
    });
  });

  describe('tenancy', () => {
    it('answers another company’s member 404 on every route with an id, as for a missing one', async () => {
      const { audit } = await closedAudit({ E09: 'major_nc' });
      const action = (await actionsOf(audit)).get('E09')!;
      for (const id of [action.id, MISSING]) {
        expectProblem(
          await call(otherMember, 'GET', `/corrective-actions/${id}`),
          404,
          'CORRECTIVE_ACTION.NOT_FOUND',
        );
        expectProblem(await respond(otherMember, id), 404, 'CORRECTIVE_ACTION.NOT_FOUND');
        expectProblem(
          await call(otherMember, 'GET', `/audits/${audit.id}`),
          404,
          'AUDIT.NOT_FOUND',
        );
        expectProblem(
          await call(otherMember, 'GET', `/audits/${audit.id}/report.pdf`),
          404,
          'AUDIT.NOT_FOUND',
        );
      }
      expect(await row(action.id)).toMatchObject({ status: 'open', version: 1 });
      const lists = await call(otherMember, 'GET', '/audits');
      expect(lists.json<{ items: { id: string }[] }>().items.map((a) => a.id)).not.toContain(
        audit.id,
      );
    });

    it('answers 404 for a missing action and 400 for an id that is not a UUID', async () => {
      expectProblem(
        await call(admin, 'GET', `/corrective-actions/${MISSING}`),
        404,
        'CORRECTIVE_ACTION.NOT_FOUND',
      );
      expectProblem(await verify(auditor, MISSING), 404, 'CORRECTIVE_ACTION.NOT_FOUND');
      expectProblem(await reject(auditor, MISSING), 404, 'CORRECTIVE_ACTION.NOT_FOUND');
      expectProblem(
        await call(admin, 'GET', '/corrective-actions/ca-1'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
    });

    it('answers 401 without a token', async () => {
      expectProblem(await call(null, 'GET', '/corrective-actions'), 401, 'AUTH.INVALID_TOKEN');
    });
  });

  it('leaves the journal’s hash chain intact after all of the above', async () => {
    expect(await t.app.get(JournalService).verify()).toMatchObject({ ok: true });
  });
});
