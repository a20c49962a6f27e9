import type { MigrationInterface, QueryRunner } from 'typeorm';

const GROUPS = ['employees', 'clients', 'providers', 'community'];

export class CreateSelfAssessments1795920100000 implements MigrationInterface {
  name = 'CreateSelfAssessments1795920100000';

  async up(db: QueryRunner): Promise<void> {
    // The target of the composite foreign key below: a self-assessment's organisation is its
    // site's, which the database then guarantees (site ids are unique anyway).
    await db.query(`CREATE UNIQUE INDEX site_id_organisation_id_uq ON site (id, organisation_id)`);

    const scoreColumns = GROUPS.map((g) => `score_${g} numeric`).join(',\n        ');
    const scoreRanges = ['score', ...GROUPS.map((g) => `score_${g}`)]
      .map((c) => `(${c} IS NULL OR ${c} BETWEEN 0 AND 100)`)
      .join(' AND ');
    const scoresUnset = ['score', ...GROUPS.map((g) => `score_${g}`)]
      .map((c) => `${c} IS NULL`)
      .join(' AND ');
    await db.query(`
      CREATE TABLE self_assessment (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL,
        organisation_id uuid NOT NULL,
        charter_version_id uuid NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'open',
        started_by uuid NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        submitted_by uuid,
        submitted_at timestamptz,
        score numeric,
        ${scoreColumns},
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT self_assessment_pk PRIMARY KEY (id),
        CONSTRAINT self_assessment_site_fk FOREIGN KEY (site_id, organisation_id)
          REFERENCES site (id, organisation_id),
        CONSTRAINT self_assessment_organisation_fk FOREIGN KEY (organisation_id)
          REFERENCES organisation (id),
        CONSTRAINT self_assessment_charter_version_fk FOREIGN KEY (charter_version_id)
          REFERENCES charter_version (id),
        CONSTRAINT self_assessment_started_by_fk FOREIGN KEY (started_by) REFERENCES app_user (id),
        CONSTRAINT self_assessment_submitted_by_fk FOREIGN KEY (submitted_by)
          REFERENCES app_user (id),
        CONSTRAINT self_assessment_status_ck CHECK (status IN ('open', 'submitted')),
        CONSTRAINT self_assessment_submitted_ck CHECK (
          (status = 'submitted') = (submitted_by IS NOT NULL)
          AND (status = 'submitted') = (submitted_at IS NOT NULL)),
        CONSTRAINT self_assessment_scores_ck CHECK (${scoreRanges}),
        CONSTRAINT self_assessment_open_unscored_ck CHECK (status = 'submitted' OR (${scoresUnset})),
        CONSTRAINT self_assessment_version_ck CHECK (version > 0)
      )`);
    // One open self-assessment per site and charter version, whoever starts it and however fast.
    await db.query(`
      CREATE UNIQUE INDEX self_assessment_open_uq ON self_assessment (site_id, charter_version_id)
        WHERE status = 'open'`);
    await db.query(
      `CREATE INDEX self_assessment_site_idx ON self_assessment (site_id, started_at DESC)`,
    );
    await db.query(
      `CREATE INDEX self_assessment_organisation_idx ON self_assessment (organisation_id)`,
    );

    await db.query(`
      CREATE TABLE self_assessment_answer (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        self_assessment_id uuid NOT NULL,
        commitment_code varchar(8) NOT NULL,
        answer varchar(32) NOT NULL,
        comment text,
        answered_by uuid NOT NULL,
        answered_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT self_assessment_answer_pk PRIMARY KEY (id),
        CONSTRAINT self_assessment_answer_self_assessment_fk FOREIGN KEY (self_assessment_id)
          REFERENCES self_assessment (id) ON DELETE CASCADE,
        CONSTRAINT self_assessment_answer_answered_by_fk FOREIGN KEY (answered_by)
          REFERENCES app_user (id),
        CONSTRAINT self_assessment_answer_code_uq UNIQUE (self_assessment_id, commitment_code),
        CONSTRAINT self_assessment_answer_code_ck CHECK (commitment_code ~ '^[A-Z][0-9]{2}$'),
        CONSTRAINT self_assessment_answer_answer_ck CHECK (answer IN
          ('implemented', 'partially_implemented', 'not_implemented', 'not_applicable')),
        CONSTRAINT self_assessment_answer_comment_ck
          CHECK (comment IS NULL OR length(comment) BETWEEN 1 AND 2000),
        -- the minimum length is the version's rule, checked by the service; never without one
        CONSTRAINT self_assessment_answer_justified_ck
          CHECK (answer <> 'not_applicable' OR comment IS NOT NULL)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE self_assessment_answer');
    await db.query('DROP TABLE self_assessment');
    await db.query('DROP INDEX site_id_organisation_id_uq');
  }
}
