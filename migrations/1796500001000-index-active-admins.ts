import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The active administrators, whom many notifications reach: with this index the recipients of an
 * event are read by three index scans (the company's members, the administrators, the auditor)
 * rather than a read of every user.
 */
export class IndexActiveAdmins1796500001000 implements MigrationInterface {
  name = 'IndexActiveAdmins1796500001000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX app_user_active_admin_idx ON app_user (id)
        WHERE role = 'admin' AND disabled_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX app_user_active_admin_idx');
  }
}
