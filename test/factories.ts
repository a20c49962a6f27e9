import { randomInt, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { hashPassword } from 'src/auth/password';
import type { Role } from 'src/auth/roles';
import { TokenService } from 'src/auth/token.service';
import { Organisation } from 'src/members/organisation.entity';
import { Site } from 'src/members/site.entity';
import { User } from 'src/members/user.entity';
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

/** A live refresh token of the user (only its hash is stored, as login stores it). */
export async function givenRefreshToken(db: DataSource, user: Pick<User, 'id'>): Promise<void> {
  await db.query(
    `INSERT INTO refresh_token (user_id, family_id, token_hash, expires_at)
     VALUES ($1, gen_random_uuid(), $2, now() + interval '1 day')`,
    [user.id, randomUUID().replace(/-/g, '').repeat(2)],
  );
}
