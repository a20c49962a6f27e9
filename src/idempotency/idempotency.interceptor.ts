import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { concatMap, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from 'src/auth/request-context';
import { appConfig, type AppConfig } from 'src/config/app-config';
import {
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
} from 'src/idempotency/idempotency.errors';
import { IdempotencyService, type OwnedKey } from 'src/idempotency/idempotency.service';
import { ReplayedResponse } from 'src/idempotency/idempotent-replay.filter';
import {
  jsonFingerprint,
  MultipartFingerprint,
  multipartBoundary,
  parseIdempotencyKey,
} from 'src/idempotency/request-fingerprint';

// What a multipart body may hold besides its file: the part headers and a few short fields.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * `Idempotency-Key` on the routes marked `@Idempotent()` (which attaches it). Without the header
 * nothing changes. With it: the first request claims the key (a row in PostgreSQL, seen by every
 * instance) and runs; its answer is stored by the `onSend` hook as it goes out, once the route's
 * interceptors (ETag) or the error filter have written it; a 5xx releases the key. Another request with the key gets 409 while
 * the first runs, then the stored answer when it is the same request, or 422 when it is not.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') {
      return next.handle();
    }
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const reply = http.getResponse<FastifyReply>();
    const multipart = request.isMultipart();
    try {
      const key = parseIdempotencyKey(request.headers['idempotency-key']);
      if (key === undefined || !request.actor) {
        return next.handle();
      }
      const fingerprint = multipart
        ? new MultipartFingerprint(
            request.method,
            request.url,
            multipartBoundary(request.headers['content-type']),
            this.config.evidenceMaxBytes + MULTIPART_OVERHEAD_BYTES,
          )
        : jsonFingerprint(request.method, request.url, request.body);
      const claim = await this.keys.claim(
        {
          userId: request.actor.userId,
          route: `${request.method} ${request.routeOptions.url ?? request.url}`,
          key,
        },
        typeof fingerprint === 'string' ? fingerprint : null,
      );
      switch (claim.kind) {
        case 'owner':
          return this.run(request, next, { id: claim.id, fingerprint });
        case 'in_flight':
          // A multipart body is not read only to tell which: the first request is still running.
          if (typeof fingerprint === 'string' && claim.fingerprint !== null) {
            assertSameRequest(fingerprint, claim.fingerprint);
          }
          throw new IdempotencyKeyInFlightError();
        case 'completed': {
          const actual =
            typeof fingerprint === 'string'
              ? fingerprint
              : await readToEnd(request.raw, fingerprint);
          assertSameRequest(actual, claim.fingerprint);
          throw new ReplayedResponse(claim.response);
        }
      }
    } catch (error) {
      if (multipart) {
        leaveUnread(request, reply);
      }
      throw error;
    }
  }

  private run(
    request: AuthenticatedRequest,
    next: CallHandler,
    key: OwnedKey,
  ): Observable<unknown> {
    if (typeof key.fingerprint !== 'string') {
      // Paused, so that no byte flows before the handler's parser is attached; it resumes the
      // stream, and both see every byte.
      const fingerprint = key.fingerprint;
      request.raw.pause();
      request.raw.on('data', (chunk: Buffer) => fingerprint.update(chunk));
    }
    this.keys.own(request, key);
    // The answer is stored by the `onSend` hook, as it goes out: after every interceptor of the
    // route (its ETag) and the error filter (a problem) have written it. The body must have
    // streamed by for the fingerprint to be complete.
    return next.handle().pipe(
      concatMap(async (value: unknown) => {
        const fingerprint = await completeFingerprint(key, request.raw);
        if (fingerprint !== undefined && typeof key.fingerprint !== 'string') {
          this.keys.own(request, { ...key, fingerprint });
        }
        return value;
      }),
    );
  }
}

function assertSameRequest(actual: string | undefined, stored: string): void {
  if (actual !== stored) {
    throw new IdempotencyKeyReusedError();
  }
}

/** The fingerprint once the whole body has streamed by; undefined if it did not. */
async function completeFingerprint(
  key: OwnedKey,
  raw: IncomingMessage,
): Promise<string | undefined> {
  if (typeof key.fingerprint === 'string') {
    return key.fingerprint;
  }
  // After the last part, only the end of the body may be left (its closing CRLF).
  return (await untilEnded(raw)) ? key.fingerprint.digest() : undefined;
}

/** Reads the rest of a body into its fingerprint, stopping at its limit. */
async function readToEnd(
  raw: IncomingMessage,
  fingerprint: MultipartFingerprint,
): Promise<string | undefined> {
  const update = (chunk: Buffer) => {
    fingerprint.update(chunk);
    if (fingerprint.overflow) {
      raw.off('data', update);
      raw.pause();
      raw.emit('idempotency:overflow');
    }
  };
  raw.on('data', update);
  const ended = await untilEnded(raw, 'idempotency:overflow');
  raw.off('data', update);
  return ended ? fingerprint.digest() : undefined;
}

/** Resumes the body and resolves true at its end, false when it stops short. */
function untilEnded(raw: IncomingMessage, stopEvent?: string): Promise<boolean> {
  if (raw.readableEnded) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const events = ['end', 'close', 'error', ...(stopEvent ? [stopEvent] : [])];
    const settle = () => {
      for (const event of events) {
        raw.off(event, settle);
      }
      resolve(raw.readableEnded);
    };
    for (const event of events) {
      raw.on(event, settle);
    }
    raw.resume();
  });
}

/**
 * A multipart body refused before it was read: the connection is closed after the answer and
 * what still arrives is discarded (as the upload's own refusals do).
 */
function leaveUnread(request: AuthenticatedRequest, reply: FastifyReply): void {
  if (!request.raw.readableEnded) {
    void reply.header('connection', 'close');
    request.raw.resume();
  }
}
