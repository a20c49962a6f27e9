import fc from 'fast-check';
import { VerificationQuery } from 'src/certificates/public/public-certificates.dto';
import { verificationQueryErrors } from 'src/certificates/public/verification-query';
import { MAX_TOKEN_LENGTH } from 'src/certificates/signing/certificate-token';
import { type FieldError, RequestValidationError } from 'src/common/errors';
import { createValidationPipe } from 'src/common/validation';

const pipe = createValidationPipe();

/** What the global ValidationPipe says of the same query typed as `VerificationQuery`. */
async function errorsOfValidationPipe(query: Record<string, unknown>): Promise<FieldError[]> {
  try {
    await pipe.transform(query, { type: 'query', metatype: VerificationQuery });
    return [];
  } catch (error) {
    if (error instanceof RequestValidationError) {
      return [...error.errors];
    }
    throw error;
  }
}

/** A query as Fastify parses one: text values, an array for a repeated name. */
const queryValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'a'.repeat(MAX_TOKEN_LENGTH), 'a'.repeat(MAX_TOKEN_LENGTH + 1)),
  fc.array(fc.string({ maxLength: 10 }), { minLength: 2, maxLength: 3 }),
);
// Names of Object.prototype (`valueOf`, `toString`...) are left out here: the global pipe lets them
// through unnoticed, the light one refuses them like any unknown name (tested below).
const inheritedName = (name: string) => name in Object.prototype;
const queryName = fc.oneof(
  fc.constantFrom('t', 'token', 'lang', 'T'),
  fc.string({ maxLength: 8 }).filter((name) => !inheritedName(name)),
);

describe('verificationQueryErrors', () => {
  it('reports what the global ValidationPipe reports for VerificationQuery', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(queryName, queryValue, { maxKeys: 4 }), async (query) => {
        expect(verificationQueryErrors(query)).toEqual(await errorsOfValidationPipe(query));
      }),
      { numRuns: 300 },
    );
  });

  it.each(['valueOf', 'toString', 'constructor', 'hasOwnProperty'])(
    'refuses the name %s like any unknown one',
    (name) => {
      expect(verificationQueryErrors({ [name]: '' })).toEqual([
        { field: name, message: 'is not allowed' },
      ]);
    },
  );

  it.each([
    [{}, []],
    [{ t: 'a.b.c' }, []],
    [{ t: '' }, []],
    [
      { t: ['a', 'b'] },
      [{ field: 't', message: `t must be at most ${MAX_TOKEN_LENGTH} characters` }],
    ],
    [
      { t: 'a'.repeat(MAX_TOKEN_LENGTH + 1) },
      [{ field: 't', message: `t must be at most ${MAX_TOKEN_LENGTH} characters` }],
    ],
    [
      { token: 'x', t: 'a'.repeat(MAX_TOKEN_LENGTH + 1) },
      [
        { field: 'token', message: 'is not allowed' },
        { field: 't', message: `t must be at most ${MAX_TOKEN_LENGTH} characters` },
      ],
    ],
  ])('for %p reports %p', async (query, expected) => {
    expect(verificationQueryErrors(query)).toEqual(expected);
    expect(await errorsOfValidationPipe(query)).toEqual(expected);
  });
});
