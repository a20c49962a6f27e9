import type { MigrationInterface, QueryRunner } from 'typeorm';

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

/** A full recomputation of every site (`npm run compliance:recompute`) is a cause of its own. */
export class AddRecomputationCause1796000300000 implements MigrationInterface {
  name = 'AddRecomputationCause1796000300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE site_compliance_history
        DROP CONSTRAINT site_compliance_history_cause_ck,
        ADD CONSTRAINT site_compliance_history_cause_ck
          CHECK (cause IN (${listOf([...CAUSES, 'recomputation'])}))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE site_compliance_history
        DROP CONSTRAINT site_compliance_history_cause_ck,
        ADD CONSTRAINT site_compliance_history_cause_ck CHECK (cause IN (${listOf(CAUSES)}))`);
  }
}
