import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { type Page, pageOf, pageWindow, type PageQuery } from 'src/common/pagination';
import { JournalService } from 'src/journal/journal.service';
import { Notification } from 'src/notifications/notification.entity';
import { ACCOUNT_EMAIL_KINDS, isMandatoryKind } from 'src/notifications/notification-events';
import {
  type NotificationResponse,
  type OutboxMessageResponse,
  type OutboxQuery,
  type PreferencesResponse,
  toNotificationResponse,
  toOutboxMessageResponse,
  toPreferencesResponse,
  type UpdatePreferencesRequest,
} from 'src/notifications/notifications.dto';
import {
  AccountEmailNotRetriedError,
  MandatoryKindMutedError,
  NotificationNotFailedError,
  NotificationNotFoundError,
} from 'src/notifications/notifications.errors';

// Account emails hold a token: they are emails only, never listed in the inbox.
const IN_APP = "n.kind NOT LIKE 'account.%'";

/**
 * The user's company (a member's; null for the others) sees only its own sites' notifications: a
 * member moved to another company leaves the previous one's behind.
 */
const OF_OWN_COMPANY = (company: string) =>
  `(${company}::uuid IS NULL OR n.site_id IS NULL OR EXISTS (
     SELECT 1 FROM site s WHERE s.id = n.site_id AND s.organisation_id = ${company}::uuid))`;

/** Each user's notifications and preferences; the administrators' view of the outbox. */
@Injectable()
export class NotificationInboxService {
  constructor(
    @InjectRepository(Notification) private readonly notifications: Repository<Notification>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly journal: JournalService,
  ) {}

  /** The caller's own notifications, unread first, then newest first (notification_inbox_idx). */
  async listMine(actor: Actor, query: PageQuery): Promise<Page<NotificationResponse>> {
    const { skip, take } = pageWindow(query);
    const [rows, total] = await this.notifications
      .createQueryBuilder('n')
      .where('n.recipient_user_id = :userId', { userId: actor.userId })
      .andWhere(IN_APP)
      .andWhere(OF_OWN_COMPANY(':organisationId'), { organisationId: actor.organisationId })
      .orderBy('n.read_at IS NOT NULL', 'ASC')
      .addOrderBy('n.created_at', 'DESC')
      .addOrderBy('n.id', 'ASC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    return pageOf(rows.map(toNotificationResponse), total, query);
  }

  /** Marks one of the caller's notifications read (again: no change); another's is 404. */
  async markRead(actor: Actor, id: string): Promise<NotificationResponse> {
    const [[row]] = await this.db.query<[{ id: string }[], number]>(
      `UPDATE notification n SET read_at = coalesce(n.read_at, now())
        WHERE n.id = $1 AND n.recipient_user_id = $2 AND ${IN_APP} AND ${OF_OWN_COMPANY('$3')}
        RETURNING n.id`,
      [id, actor.userId, actor.organisationId],
    );
    if (!row) {
      throw new NotificationNotFoundError();
    }
    return toNotificationResponse(await this.notifications.findOneByOrFail({ id }));
  }

  async preferences(actor: Actor): Promise<PreferencesResponse> {
    const [user] = await this.db.query<{ muted: string[] }[]>(
      'SELECT muted_notification_kinds AS muted FROM app_user WHERE id = $1',
      [actor.userId],
    );
    return toPreferencesResponse(user?.muted ?? []);
  }

  async updatePreferences(
    ctx: RequestContext,
    actor: Actor,
    change: UpdatePreferencesRequest,
  ): Promise<PreferencesResponse> {
    const mandatory = change.muted.filter(isMandatoryKind);
    if (mandatory.length > 0) {
      throw new MandatoryKindMutedError(mandatory);
    }
    return this.db.transaction(async (em) => {
      const [before] = await em.query<{ muted: string[] }[]>(
        'SELECT muted_notification_kinds AS muted FROM app_user WHERE id = $1 FOR UPDATE',
        [actor.userId],
      );
      await em.query('UPDATE app_user SET muted_notification_kinds = $2 WHERE id = $1', [
        actor.userId,
        change.muted,
      ]);
      const after = toPreferencesResponse(change.muted);
      await this.journal.append(em, ctx, {
        action: 'user.notification_preferences_updated',
        entityType: 'user',
        entityId: actor.userId,
        organisationId: actor.organisationId,
        changes: {
          muted: { before: toPreferencesResponse(before?.muted ?? []).muted, after: after.muted },
        },
      });
      return after;
    });
  }

  async listOutbox(query: OutboxQuery): Promise<Page<OutboxMessageResponse>> {
    const qb = this.notifications.createQueryBuilder('n');
    if (query.status) {
      qb.where('n.status = :status', { status: query.status });
    }
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy('n.created_at', 'DESC')
      .addOrderBy('n.id', 'ASC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    return pageOf(rows.map(toOutboxMessageResponse), total, query);
  }

  /**
   * Puts a failed message back in the queue, for a full round of attempts. Not an account email:
   * its code may have expired, and its body is gone; the user asks for a new one.
   */
  async retry(ctx: RequestContext, id: string): Promise<OutboxMessageResponse> {
    return this.db.transaction(async (em) => {
      const current = await em.findOne(Notification, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) {
        throw new NotificationNotFoundError();
      }
      if (current.status !== 'failed') {
        throw new NotificationNotFailedError(current.status);
      }
      if ((ACCOUNT_EMAIL_KINDS as readonly string[]).includes(current.kind)) {
        throw new AccountEmailNotRetriedError(current.kind);
      }
      await em.query(
        `UPDATE notification SET status = 'pending', attempts = 0, next_attempt_at = now()
          WHERE id = $1`,
        [id],
      );
      await this.journal.append(em, ctx, {
        action: 'notification.retried',
        entityType: 'notification',
        entityId: id,
        changes: { status: { before: 'failed', after: 'pending' }, lastError: current.lastError },
      });
      return toOutboxMessageResponse(await em.findOneByOrFail(Notification, { id }));
    });
  }
}
