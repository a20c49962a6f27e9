import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CHARTER_2020_1_COMMITMENTS } from './data/charter-2020-1';

/** Loads charter 2020.1 (the 20 commitments and the rules of charter-v1) as published. */
export class SeedCharter20201795916700001 implements MigrationInterface {
  name = 'SeedCharter20201795916700001';

  async up(db: QueryRunner): Promise<void> {
    const [{ id }] = (await db.query(
      `INSERT INTO charter_version (version, status) VALUES ('2020.1', 'draft') RETURNING id`,
    )) as [{ id: string }];
    await db.query(
      `INSERT INTO charter_rules (charter_version_id, weight_critical, weight_major, weight_standard,
         value_conform, value_observation, value_minor_nc, value_major_nc, score_threshold,
         major_nc_deadline_days, minor_nc_deadline_days, audit_validity_days,
         not_applicable_justification_min_length)
       VALUES ($1, 3, 2, 1, 1, 1, 0.5, 0, 75, 7, 30, 180, 20)`,
      [id],
    );
    for (const [index, c] of CHARTER_2020_1_COMMITMENTS.entries()) {
      await db.query(
        `INSERT INTO charter_commitment (charter_version_id, code, position, stakeholder_group,
           criticality, not_applicable_when, title_fr, title_en, description_fr, description_en,
           evidence_expected_fr, evidence_expected_en, verification_points)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          id,
          c.code,
          index + 1,
          c.group,
          c.criticality,
          c.notApplicableWhen,
          c.title.fr,
          c.title.en,
          c.description.fr,
          c.description.en,
          c.evidenceExpected.fr,
          c.evidenceExpected.en,
          JSON.stringify(c.verificationPoints),
        ],
      );
    }
    await db.query(
      `UPDATE charter_version SET status = 'published', published_at = now(), updated_at = now()
        WHERE id = $1`,
      [id],
    );
  }

  async down(db: QueryRunner): Promise<void> {
    // The freeze triggers protect published versions; lift them for this one removal.
    await db.query('ALTER TABLE charter_commitment DISABLE TRIGGER charter_commitment_freeze_trg');
    await db.query('ALTER TABLE charter_rules DISABLE TRIGGER charter_rules_freeze_trg');
    await db.query('ALTER TABLE charter_version DISABLE TRIGGER charter_version_freeze_trg');
    await db.query(`DELETE FROM charter_version WHERE version = '2020.1'`);
    await db.query('ALTER TABLE charter_version ENABLE TRIGGER charter_version_freeze_trg');
    await db.query('ALTER TABLE charter_rules ENABLE TRIGGER charter_rules_freeze_trg');
    await db.query('ALTER TABLE charter_commitment ENABLE TRIGGER charter_commitment_freeze_trg');
  }
}
