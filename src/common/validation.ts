import {
  type ArgumentMetadata,
  applyDecorators,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, IsUUID, Length, MaxLength, ValidateIf } from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from 'src/auth/password';
import { type FieldError, RequestValidationError } from 'src/common/errors';
import { TrimLowerCase } from 'src/common/transforms';

/** Flattens class-validator's tree into one entry per failed field, with dotted paths. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'is not allowed'),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * How deep a request may nest objects and arrays: far more than any of our bodies, and far less
 * than what makes class-transformer's recursion overflow the stack (a 500 otherwise).
 */
export const MAX_NESTING_DEPTH = 32;

/** The path to a value nested deeper than `max` levels, if there is one (walked without recursion). */
export function tooDeeplyNested(value: unknown, max = MAX_NESTING_DEPTH): string[] | undefined {
  const pending: { node: unknown; path: string[] }[] = [{ node: value, path: [] }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, path } = next;
    if (node === null || typeof node !== 'object') {
      continue;
    }
    if (path.length >= max) {
      return path;
    }
    for (const [key, child] of Object.entries(node)) {
      pending.push({ node: child, path: [...path, key] });
    }
  }
  return undefined;
}

/** The validation pipe, refusing first what is nested too deeply to be transformed safely. */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const path = tooDeeplyNested(value);
    if (path) {
      const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
      const field = isObject ? path[0] : (metadata.data ?? metadata.type);
      throw new RequestValidationError([
        { field, message: `is nested more than ${MAX_NESTING_DEPTH} levels deep` },
      ]);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/** Unknown fields are refused, payloads are converted to their DTO classes. */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One message per field: the first rule it breaks.
    stopAtFirstError: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}

/** A UUID field whose message names it (`siteId must be a UUID`). */
export const IsUuidField = (field: string) => IsUUID('all', { message: `${field} must be a UUID` });

/** The field may be left out, but not sent as null (`@IsOptional()` lets null through). */
export const IsOmittable = () => ValidateIf((_: unknown, value: unknown) => value !== undefined);

// The rules below are listed in the order they run: class-validator checks a field's rules in the
// order they are applied, and a stack of decorators is applied from the bottom up.

/**
 * An email address the account or company is reached at: trimmed, in lower case (as stored and
 * compared), 254 characters at most.
 */
export const IsEmailAddress = (field: string, description?: string) =>
  applyDecorators(
    ApiProperty({ format: 'email', maxLength: 254, ...(description && { description }) }),
    IsEmail({}, { message: `${field} must be an email address` }),
    MaxLength(254),
    IsString(),
    TrimLowerCase(),
  );

/**
 * A password being set. Its length and strength are checked by the service, which names the
 * rule it breaks; here only that it is text of a bounded length (argon2 hashes it).
 */
export const IsNewPassword = () =>
  applyDecorators(
    ApiProperty({
      format: 'password',
      minLength: PASSWORD_MIN_LENGTH,
      maxLength: PASSWORD_MAX_LENGTH,
      description: 'Refused when too short or found in lists of leaked passwords',
    }),
    Length(1, PASSWORD_MAX_LENGTH),
    IsString(),
  );
