import { AuditFinding } from 'src/audits/audit-finding.entity';
import { Audit } from 'src/audits/audit.entity';
import type { FindingResult } from 'src/audits/audits.types';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { hashPassword } from 'src/auth/password';
import type { Role } from 'src/auth/roles';
import { TokenService } from 'src/auth/token.service';
import { Evidence } from 'src/evidence/evidence.entity';
import { Organisation } from 'src/members/organisation.entity';
import { Site } from 'src/members/site.entity';
import { User } from 'src/members/user.entity';
import { SelfAssessmentAnswer } from 'src/self-assessments/self-assessment-answer.entity';
import { SelfAssessment } from 'src/self-assessments/self-assessment.entity';
import type { Answer } from 'src/self-assessments/self-assessments.types';
import type { TestApp } from './app';

/** The password of every factory user. */
export const TEST_PASSWORD = 'correct horse battery staple';

// argon2id is slow on purpose: hash the shared password once per test file, not per user.
let passwordHash: Promise<string> | undefined;
const sharedPasswordHash = () => (passwordHash ??= hashPassword(TEST_PASSWORD));

const digits = (length: number) => Array.from({ length }, () => String(randomInt(10))).join('');

export async function givenOrganisation(
  db: DataSource,
  overrides: Partial<Organisation> = {},
): Promise<Organisation> {
  const suffix = randomUUID().slice(0, 8);
  return db.getRepository(Organisation).save({
    name: `Centre d'appels ${suffix}`,
    ice: digits(15),
    membershipNumber: `AMRC-${digits(6)}`,
    contactEmail: `contact-${suffix}@example.ma`,
    status: 'active',
    version: 1,
    ...overrides,
  });
}

export async function givenSite(
  db: DataSource,
  organisation: Pick<Organisation, 'id'>,
  overrides: Partial<Site> = {},
): Promise<Site> {
  return db.getRepository(Site).save({
    organisationId: organisation.id,
    name: `Plateau ${randomUUID().slice(0, 8)}`,
    address: '12 boulevard Zerktouni',
    city: 'Casablanca',
    region: 'casablanca_settat',
    headcountOnSite: 120,
    headcountRemote: 30,
    activities: ['front_office', 'back_office'],
    providesStaffTransport: true,
    active: true,
    version: 1,
    ...overrides,
  });
}

export async function givenUser(
  db: DataSource,
  role: Role,
  overrides: Partial<User> = {},
): Promise<User> {
  if (role === 'member' && !overrides.organisationId) {
    throw new Error('a member needs an organisationId');
  }
  return db.getRepository(User).save({
    email: `${role}-${randomUUID().slice(0, 8)}@example.ma`,
    passwordHash: await sharedPasswordHash(),
    fullName: `Test ${role}`,
    role,
    organisationId: null,
    preferredLanguage: 'fr',
    tokenVersion: 0,
    version: 1,
    ...overrides,
  });
}

/** A valid access token for the user, as login would issue it. */
export function tokenFor(t: TestApp, user: User): Promise<string> {
  return t.app.get(TokenService).issueAccessToken(user);
}

