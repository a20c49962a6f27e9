import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type Observable, tap } from 'rxjs';

/** The response header of a single versioned resource, for the OpenAPI document. */
export const ETAG_HEADER = {
  ETag: {
    description: 'The version of the resource, `"<version>"`: send it back in If-Match',
    schema: { type: 'string', example: '"3"' },
  },
};

/** A response carrying a numeric `version` (one versioned resource) gets `ETag: "<version>"`. */
@Injectable()
export class ETagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      tap((body: unknown) => {
        const version = (body as { version?: unknown } | null)?.version;
        if (typeof version === 'number') {
          void reply.header('etag', `"${version}"`);
        }
      }),
    );
  }
}
