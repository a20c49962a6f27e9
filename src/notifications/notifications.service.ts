import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { buildAuditIcs } from 'src/notifications/build-ics';
import { addressOf } from 'src/notifications/mail-transport';
import type { StoredAttachment } from 'src/notifications/notification.entity';
import {
  emailTemplates,
  type MessageLanguage,
  messageLanguage,
} from 'src/notifications/email-templates';
import {
  type AccountEmail,
  isMandatoryKind,
  type MessageKind,
  type NotificationEvent,
  type NotifyOptions,
} from 'src/notifications/notification-events';
import {
  audienceOf,
  type EventSubject,
  loadEventSubject,
} from 'src/notifications/notification-subjects';
import { type MessageFacts, renderLine, renderMessage } from 'src/notifications/render-message';

interface Recipient {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly language: MessageLanguage;
}

/** One language's rendering of an event, shared by every recipient reading that language. */
interface Rendered {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The recipient's files: a calendar invitation names its attendee. */
  readonly attachments: (recipient: Recipient) => readonly StoredAttachment[];
}

const NO_ATTACHMENTS = (): readonly StoredAttachment[] => [];

interface Outgoing {
  readonly kind: MessageKind;
  readonly recipients: readonly Recipient[];
  readonly render: (language: MessageLanguage) => Rendered;
  readonly link: string | null;
  readonly siteId: string | null;
  readonly onceKey: string | null;
}

/**
 * The transactional outbox: each call resolves the recipients of an event at that moment, renders
 * their messages in their language and writes them in the caller's transaction, so a rollback
 * leaves nothing to send and a commit loses nothing. The dispatcher sends them later.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {}

  /**
   * Writes the event's messages with `em` (the caller's transaction): one statement reads the
   * subject, one the recipients (who muted the kind are left out unless it is mandatory), one
   * inserts a row per recipient. Returns the number of rows written (with `onceKey`, those not
   * written before).
   */
  async notify(
    em: EntityManager,
    event: NotificationEvent,
    options: NotifyOptions = {},
  ): Promise<number> {
    const subject = await loadEventSubject(em, event, this.config.publicBaseUrl);
    const recipients = await findRecipients(em, event, subject);
    const written = await this.write(em, {
      kind: event.kind,
      recipients,
      render: (language) => this.renderEvent(event, subject, language),
      link: subject.link,
      siteId: subject.siteId,
      onceKey: options.onceKey ?? null,
    });
    this.logger.log(`${event.kind}: ${written} message(s) written for site ${subject.siteId}`);
    return written;
  }

  /** Writes an email about the user's account (reset, invitation) in the caller's transaction. */
  async sendAccountEmail(em: EntityManager, email: AccountEmail): Promise<void> {
    const [user] = await em.query<(Recipient & { role: string })[]>(
      `SELECT id, email, full_name AS name, preferred_language AS language, role
         FROM app_user WHERE id = $1`,
      [email.userId],
    );
    if (!user) {
      throw new Error(`${email.kind}: no user ${email.userId}`);
    }
    const base = `${this.config.publicBaseUrl}/api/v1/auth`;
    const facts: MessageFacts = {
      email: user.email,
      token: email.token,
      expires: email.expiresAt,
      role: user.role,
      ...(email.kind === 'account.invitation'
        ? { url: `${base}/invitations/accept`, invitedBy: email.invitedBy }
        : { url: `${base}/password-reset/confirm` }),
    };
    await this.write(em, {
      kind: email.kind,
      recipients: [{ ...user, language: messageLanguage(user.language) }],
      render: (language) => ({
        ...renderMessage(emailTemplates(), email.kind, language, facts, null),
        attachments: NO_ATTACHMENTS,
      }),
      link: null,
      siteId: null,
      onceKey: null,
    });
  }

  private renderEvent(
    event: NotificationEvent,
    subject: EventSubject,
    language: MessageLanguage,
  ): Rendered {
    const templates = emailTemplates();
    const message = renderMessage(templates, event.kind, language, subject.facts, subject.link);
    const visit = subject.visit;
    const summary = templates.languages[language].kinds[event.kind].calendar;
    if (!visit || !summary) {
      return { ...message, attachments: NO_ATTACHMENTS };
    }
    const icsFor = buildAuditIcs({
      uid: `audit-${visit.auditId}@${new URL(this.config.publicBaseUrl).hostname}`,
      sequence: visit.version,
      date: visit.date,
      summary: renderLine(templates, language, summary, subject.facts),
      description: [message.subject, subject.link].filter(Boolean).join('\n'),
      location: visit.location,
      organizer: addressOf(this.config.mail.from),
      cancelled: visit.cancelled,
      at: subject.at,
    });
    const filename = visit.cancelled ? 'annulation.ics' : 'invitation.ics';
    const contentType = `text/calendar; charset=utf-8; method=${visit.cancelled ? 'CANCEL' : 'REQUEST'}`;
    return {
      ...message,
      attachments: (recipient) => [{ filename, contentType, content: icsFor(recipient) }],
    };
  }

  /** One INSERT for every recipient, each language rendered once. */
  private async write(em: EntityManager, out: Outgoing): Promise<number> {
    if (out.recipients.length === 0) {
      return 0;
    }
    const byLanguage = new Map<MessageLanguage, Rendered>();
    const rendered = out.recipients.map((r) => {
      let message = byLanguage.get(r.language);
      if (!message) {
        message = out.render(r.language);
        byLanguage.set(r.language, message);
      }
      return message;
    });
    const rows = await em.query<{ id: string }[]>(
      `INSERT INTO notification (kind, recipient_user_id, recipient_email, language, subject,
                                 text_body, html_body, attachments, link, site_id, once_key)
       SELECT $1, r.user_id, r.email, r.language, r.subject, r.text_body, r.html_body,
              r.attachments::jsonb, $2, $3::uuid, $4
         FROM unnest($5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::text[]) AS r(user_id, email, language, subject, text_body, html_body,
                                       attachments)
       ON CONFLICT (once_key, recipient_user_id) DO NOTHING
       RETURNING id`,
      [
        out.kind,
        out.link,
        out.siteId,
        out.onceKey,
        out.recipients.map((r) => r.id),
        out.recipients.map((r) => r.email),
        out.recipients.map((r) => r.language),
        rendered.map((m) => m.subject),
        rendered.map((m) => m.text),
        rendered.map((m) => m.html),
        rendered.map((m, i) => JSON.stringify(m.attachments(out.recipients[i]))),
      ],
    );
    return rows.length;
  }
}

