import {
  ConflictError,
  DomainError,
  RequestValidationError,
  UnauthorizedError,
} from 'src/common/errors';

/** The same answer for an unknown email, a wrong password and a disabled account. */
export class InvalidCredentialsError extends UnauthorizedError {
  constructor() {
    super('AUTH.INVALID_CREDENTIALS', 'The email or the password is incorrect');
  }
}

export class InvalidRefreshTokenError extends UnauthorizedError {
  constructor() {
    super('AUTH.INVALID_REFRESH_TOKEN', 'The refresh token is unknown, spent, revoked or expired');
  }
}

export class WrongCurrentPasswordError extends RequestValidationError {
  constructor() {
    super([{ field: 'currentPassword', message: 'is incorrect' }]);
  }
}

/** The same answer for an unknown, spent, superseded or expired token, and a disabled account. */
export class InvalidAccountTokenError extends DomainError {
  readonly status = 400;

  constructor() {
    super('AUTH.INVALID_ACCOUNT_TOKEN', 'token: is unknown, already used or expired', {
      errors: [{ field: 'token', message: 'is unknown, already used or expired' }],
    });
  }
}

/** An invitation is sent again only to an enabled user who has not set a password yet. */
export class NoPendingInvitationError extends ConflictError {
  constructor(reason: 'password_set' | 'disabled') {
    super(
      'AUTH.NO_PENDING_INVITATION',
      reason === 'password_set'
        ? 'The user has already set a password: they can ask for a password reset instead'
        : 'The user is disabled: enable them before sending the invitation again',
    );
  }
}