/** `Authorization` header of the user. */
export async function authAs(t: TestApp, user: User): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await tokenFor(t, user)}` };
}

/** A request to `/api/v1${url}` as the user, or without a token for null. */
export type ApiCall = (
  user: User | null,
  method: InjectOptions['method'],
  url: string,
  payload?: object,
  headers?: Record<string, string>,
) => Promise<LightMyRequestResponse>;

/**
 * A spec's `call` to the API: `const call = apiCaller(() => t)`, `t` being the app its
 * `beforeAll` starts. Headers given win over the user's `Authorization`.
 */
export function apiCaller(app: () => TestApp): ApiCall {
  return async (user, method, url, payload, headers = {}) =>
    app().request({
      method,
      url: `/api/v1${url}`,
      payload,
      headers: { ...(user ? await authAs(app(), user) : {}), ...headers },
    });
}

/** The same call, throwing on any answer but a 2xx: for the steps that bring a test to its point. */
export function succeeding(call: ApiCall): ApiCall {
  return async (user, method, url, payload, headers) => {
    const res = await call(user, method, url, payload, headers);
    if (res.statusCode >= 300) {
      throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    }
    return res;
  };
}

/** A live refresh token of the user (only its hash is stored, as login stores it). */
export async function givenRefreshToken(db: DataSource, user: Pick<User, 'id'>): Promise<void> {
  await db.query(
    `INSERT INTO refresh_token (user_id, family_id, token_hash, expires_at)
     VALUES ($1, gen_random_uuid(), $2, now() + interval '1 day')`,
    [user.id, randomUUID().replace(/-/g, '').repeat(2)],
  );
}

/** The id of a charter version (2020.1, loaded by the migrations, unless told). */
export async function charterVersionId(db: DataSource, version = '2020.1'): Promise<string> {
  const [row] = await db.query<{ id: string }[]>(
    'SELECT id FROM charter_version WHERE version = $1',
    [version],
  );
  if (!row) {
    throw new Error(`no charter version ${version}`);
  }
  return row.id;
}

/** An open self-assessment of the site against 2020.1, unless the overrides say otherwise. */
export async function givenSelfAssessment(
  db: DataSource,
  site: Pick<Site, 'id' | 'organisationId'>,
  startedBy: Pick<User, 'id'>,
  overrides: Partial<SelfAssessment> = {},
): Promise<SelfAssessment> {
  const submitted = overrides.status === 'submitted';
  return db.getRepository(SelfAssessment).save({
    siteId: site.id,
    organisationId: site.organisationId,
    charterVersionId: await charterVersionId(db),
    status: 'open',
    startedBy: startedBy.id,
    startedAt: new Date(),
    submittedBy: submitted ? startedBy.id : null,
    submittedAt: submitted ? new Date() : null,
    version: 1,
    ...overrides,
  });
}

/** The commitment codes of charter 2020.1, in charter order. */
export const CODES_2020_1 = Array.from(
  { length: 20 },
  (_, i) => `E${String(i + 1).padStart(2, '0')}`,
);

/**
 * Answers of a self-assessment, written straight to the database: every code of `answers`
 * (by default every commitment of 2020.1 `implemented`), with a justification for N/A.
 */
export async function givenAnswers(
  db: DataSource,
  selfAssessment: Pick<SelfAssessment, 'id'>,
  answeredBy: Pick<User, 'id'>,
  answers: Record<string, Answer> = Object.fromEntries(
    CODES_2020_1.map((code) => [code, 'implemented' as const]),
  ),
): Promise<void> {
  await db.getRepository(SelfAssessmentAnswer).save(
    Object.entries(answers).map(([commitmentCode, answer]) => ({
      selfAssessmentId: selfAssessment.id,
      commitmentCode,
      answer,
      comment: answer === 'not_applicable' ? 'Sans objet pour ce site, voir le registre.' : null,
      answeredBy: answeredBy.id,
      answeredAt: new Date(),
    })),
  );
}

/**
 * An evidence row for a site, without content in the file storage (upload through the API when
 * the bytes matter).
 */
export async function givenEvidence(
  db: DataSource,
  site: Pick<Site, 'id' | 'organisationId'>,
  uploader: Pick<User, 'id'>,
  overrides: Partial<Evidence> = {},
): Promise<Evidence> {
  return db.getRepository(Evidence).save({
    organisationId: site.organisationId,
    siteId: site.id,
    uploadedBy: uploader.id,
    originalName: 'photo.jpg',
    size: 1234,
    mediaType: 'image/jpeg',
    sha256: createHash('sha256').update(randomUUID()).digest('hex'),
    capturedAt: null,
    ...overrides,
  });
}

/**
 * An audit of the site by the auditor, written straight to the database in `overrides.status`
 * (planned unless told), with the columns that state needs: started against 2020.1 today, and
 * submitted, closed or cancelled now. Findings go in with {@link givenFindings} before closing:
 * the database refuses them on a closed audit.
 */
export async function givenAudit(
  db: DataSource,
  site: Pick<Site, 'id' | 'organisationId'>,
  auditor: Pick<User, 'id'>,
  overrides: Partial<Audit> = {},
): Promise<Audit> {
  const status = overrides.status ?? 'planned';
  const started = ['in_progress', 'submitted', 'closed'].includes(status);
  const now = new Date();
  return db.getRepository(Audit).save({
    siteId: site.id,
    organisationId: site.organisationId,
    type: 'initial',
    status,
    plannedFor: now.toISOString().slice(0, 10),
    auditorId: auditor.id,
    plannedBy: auditor.id,
    charterVersionId: started ? await charterVersionId(db) : null,
    visitedOn: started ? now.toISOString().slice(0, 10) : null,
    startedAt: started ? now : null,
    submittedAt: status === 'submitted' || status === 'closed' ? now : null,
    closedAt: status === 'closed' ? now : null,
    closedBy: status === 'closed' ? auditor.id : null,
    cancelledAt: status === 'cancelled' ? now : null,
    cancelledBy: status === 'cancelled' ? auditor.id : null,
    cancelReason: status === 'cancelled' ? 'Site fermé pour travaux' : null,
    version: 1,
    ...overrides,
  });
}

/** A note long enough for any finding, a non-conformity or a not-applicable justification. */
export const FINDING_NOTE = 'Constat de l’auditeur : registre incomplet sur la période.';

/**
 * Findings of an audit, written straight to the database: every code of `results` (by default
 * every commitment of 2020.1 `conform`), with a note where one is required.
 */
export async function givenFindings(
  db: DataSource,
  audit: Pick<Audit, 'id'>,
  recordedBy: Pick<User, 'id'>,
  results: Record<string, FindingResult> = Object.fromEntries(
    CODES_2020_1.map((code) => [code, 'conform' as const]),
  ),
): Promise<AuditFinding[]> {
  return db.getRepository(AuditFinding).save(
    Object.entries(results).map(([commitmentCode, result]) => ({
      auditId: audit.id,
      commitmentCode,
      result,
      note: result === 'conform' || result === 'observation' ? null : FINDING_NOTE,
      recordedBy: recordedBy.id,
      recordedAt: new Date(),
    })),
  );
}

/** A closed audit, as {@link givenClosedAudit} leaves it. */
export interface ClosedAudit {
  readonly audit: Audit;
  /** Calendar date of the visit. */
  readonly visitedOn: string;
  readonly closedAt: Date;
}

/**
 * An audit of the site submitted with `results` (every other commitment of 2020.1 conform), then
 * closed by the admin through the API, so that the site's status is computed and whatever
 * follows it hears of it. `overrides` go to {@link givenAudit} (a `visitedOn` in the past, a type).
 */
export async function givenClosedAudit(
  t: TestApp,
  site: Pick<Site, 'id' | 'organisationId'>,
  people: { readonly admin: User; readonly auditor: User },
  results: Record<string, FindingResult> = {},
  overrides: Partial<Audit> = {},
): Promise<ClosedAudit> {
  const audit = await givenAudit(t.db, site, people.auditor, { ...overrides, status: 'submitted' });
  await givenFindings(t.db, audit, people.auditor, {
    ...Object.fromEntries(CODES_2020_1.map((code) => [code, 'conform' as const])),
    ...results,
  });
  const res = await t.request({
    method: 'POST',
    url: `/api/v1/audits/${audit.id}/close`,
    headers: { ...(await authAs(t, people.admin)), 'if-match': `"${audit.version}"` },
  });
  if (res.statusCode !== 200) {
    throw new Error(`closing audit ${audit.id}: ${res.statusCode} ${res.body}`);
  }
  const [closed] = await t.db.query<{ closed_at: Date; visited_on: string }[]>(
    'SELECT closed_at, visited_on::text FROM audit WHERE id = $1',
    [audit.id],
  );
  return { audit, visitedOn: closed.visited_on, closedAt: closed.closed_at };
}

/**
 * A site of the organisation (a new one unless told) whose closed audit found every commitment
 * conform: `compliant`, ready for a certificate.
 */
export async function givenCertifiableSite(
  t: TestApp,
  people: { readonly admin: User; readonly auditor: User },
  organisation?: Pick<Organisation, 'id'>,
  siteOverrides: Partial<Site> = {},
): Promise<Site & { readonly closed: ClosedAudit }> {
  const owner = organisation ?? (await givenOrganisation(t.db));
  const site = await givenSite(t.db, owner, siteOverrides);
  const closed = await givenClosedAudit(t, site, people);
  return Object.assign(site, { closed });
}
