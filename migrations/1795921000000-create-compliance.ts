import type { MigrationInterface, QueryRunner } from 'typeorm';

const STATUSES = [
  'suspended',
  'not_assessed',
  'expired',
  'non_compliant',
  'conditionally_compliant',
  'compliant',
];
const CAUSES = [
  'audit_closed',
  'corrective_action_responded',
  'corrective_action_verified',
  'corrective_action_rejected',
  'corrective_action_superseded',
  'suspension_set',
  'suspension_lifted',
  'sweep',
];

const listOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export class CreateCompliance1795921000000 implements MigrationInterface {
  name = 'CreateCompliance1795921000000';

  async up(db: QueryRunner): Promise<void> {
    // The stored status of each site; a site without a row is not_assessed. Version 0 is the
    // placeholder inserted to be locked before the first evaluation.
    await db.query(`
      CREATE TABLE site_compliance (
        site_id uuid NOT NULL,
        status varchar(32) NOT NULL,
        score numeric,
        group_scores jsonb NOT NULL DEFAULT '{}'::jsonb,
        reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
        evaluated_at timestamptz NOT NULL,
        valid_until date,
        version integer NOT NULL DEFAULT 0,
        CONSTRAINT site_compliance_pk PRIMARY KEY (site_id),
        CONSTRAINT site_compliance_site_fk FOREIGN KEY (site_id) REFERENCES site (id),
        CONSTRAINT site_compliance_status_ck CHECK (status IN (${listOf(STATUSES)})),
        CONSTRAINT site_compliance_score_ck CHECK (score IS NULL OR score BETWEEN 0 AND 100),
        CONSTRAINT site_compliance_reasons_ck CHECK (jsonb_typeof(reasons) = 'array'),
        CONSTRAINT site_compliance_version_ck CHECK (version >= 0)
      )`);
    // The sweep's expiry scan.
    await db.query(`CREATE INDEX site_compliance_valid_until_idx ON site_compliance (valid_until)`);

    await db.query(`
      CREATE TABLE site_compliance_history (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        site_id uuid NOT NULL,
        from_status varchar(32),
        to_status varchar(32) NOT NULL,
        score numeric,
        reasons jsonb NOT NULL,
        cause varchar(40) NOT NULL,
        at timestamptz NOT NULL,
        CONSTRAINT site_compliance_history_pk PRIMARY KEY (id),
        CONSTRAINT site_compliance_history_site_fk FOREIGN KEY (site_id) REFERENCES site (id),
        CONSTRAINT site_compliance_history_from_ck
          CHECK (from_status IS NULL OR from_status IN (${listOf(STATUSES)})),
        CONSTRAINT site_compliance_history_to_ck CHECK (to_status IN (${listOf(STATUSES)})),
        CONSTRAINT site_compliance_history_cause_ck CHECK (cause IN (${listOf(CAUSES)})),
        CONSTRAINT site_compliance_history_score_ck
          CHECK (score IS NULL OR score BETWEEN 0 AND 100)
      )`);
    await db.query(`
      CREATE INDEX site_compliance_history_site_idx
        ON site_compliance_history (site_id, at DESC, seq DESC)`);

    await db.query(`
      CREATE TABLE site_suspension (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL,
        reason text NOT NULL,
        suspended_by uuid NOT NULL,
        suspended_at timestamptz NOT NULL,
        lifted_by uuid,
        lifted_at timestamptz,
        lift_reason text,
        CONSTRAINT site_suspension_pk PRIMARY KEY (id),
        CONSTRAINT site_suspension_site_fk FOREIGN KEY (site_id) REFERENCES site (id),
        CONSTRAINT site_suspension_suspended_by_fk FOREIGN KEY (suspended_by) REFERENCES app_user (id),
        CONSTRAINT site_suspension_lifted_by_fk FOREIGN KEY (lifted_by) REFERENCES app_user (id),
        CONSTRAINT site_suspension_reason_ck CHECK (length(reason) BETWEEN 10 AND 500),
        CONSTRAINT site_suspension_lift_reason_ck
          CHECK (lift_reason IS NULL OR length(lift_reason) BETWEEN 10 AND 500),
        CONSTRAINT site_suspension_lifted_ck CHECK (
          (lifted_at IS NULL) = (lifted_by IS NULL) AND (lifted_at IS NULL) = (lift_reason IS NULL)
          AND (lifted_at IS NULL OR lifted_at >= suspended_at))
      )`);
    // At most one suspension in force per site, however fast two admins go.
    await db.query(`
      CREATE UNIQUE INDEX site_suspension_active_uq ON site_suspension (site_id)
        WHERE lifted_at IS NULL`);
    await db.query(
      `CREATE INDEX site_suspension_site_idx ON site_suspension (site_id, suspended_at)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE site_suspension`);
    await db.query(`DROP TABLE site_compliance_history`);
    await db.query(`DROP TABLE site_compliance`);
  }
}
