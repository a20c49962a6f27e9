import { randomBytes } from 'node:crypto';
import { expectStatus, type Http } from './http';

/**
 * The load's fixture, made through the API as the association would make it: member companies,
 * sites, members, auditors, self-assessments started, audits in progress, and certified sites
 * (an audit conducted, submitted and closed, then a certificate issued).
 */

const API = '/api/v1';
const SEED = 'fixture';

/** The commitment codes of charter 2020.1. */
export const CODES = Array.from({ length: 20 }, (_, i) => `E${String(i + 1).padStart(2, '0')}`);

const today = () => new Date().toISOString().slice(0, 10);
const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });
const strongPassword = () => `Load-${randomBytes(18).toString('base64url')}`;

let serial = 0;
/** Unique ICE and membership numbers within a database. */
function nextSerial(): number {
  serial += 1;
  return serial;
}

export async function login(http: Http, email: string, password: string): Promise<string> {
  const body = expectStatus<{ accessToken: string }>(
    await http.request(SEED, `${API}/auth/login`, {
      method: 'POST',
      json: { email, password },
    }),
    200,
    `login ${email}`,
  );
  return body.accessToken;
}

export interface Organisation {
  readonly id: string;
  readonly name: string;
}

export async function createOrganisation(
  http: Http,
  admin: string,
  name: string,
): Promise<Organisation> {
  const n = nextSerial();
  return expectStatus<Organisation>(
    await http.request(SEED, `${API}/organisations`, {
      method: 'POST',
      token: admin,
      json: {
        name,
        ice: String(900_000_000_000_000 + n),
        membershipNumber: `AMRC-L${n}`,
        contactEmail: `contact-${n}@load.example.ma`,
      },
    }),
    201,
    `create organisation ${name}`,
  );
}

export interface Site {
  readonly id: string;
  readonly organisationId: string;
  readonly name: string;
}

export async function createSite(
  http: Http,
  admin: string,
  organisation: Organisation,
  name: string,
): Promise<Site> {
  return expectStatus<Site>(
    await http.request(SEED, `${API}/organisations/${organisation.id}/sites`, {
      method: 'POST',
      token: admin,
      json: {
        name,
        address: '12 boulevard Zerktouni',
        city: 'Casablanca',
        region: 'casablanca_settat',
        headcountOnSite: 120,
        headcountRemote: 30,
        activities: ['front_office', 'back_office'],
        providesStaffTransport: true,
      },
    }),
    201,
    `create site ${name}`,
  );
}

export interface User {
  readonly id: string;
  readonly email: string;
  readonly token: string;
}

/** A user created by the admin, signed in with their own password. */
export async function createUser(
  http: Http,
  admin: string,
  role: 'member' | 'auditor',
  label: string,
  organisationId?: string,
): Promise<User> {
  const email = `${label}-${nextSerial()}@load.example.ma`;
  const password = strongPassword();
  const created = expectStatus<{ id: string }>(
    await http.request(SEED, `${API}/users`, {
      method: 'POST',
      token: admin,
      json: { email, password, fullName: `Load ${label}`, role, organisationId },
    }),
    201,
    `create ${role} ${email}`,
  );
  return { id: created.id, email, token: await login(http, email, password) };
}

export interface Versioned {
  readonly id: string;
  readonly version: number;
}

export async function startSelfAssessment(
  http: Http,
  member: User,
  site: Site,
): Promise<Versioned> {
  return expectStatus<Versioned>(
    await http.request(SEED, `${API}/sites/${site.id}/self-assessments`, {
      method: 'POST',
      token: member.token,
    }),
    201,
    `start a self-assessment of ${site.name}`,
  );
}

/** An audit of the site planned for today by the admin, started by its auditor. */
export async function auditInProgress(
  http: Http,
  admin: string,
  auditor: User,
  site: Site,
): Promise<Versioned> {
  const planned = expectStatus<Versioned>(
    await http.request(SEED, `${API}/audits`, {
      method: 'POST',
      token: admin,
      json: { siteId: site.id, type: 'initial', plannedFor: today(), auditorId: auditor.id },
    }),
    201,
    `plan an audit of ${site.name}`,
  );
  return expectStatus<Versioned>(
    await http.request(SEED, `${API}/audits/${planned.id}/start`, {
      method: 'POST',
      token: auditor.token,
      headers: ifMatch(planned.version),
    }),
    200,
    `start the audit of ${site.name}`,
  );
}

export interface Certificate {
  readonly number: string;
  /** The signed token of its QR code. */
  readonly token: string;
}

/**
 * The site audited with every commitment conform, the audit submitted and closed (the site is
 * compliant), then certified.
 */
export async function certifiedSite(
  http: Http,
  admin: string,
  auditor: User,
  site: Site,
): Promise<Certificate> {
  let audit = await auditInProgress(http, admin, auditor, site);
  for (const code of CODES) {
    audit = expectStatus<Versioned>(
      await http.request(SEED, `${API}/audits/${audit.id}/findings/${code}`, {
        method: 'PUT',
        token: auditor.token,
        headers: ifMatch(audit.version),
        json: { result: 'conform' },
      }),
      200,
      `finding ${code} of ${site.name}`,
    );
  }
  audit = expectStatus<Versioned>(
    await http.request(SEED, `${API}/audits/${audit.id}/submit`, {
      method: 'POST',
      token: auditor.token,
      headers: ifMatch(audit.version),
    }),
    200,
    `submit the audit of ${site.name}`,
  );
  expectStatus(
    await http.request(SEED, `${API}/audits/${audit.id}/close`, {
      method: 'POST',
      token: admin,
      headers: ifMatch(audit.version),
    }),
    200,
    `close the audit of ${site.name}`,
  );
  const certificate = expectStatus<{ number: string; verifyUrl: string }>(
    await http.request(SEED, `${API}/sites/${site.id}/certificates`, {
      method: 'POST',
      token: admin,
    }),
    201,
    `certify ${site.name}`,
  );
  const token = new URL(certificate.verifyUrl).searchParams.get('t');
  if (!token) {
    throw new Error(`no token in ${certificate.verifyUrl}`);
  }
  return { number: certificate.number, token };
}
