import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What sector statistics read of each closed audit, summarised once as it closes (a closed audit
 * and its findings never change): the commitments found non-conform, and the self-assessment gap
 * against the site's last self-assessment submitted by then — the one the audit report compares.
 * The answer values are those of the self-assessments (implemented 1, partially 0.5, not 0,
 * not applicable left out); the finding values those of the audit's charter version.
 */
const SUMMARY_OF_CLOSED_AUDITS = (where: string) => `
  INSERT INTO audit_summary (audit_id, minor_nc_codes, major_nc_codes, self_assessment_id,
                             gap_compared, gap_over_rated, gap_under_rated)
  SELECT a.id,
         ARRAY(SELECT f.commitment_code FROM audit_finding f
                WHERE f.audit_id = a.id AND f.result = 'minor_nc' ORDER BY 1),
         ARRAY(SELECT f.commitment_code FROM audit_finding f
                WHERE f.audit_id = a.id AND f.result = 'major_nc' ORDER BY 1),
         sa.id,
         COALESCE(g.compared, 0), COALESCE(g.over_rated, 0), COALESCE(g.under_rated, 0)
    FROM audit a
    JOIN charter_rules r ON r.charter_version_id = a.charter_version_id
    LEFT JOIN LATERAL (
      SELECT s.id FROM self_assessment s
       WHERE s.site_id = a.site_id AND s.status = 'submitted' AND s.submitted_at <= a.closed_at
       ORDER BY s.submitted_at DESC, s.id DESC LIMIT 1) sa ON true
    LEFT JOIN LATERAL (
      SELECT count(*)::int AS compared,
             count(*) FILTER (WHERE v.self_value > v.value)::int AS over_rated,
             count(*) FILTER (WHERE v.self_value < v.value)::int AS under_rated
        FROM self_assessment_answer ans
        JOIN audit_finding f ON f.audit_id = a.id AND f.commitment_code = ans.commitment_code
        CROSS JOIN LATERAL (
          SELECT CASE ans.answer WHEN 'implemented' THEN 1 WHEN 'partially_implemented' THEN 0.5
                                 WHEN 'not_implemented' THEN 0 END AS self_value,
                 CASE f.result WHEN 'conform' THEN r.value_conform
                               WHEN 'observation' THEN r.value_observation
                               WHEN 'minor_nc' THEN r.value_minor_nc
                               WHEN 'major_nc' THEN r.value_major_nc END AS value) v
       WHERE ans.self_assessment_id = sa.id
         AND v.self_value IS NOT NULL AND v.value IS NOT NULL) g ON true
   WHERE ${where}
  ON CONFLICT (audit_id) DO NOTHING`;

export class CreateAuditSummary1796000200000 implements MigrationInterface {
  name = 'CreateAuditSummary1796000200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_summary (
        audit_id uuid NOT NULL,
        minor_nc_codes varchar(8)[] NOT NULL,
        major_nc_codes varchar(8)[] NOT NULL,
        -- The self-assessment compared; null when the site had submitted none by the closing.
        self_assessment_id uuid,
        gap_compared integer NOT NULL,
        gap_over_rated integer NOT NULL,
        gap_under_rated integer NOT NULL,
        CONSTRAINT audit_summary_pk PRIMARY KEY (audit_id),
        CONSTRAINT audit_summary_audit_fk FOREIGN KEY (audit_id) REFERENCES audit (id),
        CONSTRAINT audit_summary_self_assessment_fk
          FOREIGN KEY (self_assessment_id) REFERENCES self_assessment (id),
        CONSTRAINT audit_summary_gap_ck CHECK (
          gap_compared >= 0 AND gap_over_rated >= 0 AND gap_under_rated >= 0
          AND gap_over_rated + gap_under_rated <= gap_compared)
      )`);
    // Written by the database as the audit closes, whatever path closes it.
    await db.query(`
      CREATE FUNCTION audit_summary_on_close() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${SUMMARY_OF_CLOSED_AUDITS('a.id = NEW.id')};
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_summary_on_close_trg AFTER UPDATE OF status ON audit
        FOR EACH ROW WHEN (NEW.status = 'closed' AND OLD.status <> 'closed')
        EXECUTE FUNCTION audit_summary_on_close()`);
    await db.query(SUMMARY_OF_CLOSED_AUDITS(`a.status = 'closed'`));
    // The statistics' latest closed audit of each site.
    await db.query(`
      CREATE INDEX audit_latest_closed_idx ON audit (site_id, visited_on DESC, closed_at DESC)
        WHERE status = 'closed'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX audit_latest_closed_idx`);
    await db.query(`DROP TRIGGER audit_summary_on_close_trg ON audit`);
    await db.query(`DROP FUNCTION audit_summary_on_close()`);
    await db.query(`DROP TABLE audit_summary`);
  }
}