const RECIPIENT_COLUMNS = `id, email, full_name AS name,
  CASE WHEN preferred_language = 'en' THEN 'en' ELSE 'fr' END AS language,
  muted_notification_kinds AS muted`;

/**
 * The event's recipients at this moment: who muted its kind is left out unless it is mandatory.
 * One branch per part of the audience, each served by an index (the company's members by
 * `app_user_organisation_idx`, the administrators by `app_user_active_admin_idx`, the auditor by
 * the key); a disabled user is never one. The auditor's branch leaves out whom another branch
 * gives, so that no one is written to twice.
 */
function findRecipients(
  em: EntityManager,
  event: NotificationEvent,
  subject: EventSubject,
): Promise<Recipient[]> {
  const audience = audienceOf(event);
  return em.query<Recipient[]>(
    `SELECT id, email, name, language
       FROM (SELECT ${RECIPIENT_COLUMNS} FROM app_user
              WHERE $2 AND organisation_id = $1 AND role = 'member' AND disabled_at IS NULL
             UNION ALL
             SELECT ${RECIPIENT_COLUMNS} FROM app_user
              WHERE $3 AND role = 'admin' AND disabled_at IS NULL
             UNION ALL
             SELECT ${RECIPIENT_COLUMNS} FROM app_user
              WHERE id = $4::uuid AND disabled_at IS NULL
                AND NOT ($3 AND role = 'admin')
                AND NOT ($2 AND role = 'member' AND organisation_id IS NOT DISTINCT FROM $1)
            ) AS r
      WHERE $5 OR NOT ($6 = ANY (r.muted))`,
    [
      subject.organisationId,
      audience.members,
      audience.admins,
      audience.auditor ? subject.auditorId : null,
      isMandatoryKind(event.kind),
      event.kind,
    ],
  );
}
