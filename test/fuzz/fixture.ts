import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import type { TestApp } from '../app';
import {
  authAs,
  CODES_2020_1,
  givenAudit,
  givenCertifiableSite,
  givenClosedAudit,
  givenOrganisation,
  givenSelfAssessment,
  givenSite,
  givenUser,
} from '../factories';
import { png } from '../fixtures/evidence-corpus';
import { evidenceForm } from '../fixtures/multipart';

/** Who sends the fuzzed requests. The member belongs to organisation A. */
export interface Actors {
  readonly admin: User;
  readonly auditor: User;
  readonly member: User;
}

export interface FuzzFixture {
  readonly actors: Actors;
  readonly organisationA: Organisation;
  readonly organisationB: Organisation;
  /** Real values for path parameters, by the collection they name (`sites`, `audits`...). */
  readonly pools: Readonly<Record<string, readonly string[]>>;
}

/** The organisation (A or B) of one fixture, with its records. */
async function givenMemberOrganisation(
  t: TestApp,
  people: { admin: User; auditor: User },
  label: string,
) {
  const organisation = await givenOrganisation(t.db, { name: `Centre d'appels ${label}` });
  const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
  const colleague = await givenUser(t.db, 'member', { organisationId: organisation.id });
  // A compliant site with a certificate, a site with a planned and one with a started audit,
  // and one whose closed audit opened corrective actions.
  const certified = await givenCertifiableSite(t, people, organisation);
  const issued = await t.request({
    method: 'POST',
    url: `/api/v1/sites/${certified.id}/certificates`,
    headers: await authAs(t, people.admin),
  });
  if (issued.statusCode !== 201) {
    throw new Error(`certificate for the fuzz fixture: ${issued.statusCode} ${issued.body}`);
  }
  const planned = await givenSite(t.db, organisation);
  const started = await givenSite(t.db, organisation, { providesStaffTransport: false });
  const withActions = await givenSite(t.db, organisation, { activities: ['front_office'] });
  const plannedAudit = await givenAudit(t.db, planned, people.auditor);
  const startedAudit = await givenAudit(t.db, started, people.auditor, { status: 'in_progress' });
  const closedWithActions = await givenClosedAudit(t, withActions, people, {
    E03: 'minor_nc',
    E07: 'major_nc',
  });
  const selfAssessment = await givenSelfAssessment(t.db, planned, member);
  // Uploaded through the API, so that its content is in the file storage.
  const upload = evidenceForm(certified.id, png(), 'registre.png');
  const uploaded = await t.request({
    method: 'POST',
    url: '/api/v1/evidence',
    headers: { ...(await authAs(t, member)), ...upload.headers },
    payload: upload.payload,
  });
  if (uploaded.statusCode !== 201) {
    throw new Error(`evidence for the fuzz fixture: ${uploaded.statusCode} ${uploaded.body}`);
  }
  const evidence = uploaded.json<{ id: string }>();
  return {
    organisation,
    member,
    colleague,
    sites: [certified, planned, started, withActions] as Site[],
    audits: [
      certified.closed.audit.id,
      plannedAudit.id,
      startedAudit.id,
      closedWithActions.audit.id,
    ],
    selfAssessments: [selfAssessment.id],
    evidence: [evidence.id],
  };
}

/**
 * Two member organisations A and B, each with sites, members, audits in several states,
 * corrective actions, a self-assessment, evidence and a certificate; an admin and an auditor;
 * a charter draft beside the published 2020.1.
 */
export async function seedFuzzFixture(t: TestApp): Promise<FuzzFixture> {
  const admin = await givenUser(t.db, 'admin');
  const auditor = await givenUser(t.db, 'auditor');
  const otherAuditor = await givenUser(t.db, 'auditor');
  const people = { admin, auditor };
  const a = await givenMemberOrganisation(t, people, 'A');
  const b = await givenMemberOrganisation(t, people, 'B');
  const draft = await t.request({
    method: 'POST',
    url: '/api/v1/charters',
    headers: await authAs(t, admin),
    payload: { version: '2030.1' },
  });
  if (draft.statusCode !== 201) {
    throw new Error(`charter draft for the fuzz fixture: ${draft.statusCode} ${draft.body}`);
  }
  const column = async (sql: string) =>
    (await t.db.query<{ v: string }[]>(sql)).map((row) => row.v);
  const [correctiveActions, certificates] = await Promise.all([
    column('SELECT id::text AS v FROM corrective_action ORDER BY created_at'),
    column('SELECT number AS v FROM certificate ORDER BY number'),
  ]);
  return {
    actors: { admin, auditor, member: a.member },
    organisationA: a.organisation,
    organisationB: b.organisation,
    pools: {
      organisations: [a.organisation.id, b.organisation.id],
      sites: [...a.sites, ...b.sites].map((s) => s.id),
      // The acting users are left out: a fuzzed PATCH must not disable the fuzzer's own accounts.
      users: [a.colleague.id, b.colleague.id, b.member.id, otherAuditor.id],
      auditors: [auditor.id, otherAuditor.id],
      audits: [...a.audits, ...b.audits],
      'self-assessments': [...a.selfAssessments, ...b.selfAssessments],
      evidence: [...a.evidence, ...b.evidence],
      'corrective-actions': correctiveActions,
      certificates,
      charters: ['2020.1', '2030.1'],
      codes: [...CODES_2020_1],
    },
  };
}

/**
 * Every identifier (and certificate number) of a record that belongs to an organisation other
 * than `organisationId`, read now: records the fuzzer itself created count too.
 */
export async function foreignIdentifiers(t: TestApp, organisationId: string): Promise<Set<string>> {
  const rows = await t.db.query<{ v: string }[]>(
    `SELECT id::text AS v FROM organisation WHERE id <> $1
     UNION ALL SELECT id::text FROM site WHERE organisation_id <> $1
     UNION ALL SELECT id::text FROM app_user WHERE organisation_id <> $1
     UNION ALL SELECT id::text FROM audit WHERE organisation_id <> $1
     UNION ALL SELECT id::text FROM self_assessment WHERE organisation_id <> $1
     UNION ALL SELECT id::text FROM evidence WHERE organisation_id <> $1
     UNION ALL SELECT id::text FROM corrective_action WHERE organisation_id <> $1
     UNION ALL SELECT id::text FROM certificate WHERE organisation_id <> $1
     UNION ALL SELECT number FROM certificate WHERE organisation_id <> $1`,
    [organisationId],
  );
  return new Set(rows.map((row) => row.v.toLowerCase()));
}
