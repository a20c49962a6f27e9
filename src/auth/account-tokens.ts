import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';

/** What an account token lets its holder do, once. */
export type AccountTokenPurpose = 'password_reset' | 'invitation';

/** How long each kind of token stays usable. */
export const ACCOUNT_TOKEN_TTL_MS: Readonly<Record<AccountTokenPurpose, number>> = {
  password_reset: 30 * 60 * 1000,
  invitation: 7 * 24 * 60 * 60 * 1000,
};

/** 32 random bytes, base64url: what the email carries. */
export const ACCOUNT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const hashAccountToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

/**
 * A new token for the user, in the caller's transaction; the user's earlier unused tokens of the
 * same purpose are spent, so that only the newest email works. Only the SHA-256 is stored.
 */
export async function issueAccountToken(
  em: EntityManager,
  userId: string,
  purpose: AccountTokenPurpose,
  at: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(at.getTime() + ACCOUNT_TOKEN_TTL_MS[purpose]);
  await em.query(
    `UPDATE account_token SET used_at = $3
      WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
    [userId, purpose, at],
  );
  await em.query(
    `INSERT INTO account_token (user_id, purpose, token_hash, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [userId, purpose, hashAccountToken(token), expiresAt, at],
  );
  return { token, expiresAt };
}

/**
 * Spends the token in the caller's transaction: the id of its user when it was unused, unexpired
 * and of this purpose, and its user is enabled; null otherwise (and nothing is spent).
 */
export async function spendAccountToken(
  em: EntityManager,
  token: string,
  purpose: AccountTokenPurpose,
): Promise<string | null> {
  const [rows] = await em.query<[{ user_id: string }[], number]>(
    `UPDATE account_token t SET used_at = now()
       FROM app_user u
      WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL
        AND t.expires_at > now() AND u.id = t.user_id AND u.disabled_at IS NULL
     RETURNING t.user_id`,
    [hashAccountToken(token), purpose],
  );
  return rows[0]?.user_id ?? null;
}

/**
 * Whether {@link spendAccountToken} would accept the token now, without spending it: an index
 * lookup, cheap enough to run before anything costly is done for whoever presents a code.
 */
export async function isAccountTokenLive(
  em: EntityManager,
  token: string,
  purpose: AccountTokenPurpose,
): Promise<boolean> {
  const rows = await em.query<unknown[]>(
    `SELECT 1 FROM account_token t JOIN app_user u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL
        AND t.expires_at > now() AND u.disabled_at IS NULL`,
    [hashAccountToken(token), purpose],
  );
  return rows.length > 0;
}

/** Whether the user was sent a token of this purpose since `since` that is still unused. */
export async function recentlyIssued(
  em: EntityManager,
  userId: string,
  purpose: AccountTokenPurpose,
  since: Date,
): Promise<boolean> {
  const rows = await em.query<unknown[]>(
    `SELECT 1 FROM account_token
      WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND created_at > $3 LIMIT 1`,
    [userId, purpose, since],
  );
  return rows.length > 0;
}
