import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  Param,
  ParseUUIDPipe,
} from '@nestjs/common';
import { ApiHeader, ApiParam } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequestValidationError } from 'src/common/errors';

/** A path id that must be a UUID; anything else is a 400 naming the parameter. */
export const UuidParam = (name = 'id'): ParameterDecorator =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new RequestValidationError([{ field: name, message: `${name} must be a UUID` }]),
    }),
  );

/** Documents a UUID path parameter (on the handler: Param decorators add no format). */
export const ApiUuidParam = (name = 'id') =>
  ApiParam({ name, format: 'uuid', type: String, required: true });

/**
 * The versions an `If-Match` header accepts: undefined without one (or with `*`), otherwise the
 * versions of its strong entity tags `"<version>"`. A weak tag never matches (RFC 9110 §13.1.1).
 */
export function parseIfMatch(header: string | string[] | undefined): number[] | undefined {
  const value = (Array.isArray(header) ? header.join(',') : header)?.trim();
  if (!value || value === '*') {
    return undefined;
  }
  const versions: number[] = [];
  for (const tag of value.split(',').map((t) => t.trim())) {
    const strong = /^"(\d{1,9})"$/.exec(tag);
    if (strong) {
      versions.push(Number(strong[1]));
    } else if (!/^W\/"[^"]*"$/.test(tag)) {
      throw new RequestValidationError([
        { field: 'If-Match', message: 'must be an entity tag such as "3", as sent in ETag' },
      ]);
    }
  }
  return versions;
}

/** Injects the versions of the request's `If-Match` header (see {@link parseIfMatch}). */
export const IfMatch = createParamDecorator((_: unknown, host: ExecutionContext) =>
  parseIfMatch(host.switchToHttp().getRequest<FastifyRequest>().headers['if-match']),
);

export const ApiIfMatch = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description:
        'The ETag of the version the change is based on; a stale one is refused with 412',
    }),
  );
