import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { StoredResponse } from 'src/idempotency/idempotency.service';

/** Marks a replayed answer, as other APIs with idempotency keys do. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * The stored answer of a request made again with its key. Thrown by the interceptor so that the
 * handler does not run, and written as it was by {@link IdempotentReplayFilter}: an interceptor's
 * own value would be sent with the route's status, not the stored one.
 */
export class ReplayedResponse extends Error {
  constructor(readonly response: StoredResponse) {
    super('Replayed response');
  }
}

@Catch(ReplayedResponse)
export class IdempotentReplayFilter implements ExceptionFilter<ReplayedResponse> {
  catch(replay: ReplayedResponse, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply
      .status(replay.response.status)
      .headers({ ...replay.response.headers, [REPLAYED_HEADER]: 'true' })
      .send(replay.response.body);
  }
}
