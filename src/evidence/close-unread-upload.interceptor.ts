import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, type Observable, throwError } from 'rxjs';

/**
 * An upload refused before its body was read to the end (an unknown site named first, a file
 * over the limit) would leave the client sending into a connection nobody reads, until a timeout.
 * The refusal closes the connection instead, and what still arrives is discarded.
 */
@Injectable()
export class CloseUnreadUploadInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!request.raw.complete) {
          void reply.header('connection', 'close');
          request.raw.unpipe();
          request.raw.resume();
        }
        return throwError(() => error);
      }),
    );
  }
}
