import type { EntityManager } from 'typeorm';
import type { Ed25519PublicJwk } from 'src/certificates/signing/certificate-signing-key.entity';

export interface Registration {
  /** Keys registered before this one that this registration retired. */
  readonly retiredOthers: number;
  /** This key was retired already: a newer one was registered since. */
  readonly retired: boolean;
}

/**
 * Publishes a key's public half, and retires every key registered before it that is not retired
 * yet. Run by every instance at start-up and by `keys:rotate`: the newest key registered is the
 * active one, and an instance started again with an older key neither retires the newer one
 * nor stops signing (its tokens keep its key published, see `needed_until`).
 *
 * Registrations are serialised by a table lock, so their order is that of `created_at`.
 */
export async function registerSigningKey(
  em: EntityManager,
  key: { readonly kid: string; readonly publicJwk: Ed25519PublicJwk },
): Promise<Registration> {
  await em.query(`LOCK TABLE certificate_signing_key IN SHARE ROW EXCLUSIVE MODE`);
  await em.query(
    `INSERT INTO certificate_signing_key (kid, public_jwk, created_at)
       VALUES ($1, $2::jsonb, clock_timestamp())
       ON CONFLICT (kid) DO NOTHING`,
    [key.kid, JSON.stringify(key.publicJwk)],
  );
  const retiredOthers = await em.query<[{ count: number }]>(
    `WITH retired AS (
       UPDATE certificate_signing_key SET retired_at = clock_timestamp()
        WHERE retired_at IS NULL AND kid <> $1
          AND created_at < (SELECT created_at FROM certificate_signing_key WHERE kid = $1)
        RETURNING 1)
     SELECT count(*)::int AS count FROM retired`,
    [key.kid],
  );
  const own = await em.query<[{ retired: boolean }]>(
    `SELECT retired_at IS NOT NULL AS retired FROM certificate_signing_key WHERE kid = $1`,
    [key.kid],
  );
  return { retiredOthers: retiredOthers[0].count, retired: own[0].retired };
}
