import type { MigrationInterface, QueryRunner } from 'typeorm';

const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'application/pdf'];
const RECORD_TYPES = ['self_assessment_answer', 'audit_finding', 'corrective_action_response'];

const listOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export class CreateEvidence1795920000000 implements MigrationInterface {
  name = 'CreateEvidence1795920000000';

  async up(db: QueryRunner): Promise<void> {
    // Metadata of an uploaded file; the bytes live in the file storage, addressed by sha256.
    await db.query(`
      CREATE TABLE evidence (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL,
        site_id uuid NOT NULL,
        uploaded_by uuid NOT NULL,
        original_name varchar(200) NOT NULL,
        size integer NOT NULL,
        media_type varchar(32) NOT NULL,
        sha256 char(64) NOT NULL,
        uploaded_at timestamptz NOT NULL DEFAULT now(),
        captured_at timestamptz,
        CONSTRAINT evidence_pk PRIMARY KEY (id),
        -- What evidence_attachment refers to, so that an attachment never crosses organisations.
        CONSTRAINT evidence_id_organisation_uq UNIQUE (id, organisation_id),
        CONSTRAINT evidence_organisation_fk FOREIGN KEY (organisation_id) REFERENCES organisation (id),
        CONSTRAINT evidence_site_fk FOREIGN KEY (site_id) REFERENCES site (id),
        CONSTRAINT evidence_uploaded_by_fk FOREIGN KEY (uploaded_by) REFERENCES app_user (id),
        CONSTRAINT evidence_size_ck CHECK (size > 0),
        CONSTRAINT evidence_media_type_ck CHECK (media_type IN (${listOf(MEDIA_TYPES)})),
        CONSTRAINT evidence_sha256_ck CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        CONSTRAINT evidence_original_name_ck CHECK (length(original_name) > 0)
      )`);
    await db.query(`CREATE INDEX evidence_organisation_idx ON evidence (organisation_id)`);
    await db.query(`CREATE INDEX evidence_site_idx ON evidence (site_id)`);
    await db.query(`CREATE INDEX evidence_uploaded_by_idx ON evidence (uploaded_by)`);
    // Is this content still referred to? (removal of a file shared by identical uploads)
    await db.query(`CREATE INDEX evidence_sha256_idx ON evidence (sha256)`);
    // The sweep of old unattached uploads.
    await db.query(`CREATE INDEX evidence_uploaded_at_idx ON evidence (uploaded_at)`);

    // Which record (of another feature) refers to which evidence. The record itself is not a
    // foreign key (three kinds of record); the evidence is, with its organisation, so that an
    // attached evidence cannot be deleted and never belongs to another organisation.
    await db.query(`
      CREATE TABLE evidence_attachment (
        record_type varchar(40) NOT NULL,
        record_id uuid NOT NULL,
        evidence_id uuid NOT NULL,
        organisation_id uuid NOT NULL,
        position smallint NOT NULL,
        attached_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT evidence_attachment_pk PRIMARY KEY (record_type, record_id, evidence_id),
        CONSTRAINT evidence_attachment_evidence_fk FOREIGN KEY (evidence_id, organisation_id)
          REFERENCES evidence (id, organisation_id),
        CONSTRAINT evidence_attachment_record_type_ck
          CHECK (record_type IN (${listOf(RECORD_TYPES)})),
        CONSTRAINT evidence_attachment_position_ck CHECK (position >= 0)
      )`);
    await db.query(
      `CREATE INDEX evidence_attachment_evidence_idx ON evidence_attachment (evidence_id)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE evidence_attachment');
    await db.query('DROP TABLE evidence');
  }
}
