import type { MigrationInterface, QueryRunner } from 'typeorm';

const GROUPS = ['employees', 'clients', 'providers', 'community'];
const AUDIT_TYPES = ['initial', 'surveillance', 'follow_up'];
const AUDIT_STATUSES = ['planned', 'in_progress', 'submitted', 'closed', 'cancelled'];
const RESULTS = ['conform', 'observation', 'minor_nc', 'major_nc', 'not_applicable'];
const CORRECTIVE_ACTION_STATUSES = ['open', 'responded', 'verified', 'superseded'];

const listOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export class CreateAudits1795920200000 implements MigrationInterface {
  name = 'CreateAudits1795920200000';

  async up(db: QueryRunner): Promise<void> {
    await this.createAudit(db);
    await this.createFindings(db);
    await this.createCorrectiveActions(db);
  }

  private async createAudit(db: QueryRunner): Promise<void> {
    const scoreColumns = GROUPS.map((g) => `score_${g} numeric`).join(',\n        ');
    const scores = ['score', ...GROUPS.map((g) => `score_${g}`)];
    const scoreRanges = scores.map((c) => `(${c} IS NULL OR ${c} BETWEEN 0 AND 100)`).join(' AND ');
    const scoresUnset = scores.map((c) => `${c} IS NULL`).join(' AND ');
    await db.query(`
      CREATE TABLE audit (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL,
        organisation_id uuid NOT NULL,
        type varchar(16) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'planned',
        planned_for date NOT NULL,
        auditor_id uuid NOT NULL,
        planned_by uuid NOT NULL,
        charter_version_id uuid,
        visited_on date,
        started_at timestamptz,
        submitted_at timestamptz,
        closed_at timestamptz,
        closed_by uuid,
        cancelled_at timestamptz,
        cancelled_by uuid,
        cancel_reason text,
        score numeric,
        ${scoreColumns},
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT audit_pk PRIMARY KEY (id),
        -- What corrective actions refer to, so that an action's site and company are its audit's.
        CONSTRAINT audit_id_site_organisation_uq UNIQUE (id, site_id, organisation_id),
        CONSTRAINT audit_site_fk FOREIGN KEY (site_id, organisation_id)
          REFERENCES site (id, organisation_id),
        CONSTRAINT audit_organisation_fk FOREIGN KEY (organisation_id) REFERENCES organisation (id),
        CONSTRAINT audit_auditor_fk FOREIGN KEY (auditor_id) REFERENCES app_user (id),
        CONSTRAINT audit_planned_by_fk FOREIGN KEY (planned_by) REFERENCES app_user (id),
        CONSTRAINT audit_closed_by_fk FOREIGN KEY (closed_by) REFERENCES app_user (id),
        CONSTRAINT audit_cancelled_by_fk FOREIGN KEY (cancelled_by) REFERENCES app_user (id),
        CONSTRAINT audit_charter_version_fk FOREIGN KEY (charter_version_id)
          REFERENCES charter_version (id),
        CONSTRAINT audit_type_ck CHECK (type IN (${listOf(AUDIT_TYPES)})),
        CONSTRAINT audit_status_ck CHECK (status IN (${listOf(AUDIT_STATUSES)})),
        -- Started together: the visit date and the charter version, fixed from then on.
        CONSTRAINT audit_started_ck CHECK (
          (started_at IS NULL) = (visited_on IS NULL)
          AND (started_at IS NULL) = (charter_version_id IS NULL)
          AND (status <> 'planned' OR started_at IS NULL)
          AND (status NOT IN ('in_progress', 'submitted', 'closed') OR started_at IS NOT NULL)),
        CONSTRAINT audit_submitted_ck
          CHECK (status NOT IN ('submitted', 'closed') OR submitted_at IS NOT NULL),
        CONSTRAINT audit_closed_ck CHECK (
          (status = 'closed') = (closed_at IS NOT NULL) AND (closed_at IS NULL) = (closed_by IS NULL)),
        CONSTRAINT audit_cancelled_ck CHECK (
          (status = 'cancelled') = (cancelled_at IS NOT NULL)
          AND (cancelled_at IS NULL) = (cancelled_by IS NULL)
          AND (cancelled_at IS NULL) = (cancel_reason IS NULL)),
        CONSTRAINT audit_cancel_reason_ck
          CHECK (cancel_reason IS NULL OR length(cancel_reason) BETWEEN 1 AND 2000),
        CONSTRAINT audit_scores_ck CHECK (${scoreRanges}),
        CONSTRAINT audit_unscored_until_closed_ck CHECK (status = 'closed' OR (${scoresUnset})),
        CONSTRAINT audit_version_ck CHECK (version > 0)
      )`);
    // At most one audit per site that is neither closed nor cancelled, however fast two plans go.
    await db.query(`
      CREATE UNIQUE INDEX audit_site_active_uq ON audit (site_id)
        WHERE status NOT IN ('closed', 'cancelled')`);
    await db.query(`CREATE INDEX audit_site_idx ON audit (site_id, planned_for DESC)`);
    await db.query(`CREATE INDEX audit_organisation_idx ON audit (organisation_id)`);
    await db.query(`CREATE INDEX audit_auditor_idx ON audit (auditor_id, status)`);
    await db.query(`CREATE INDEX audit_planned_for_idx ON audit (planned_for)`);

    // A closed or cancelled audit is final, whatever path a change takes.
    await db.query(`
      CREATE FUNCTION audit_final_freeze() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit % is %: it can no longer change', OLD.id, OLD.status
          USING ERRCODE = 'restrict_violation';
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_final_freeze_trg BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW WHEN (OLD.status IN ('closed', 'cancelled'))
        EXECUTE FUNCTION audit_final_freeze()`);

    await db.query(`
      CREATE TABLE audit_return (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        audit_id uuid NOT NULL,
        comment text NOT NULL,
        returned_by uuid NOT NULL,
        returned_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT audit_return_pk PRIMARY KEY (id),
        CONSTRAINT audit_return_audit_fk FOREIGN KEY (audit_id) REFERENCES audit (id),
        CONSTRAINT audit_return_returned_by_fk FOREIGN KEY (returned_by) REFERENCES app_user (id),
        CONSTRAINT audit_return_comment_ck CHECK (length(comment) BETWEEN 1 AND 2000)
      )`);
    await db.query(`CREATE INDEX audit_return_audit_idx ON audit_return (audit_id, returned_at)`);
  }

  private async createFindings(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_finding (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        audit_id uuid NOT NULL,
        commitment_code varchar(8) NOT NULL,
        result varchar(16) NOT NULL,
        note text,
        recorded_by uuid NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT audit_finding_pk PRIMARY KEY (id),
        CONSTRAINT audit_finding_id_audit_uq UNIQUE (id, audit_id),
        CONSTRAINT audit_finding_code_uq UNIQUE (audit_id, commitment_code),
        CONSTRAINT audit_finding_audit_fk FOREIGN KEY (audit_id) REFERENCES audit (id),
        CONSTRAINT audit_finding_recorded_by_fk FOREIGN KEY (recorded_by) REFERENCES app_user (id),
        CONSTRAINT audit_finding_code_ck CHECK (commitment_code ~ '^[A-Z][0-9]{2}$'),
        CONSTRAINT audit_finding_result_ck CHECK (result IN (${listOf(RESULTS)})),
        CONSTRAINT audit_finding_note_ck CHECK (note IS NULL OR length(note) BETWEEN 1 AND 4000),
        -- a non-conformity is described, a not-applicable justified (its minimum length is the
        -- version's rule, checked by the service)
        CONSTRAINT audit_finding_note_required_ck
          CHECK (result IN ('conform', 'observation') OR note IS NOT NULL)
      )`);
    // The findings of a closed or cancelled audit are final too.
    await db.query(`
      CREATE FUNCTION audit_finding_freeze() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        final_status text;
      BEGIN
        SELECT a.status INTO final_status FROM audit a
          WHERE a.status IN ('closed', 'cancelled')
            AND a.id IN (
              CASE WHEN TG_OP <> 'INSERT' THEN OLD.audit_id END,
              CASE WHEN TG_OP <> 'DELETE' THEN NEW.audit_id END);
        IF final_status IS NOT NULL THEN
          RAISE EXCEPTION 'the audit is %: its findings can no longer change', final_status
            USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_finding_freeze_trg BEFORE INSERT OR UPDATE OR DELETE ON audit_finding
        FOR EACH ROW EXECUTE FUNCTION audit_finding_freeze()`);
  }

  private async createCorrectiveActions(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE corrective_action (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        audit_id uuid NOT NULL,
        finding_id uuid NOT NULL,
        site_id uuid NOT NULL,
        organisation_id uuid NOT NULL,
        commitment_code varchar(8) NOT NULL,
        grade varchar(16) NOT NULL,
        finding_note text NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'open',
        opened_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        verified_at timestamptz,
        verified_by uuid,
        superseded_at timestamptz,
        superseded_by_audit_id uuid,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT corrective_action_pk PRIMARY KEY (id),
        CONSTRAINT corrective_action_finding_uq UNIQUE (finding_id),
        CONSTRAINT corrective_action_audit_fk FOREIGN KEY (audit_id, site_id, organisation_id)
          REFERENCES audit (id, site_id, organisation_id),
        CONSTRAINT corrective_action_finding_fk FOREIGN KEY (finding_id, audit_id)
          REFERENCES audit_finding (id, audit_id),
        CONSTRAINT corrective_action_verified_by_fk FOREIGN KEY (verified_by)
          REFERENCES app_user (id),
        CONSTRAINT corrective_action_superseded_by_fk FOREIGN KEY (superseded_by_audit_id)
          REFERENCES audit (id),
        CONSTRAINT corrective_action_grade_ck CHECK (grade IN ('minor_nc', 'major_nc')),
        CONSTRAINT corrective_action_status_ck
          CHECK (status IN (${listOf(CORRECTIVE_ACTION_STATUSES)})),
        CONSTRAINT corrective_action_due_ck CHECK (due_at > opened_at),
        CONSTRAINT corrective_action_verified_ck CHECK (
          (status = 'verified') = (verified_at IS NOT NULL)
          AND (verified_at IS NULL) = (verified_by IS NULL)),
        CONSTRAINT corrective_action_superseded_ck CHECK (
          (status = 'superseded') = (superseded_at IS NOT NULL)
          AND (superseded_at IS NULL) = (superseded_by_audit_id IS NULL)),
        CONSTRAINT corrective_action_version_ck CHECK (version > 0)
      )`);
    await db.query(`CREATE INDEX corrective_action_audit_idx ON corrective_action (audit_id)`);
    await db.query(
      `CREATE INDEX corrective_action_site_idx ON corrective_action (site_id, status)`,
    );
    await db.query(
      `CREATE INDEX corrective_action_organisation_idx ON corrective_action (organisation_id, status)`,
    );
    // The overdue filter and the compliance sweep: open actions by deadline.
    await db.query(`
      CREATE INDEX corrective_action_open_due_idx ON corrective_action (due_at)
        WHERE status = 'open'`);

    // Every response, kept with its time and its review: the clock of charter-v1.md is read
    // from this history.
    await db.query(`
      CREATE TABLE corrective_action_response (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        corrective_action_id uuid NOT NULL,
        description text NOT NULL,
        responded_by uuid NOT NULL,
        responded_at timestamptz NOT NULL,
        outcome varchar(16),
        reviewed_by uuid,
        reviewed_at timestamptz,
        review_comment text,
        CONSTRAINT corrective_action_response_pk PRIMARY KEY (id),
        CONSTRAINT corrective_action_response_action_fk FOREIGN KEY (corrective_action_id)
          REFERENCES corrective_action (id),
        CONSTRAINT corrective_action_response_responded_by_fk FOREIGN KEY (responded_by)
          REFERENCES app_user (id),
        CONSTRAINT corrective_action_response_reviewed_by_fk FOREIGN KEY (reviewed_by)
          REFERENCES app_user (id),
        CONSTRAINT corrective_action_response_description_ck
          CHECK (length(description) BETWEEN 1 AND 4000),
        CONSTRAINT corrective_action_response_outcome_ck
          CHECK (outcome IS NULL OR outcome IN ('accepted', 'rejected')),
        CONSTRAINT corrective_action_response_reviewed_ck CHECK (
          (outcome IS NULL) = (reviewed_at IS NULL) AND (outcome IS NULL) = (reviewed_by IS NULL)
          AND (reviewed_at IS NULL OR reviewed_at >= responded_at)),
        CONSTRAINT corrective_action_response_comment_ck CHECK (
          (review_comment IS NULL OR length(review_comment) BETWEEN 1 AND 2000)
          AND (outcome IS DISTINCT FROM 'rejected' OR review_comment IS NOT NULL))
      )`);
    // One response under review at a time.
    await db.query(`
      CREATE UNIQUE INDEX corrective_action_response_pending_uq
        ON corrective_action_response (corrective_action_id) WHERE outcome IS NULL`);
    await db.query(`
      CREATE INDEX corrective_action_response_action_idx
        ON corrective_action_response (corrective_action_id, responded_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE corrective_action_response');
    await db.query('DROP TABLE corrective_action');
    await db.query('DROP TABLE audit_finding');
    await db.query('DROP TABLE audit_return');
    await db.query('DROP TABLE audit');
    await db.query('DROP FUNCTION audit_finding_freeze()');
    await db.query('DROP FUNCTION audit_final_freeze()');
  }
}
