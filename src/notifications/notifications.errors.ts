import { ConflictError, NotFoundError, RuleViolationError } from 'src/common/errors';
import type { OutboxStatus } from 'src/notifications/notification.entity';
import type { NotificationKind } from 'src/notifications/notification-events';

/** Another user's notification answers the same as a missing one. */
export class NotificationNotFoundError extends NotFoundError {
  constructor() {
    super('NOTIFICATION.NOT_FOUND', 'No such notification');
  }
}

export class NotificationNotFailedError extends ConflictError {
  constructor(status: OutboxStatus) {
    super('NOTIFICATION.NOT_FAILED', `Only a failed message is sent again; this one is ${status}`, {
      messageStatus: status,
    });
  }
}

/** A failed reset or invitation is not sent again: its code may have expired; the user asks anew. */
export class AccountEmailNotRetriedError extends ConflictError {
  constructor(kind: string) {
    super(
      'NOTIFICATION.ACCOUNT_EMAIL',
      'An account email is not sent again: its code may have expired; a new reset or invitation sends a new one',
      { kind },
    );
  }
}

/** Overdue corrective actions, certificate suspension and revocation are always told. */
export class MandatoryKindMutedError extends RuleViolationError {
  constructor(kinds: readonly NotificationKind[]) {
    const message = `cannot mute ${kinds.join(', ')}: ${kinds.length > 1 ? 'they are' : 'it is'} mandatory`;
    super('NOTIFICATION.MANDATORY_KIND', `muted: ${message}`, {
      errors: [{ field: 'muted', message }],
    });
  }
}
