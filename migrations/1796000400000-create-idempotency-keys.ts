import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The `Idempotency-Key`s of creating requests, with the answer of each, kept 24 hours. */
export class CreateIdempotencyKeys1796000400000 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1796000400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE idempotency_key (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        route varchar(300) NOT NULL,
        key varchar(255) NOT NULL,
        fingerprint char(64),
        state varchar(16) NOT NULL,
        response_status smallint,
        response_headers jsonb,
        response_body text,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CONSTRAINT idempotency_key_pk PRIMARY KEY (id),
        CONSTRAINT idempotency_key_user_fk
          FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        -- The lock: one row per caller, route and key, whichever instance inserts it first.
        CONSTRAINT idempotency_key_scope_uq UNIQUE (user_id, route, key),
        CONSTRAINT idempotency_key_key_ck CHECK (key ~ '^[ -~]{1,255}$'),
        CONSTRAINT idempotency_key_fingerprint_ck CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
        CONSTRAINT idempotency_key_state_ck CHECK (state IN ('in_flight', 'completed')),
        CONSTRAINT idempotency_key_in_flight_ck CHECK (
          state = 'completed' OR (response_status IS NULL AND response_body IS NULL
            AND response_headers IS NULL AND completed_at IS NULL)),
        CONSTRAINT idempotency_key_completed_ck CHECK (
          state = 'in_flight' OR (fingerprint IS NOT NULL AND response_status IS NOT NULL
            AND response_body IS NOT NULL AND response_headers IS NOT NULL
            AND completed_at IS NOT NULL)),
        -- Server errors are never kept: the client may retry with the same key.
        CONSTRAINT idempotency_key_status_ck CHECK (response_status BETWEEN 200 AND 499)
      )`);
    await db.query(`CREATE INDEX idempotency_key_created_at_idx ON idempotency_key (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE idempotency_key`);
  }
}
