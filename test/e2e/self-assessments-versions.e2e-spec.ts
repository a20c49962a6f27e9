import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { SelfAssessment } from 'src/self-assessments/self-assessment.entity';
import { createTestApp, type TestApp } from '../app';
import {
  authAs,
  charterVersionId,
  CODES_2020_1,
  givenAnswers,
  givenOrganisation,
  givenSelfAssessment,
  givenSite,
  givenUser,
} from '../factories';

// Charter versions in this file: 2020.1 (seeded), then 2021.1, published here with a critical
// weight of 5, a justification of at least 30 characters and without E20. A spec file of its own:
// publishing a version changes what every later start is made against.

function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect({ status: res.statusCode, code: res.json().code }).toEqual({ status, code });
  return res.json();
}

describe('self-assessments across charter versions', () => {
  let t: TestApp;
  let admin: User;
  let member: User;
  let organisation: Organisation;
  let site: Site;
  let before: SelfAssessment;

  const call = async (
    user: User,
    method: InjectOptions['method'],
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) =>
    t.request({
      method,
      url: `/api/v1${url}`,
      payload,
      headers: { ...(await authAs(t, user)), ...headers },
    });

  const expectOk = async (res: Promise<LightMyRequestResponse>, status = 200) => {
    const done = await res;
    expect({ status: done.statusCode, body: done.json() }).toMatchObject({ status });
    return done;
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenUser(t.db, 'admin');
    organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    site = await givenSite(t.db, organisation, {
      activities: ['front_office'],
      headcountRemote: 0,
      providesStaffTransport: false,
    });
    before = await givenSelfAssessment(t.db, site, member);

    await expectOk(call(admin, 'POST', '/charters', { version: '2021.1' }), 201);
    await expectOk(
      call(admin, 'PATCH', '/charters/2021.1/rules', {
        weights: { critical: 5 },
        notApplicableJustificationMinLength: 30,
      }),
    );
    expect((await call(admin, 'DELETE', '/charters/2021.1/commitments/E20')).statusCode).toBe(204);
    await expectOk(call(admin, 'POST', '/charters/2021.1/publish'));
  });

  afterAll(async () => {
    await t.close();
  });

  it('keeps a self-assessment on the version it was started against', async () => {
    const res = await call(member, 'GET', `/self-assessments/${before.id}`);
    expect(res.json()).toMatchObject({
      charterVersion: '2020.1',
      progress: { answered: 0, total: 20 },
    });
  });

  it('starts new ones against the latest published version, beside an open one of another version', async () => {
    const res = await call(member, 'POST', `/sites/${site.id}/self-assessments`);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ charterVersion: '2021.1', progress: { answered: 0, total: 19 } });
    expect(
      body.groups.find((g: { group: string }) => g.group === 'employees').commitments[0],
    ).toMatchObject({ code: 'E01', weight: 5 });
    expect(await t.db.getRepository(SelfAssessment).findOneBy({ id: body.id })).toMatchObject({
      charterVersionId: await charterVersionId(t.db, '2021.1'),
      status: 'open',
    });
    expect(
      await t.db.getRepository(SelfAssessment).countBy({ siteId: site.id, status: 'open' }),
    ).toBe(2);

    const again = expectProblem(
      await call(member, 'POST', `/sites/${site.id}/self-assessments`),
      409,
      'SELF_ASSESSMENT.ALREADY_OPEN',
    );
    expect(again.selfAssessmentId).toBe(body.id);
  });

  it('ignores a version being drafted', async () => {
    await expectOk(call(admin, 'POST', '/charters', { version: '2022.1' }), 201);
    try {
      const other = await givenSite(t.db, organisation);
      const res = await call(member, 'POST', `/sites/${other.id}/self-assessments`);
      expect(res.statusCode).toBe(201);
      expect(res.json().charterVersion).toBe('2021.1');
    } finally {
      const discarded = await call(admin, 'DELETE', '/charters/2022.1');
      expect(discarded.statusCode).toBe(204);
    }
  });

  it('checks answers against the self-assessment’s own version: its codes and its justification length', async () => {
    const other = await givenSite(t.db, organisation, {
      activities: ['front_office'],
      headcountRemote: 0,
      providesStaffTransport: false,
    });
    const old = await givenSelfAssessment(t.db, other, member);
    const current = await givenSelfAssessment(t.db, other, member, {
      charterVersionId: await charterVersionId(t.db, '2021.1'),
    });
    const justification = 'Aucun transport organisé.'; // 25 characters: enough in 2020.1 only
    const naAnswer = { answer: 'not_applicable', comment: justification };
    const put = (id: string, code: string, body: object, ifMatch = '"1"') =>
      call(member, 'PUT', `/self-assessments/${id}/answers/${code}`, body, { 'if-match': ifMatch });

    const short = expectProblem(
      await put(current.id, 'E18', naAnswer),
      400,
      'REQUEST.VALIDATION_FAILED',
    );
    expect(short.errors).toEqual([
      { field: 'comment', message: expect.stringMatching(/at least 30 characters/) },
    ]);
    expect((await put(old.id, 'E18', naAnswer)).statusCode).toBe(200);

    expectProblem(
      await put(current.id, 'E20', { answer: 'implemented' }),
      404,
      'SELF_ASSESSMENT.COMMITMENT_NOT_FOUND',
    );
    expect((await put(old.id, 'E20', { answer: 'implemented' }, '"2"')).statusCode).toBe(200);
  });

  it('scores a submission with the weights of its own version', async () => {
    const other = await givenSite(t.db, organisation);
    const current = await givenSelfAssessment(t.db, other, member, {
      charterVersionId: await charterVersionId(t.db, '2021.1'),
    });
    await givenAnswers(t.db, current, member, {
      ...Object.fromEntries(CODES_2020_1.slice(0, 19).map((c) => [c, 'implemented' as const])),
      E01: 'not_implemented',
    });
    const res = await call(member, 'POST', `/self-assessments/${current.id}/submit`, undefined, {
      'if-match': '"1"',
    });
    expect(res.statusCode).toBe(200);
    // 2021.1: 7 critical × 5 + 9 major × 2 + 3 standard × 1 (E20 gone) = 56; E01 (5) at 0.
    // Employees: 6 critical × 5 + 5 major × 2 + 1 standard = 41.
    expect(res.json().score).toBeCloseTo((100 * (56 - 5)) / 56, 10);
    expect(res.json().groupScores.employees).toBeCloseTo((100 * (41 - 5)) / 41, 10);
    expect(res.json().groupScores.community).toBe(100);
  });
});
