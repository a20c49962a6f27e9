import type { MigrationInterface, QueryRunner } from 'typeorm';

const STATUSES = ['valid', 'suspended', 'revoked', 'expired', 'superseded'];
const listOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export class CreateCertificates1796000100000 implements MigrationInterface {
  name = 'CreateCertificates1796000100000';

  async up(db: QueryRunner): Promise<void> {
    // One row per year, locked by each issuance: numbers are gapless because a number is taken
    // in the transaction that stores its certificate, and given back if that transaction fails.
    await db.query(`
      CREATE TABLE certificate_number_counter (
        year integer NOT NULL,
        last_sequence integer NOT NULL,
        CONSTRAINT certificate_number_counter_pk PRIMARY KEY (year),
        CONSTRAINT certificate_number_counter_year_ck CHECK (year BETWEEN 2020 AND 9999),
        CONSTRAINT certificate_number_counter_last_ck CHECK (last_sequence BETWEEN 0 AND 99999)
      )`);

    await db.query(`
      CREATE TABLE certificate (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        number varchar(20) NOT NULL,
        year integer NOT NULL,
        sequence integer NOT NULL,
        site_id uuid NOT NULL,
        organisation_id uuid NOT NULL,
        audit_id uuid NOT NULL,
        status varchar(20) NOT NULL,
        printed jsonb NOT NULL,
        record_hash varchar(43) NOT NULL,
        token text NOT NULL,
        kid varchar(64) NOT NULL,
        pdf_sha256 char(64) NOT NULL,
        pdf_size integer NOT NULL,
        issued_at timestamptz NOT NULL,
        issued_by uuid NOT NULL,
        valid_from date NOT NULL,
        valid_until date NOT NULL,
        expires_at timestamptz NOT NULL,
        suspended_at timestamptz,
        revoked_at timestamptz,
        revoked_by uuid,
        revocation_reason text,
        superseded_by uuid,
        superseded_at timestamptz,
        status_changed_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT certificate_pk PRIMARY KEY (id),
        CONSTRAINT certificate_number_uq UNIQUE (number),
        CONSTRAINT certificate_year_sequence_uq UNIQUE (year, sequence),
        CONSTRAINT certificate_site_fk FOREIGN KEY (site_id) REFERENCES site (id),
        CONSTRAINT certificate_organisation_fk
          FOREIGN KEY (organisation_id) REFERENCES organisation (id),
        CONSTRAINT certificate_audit_fk FOREIGN KEY (audit_id) REFERENCES audit (id),
        CONSTRAINT certificate_issued_by_fk FOREIGN KEY (issued_by) REFERENCES app_user (id),
        CONSTRAINT certificate_revoked_by_fk FOREIGN KEY (revoked_by) REFERENCES app_user (id),
        -- Deferred: the superseded certificate names its successor before the successor's row
        -- exists (the partial unique index admits one active certificate at a time).
        CONSTRAINT certificate_superseded_by_fk
          FOREIGN KEY (superseded_by) REFERENCES certificate (id) DEFERRABLE INITIALLY DEFERRED,
        CONSTRAINT certificate_status_ck CHECK (status IN (${listOf(STATUSES)})),
        CONSTRAINT certificate_number_ck CHECK (
          number ~ '^AMRC-[0-9]{4}-[0-9]{5}$'
          AND number = 'AMRC-' || year || '-' || lpad(sequence::text, 5, '0')),
        CONSTRAINT certificate_sequence_ck CHECK (sequence BETWEEN 1 AND 99999),
        CONSTRAINT certificate_pdf_sha256_ck CHECK (pdf_sha256 ~ '^[0-9a-f]{64}$'),
        CONSTRAINT certificate_pdf_size_ck CHECK (pdf_size > 0),
        CONSTRAINT certificate_validity_ck
          CHECK (valid_from <= valid_until AND expires_at > issued_at),
        CONSTRAINT certificate_revoked_ck CHECK (
          (status = 'revoked') = (revoked_at IS NOT NULL)
          AND (revoked_at IS NULL) = (revoked_by IS NULL)
          AND (revoked_at IS NULL) = (revocation_reason IS NULL)
          AND (revocation_reason IS NULL OR length(revocation_reason) BETWEEN 10 AND 500)),
        CONSTRAINT certificate_superseded_ck CHECK (
          (status = 'superseded') = (superseded_by IS NOT NULL)
          AND (superseded_by IS NULL) = (superseded_at IS NULL)),
        CONSTRAINT certificate_suspended_ck
          CHECK (status <> 'suspended' OR suspended_at IS NOT NULL),
        CONSTRAINT certificate_version_ck CHECK (version >= 1)
      )`);
    // At most one active certificate per site, however many admins issue at once.
    await db.query(`
      CREATE UNIQUE INDEX certificate_site_active_uq ON certificate (site_id)
        WHERE status IN ('valid', 'suspended')`);
    await db.query(`CREATE INDEX certificate_site_idx ON certificate (site_id, issued_at DESC)`);
    await db.query(
      `CREATE INDEX certificate_organisation_idx ON certificate (organisation_id, issued_at DESC)`,
    );
    // The sweep's expiry scan, and the registry's list of active certificates.
    await db.query(`
      CREATE INDEX certificate_active_expires_idx ON certificate (expires_at)
        WHERE status IN ('valid', 'suspended')`);
    // "Verify a PDF" looks certificates up by the hash of their bytes.
    await db.query(`CREATE INDEX certificate_pdf_sha256_idx ON certificate (pdf_sha256)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE certificate`);
    await db.query(`DROP TABLE certificate_number_counter`);
  }
}
