import { randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { SelfAssessmentAnswer } from 'src/self-assessments/self-assessment-answer.entity';
import { SelfAssessment } from 'src/self-assessments/self-assessment.entity';
import { SelfAssessmentsService } from 'src/self-assessments/self-assessments.service';
import type { Answer } from 'src/self-assessments/self-assessments.types';
import { createTestApp, type TestApp } from '../app';
import {
  apiCaller,
  authAs,
  CODES_2020_1,
  givenAnswers,
  givenOrganisation,
  givenSelfAssessment,
  givenSite,
  givenUser,
} from '../factories';

const MISSING = '5e1f0a2b-0000-4000-8000-00000000abcd';
const JUSTIFICATION = 'Aucun salarié en télétravail sur ce site.'; // ≥ 20 characters

// Charter 2020.1 by stakeholder group, in charter order.
const GROUPS_2020_1 = {
  employees: CODES_2020_1.slice(0, 12),
  clients: CODES_2020_1.slice(12, 15),
  providers: CODES_2020_1.slice(15, 18),
  community: CODES_2020_1.slice(18, 20),
};

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect({ status: res.statusCode, code: res.json().code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json();
}

const fieldsOf = (problem: { errors?: { field: string }[] }) =>
  (problem.errors ?? []).map((e) => e.field);

/** What a problem says, without what differs between any two requests. */
const comparable = (res: LightMyRequestResponse) => {
  const { instance: _instance, requestId: _requestId, ...rest } = res.json();
  return { status: res.statusCode, ...rest };
};

/** Every commitment of 2020.1 implemented, except the ones given. */
const allImplemented = (except: Record<string, Answer> = {}): Record<string, Answer> => ({
  ...Object.fromEntries(CODES_2020_1.map((code) => [code, 'implemented' as const])),
  ...except,
});

describe('self-assessments', () => {
  let t: TestApp;
  let admin: User;
  let auditor: User;
  let organisation: Organisation;
  let member: User;
  let otherMember: User;
  let otherSite: Site;

  const call = apiCaller(() => t);

  const answer = (
    user: User | null,
    id: string,
    code: string,
    body: object,
    ifMatch: string | null = '"1"',
  ) =>
    call(
      user,
      'PUT',
      `/self-assessments/${id}/answers/${code}`,
      body,
      ifMatch ? { 'if-match': ifMatch } : {},
    );

  const submit = (user: User | null, id: string, ifMatch: string | null = '"1"') =>
    call(
      user,
      'POST',
      `/self-assessments/${id}/submit`,
      undefined,
      ifMatch ? { 'if-match': ifMatch } : {},
    );

  const row = (id: string) => t.db.getRepository(SelfAssessment).findOneBy({ id });
  const answerRows = (selfAssessmentId: string) =>
    t.db
      .getRepository(SelfAssessmentAnswer)
      .find({ where: { selfAssessmentId }, order: { commitmentCode: 'ASC' } });
  const openCount = (siteId: string) =>
    t.db.getRepository(SelfAssessment).countBy({ siteId, status: 'open' });
  const journalOf = (entityId: string) =>
    t.db.query<
      {
        action: string;
        actor_id: string | null;
        organisation_id: string | null;
        changes: Record<string, unknown>;
      }[]
    >(
      `SELECT action, actor_id, organisation_id, changes FROM journal_entry
        WHERE entity_id = $1 ORDER BY seq`,
      [entityId],
    );

  const attachmentsOf = async (answerId: string) =>
    (
      await t.db.query<{ evidence_id: string }[]>(
        `SELECT evidence_id FROM evidence_attachment
          WHERE record_type = 'self_assessment_answer' AND record_id = $1 ORDER BY position`,
        [answerId],
      )
    ).map((r) => r.evidence_id);

  /** Uploads a small PDF for the site through the evidence API; its id. */
  const uploadEvidence = async (user: User, site: Pick<Site, 'id'>) => {
    const boundary = `----self-assessment-${randomUUID()}`;
    const pdf = `%PDF-1.4\n% ${randomUUID()}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n`;
    const payload = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="siteId"\r\n\r\n${site.id}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="registre.pdf"\r\n` +
        `Content-Type: application/pdf\r\n\r\n${pdf}\r\n--${boundary}--\r\n`,
    );
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/evidence',
      payload,
      headers: {
        ...(await authAs(t, user)),
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>().id;
  };

  /** A site of the member's company, with the factory's facts (back office, remote, transport). */
  const newSite = (over: Partial<Site> = {}) => givenSite(t.db, organisation, over);
  /** A site where E10, E15 and E18 may all be not applicable. */
  const eligibleSite = () =>
    newSite({ activities: ['front_office'], headcountRemote: 0, providesStaffTransport: false });
  const openOn = async (site?: Site) =>
    givenSelfAssessment(t.db, site ?? (await newSite()), member);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    const other = await givenOrganisation(t.db);
    otherMember = await givenUser(t.db, 'member', { organisationId: other.id });
    otherSite = await givenSite(t.db, other);
  });

  afterAll(async () => {
    await t.close();
  });

  describe('POST /sites/:id/self-assessments', () => {
    it('starts one against the latest published version, with every commitment unanswered', async () => {
      const site = await newSite();
      const res = await call(member, 'POST', `/sites/${site.id}/self-assessments`);
      expect(res.statusCode).toBe(201);
      expect(res.headers.etag).toBe('"1"');
      const body = res.json();
      expect(body).toEqual({
        id: expect.any(String),
        siteId: site.id,
        organisationId: organisation.id,
        charterVersion: '2020.1',
        status: 'open',
        startedBy: member.id,
        startedAt: expect.any(String),
        submittedBy: null,
        submittedAt: null,
        score: null,
        groupScores: null,
        progress: { answered: 0, total: 20 },
        version: 1,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        groups: [
          expect.objectContaining({
            group: 'employees',
            title: { fr: 'Salariés', en: 'Employees' },
          }),
          expect.objectContaining({
            group: 'clients',
            title: { fr: 'Donneurs d’ordre', en: 'Client companies' },
          }),
          expect.objectContaining({ group: 'providers' }),
          expect.objectContaining({ group: 'community' }),
        ],
      });
      for (const group of body.groups) {
        expect(group.commitments.map((c: { code: string }) => c.code)).toEqual(
          GROUPS_2020_1[group.group as keyof typeof GROUPS_2020_1],
        );
        expect(group.commitments.every((c: { answer: unknown }) => c.answer === null)).toBe(true);
      }
      expect(await row(body.id)).toMatchObject({
        siteId: site.id,
        organisationId: organisation.id,
        status: 'open',
        startedBy: member.id,
        submittedAt: null,
        score: null,
        version: 1,
      });
      expect(await journalOf(body.id)).toEqual([
        {
          action: 'self_assessment.started',
          actor_id: member.id,
          organisation_id: organisation.id,
          changes: { siteId: site.id, charterVersion: '2020.1', status: 'open' },
        },
      ]);
    });

    it('lets an administrator start one for any site', async () => {
      const site = await newSite();
      const res = await call(admin, 'POST', `/sites/${site.id}/self-assessments`);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ startedBy: admin.id, organisationId: organisation.id });
    });

    it('refuses a second open one for the site and version with 409 naming the open one', async () => {
      const open = await openOn();
      const res = await call(member, 'POST', `/sites/${open.siteId}/self-assessments`);
      const problem = expectProblem(res, 409, 'SELF_ASSESSMENT.ALREADY_OPEN');
      expect(problem.selfAssessmentId).toBe(open.id);
      expect(await openCount(open.siteId)).toBe(1);
    });

    it('starts a new one once the previous one is submitted', async () => {
      const site = await newSite();
      await givenSelfAssessment(t.db, site, member, { status: 'submitted' });
      const res = await call(member, 'POST', `/sites/${site.id}/self-assessments`);
      expect(res.statusCode).toBe(201);
      expect(await t.db.getRepository(SelfAssessment).countBy({ siteId: site.id })).toBe(2);
    });

    it('lets exactly one of five concurrent starts win: one 201, four 409 naming it', async () => {
      const site = await newSite();
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          call(i % 2 ? admin : member, 'POST', `/sites/${site.id}/self-assessments`),
        ),
      );
      const won = results.filter((r) => r.statusCode === 201);
      expect(won).toHaveLength(1);
      for (const lost of results.filter((r) => r !== won[0])) {
        const problem = expectProblem(lost, 409, 'SELF_ASSESSMENT.ALREADY_OPEN');
        expect(problem.selfAssessmentId).toBe(won[0].json().id);
      }
      expect(await openCount(site.id)).toBe(1);
      expect(await journalOf(won[0].json().id)).toHaveLength(1);
    });

    it('refuses a site id that is not a UUID with 400 naming it', async () => {
      const problem = expectProblem(
        await call(member, 'POST', '/sites/42/self-assessments'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual(['id']);
    });

    it('answers 401 without a token and 403 to an auditor, starting nothing', async () => {
      const site = await newSite();
      expectProblem(
        await call(null, 'POST', `/sites/${site.id}/self-assessments`),
        401,
        'AUTH.INVALID_TOKEN',
      );
      expectProblem(
        await call(auditor, 'POST', `/sites/${site.id}/self-assessments`),
        403,
        'AUTH.ROLE_NOT_ALLOWED',
      );
      expect(await t.db.getRepository(SelfAssessment).countBy({ siteId: site.id })).toBe(0);
    });

    it('answers 404 for a missing site, and the same for another company’s', async () => {
      const missing = await call(member, 'POST', `/sites/${MISSING}/self-assessments`);
      expectProblem(missing, 404, 'SITE.NOT_FOUND');
      const foreign = await call(member, 'POST', `/sites/${otherSite.id}/self-assessments`);
      expect(comparable(foreign)).toEqual(comparable(missing));
      expect(await t.db.getRepository(SelfAssessment).countBy({ siteId: otherSite.id })).toBe(0);
    });

    it('refuses with 409 a site whose membership has ended', async () => {
      const ended = await givenOrganisation(t.db, {
        status: 'ended',
        membershipEndedAt: new Date(),
        membershipEndReason: 'Cessation d’activité',
      });
      const site = await givenSite(t.db, ended, { active: false });
      expectProblem(
        await call(admin, 'POST', `/sites/${site.id}/self-assessments`),
        409,
        'SELF_ASSESSMENT.SITE_INACTIVE',
      );
      expect(await t.db.getRepository(SelfAssessment).countBy({ siteId: site.id })).toBe(0);
    });
  });

  describe('GET /sites/:id/self-assessments', () => {
    let site: Site;
    let ids: string[];

    beforeAll(async () => {
      site = await newSite();
      const day = (n: number) => new Date(Date.UTC(2020, 5, n, 9));
      const oldest = await givenSelfAssessment(t.db, site, member, {
        status: 'submitted',
        startedAt: day(1),
        score: 87.5,
      });
      const middle = await givenSelfAssessment(t.db, site, member, {
        status: 'submitted',
        startedAt: day(2),
      });
      const newest = await givenSelfAssessment(t.db, site, member, { startedAt: day(3) });
      await givenAnswers(t.db, newest, member, { E01: 'implemented', E02: 'not_implemented' });
      ids = [newest.id, middle.id, oldest.id];
    });

    it('lists the history newest first, paged, with each one’s progress', async () => {
      const res = await call(member, 'GET', `/sites/${site.id}/self-assessments?pageSize=2`);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBeUndefined();
      const page = res.json();
      expect(page).toMatchObject({ total: 3, page: 1, pageSize: 2 });
      expect(page.items.map((i: { id: string }) => i.id)).toEqual(ids.slice(0, 2));
      expect(page.items[0]).toMatchObject({
        status: 'open',
        charterVersion: '2020.1',
        progress: { answered: 2, total: 20 },
        score: null,
      });
      expect(page.items[0].groups).toBeUndefined();
      const second = (
        await call(auditor, 'GET', `/sites/${site.id}/self-assessments?pageSize=2&page=2`)
      ).json();
      expect(second.items.map((i: { id: string }) => i.id)).toEqual([ids[2]]);
      expect(second.items[0]).toMatchObject({ status: 'submitted', score: 87.5 });
    });

    it('filters by status', async () => {
      const page = (
        await call(admin, 'GET', `/sites/${site.id}/self-assessments?status=submitted`)
      ).json();
      expect(page.items.map((i: { id: string }) => i.id)).toEqual(ids.slice(1));
    });

    it.each([
      ['status=closed', 'status'],
      ['pageSize=101', 'pageSize'],
      ['page=0', 'page'],
      ['siteId=x', 'siteId'],
    ])('refuses ?%s with 400 naming the parameter', async (query, field) => {
      const problem = expectProblem(
        await call(member, 'GET', `/sites/${site.id}/self-assessments?${query}`),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual([field]);
    });

    it('answers 401 without a token, 404 for a missing site and the same for another company’s', async () => {
      expectProblem(
        await call(null, 'GET', `/sites/${site.id}/self-assessments`),
        401,
        'AUTH.INVALID_TOKEN',
      );
      const missing = await call(otherMember, 'GET', `/sites/${MISSING}/self-assessments`);
      expectProblem(missing, 404, 'SITE.NOT_FOUND');
      expect(
        comparable(await call(otherMember, 'GET', `/sites/${site.id}/self-assessments`)),
      ).toEqual(comparable(missing));
    });
  });

  describe('GET /self-assessments/:id', () => {
    it('shows every commitment with its answer, comment, evidence and time, by group', async () => {
      const open = await openOn(await eligibleSite());
      await givenAnswers(t.db, open, member, {
        E01: 'partially_implemented',
        E15: 'not_applicable',
      });
      const res = await call(member, 'GET', `/self-assessments/${open.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"1"');
      const body = res.json();
      expect(body.progress).toEqual({ answered: 2, total: 20 });
      const commitments = body.groups.flatMap((g: { commitments: unknown[] }) => g.commitments);
      expect(commitments).toHaveLength(20);
      expect(commitments[0]).toEqual({
        code: 'E01',
        criticality: 'critical',
        weight: 3,
        title: { fr: expect.any(String), en: expect.any(String) },
        notApplicable: { allowed: false, when: null, condition: null, allowedForSite: false },
        answer: {
          answer: 'partially_implemented',
          comment: null,
          evidenceIds: [],
          answeredBy: member.id,
          answeredAt: expect.any(String),
        },
      });
      const e15 = commitments.find((c: { code: string }) => c.code === 'E15');
      expect(e15).toMatchObject({
        criticality: 'critical',
        notApplicable: {
          allowed: true,
          when: 'no_remote_work',
          condition: { fr: expect.any(String), en: 'the site has no remote workers' },
          allowedForSite: true,
        },
        answer: { answer: 'not_applicable', comment: expect.any(String), evidenceIds: [] },
      });
      expect(commitments.find((c: { code: string }) => c.code === 'E02').answer).toBeNull();
    });

    it('tells, commitment by commitment, whether the site’s record allows not applicable', async () => {
      const open = await openOn(await newSite({ headcountRemote: 0 }));
      const body = (await call(member, 'GET', `/self-assessments/${open.id}`)).json();
      const allowed = Object.fromEntries(
        body.groups
          .flatMap((g: { commitments: unknown[] }) => g.commitments)
          .filter((c: { notApplicable: { allowed: boolean } }) => c.notApplicable.allowed)
          .map((c: { code: string; notApplicable: { allowedForSite: boolean } }) => [
            c.code,
            c.notApplicable.allowedForSite,
          ]),
      );
      expect(allowed).toEqual({ E10: false, E15: true, E18: false });
    });

    it('is open to auditors and administrators', async () => {
      const open = await openOn();
      for (const user of [auditor, admin]) {
        const res = await call(user, 'GET', `/self-assessments/${open.id}`);
        expect(res.statusCode).toBe(200);
        expect(res.json().id).toBe(open.id);
      }
    });

    it('answers 400 for an id that is not a UUID, 401 without a token', async () => {
      const problem = expectProblem(
        await call(member, 'GET', '/self-assessments/nope'),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual(['id']);
      expectProblem(
        await call(null, 'GET', `/self-assessments/${MISSING}`),
        401,
        'AUTH.INVALID_TOKEN',
      );
    });

    it('answers 404 for a missing one, and the same for another company’s', async () => {
      const open = await openOn();
      const missing = await call(otherMember, 'GET', `/self-assessments/${MISSING}`);
      expectProblem(missing, 404, 'SELF_ASSESSMENT.NOT_FOUND');
      const foreign = await call(otherMember, 'GET', `/self-assessments/${open.id}`);
      expect(comparable(foreign)).toEqual(comparable(missing));
    });
  });

  describe('PUT /self-assessments/:id/answers/:code', () => {
    it('records an answer, bumps the version and journals it', async () => {
      const open = await openOn();
      const res = await answer(member, open.id, 'E05', {
        answer: 'partially_implemented',
        comment: '  Registre de nettoyage tenu sur deux plateaux sur trois.  ',
        evidenceIds: [],
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      const body = res.json();
      expect(body).toMatchObject({ id: open.id, version: 2, progress: { answered: 1, total: 20 } });
      const e05 = body.groups[0].commitments.find((c: { code: string }) => c.code === 'E05');
      expect(e05.answer).toEqual({
        answer: 'partially_implemented',
        comment: 'Registre de nettoyage tenu sur deux plateaux sur trois.',
        evidenceIds: [],
        answeredBy: member.id,
        answeredAt: expect.any(String),
      });
      expect(await row(open.id)).toMatchObject({ version: 2, status: 'open' });
      expect(await answerRows(open.id)).toEqual([
        expect.objectContaining({
          commitmentCode: 'E05',
          answer: 'partially_implemented',
          comment: 'Registre de nettoyage tenu sur deux plateaux sur trois.',
          answeredBy: member.id,
        }),
      ]);
      expect(await journalOf(open.id)).toEqual([
        {
          action: 'self_assessment.answered',
          actor_id: member.id,
          organisation_id: organisation.id,
          changes: {
            code: 'E05',
            answer: { before: null, after: 'partially_implemented' },
            comment: {
              before: null,
              after: 'Registre de nettoyage tenu sur deux plateaux sur trois.',
            },
          },
        },
      ]);
    });

    it('replaces an answer in place (same row), journalling before and after', async () => {
      const open = await openOn();
      expect((await answer(member, open.id, 'E03', { answer: 'not_implemented' })).statusCode).toBe(
        200,
      );
      const [first] = await answerRows(open.id);
      const res = await answer(admin, open.id, 'E03', { answer: 'implemented' }, '"2"');
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"3"');
      const rows = await answerRows(open.id);
      expect(rows).toEqual([
        expect.objectContaining({ id: first.id, answer: 'implemented', answeredBy: admin.id }),
      ]);
      const entries = await journalOf(open.id);
      expect(entries.map((e) => e.changes)).toEqual([
        { code: 'E03', answer: { before: null, after: 'not_implemented' } },
        { code: 'E03', answer: { before: 'not_implemented', after: 'implemented' } },
      ]);
    });

    it('answers 428 without If-Match, changing nothing', async () => {
      const open = await openOn();
      const problem = expectProblem(
        await answer(member, open.id, 'E01', { answer: 'implemented' }, null),
        428,
        'SELF_ASSESSMENT.IF_MATCH_REQUIRED',
      );
      expect(problem.detail).toMatch(/If-Match/);
      expect(await row(open.id)).toMatchObject({ version: 1 });
      expect(await answerRows(open.id)).toEqual([]);
    });

    it('answers 412 with the current version to a stale If-Match, changing nothing', async () => {
      const open = await openOn();
      await givenAnswers(t.db, open, member, { E01: 'implemented' });
      await t.db.getRepository(SelfAssessment).update({ id: open.id }, { version: 4 });
      const problem = expectProblem(
        await answer(member, open.id, 'E01', { answer: 'not_implemented' }, '"3"'),
        412,
        'SELF_ASSESSMENT.VERSION_MISMATCH',
      );
      expect(problem.currentVersion).toBe(4);
      expect(await row(open.id)).toMatchObject({ version: 4 });
      expect((await answerRows(open.id)).map((a) => a.answer)).toEqual(['implemented']);
    });

    it.each([
      ['an unknown answer', { answer: 'done' }, 'answer'],
      ['no answer', { comment: 'Rien à signaler sur ce point.' }, 'answer'],
      [
        'a comment over 2000 characters',
        { answer: 'implemented', comment: 'x'.repeat(2001) },
        'comment',
      ],
      ['a number as comment', { answer: 'implemented', comment: 42 }, 'comment'],
      [
        'evidenceIds that is not a list',
        { answer: 'implemented', evidenceIds: 'a' },
        'evidenceIds',
      ],
      [
        'evidenceIds that are not UUIDs',
        { answer: 'implemented', evidenceIds: ['not-a-uuid'] },
        'evidenceIds',
      ],
      [
        'more than 20 evidenceIds',
        { answer: 'implemented', evidenceIds: Array.from({ length: 21 }, () => randomUUID()) },
        'evidenceIds',
      ],
      [
        'the same evidence twice',
        { answer: 'implemented', evidenceIds: [MISSING, MISSING] },
        'evidenceIds',
      ],
      ['an unknown field', { answer: 'implemented', score: 100 }, 'score'],
    ])('refuses %s with 400 naming the field, changing nothing', async (_, body, field) => {
      const open = await openOn();
      const problem = expectProblem(
        await answer(member, open.id, 'E01', body),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual([field]);
      expect(await row(open.id)).toMatchObject({ version: 1 });
      expect(await answerRows(open.id)).toEqual([]);
    });

    it.each([
      ['a code that is not a commitment code', 'e1', 'code', '"1"'],
      ['an id that is not a UUID', 'E01', 'id', '"1"'],
      ['a malformed If-Match', 'E01', 'If-Match', '1'],
    ])('refuses %s with 400 naming it', async (_, code, field, ifMatch) => {
      const open = await openOn();
      const id = field === 'id' ? 'x' : open.id;
      const problem = expectProblem(
        await answer(member, id, code, { answer: 'implemented' }, ifMatch),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(fieldsOf(problem)).toEqual([field]);
      expect(await answerRows(open.id)).toEqual([]);
    });

    it.each([
      ['no justification', undefined],
      ['an empty justification', '   '],
      ['a justification of 19 characters', 'x'.repeat(19)],
    ])('refuses not_applicable with %s: 400 naming comment', async (_, comment) => {
      const open = await openOn(await eligibleSite());
      const problem = expectProblem(
        await answer(member, open.id, 'E15', { answer: 'not_applicable', comment }),
        400,
        'REQUEST.VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([
        { field: 'comment', message: expect.stringMatching(/at least 20 characters/) },
      ]);
      expect(await answerRows(open.id)).toEqual([]);
    });

    it.each([
      ['E01, which is never not applicable', 'E01', {}, null],
      [
        'E10 on a site with back-office activity',
        'E10',
        { activities: ['front_office', 'back_office'] },
        { field: 'activities', value: ['front_office', 'back_office'] },
      ],
      [
        'E15 on a site with remote workers',
        'E15',
        { headcountRemote: 12 },
        { field: 'headcountRemote', value: 12 },
      ],
      [
        'E18 on a site providing staff transport',
        'E18',
        { providesStaffTransport: true },
        { field: 'providesStaffTransport', value: true },
      ],
    ] as const)(
      'refuses not applicable for %s: 422 naming it and the site fact',
      async (_, code, facts, siteFact) => {
        const site = await newSite({
          activities: ['front_office'],
          headcountRemote: 0,
          providesStaffTransport: false,
          ...(facts as Partial<Site>),
        });
        const open = await openOn(site);
        const problem = expectProblem(
          await answer(member, open.id, code, { answer: 'not_applicable', comment: JUSTIFICATION }),
          422,
          'SELF_ASSESSMENT.NOT_APPLICABLE_REFUSED',
        );
        expect(problem).toMatchObject({ commitment: code, siteFact });
        expect(await row(open.id)).toMatchObject({ version: 1 });
        expect(await answerRows(open.id)).toEqual([]);
      },
    );

    it('accepts not applicable for E10, E15 and E18 where the site’s record allows it', async () => {
      const open = await openOn(await eligibleSite());
      let version = 1;
      for (const code of ['E10', 'E15', 'E18']) {
        const res = await answer(
          member,
          open.id,
          code,
          { answer: 'not_applicable', comment: 'x'.repeat(20) },
          `"${version}"`,
        );
        expect(res.statusCode).toBe(200);
        version += 1;
        expect(res.headers.etag).toBe(`"${version}"`);
      }
      expect((await answerRows(open.id)).map((a) => [a.commitmentCode, a.answer])).toEqual([
        ['E10', 'not_applicable'],
        ['E15', 'not_applicable'],
        ['E18', 'not_applicable'],
      ]);
    });

    it('answers 404 for a code that is not a commitment of the version', async () => {
      const open = await openOn();
      const problem = expectProblem(
        await answer(member, open.id, 'E21', { answer: 'implemented' }),
        404,
        'SELF_ASSESSMENT.COMMITMENT_NOT_FOUND',
      );
      expect(problem.commitment).toBe('E21');
      expect(await answerRows(open.id)).toEqual([]);
    });

    it('answers 401 without a token and 403 to an auditor, changing nothing', async () => {
      const open = await openOn();
      expectProblem(
        await answer(null, open.id, 'E01', { answer: 'implemented' }),
        401,
        'AUTH.INVALID_TOKEN',
      );
      expectProblem(
        await answer(auditor, open.id, 'E01', { answer: 'implemented' }),
        403,
        'AUTH.ROLE_NOT_ALLOWED',
      );
      expect(await row(open.id)).toMatchObject({ version: 1 });
      expect(await answerRows(open.id)).toEqual([]);
    });

    it('answers 404 for a missing one, and the same for another company’s', async () => {
      const open = await openOn();
      const missing = await answer(otherMember, MISSING, 'E01', { answer: 'implemented' });
      expectProblem(missing, 404, 'SELF_ASSESSMENT.NOT_FOUND');
      const foreign = await answer(otherMember, open.id, 'E01', { answer: 'implemented' });
      expect(comparable(foreign)).toEqual(comparable(missing));
      expect(await answerRows(open.id)).toEqual([]);
    });

    it('answers 409 once submitted, even with the current ETag', async () => {
      const site = await newSite();
      const submitted = await givenSelfAssessment(t.db, site, member, {
        status: 'submitted',
        version: 7,
      });
      expectProblem(
        await answer(member, submitted.id, 'E01', { answer: 'implemented' }, '"7"'),
        409,
        'SELF_ASSESSMENT.ALREADY_SUBMITTED',
      );
      expect(await row(submitted.id)).toMatchObject({ version: 7 });
      expect(await answerRows(submitted.id)).toEqual([]);
    });

    it('answers 409 when the membership has ended', async () => {
      const ended = await givenOrganisation(t.db);
      const site = await givenSite(t.db, ended);
      const open = await givenSelfAssessment(t.db, site, admin);
      await t.db.query(
        `UPDATE organisation SET status = 'ended', membership_ended_at = now() WHERE id = $1`,
        [ended.id],
      );
      await t.db.query('UPDATE site SET active = false WHERE id = $1', [site.id]);
      expectProblem(
        await answer(admin, open.id, 'E01', { answer: 'implemented' }),
        409,
        'SELF_ASSESSMENT.SITE_INACTIVE',
      );
      expect(await answerRows(open.id)).toEqual([]);
    });

    it('attaches the organisation’s own evidence to the answer, and replaces the list', async () => {
      const site = await newSite();
      const open = await openOn(site);
      const [first, second] = [
        await uploadEvidence(member, site),
        await uploadEvidence(admin, site),
      ];
      const res = await answer(member, open.id, 'E04', {
        answer: 'implemented',
        evidenceIds: [second, first],
      });
      expect(res.statusCode).toBe(200);
      const shown = (body: {
        groups: { commitments: { code: string; answer: { evidenceIds: string[] } }[] }[];
      }) => body.groups[0].commitments.find((c) => c.code === 'E04')!.answer.evidenceIds;
      expect(shown(res.json())).toEqual([second, first]);
      const [row4] = await answerRows(open.id);
      expect(await attachmentsOf(row4.id)).toEqual([second, first]);

      // Ids in any case: the same evidence.
      const replaced = await answer(
        member,
        open.id,
        'E04',
        { answer: 'implemented', evidenceIds: [first.toUpperCase()] },
        '"2"',
      );
      expect(replaced.statusCode).toBe(200);
      expect(shown(replaced.json())).toEqual([first]);
      expect(shown((await call(auditor, 'GET', `/self-assessments/${open.id}`)).json())).toEqual([
        first,
      ]);
      expect(await attachmentsOf(row4.id)).toEqual([first]);
      expect((await journalOf(open.id)).map((e) => e.changes)).toEqual([
        {
          code: 'E04',
          answer: { before: null, after: 'implemented' },
          evidenceIds: { before: [], after: [second, first] },
        },
        {
          code: 'E04',
          answer: { before: 'implemented', after: 'implemented' },
          evidenceIds: { before: [second, first], after: [first] },
        },
      ]);
    });

    it('refuses another company’s evidence, or a missing one, with 404, leaving nothing behind', async () => {
      const open = await openOn();
      const foreign = await uploadEvidence(otherMember, otherSite);
      for (const evidenceId of [foreign, MISSING]) {
        const problem = expectProblem(
          await answer(member, open.id, 'E04', {
            answer: 'implemented',
            evidenceIds: [evidenceId],
          }),
          404,
          'EVIDENCE.NOT_FOUND',
        );
        expect(problem.errors).toEqual([
          { field: 'evidenceIds', message: expect.stringContaining(evidenceId) },
        ]);
      }
      expect(await row(open.id)).toMatchObject({ version: 1 });
      expect(await answerRows(open.id)).toEqual([]);
      expect(await journalOf(open.id)).toEqual([]);
      expect(
        await t.db.query('SELECT 1 FROM evidence_attachment WHERE evidence_id = $1', [foreign]),
      ).toEqual([]);
    });

    it('lets exactly one of 20 concurrent writes with the same If-Match through: one 200, nineteen 412', async () => {
      const open = await openOn();
      const answers: Answer[] = ['implemented', 'partially_implemented', 'not_implemented'];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          answer(i % 2 ? admin : member, open.id, 'E07', { answer: answers[i % 3] }, '"1"'),
        ),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, ...Array<number>(19).fill(412)]);
      for (const lost of results.filter((r) => r.statusCode === 412)) {
        expect(lost.json()).toMatchObject({ code: 'SELF_ASSESSMENT.VERSION_MISMATCH' });
      }
      const won = results.find((r) => r.statusCode === 200)!;
      expect(won.headers.etag).toBe('"2"');
      const wonAnswer = won
        .json()
        .groups[0].commitments.find((c: { code: string }) => c.code === 'E07').answer.answer;
      expect(await row(open.id)).toMatchObject({ version: 2 });
      expect((await answerRows(open.id)).map((a) => a.answer)).toEqual([wonAnswer]);
      expect(await journalOf(open.id)).toHaveLength(1);
    });
  });

  describe('POST /self-assessments/:id/submit', () => {
    it('refuses with 422 listing the unanswered commitments in charter order', async () => {
      const open = await openOn();
      await givenAnswers(t.db, open, member, {
        ...Object.fromEntries(CODES_2020_1.slice(0, 10).map((c) => [c, 'implemented' as const])),
        E13: 'not_implemented',
        E20: 'implemented',
      });
      const problem = expectProblem(
        await submit(member, open.id),
        422,
        'SELF_ASSESSMENT.INCOMPLETE',
      );
      expect(problem.missing).toEqual(['E11', 'E12', 'E14', 'E15', 'E16', 'E17', 'E18', 'E19']);
      expect(await row(open.id)).toMatchObject({ status: 'open', version: 1, score: null });
    });

    it('lists every commitment when none is answered', async () => {
      const open = await openOn();
      const problem = expectProblem(
        await submit(member, open.id),
        422,
        'SELF_ASSESSMENT.INCOMPLETE',
      );
      expect(problem.missing).toEqual(CODES_2020_1);
    });

    it('computes and fixes the self-score and the group scores with the 2020.1 weights', async () => {
      const open = await openOn();
      const { E01: _e01, E13: _e13, ...others } = allImplemented();
      await givenAnswers(t.db, open, member, others);
      expect((await answer(member, open.id, 'E01', { answer: 'not_implemented' })).statusCode).toBe(
        200,
      );
      expect(
        (await answer(member, open.id, 'E13', { answer: 'partially_implemented' }, '"2"'))
          .statusCode,
      ).toBe(200);

      const res = await submit(member, open.id, '"3"');
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"4"');
      // Weights 3 (critical), 2 (major), 1 (standard): 43 in all. E01 is critical and worth 0,
      // E13 standard and worth 0.5. Employees E01–E12 weigh 29, clients E13–E15 weigh 6.
      const score = (100 * (43 - 3 - 0.5)) / 43;
      const employees = (100 * (29 - 3)) / 29;
      const clients = (100 * (6 - 0.5)) / 6;
      const body = res.json();
      expect(body).toMatchObject({
        status: 'submitted',
        submittedBy: member.id,
        submittedAt: expect.any(String),
        progress: { answered: 20, total: 20 },
        version: 4,
        groupScores: { providers: 100, community: 100 },
      });
      expect(body.score).toBeCloseTo(score, 10);
      expect(body.groupScores.employees).toBeCloseTo(employees, 10);
      expect(body.groupScores.clients).toBeCloseTo(clients, 10);

      const stored = (await row(open.id))!;
      expect(stored).toMatchObject({ status: 'submitted', submittedBy: member.id, version: 4 });
      expect(stored.score).toBeCloseTo(score, 10);
      expect(stored.scoreEmployees).toBeCloseTo(employees, 10);
      expect(stored.scoreClients).toBeCloseTo(clients, 10);
      expect([stored.scoreProviders, stored.scoreCommunity]).toEqual([100, 100]);

      const entries = await journalOf(open.id);
      expect(entries.map((e) => e.action)).toEqual([
        'self_assessment.answered',
        'self_assessment.answered',
        'self_assessment.submitted',
      ]);
      expect(entries[2]).toMatchObject({
        actor_id: member.id,
        organisation_id: organisation.id,
        changes: {
          status: { before: 'open', after: 'submitted' },
          score: body.score,
          groupScores: body.groupScores,
        },
      });
      // What is shown afterwards is what was fixed.
      const shown = (await call(auditor, 'GET', `/self-assessments/${open.id}`)).json();
      expect({ score: shown.score, groupScores: shown.groupScores }).toEqual({
        score: body.score,
        groupScores: body.groupScores,
      });
    });

    it('leaves not-applicable commitments out of both sums', async () => {
      const open = await openOn(await eligibleSite());
      await givenAnswers(
        t.db,
        open,
        member,
        allImplemented({
          E10: 'not_applicable',
          E15: 'not_applicable',
          E18: 'not_applicable',
          E02: 'not_implemented',
          E19: 'partially_implemented',
        }),
      );
      const res = await submit(member, open.id);
      expect(res.statusCode).toBe(200);
      // 43 − E10 (1) − E15 (3) − E18 (2) = 37 applicable; E02 (3) at 0, E19 (1) at 0.5.
      const body = res.json();
      expect(body.score).toBeCloseTo((100 * (37 - 3 - 0.5)) / 37, 10);
      expect(body.groupScores.employees).toBeCloseTo((100 * (28 - 3)) / 28, 10);
      expect(body.groupScores.clients).toBe(100);
      expect(body.groupScores.providers).toBe(100);
      expect(body.groupScores.community).toBeCloseTo(75, 10);
    });

    it('refuses with 422 a not-applicable answer the site’s record no longer allows', async () => {
      const site = await eligibleSite();
      const open = await openOn(site);
      await givenAnswers(t.db, open, member, allImplemented({ E18: 'not_applicable' }));
      await t.db.query('UPDATE site SET provides_staff_transport = true WHERE id = $1', [site.id]);
      const problem = expectProblem(
        await submit(member, open.id),
        422,
        'SELF_ASSESSMENT.NOT_APPLICABLE_REFUSED',
      );
      expect(problem).toMatchObject({
        commitment: 'E18',
        siteFact: { field: 'providesStaffTransport', value: true },
      });
      expect(await row(open.id)).toMatchObject({ status: 'open', version: 1 });
    });

    it('answers 409 to every write once submitted', async () => {
      const open = await openOn();
      await givenAnswers(t.db, open, member);
      expect((await submit(member, open.id)).statusCode).toBe(200);
      expectProblem(await submit(member, open.id, '"2"'), 409, 'SELF_ASSESSMENT.ALREADY_SUBMITTED');
      expectProblem(
        await answer(member, open.id, 'E01', { answer: 'not_implemented' }, '"2"'),
        409,
        'SELF_ASSESSMENT.ALREADY_SUBMITTED',
      );
      expect(await row(open.id)).toMatchObject({ status: 'submitted', version: 2, score: 100 });
      expect((await answerRows(open.id)).every((a) => a.answer === 'implemented')).toBe(true);
      expect((await journalOf(open.id)).map((e) => e.action)).toEqual([
        'self_assessment.submitted',
      ]);
    });

    it('answers 428 without If-Match and 412 with a stale one, changing nothing', async () => {
      const open = await openOn();
      await givenAnswers(t.db, open, member);
      expectProblem(await submit(member, open.id, null), 428, 'SELF_ASSESSMENT.IF_MATCH_REQUIRED');
      expectProblem(await submit(member, open.id, '"0"'), 412, 'SELF_ASSESSMENT.VERSION_MISMATCH');
      expectProblem(
        await submit(member, open.id, 'W/"1"'),
        412,
        'SELF_ASSESSMENT.VERSION_MISMATCH',
      );
      expect(await row(open.id)).toMatchObject({ status: 'open', version: 1, score: null });
    });

    it('answers 400 for an id that is not a UUID, 401 without a token, 403 to an auditor', async () => {
      const open = await openOn();
      await givenAnswers(t.db, open, member);
      expect(
        fieldsOf(expectProblem(await submit(member, 'x'), 400, 'REQUEST.VALIDATION_FAILED')),
      ).toEqual(['id']);
      expectProblem(await submit(null, open.id), 401, 'AUTH.INVALID_TOKEN');
      expectProblem(await submit(auditor, open.id), 403, 'AUTH.ROLE_NOT_ALLOWED');
      expect(await row(open.id)).toMatchObject({ status: 'open', version: 1 });
    });

    it('answers 404 for a missing one, and the same for another company’s', async () => {
      const open = await openOn();
      await givenAnswers(t.db, open, member);
      const missing = await submit(otherMember, MISSING);
      expectProblem(missing, 404, 'SELF_ASSESSMENT.NOT_FOUND');
      expect(comparable(await submit(otherMember, open.id))).toEqual(comparable(missing));
      expect(await row(open.id)).toMatchObject({ status: 'open', version: 1 });
    });

    it('lets an administrator submit', async () => {
      const open = await openOn();
      await givenAnswers(t.db, open, member, allImplemented({ E20: 'not_implemented' }));
      const res = await submit(admin, open.id);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ submittedBy: admin.id });
      expect(res.json().score).toBeCloseTo((100 * 42) / 43, 10);
    });
  });

  describe('SelfAssessmentsService.lastSubmitted (for the audits)', () => {
    it('gives the site’s last submission at or before a time, with its answers', async () => {
      const site = await newSite();
      const day = (n: number) => new Date(Date.UTC(2020, 6, n, 10));
      const older = await givenSelfAssessment(t.db, site, member, {
        status: 'submitted',
        submittedAt: day(1),
        score: 90,
      });
      const newer = await givenSelfAssessment(t.db, site, member, {
        status: 'submitted',
        submittedAt: day(10),
        score: 80,
      });
      await givenSelfAssessment(t.db, site, member); // open: never counts
      await givenAnswers(t.db, older, member, { E01: 'implemented' });
      await givenAnswers(t.db, newer, member, { E01: 'not_implemented', E10: 'not_applicable' });
      const service = t.app.get(SelfAssessmentsService);
      const read = (asOf: Date) => service.lastSubmitted(t.db.manager, site.id, asOf);

      expect(await read(new Date(Date.UTC(2020, 5, 30)))).toBeNull();
      expect(await read(day(5))).toMatchObject({
        id: older.id,
        score: 90,
        charterVersion: '2020.1',
      });
      const last = await read(day(10));
      expect(last).toMatchObject({ id: newer.id, score: 80, submittedAt: day(10) });
      expect([...last!.answers]).toEqual([
        ['E01', { answer: 'not_implemented', comment: null }],
        ['E10', { answer: 'not_applicable', comment: expect.any(String) }],
      ]);
    });
  });

  describe('the database', () => {
    const insertSelfAssessment = async (site: Site, over: Record<string, unknown> = {}) => {
      const values = {
        site_id: site.id,
        organisation_id: site.organisationId,
        charter_version_id: (
          await t.db.query<{ id: string }[]>(
            `SELECT id FROM charter_version WHERE version = '2020.1'`,
          )
        )[0].id,
        status: 'open',
        started_by: member.id,
        ...over,
      };
      const columns = Object.keys(values);
      return t.db.query(
        `INSERT INTO self_assessment (${columns.join(', ')})
         VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        Object.values(values),
      );
    };
    const violating = (constraint: string) =>
      expect.objectContaining({ driverError: expect.objectContaining({ constraint }) });

    it('holds one open self-assessment per site and version, whatever the path', async () => {
      const site = await newSite();
      await insertSelfAssessment(site);
      await expect(insertSelfAssessment(site)).rejects.toEqual(
        violating('self_assessment_open_uq'),
      );
      await insertSelfAssessment(site, {
        status: 'submitted',
        submitted_by: member.id,
        submitted_at: new Date(),
      });
    });

    it('refuses an organisation other than the site’s', async () => {
      const site = await newSite();
      await expect(
        insertSelfAssessment(site, { organisation_id: otherSite.organisationId }),
      ).rejects.toEqual(violating('self_assessment_site_fk'));
    });

    // Each row breaks one rule only: the others hold (who submitted is given with when).
    it.each<[string, (who: string) => Record<string, unknown>, string]>([
      [
        'submitted without who and when',
        () => ({ status: 'submitted' }),
        'self_assessment_submitted_ck',
      ],
      [
        'open with who submitted and when',
        (who) => ({ submitted_by: who, submitted_at: new Date() }),
        'self_assessment_submitted_ck',
      ],
      ['open with a score', () => ({ score: 50 }), 'self_assessment_open_unscored_ck'],
      [
        'submitted with a score over 100',
        (who) => ({
          status: 'submitted',
          submitted_by: who,
          submitted_at: new Date(),
          score: 100.5,
        }),
        'self_assessment_scores_ck',
      ],
      [
        'submitted with a negative group score',
        (who) => ({
          status: 'submitted',
          submitted_by: who,
          submitted_at: new Date(),
          score_clients: -1,
        }),
        'self_assessment_scores_ck',
      ],
    ])('refuses a self-assessment %s', async (_, over, constraint) => {
      const site = await newSite();
      await expect(insertSelfAssessment(site, over(member.id))).rejects.toEqual(
        violating(constraint),
      );
    });

    it.each([
      [
        'not applicable without a comment',
        'E10',
        'not_applicable',
        null,
        'self_assessment_answer_justified_ck',
      ],
      [
        'a comment over 2000 characters',
        'E01',
        'implemented',
        'x'.repeat(2001),
        'self_assessment_answer_comment_ck',
      ],
      ['an unknown answer', 'E01', 'done', null, 'self_assessment_answer_answer_ck'],
      [
        'a second answer to a commitment',
        'E02',
        'implemented',
        null,
        'self_assessment_answer_code_uq',
      ],
    ])('refuses an answer with %s', async (_, code, answerValue, comment, constraint) => {
      const open = await openOn();
      await givenAnswers(t.db, open, member, { E02: 'implemented' });
      await expect(
        t.db.query(
          `INSERT INTO self_assessment_answer
             (self_assessment_id, commitment_code, answer, comment, answered_by)
           VALUES ($1, $2, $3, $4, $5)`,
          [open.id, code, answerValue, comment, member.id],
        ),
      ).rejects.toEqual(violating(constraint));
    });
  });

  describe('another company', () => {
    // A member of another company, on every route, with ids of this company's records: the very
    // answer a missing id gets, and nothing written.
    const routes: {
      name: string;
      method: InjectOptions['method'];
      url: (ids: { site: string; selfAssessment: string }) => string;
      payload?: object;
    }[] = [
      {
        name: 'POST /sites/:id/self-assessments',
        method: 'POST',
        url: (x) => `/sites/${x.site}/self-assessments`,
      },
      {
        name: 'GET /sites/:id/self-assessments',
        method: 'GET',
        url: (x) => `/sites/${x.site}/self-assessments`,
      },
      {
        name: 'GET /self-assessments/:id',
        method: 'GET',
        url: (x) => `/self-assessments/${x.selfAssessment}`,
      },
      {
        name: 'PUT /self-assessments/:id/answers/:code',
        method: 'PUT',
        url: (x) => `/self-assessments/${x.selfAssessment}/answers/E01`,
        payload: { answer: 'implemented', comment: null, evidenceIds: [] },
      },
      {
        name: 'POST /self-assessments/:id/submit',
        method: 'POST',
        url: (x) => `/self-assessments/${x.selfAssessment}/submit`,
      },
    ];

    it.each(routes.map((r) => [r.name, r] as const))(
      'gets 404 on %s, as for a missing id',
      async (_, route) => {
        const site = await newSite({ headcountRemote: 0 });
        const open = await givenSelfAssessment(t.db, site, member);
        await givenAnswers(t.db, open, member);
        const headers = { 'if-match': '"1"' };
        const foreign = await call(
          otherMember,
          route.method,
          route.url({ site: site.id, selfAssessment: open.id }),
          route.payload,
          headers,
        );
        const missing = await call(
          otherMember,
          route.method,
          route.url({ site: MISSING, selfAssessment: MISSING }),
          route.payload,
          headers,
        );
        expect(foreign.statusCode).toBe(404);
        expect(comparable(foreign)).toEqual(comparable(missing));
        expect(await row(open.id)).toMatchObject({ status: 'open', version: 1 });
        expect(await t.db.getRepository(SelfAssessment).countBy({ siteId: site.id })).toBe(1);
        expect(await journalOf(open.id)).toEqual([]);
      },
    );
  });
});
