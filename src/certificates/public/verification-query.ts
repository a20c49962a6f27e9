import { applyDecorators, type PipeTransform, Query } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { MAX_TOKEN_LENGTH } from 'src/certificates/signing/certificate-token';
import { type FieldError, RequestValidationError } from 'src/common/errors';

/** The query of the verification route: `?t=`, the token of the certificate's QR code. */
export interface VerificationParams {
  readonly t?: string;
}

export const TOKEN_TOO_LONG = `t must be at most ${MAX_TOKEN_LENGTH} characters`;

/**
 * The errors of a verification query, as the global ValidationPipe reports them for
 * `VerificationQuery` (unknown parameters first, then `t`), in a few comparisons: this is the
 * busiest public route, and class-transformer with class-validator cost more than the rest of
 * the request's own work.
 */
export function verificationQueryErrors(query: Readonly<Record<string, unknown>>): FieldError[] {
  const errors: FieldError[] = [];
  for (const name of Object.keys(query)) {
    if (name !== 't') {
      // flattenValidationErrors rewords class-validator's message only for a name without spaces.
      const message = /^\S+$/.test(name) ? 'is not allowed' : `property ${name} should not exist`;
      errors.push({ field: name, message });
    }
  }
  const { t } = query;
  // MaxLength is the rule class-validator checks first (decorators apply bottom-up), and it fails
  // a value that is not text too (`?t=a&t=b`).
  if (t !== undefined && t !== null && (typeof t !== 'string' || t.length > MAX_TOKEN_LENGTH)) {
    errors.push({ field: 't', message: TOKEN_TOO_LONG });
  }
  return errors;
}

class VerificationQueryPipe implements PipeTransform<unknown, VerificationParams> {
  transform(value: unknown): VerificationParams {
    const query = (value ?? {}) as Readonly<Record<string, unknown>>;
    const errors = verificationQueryErrors(query);
    if (errors.length > 0) {
      throw new RequestValidationError(errors);
    }
    return typeof query.t === 'string' ? { t: query.t } : {};
  }
}

/**
 * `?t=`, checked by {@link verificationQueryErrors}. The parameter must be typed with the
 * interface {@link VerificationParams}, not a class, for the global ValidationPipe to pass it by.
 */
export const VerificationQueryParam = (): ParameterDecorator => Query(new VerificationQueryPipe());

/** Documents `?t=` as the `VerificationQuery` class would. */
export const ApiVerificationQuery = () =>
  applyDecorators(
    ApiQuery({
      name: 't',
      required: false,
      description: 'The token of the QR code (compact JWS): checked against this certificate',
      schema: { type: 'string', maxLength: MAX_TOKEN_LENGTH },
    }),
  );
