import { ConflictError, RuleViolationError } from 'src/common/errors';

export class IdempotencyKeyReusedError extends RuleViolationError {
  constructor() {
    super(
      'IDEMPOTENCY.KEY_REUSED',
      'This Idempotency-Key was used for a different request (method, path or body): use a new key',
    );
  }
}

export class IdempotencyKeyInFlightError extends ConflictError {
  constructor() {
    super(
      'IDEMPOTENCY.IN_FLIGHT',
      'A request with this Idempotency-Key is still being processed: retry once it has answered',
      { retryAfter: 1 },
    );
  }
}
