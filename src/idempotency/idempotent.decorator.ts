import { applyDecorators, SetMetadata, UseFilters, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiProblemResponses } from 'src/common/api-problem-responses';
import { IdempotencyInterceptor } from 'src/idempotency/idempotency.interceptor';
import { IdempotentReplayFilter } from 'src/idempotency/idempotent-replay.filter';
import { IDEMPOTENCY_KEY_HEADER } from 'src/idempotency/request-fingerprint';

export const IDEMPOTENT = 'idempotent';

/**
 * The route accepts an `Idempotency-Key`: a request made again with the same key (same caller,
 * route and request) gets the first one's answer without running again; see
 * {@link IdempotencyInterceptor}. For routes that create something and have a caller.
 */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, true),
    // On the route only: a global interceptor would put every request of the service through
    // Nest's interceptor pipeline. The answer is stored as it is sent, so the order among the
    // route's interceptors does not matter.
    UseInterceptors(IdempotencyInterceptor),
    UseFilters(IdempotentReplayFilter),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description:
        'A key of your choice (1 to 255 printable ASCII characters, e.g. a UUID) that makes a ' +
        'retry safe. Within 24 hours, the same request again with the same key gets the first ' +
        'answer (status, body, Location) with `Idempotent-Replayed: true`, without creating ' +
        'anything again; the same key with another request: 422 IDEMPOTENCY.KEY_REUSED; while ' +
        'the first is still being processed: 409 IDEMPOTENCY.IN_FLIGHT. Keys are per user and ' +
        'per route. Server errors are not kept: retry them with the same key.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' },
    }),
    ApiProblemResponses(400, 409, 422),
  );
