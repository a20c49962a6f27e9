import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MessageLanguage } from 'src/notifications/email-templates';
import type { MessageKind } from 'src/notifications/notification-events';

/** A file attached to a message, as the outbox stores it. */
export interface StoredAttachment {
  readonly filename: string;
  readonly contentType: string;
  /** UTF-8 text. */
  readonly content: string;
}

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** One message to one recipient: a row of the email outbox and of the recipient's inbox. */
@Entity({ name: 'notification' })
export class Notification {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'notification_pk' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  kind!: MessageKind;

  @Column({ type: 'uuid', nullable: true })
  recipientUserId!: string | null;

  @Column({ type: 'varchar', length: 254 })
  recipientEmail!: string;

  @Column({ type: 'varchar', length: 2 })
  language!: MessageLanguage;

  @Column({ type: 'text' })
  subject!: string;

  /** Blanked once sent for account emails, which carry a token. */
  @Column({ type: 'text' })
  textBody!: string;

  @Column({ type: 'text' })
  htmlBody!: string;

  @Column({ type: 'jsonb' })
  attachments!: StoredAttachment[];

  @Column({ type: 'text', nullable: true })
  link!: string | null;

  @Column({ type: 'uuid', nullable: true })
  siteId!: string | null;

  /** Reminders: the key that makes them once-only per recipient. */
  @Column({ type: 'varchar', length: 300, nullable: true })
  onceKey!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: OutboxStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  claimedUntil!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  claimedBy!: string | null;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  readAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
