import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single-use tokens sent by email: a password reset (30 minutes) and an invitation to set one's
 * first password (7 days). Only their SHA-256 is stored.
 */
export class CreateAccountTokens1796100001000 implements MigrationInterface {
  name = 'CreateAccountTokens1796100001000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE account_token (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        purpose varchar(16) NOT NULL,
        token_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT account_token_pk PRIMARY KEY (id),
        CONSTRAINT account_token_user_fk
          FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT account_token_hash_uq UNIQUE (token_hash),
        CONSTRAINT account_token_purpose_ck CHECK (purpose IN ('password_reset', 'invitation')),
        CONSTRAINT account_token_hash_ck CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT account_token_expiry_ck CHECK (expires_at > created_at)
      )`);
    await db.query(`CREATE INDEX account_token_user_idx ON account_token (user_id, purpose)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE account_token');
  }
}
