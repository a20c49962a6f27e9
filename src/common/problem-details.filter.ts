import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnavailable } from 'src/common/database-unavailable';
import { DomainError, RequestValidationError, UnauthorizedError } from 'src/common/errors';

export const DATABASE_RETRY_AFTER_SECONDS = 5;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** RFC 9457 problem document. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

// Fastify's own errors (body parsing, content type, size) carry a 4xx `statusCode` and a
// `FST_*` code; they are not Nest exceptions.
interface FastifyLikeError {
  statusCode: number;
  code?: string;
  message: string;
}

const isFastifyLikeError = (error: unknown): error is FastifyLikeError =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as FastifyLikeError).statusCode === 'number' &&
  typeof (error as FastifyLikeError).message === 'string';

// Nest turns Fastify's body errors into plain HttpExceptions: name them by their status.
const REQUEST_CODES: Record<number, string> = {
  413: 'REQUEST.BODY_TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
};

const codeForStatus = (status: number): string =>
  REQUEST_CODES[status] ??
  `HTTP.${(STATUS_CODES[status] ?? 'ERROR').toUpperCase().replace(/[^A-Z]+/g, '_')}`;

export function problemType(code: string): string {
  return `urn:problem:${code.toLowerCase()}`;
}

/** Every error leaves the service as `application/problem+json`; unexpected ones say nothing inside. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.toProblem(exception, request);
    for (const [name, value] of Object.entries(this.headersFor(exception))) {
      void reply.header(name, value);
    }
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemDocument {
    const base = { instance: request.url, requestId: String(request.id) };
    if (exception instanceof RequestValidationError) {
      return {
        ...this.describe(400, exception.code, 'The request is invalid', exception.message),
        errors: exception.errors,
        ...base,
      };
    }
    if (exception instanceof DomainError) {
      return {
        ...this.describe(exception.status, exception.code, undefined, exception.message),
        ...exception.extensions,
        ...base,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const detail =
        typeof body === 'object' && body !== null && 'message' in body
          ? [body.message].flat().join('; ')
          : exception.message;
      return { ...this.describe(status, codeForStatus(status), undefined, detail), ...base };
    }
    if (
      isFastifyLikeError(exception) &&
      exception.statusCode >= 400 &&
      exception.statusCode < 500
    ) {
      const status = exception.statusCode;
      return {
        ...this.describe(status, codeForStatus(status), undefined, exception.message),
        ...base,
      };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(
        `Database unavailable on ${request.method} ${request.url} [request ${String(request.id)}]`,
      );
      return {
        ...this.describe(
          503,
          'SERVICE.DATABASE_UNAVAILABLE',
          undefined,
          'The database does not answer; retry shortly',
        ),
        ...base,
      };
    }
    this.logger.error(
      `Unhandled error on ${request.method} ${request.url} [request ${String(request.id)}]`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return {
      ...this.describe(
        HttpStatus.INTERNAL_SERVER_ERROR,
        'SERVER.INTERNAL_ERROR',
        undefined,
        `An unexpected error occurred. Quote request id ${String(request.id)} when reporting it.`,
      ),
      ...base,
    };
  }

  private describe(status: number, code: string, title: string | undefined, detail: string) {
    return {
      type: problemType(code),
      title: title ?? STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      code,
    };
  }

  private headersFor(exception: unknown): Record<string, string> {
    if (exception instanceof UnauthorizedError) {
      return { 'www-authenticate': 'Bearer' };
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      if (typeof body === 'object' && body !== null && 'retryAfter' in body) {
        return { 'retry-after': String(body.retryAfter) };
      }
    }
    if (exception instanceof DomainError && typeof exception.extensions.retryAfter === 'number') {
      return { 'retry-after': String(exception.extensions.retryAfter) };
    }
    if (isDatabaseUnavailable(exception)) {
      return { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) };
    }
    return {};
  }
}

/**
 * Fastify's `frameworkErrors` option: what Fastify refuses before routing (a URL whose
 * percent-encoding is broken, `FST_ERR_BAD_URL`; an unusable header it routes on) never reaches
 * Nest's filter, and would otherwise leave as Fastify's own plain JSON.
 */
export function frameworkErrorHandler(
  error: { statusCode?: number; code?: string; message: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status =
    typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
      ? error.statusCode
      : HttpStatus.BAD_REQUEST;
  const code = error.code === 'FST_ERR_BAD_URL' ? 'REQUEST.BAD_URL' : codeForStatus(status);
  const problem: ProblemDocument = {
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: error.message,
    code,
    instance: request.url,
    requestId: String(request.id),
  };
  void reply.status(status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}
