import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { passwordWeakness } from 'src/auth/password';
import type { RequestContext } from 'src/auth/request-context';
import { ConflictError } from 'src/common/errors';
import type { JournalService } from 'src/journal/journal.service';
import { User } from 'src/members/user.entity';

/**
 * Serialises the changes that may leave the service without an enabled administrator (and the
 * creation of the first one) across every instance.
 */
export const ADMINS_LOCK_KEY = 7_204_313;

export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

/** 18 random base64url characters (108 bits). */
export function generatePassword(): string {
  for (;;) {
    const password = randomBytes(18).toString('base64url').slice(0, 18);
    if (!passwordWeakness(password)) {
      return password;
    }
  }
}

export async function hasEnabledAdmin(em: EntityManager): Promise<boolean> {
  const rows = await em.query<unknown[]>(
    `SELECT 1 FROM app_user WHERE role = 'admin' AND disabled_at IS NULL LIMIT 1`,
  );
  return rows.length > 0;
}

export type AdminOutcome = 'created' | 'reset';

/**
 * In the caller's transaction: creates the administrator, or, when the email is an existing
 * administrator's, sets its password and enables it (ending its sessions). With `onlyIfNone`,
 * does nothing (null) when an enabled administrator exists once the lock is held.
 */
export async function upsertAdmin(
  em: EntityManager,
  journal: JournalService,
  ctx: RequestContext,
  admin: { email: string; passwordHash: string; onlyIfNone: boolean },
): Promise<AdminOutcome | null> {
  await em.query('SELECT pg_advisory_xact_lock($1)', [ADMINS_LOCK_KEY]);
  if (admin.onlyIfNone && (await hasEnabledAdmin(em))) {
    return null;
  }
  const existing = await em.findOne(User, {
    where: { email: admin.email },
    lock: { mode: 'pessimistic_write' },
  });
  if (existing && existing.role !== 'admin') {
    throw new ConflictError(
      'USER.EMAIL_TAKEN',
      `${admin.email} is the email of a user with the ${existing.role} role: choose another`,
    );
  }
  if (existing) {
    await em.query(
      `UPDATE app_user SET password_hash = $2, disabled_at = NULL,
              token_version = token_version + 1, version = version + 1, updated_at = now()
        WHERE id = $1`,
      [existing.id, admin.passwordHash],
    );
    await em.query(
      'UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [existing.id],
    );
    await journal.append(em, ctx, {
      action: existing.disabledAt ? 'user.enabled' : 'user.credentials_reset',
      entityType: 'user',
      entityId: existing.id,
      changes: {
        disabled: { before: existing.disabledAt !== null, after: false },
        credentialsReset: true,
      },
    });
    return 'reset';
  }
  const created = await em.save(
    em.create(User, {
      email: admin.email,
      passwordHash: admin.passwordHash,
      fullName: 'Administrator',
      role: 'admin',
      organisationId: null,
      preferredLanguage: 'fr',
      disabledAt: null,
      tokenVersion: 0,
      version: 1,
    }),
  );
  await journal.append(em, ctx, {
    action: 'user.created',
    entityType: 'user',
    entityId: created.id,
    changes: { email: created.email, fullName: created.fullName, role: 'admin' },
  });
  return 'created';
}
