import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCertificateSigningKeys1796000000000 implements MigrationInterface {
  name = 'CreateCertificateSigningKeys1796000000000';

  async up(db: QueryRunner): Promise<void> {
    // The public half of every key that ever signed a certificate, so that every instance
    // publishes and checks the same set. Rows are never deleted: a retired key stays published
    // while a token it signed is unexpired (needed_until), and stays known to the verifier after.
    await db.query(`
      CREATE TABLE certificate_signing_key (
        kid varchar(64) NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz,
        needed_until timestamptz,
        CONSTRAINT certificate_signing_key_pk PRIMARY KEY (kid),
        CONSTRAINT certificate_signing_key_kid_ck CHECK (kid ~ '^[A-Za-z0-9_-]{43}$'),
        CONSTRAINT certificate_signing_key_jwk_ck CHECK (
          public_jwk ->> 'kty' = 'OKP' AND public_jwk ->> 'crv' = 'Ed25519'
          AND public_jwk ->> 'x' ~ '^[A-Za-z0-9_-]{43}$' AND NOT (public_jwk ? 'd')),
        CONSTRAINT certificate_signing_key_retired_ck
          CHECK (retired_at IS NULL OR retired_at >= created_at)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE certificate_signing_key`);
  }
}
