import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox as it grows: indexes that serve its lists and counts without reading every row, a
 * subject of any length, and history that deleting a user cannot erase.
 *
 * - `notification_inbox_idx` follows the inbox's order (unread first, then newest), so a page is
 *   an index scan with no sort; `kind` is included so that the count of a user's notifications
 *   is read from the index alone. It also serves the foreign key to `app_user`.
 * - `notification_created_idx`: the administrators' outbox, newest first, unfiltered or `sent`;
 *   the retention job reads it from the oldest end.
 * - `notification_unsent_idx`: the outbox's `pending` and `failed` messages, newest first, and
 *   their counts for the metrics.
 * - `notification_status_idx` on the status alone: a few distinct values, so PostgreSQL stores it
 *   deduplicated (a few MB for a million rows) and counting one status reads that.
 * - `notification_site_idx`: the foreign key to `site`.
 * - The recipient's foreign key no longer cascades: users are disabled, never deleted, and a
 *   deletion must not take the outbox history with it.
 * - `subject` is `text`: it names a site and a company of up to 200 characters each.
 */
export class NotificationStorage1796400000000 implements MigrationInterface {
  name = 'NotificationStorage1796400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX notification_inbox_idx');
    await db.query(`
      CREATE INDEX notification_inbox_idx
        ON notification (recipient_user_id, (read_at IS NOT NULL), created_at DESC, id)
        INCLUDE (kind)`);
    await db.query('DROP INDEX notification_status_idx');
    await db.query('CREATE INDEX notification_status_idx ON notification (status)');
    await db.query(`
      CREATE INDEX notification_unsent_idx ON notification (status, created_at DESC, id)
        WHERE status <> 'sent'`);
    await db.query('CREATE INDEX notification_created_idx ON notification (created_at DESC, id)');
    await db.query('CREATE INDEX notification_site_idx ON notification (site_id)');
    await db.query(`
      ALTER TABLE notification
        DROP CONSTRAINT notification_recipient_fk,
        ADD CONSTRAINT notification_recipient_fk
          FOREIGN KEY (recipient_user_id) REFERENCES app_user (id) ON DELETE RESTRICT`);
    await db.query('ALTER TABLE notification ALTER COLUMN subject TYPE text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE notification ALTER COLUMN subject TYPE varchar(400) USING left(subject, 400)`);
    await db.query(`
      ALTER TABLE notification
        DROP CONSTRAINT notification_recipient_fk,
        ADD CONSTRAINT notification_recipient_fk
          FOREIGN KEY (recipient_user_id) REFERENCES app_user (id) ON DELETE CASCADE`);
    await db.query('DROP INDEX notification_site_idx');
    await db.query('DROP INDEX notification_created_idx');
    await db.query('DROP INDEX notification_unsent_idx');
    await db.query('DROP INDEX notification_status_idx');
    await db.query('CREATE INDEX notification_status_idx ON notification (status, created_at)');
    await db.query('DROP INDEX notification_inbox_idx');
    await db.query(`
      CREATE INDEX notification_inbox_idx ON notification (recipient_user_id, created_at DESC)`);
  }
}
