import { ConflictError, NotFoundError } from 'src/common/errors';
import type { CorrectiveActionEvent } from 'src/corrective-actions/corrective-action-transitions';
import type { CorrectiveActionStatus } from 'src/corrective-actions/corrective-actions.types';

// A foreign corrective action and a missing one get the very same answer.
export class CorrectiveActionNotFoundError extends NotFoundError {
  constructor() {
    super('CORRECTIVE_ACTION.NOT_FOUND', 'No such corrective action');
  }
}

export class IllegalCorrectiveActionTransitionError extends ConflictError {
  constructor(
    event: CorrectiveActionEvent,
    from: CorrectiveActionStatus,
    to: CorrectiveActionStatus,
    allowedFrom: readonly CorrectiveActionStatus[],
  ) {
    super(
      'CORRECTIVE_ACTION.ILLEGAL_TRANSITION',
      `A corrective action that is ${from} cannot be ${event}: that leads from ` +
        `${allowedFrom.join(' or ')} to ${to}`,
      { event, from, to, allowedFrom },
    );
  }
}

export class CorrectiveActionSiteInactiveError extends ConflictError {
  constructor() {
    super(
      'CORRECTIVE_ACTION.SITE_INACTIVE',
      'The membership of the organisation of this site has ended: its corrective actions are read-only',
    );
  }
}
