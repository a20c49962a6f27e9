import type { MigrationInterface, QueryRunner } from 'typeorm';

const STATUSES = ['pending', 'sent', 'failed'];

const listOf = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * The transactional outbox of messages, one row per recipient: written in the transaction of the
 * change that causes it, sent by the dispatcher, and listed as the recipient's in-app
 * notifications. Each user's muted kinds of notification.
 */
export class CreateNotifications1796100000000 implements MigrationInterface {
  name = 'CreateNotifications1796100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notification (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind varchar(64) NOT NULL,
        recipient_user_id uuid,
        recipient_email varchar(254) NOT NULL,
        language varchar(2) NOT NULL,
        subject varchar(400) NOT NULL,
        text_body text NOT NULL,
        html_body text NOT NULL,
        attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
        link text,
        site_id uuid,
        once_key varchar(300),
        status varchar(16) NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        claimed_by uuid,
        last_error text,
        sent_at timestamptz,
        read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_pk PRIMARY KEY (id),
        CONSTRAINT notification_recipient_fk
          FOREIGN KEY (recipient_user_id) REFERENCES app_user (id) ON DELETE CASCADE,
        CONSTRAINT notification_site_fk FOREIGN KEY (site_id) REFERENCES site (id),
        CONSTRAINT notification_status_ck CHECK (status IN (${listOf(STATUSES)})),
        CONSTRAINT notification_language_ck CHECK (language IN ('fr', 'en')),
        CONSTRAINT notification_attempts_ck CHECK (attempts >= 0),
        CONSTRAINT notification_sent_ck CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
        CONSTRAINT notification_claim_ck CHECK ((claimed_until IS NULL) = (claimed_by IS NULL)),
        CONSTRAINT notification_attachments_ck CHECK (jsonb_typeof(attachments) = 'array')
      )`);
    // The dispatcher's queue: pending rows by the time they are due.
    await db.query(`
      CREATE INDEX notification_pending_idx ON notification (next_attempt_at)
        WHERE status = 'pending'`);
    // A reminder is written once per recipient under its key, however many sweeps run.
    await db.query(`
      CREATE UNIQUE INDEX notification_once_uq ON notification (once_key, recipient_user_id)`);
    await db.query(`
      CREATE INDEX notification_inbox_idx ON notification (recipient_user_id, created_at DESC)`);
    await db.query(`CREATE INDEX notification_status_idx ON notification (status, created_at)`);

    await db.query(`
      ALTER TABLE app_user
        ADD COLUMN muted_notification_kinds varchar(64)[] NOT NULL DEFAULT '{}'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE app_user DROP COLUMN muted_notification_kinds');
    await db.query('DROP TABLE notification');
  }
}
