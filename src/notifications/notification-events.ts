/**
 * What is worth telling someone. A use case calls `NotificationsService.notify(em, event)` inside
 * the transaction of the change that causes it (the transactional outbox): the recipients are
 * resolved and the messages rendered and written there, so a rollback leaves nothing to send and
 * a commit loses nothing.
 */
export type NotificationEvent =
  | {
      readonly kind: 'audit.planned';
      readonly auditId: string;
      /** Its auditor only: a new auditor of an audit that changed hands, invited as to a new one. */
      readonly only?: 'auditor';
    }
  | { readonly kind: 'audit.cancelled'; readonly auditId: string }
  | {
      readonly kind: 'audit.rescheduled';
      readonly auditId: string;
      /** The visit date before the change (calendar date, Africa/Casablanca). */
      readonly previousPlannedFor: string;
      /** The members only: the audit also changed hands, and each auditor has their message. */
      readonly only?: 'members';
    }
  | {
      /** The audit changed hands: the visit is withdrawn from the calendar of its former auditor. */
      readonly kind: 'audit.unassigned';
      readonly auditId: string;
      readonly previousAuditorId: string;
      /** The visit date the former auditor was given. */
      readonly previousPlannedFor: string;
    }
  | { readonly kind: 'audit.closed'; readonly auditId: string }
  | {
      readonly kind:
        | 'corrective_action.due_in_7_days'
        | 'corrective_action.due_tomorrow'
        | 'corrective_action.overdue'
        | 'corrective_action.responded'
        | 'corrective_action.verified'
        | 'corrective_action.rejected';
      readonly correctiveActionId: string;
    }
  | {
      readonly kind:
        | 'certificate.issued'
        | 'certificate.suspended'
        | 'certificate.reinstated'
        | 'certificate.revoked'
        | 'certificate.expiring_in_30_days'
        | 'certificate.expiring_in_7_days';
      readonly certificateId: string;
    }
  | {
      /** The site's audit validity ends in 30 days: a surveillance audit is due. */
      readonly kind: 'audit.surveillance_due';
      readonly siteId: string;
      /** Last day of the current validity (calendar date). */
      readonly validUntil: string;
    };

export type NotificationKind = NotificationEvent['kind'];

/** Options of one `notify` call. */
export interface NotifyOptions {
  /**
   * Makes the event's messages once-only: a second `notify` with the same key writes nothing for
   * a recipient who already has a message under it (reminders: kind, subject, threshold).
   */
  readonly onceKey?: string;
}

/** Kinds a user cannot mute. */
export const MANDATORY_KINDS: readonly NotificationKind[] = [
  'corrective_action.overdue',
  'certificate.suspended',
  'certificate.revoked',
];

/** Every kind of event, in the order the preferences list them. */
export const NOTIFICATION_KINDS = Object.keys({
  'audit.planned': true,
  'audit.rescheduled': true,
  'audit.cancelled': true,
  'audit.unassigned': true,
  'audit.closed': true,
  'audit.surveillance_due': true,
  'corrective_action.due_in_7_days': true,
  'corrective_action.due_tomorrow': true,
  'corrective_action.overdue': true,
  'corrective_action.responded': true,
  'corrective_action.verified': true,
  'corrective_action.rejected': true,
  'certificate.issued': true,
  'certificate.suspended': true,
  'certificate.reinstated': true,
  'certificate.revoked': true,
  'certificate.expiring_in_30_days': true,
  'certificate.expiring_in_7_days': true,
} satisfies Record<NotificationKind, true>) as NotificationKind[];

export const isMandatoryKind = (kind: NotificationKind): boolean => MANDATORY_KINDS.includes(kind);

/**
 * Emails about one's account, sent through the same outbox but never muted nor listed in the
 * in-app notifications; their bodies carry a single-use token and are blanked once sent.
 */
export type AccountEmail =
  | {
      readonly kind: 'account.password_reset';
      readonly userId: string;
      readonly token: string;
      readonly expiresAt: Date;
    }
  | {
      readonly kind: 'account.invitation';
      readonly userId: string;
      readonly token: string;
      readonly expiresAt: Date;
      /** The administrator's name. */
      readonly invitedBy: string;
    };

export type AccountEmailKind = AccountEmail['kind'];

export const ACCOUNT_EMAIL_KINDS: readonly AccountEmailKind[] = [
  'account.password_reset',
  'account.invitation',
];

/** What a row of the outbox may be about. */
export type MessageKind = NotificationKind | AccountEmailKind;
