import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsOptional } from 'class-validator';
import { PageQuery, PageResponse } from 'src/common/pagination';
import {
  type Notification,
  OUTBOX_STATUSES,
  type OutboxStatus,
} from 'src/notifications/notification.entity';
import {
  ACCOUNT_EMAIL_KINDS,
  MANDATORY_KINDS,
  type MessageKind,
  NOTIFICATION_KINDS,
  type NotificationKind,
} from 'src/notifications/notification-events';

export class NotificationResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ enum: NOTIFICATION_KINDS })
  readonly kind!: NotificationKind;

  @ApiProperty({ description: 'The email’s subject, in the user’s language' })
  readonly subject!: string;

  @ApiProperty({ description: 'The email’s plain-text body' })
  readonly text!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The verification page or the API resource',
  })
  readonly link!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  readonly siteId!: string | null;

  @ApiProperty()
  readonly read!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly readAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;
}

export class NotificationPageResponse extends PageResponse(NotificationResponse) {}

export function toNotificationResponse(n: Notification): NotificationResponse {
  return {
    id: n.id,
    kind: n.kind as NotificationKind,
    subject: n.subject,
    text: n.textBody,
    link: n.link,
    siteId: n.siteId,
    read: n.readAt !== null,
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
  };
}

export class OutboxQuery extends PageQuery {
  @ApiPropertyOptional({ enum: OUTBOX_STATUSES })
  @IsOptional()
  @IsIn(OUTBOX_STATUSES)
  readonly status?: OutboxStatus;
}

/** A message of the outbox as administrators see it: never its body (it may hold a token). */
export class OutboxMessageResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({
    enum: [...NOTIFICATION_KINDS, ...ACCOUNT_EMAIL_KINDS],
    description: 'An event, or `account.password_reset`, `account.invitation`',
  })
  readonly kind!: MessageKind;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  readonly recipientUserId!: string | null;

  @ApiProperty({ format: 'email' })
  readonly recipientEmail!: string;

  @ApiProperty({ enum: ['fr', 'en'] })
  readonly language!: string;

  @ApiProperty()
  readonly subject!: string;

  @ApiProperty({ enum: OUTBOX_STATUSES })
  readonly status!: OutboxStatus;

  @ApiProperty({ description: 'Attempts to send it so far' })
  readonly attempts!: number;

  @ApiProperty({ format: 'date-time', description: 'When a pending message is next tried' })
  readonly nextAttemptAt!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Why the last attempt failed' })
  readonly lastError!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly sentAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;
}

export class OutboxPageResponse extends PageResponse(OutboxMessageResponse) {}

export function toOutboxMessageResponse(n: Notification): OutboxMessageResponse {
  return {
    id: n.id,
    kind: n.kind,
    recipientUserId: n.recipientUserId,
    recipientEmail: n.recipientEmail,
    language: n.language,
    subject: n.subject,
    status: n.status,
    attempts: n.attempts,
    nextAttemptAt: n.nextAttemptAt.toISOString(),
    lastError: n.lastError,
    sentAt: n.sentAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
  };
}

export class UpdatePreferencesRequest {
  @ApiProperty({
    enum: NOTIFICATION_KINDS,
    isArray: true,
    description: `Kinds not to be told of; never one of ${MANDATORY_KINDS.join(', ')} (422)`,
  })
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_KINDS.length)
  @ArrayUnique()
  @IsIn(NOTIFICATION_KINDS, { each: true })
  readonly muted!: NotificationKind[];
}

export class PreferencesResponse {
  @ApiProperty({ enum: NOTIFICATION_KINDS, isArray: true })
  readonly muted!: NotificationKind[];

  @ApiProperty({
    enum: NOTIFICATION_KINDS,
    isArray: true,
    description: 'Kinds that cannot be muted',
  })
  readonly mandatory!: NotificationKind[];

  @ApiProperty({ enum: NOTIFICATION_KINDS, isArray: true, description: 'Every kind' })
  readonly kinds!: NotificationKind[];
}

export function toPreferencesResponse(muted: readonly string[]): PreferencesResponse {
  return {
    muted: NOTIFICATION_KINDS.filter((k) => muted.includes(k)),
    mandatory: [...MANDATORY_KINDS],
    kinds: [...NOTIFICATION_KINDS],
  };
}
