import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCharter1795916700000 implements MigrationInterface {
  name = 'CreateCharter1795916700000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE charter_version (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        version varchar(16) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'draft',
        published_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT charter_version_pk PRIMARY KEY (id),
        CONSTRAINT charter_version_version_uq UNIQUE (version),
        CONSTRAINT charter_version_version_ck CHECK (version ~ '^[0-9]{4}\\.[0-9]{1,3}$'),
        CONSTRAINT charter_version_status_ck CHECK (status IN ('draft', 'published')),
        CONSTRAINT charter_version_published_at_ck
          CHECK ((status = 'published') = (published_at IS NOT NULL))
      )`);
    // One draft at a time: a new version is always drafted from the latest published one.
    await db.query(`
      CREATE UNIQUE INDEX charter_version_single_draft_uq ON charter_version ((true))
        WHERE status = 'draft'`);

    await db.query(`
      CREATE TABLE charter_rules (
        charter_version_id uuid NOT NULL,
        weight_critical smallint NOT NULL,
        weight_major smallint NOT NULL,
        weight_standard smallint NOT NULL,
        value_conform numeric(4, 3) NOT NULL,
        value_observation numeric(4, 3) NOT NULL,
        value_minor_nc numeric(4, 3) NOT NULL,
        value_major_nc numeric(4, 3) NOT NULL,
        score_threshold numeric(5, 2) NOT NULL,
        major_nc_deadline_days smallint NOT NULL,
        minor_nc_deadline_days smallint NOT NULL,
        audit_validity_days smallint NOT NULL,
        not_applicable_justification_min_length smallint NOT NULL,
        CONSTRAINT charter_rules_pk PRIMARY KEY (charter_version_id),
        CONSTRAINT charter_rules_version_fk FOREIGN KEY (charter_version_id)
          REFERENCES charter_version (id) ON DELETE CASCADE,
        CONSTRAINT charter_rules_weights_ck
          CHECK (weight_critical BETWEEN 1 AND 10 AND weight_major BETWEEN 1 AND 10
            AND weight_standard BETWEEN 1 AND 10),
        CONSTRAINT charter_rules_values_ck
          CHECK (value_conform BETWEEN 0 AND 1 AND value_observation BETWEEN 0 AND 1
            AND value_minor_nc BETWEEN 0 AND 1 AND value_major_nc BETWEEN 0 AND 1),
        CONSTRAINT charter_rules_threshold_ck CHECK (score_threshold BETWEEN 0 AND 100),
        CONSTRAINT charter_rules_deadlines_ck
          CHECK (major_nc_deadline_days BETWEEN 1 AND 365 AND minor_nc_deadline_days BETWEEN 1 AND 365),
        CONSTRAINT charter_rules_validity_ck CHECK (audit_validity_days BETWEEN 1 AND 1095),
        CONSTRAINT charter_rules_justification_ck
          CHECK (not_applicable_justification_min_length BETWEEN 0 AND 500)
      )`);

    await db.query(`
      CREATE TABLE charter_commitment (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        charter_version_id uuid NOT NULL,
        code varchar(8) NOT NULL,
        position smallint NOT NULL,
        stakeholder_group varchar(16) NOT NULL,
        criticality varchar(16) NOT NULL,
        not_applicable_when varchar(32),
        title_fr text NOT NULL,
        title_en text NOT NULL,
        description_fr text NOT NULL,
        description_en text NOT NULL,
        evidence_expected_fr text NOT NULL,
        evidence_expected_en text NOT NULL,
        verification_points jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT charter_commitment_pk PRIMARY KEY (id),
        CONSTRAINT charter_commitment_version_fk FOREIGN KEY (charter_version_id)
          REFERENCES charter_version (id) ON DELETE CASCADE,
        CONSTRAINT charter_commitment_code_uq UNIQUE (charter_version_id, code),
        CONSTRAINT charter_commitment_position_uq UNIQUE (charter_version_id, position),
        CONSTRAINT charter_commitment_code_ck CHECK (code ~ '^[A-Z][0-9]{2}$'),
        CONSTRAINT charter_commitment_group_ck
          CHECK (stakeholder_group IN ('employees', 'clients', 'providers', 'community')),
        CONSTRAINT charter_commitment_criticality_ck
          CHECK (criticality IN ('critical', 'major', 'standard')),
        CONSTRAINT charter_commitment_na_ck
          CHECK (not_applicable_when IN ('no_back_office', 'no_remote_work', 'no_staff_transport')),
        CONSTRAINT charter_commitment_texts_ck
          CHECK (length(title_fr) BETWEEN 1 AND 200 AND length(title_en) BETWEEN 1 AND 200
            AND length(description_fr) > 0 AND length(description_en) > 0),
        CONSTRAINT charter_commitment_points_ck
          CHECK (jsonb_typeof(verification_points) = 'array'
            AND jsonb_array_length(verification_points) BETWEEN 2 AND 4)
      )`);

    // A published version is frozen: the database refuses any change to it or to its content,
    // whatever path the change takes.
    await db.query(`
      CREATE FUNCTION charter_version_freeze() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status = 'published' THEN
          RAISE EXCEPTION 'charter version % is published and cannot change', OLD.version
            USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await db.query(`
      CREATE TRIGGER charter_version_freeze_trg BEFORE UPDATE OR DELETE ON charter_version
        FOR EACH ROW EXECUTE FUNCTION charter_version_freeze()`);
    await db.query(`
      CREATE FUNCTION charter_content_freeze() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        published_version text;
      BEGIN
        SELECT v.version INTO published_version FROM charter_version v
          WHERE v.status = 'published'
            AND v.id IN (
              CASE WHEN TG_OP <> 'INSERT' THEN OLD.charter_version_id END,
              CASE WHEN TG_OP <> 'DELETE' THEN NEW.charter_version_id END);
        IF published_version IS NOT NULL THEN
          RAISE EXCEPTION 'charter version % is published and cannot change', published_version
            USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    for (const table of ['charter_rules', 'charter_commitment']) {
      await db.query(`
        CREATE TRIGGER ${table}_freeze_trg BEFORE INSERT OR UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION charter_content_freeze()`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE charter_commitment');
    await db.query('DROP TABLE charter_rules');
    await db.query('DROP TABLE charter_version');
    await db.query('DROP FUNCTION charter_content_freeze()');
    await db.query('DROP FUNCTION charter_version_freeze()');
  }
}
