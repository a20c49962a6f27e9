/** One invalid input, named by its path in the request (`body.address.city`, `query.page`). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * An expected failure of a use case. Services throw these; the global filter turns them into
 * `application/problem+json` with the stable `code`.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;

  constructor(
    readonly code: string,
    message: string,
    /** Extra members of the problem document (for example the reasons of a status). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
}

export class ConflictError extends DomainError {
  readonly status = 409;
}

export class RuleViolationError extends DomainError {
  readonly status = 422;
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
}

export class TooManyRequestsError extends DomainError {
  readonly status = 429;

  constructor(code: string, message: string, retryAfterSeconds: number) {
    super(code, message, { retryAfter: retryAfterSeconds });
  }
}

/** A write based on a version of the record that is no longer the current one. */
export class PreconditionFailedError extends DomainError {
  readonly status = 412;
}

/** A write based on a version other than the current one (a stale If-Match or a lost race). */
export class VersionMismatchError extends PreconditionFailedError {
  constructor(entity: string, currentVersion: number) {
    super(
      `${entity}.VERSION_MISMATCH`,
      `The ${entity.toLowerCase().replace(/_/g, ' ')} has changed since it was read: it is now at version ${currentVersion}`,
      { currentVersion },
    );
  }
}

export class PreconditionRequiredError extends DomainError {
  readonly status = 428;
}

export class RequestValidationError extends DomainError {
  readonly status = 400;

  constructor(readonly errors: readonly FieldError[]) {
    super(
      'REQUEST.VALIDATION_FAILED',
      errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'The request is invalid',
    );
  }
}

/** The body could not be read as JSON (syntax, empty body, or a `__proto__` key). */
export class MalformedBodyError extends DomainError {
  readonly status = 400;

  constructor(reason: string) {
    super('REQUEST.MALFORMED_JSON', reason);
  }
}
