import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reminders handled by the sweep, one row per once-only key, whoever they reached: a
 * reminder that every recipient muted, or whose company has no active member, writes no message
 * but is recorded all the same, so that the sweep's queries leave it out instead of finding it
 * again at every run. The keys already in the outbox are recorded as they are.
 */
export class CreateReminderSent1796500000000 implements MigrationInterface {
  name = 'CreateReminderSent1796500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE reminder_sent (
        once_key varchar(300) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT reminder_sent_pk PRIMARY KEY (once_key)
      )`);
    await db.query(`
      INSERT INTO reminder_sent (once_key, created_at)
      SELECT once_key, min(created_at) FROM notification
       WHERE once_key IS NOT NULL
       GROUP BY once_key`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE reminder_sent');
  }
}
