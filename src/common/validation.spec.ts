import type { ValidationError } from '@nestjs/common';
import { flattenValidationErrors, tooDeeplyNested } from 'src/common/validation';

const error = (
  property: string,
  constraints?: Record<string, string>,
  children: ValidationError[] = [],
) => ({ property, constraints, children }) as ValidationError;

describe('flattenValidationErrors', () => {
  it('names nested fields by their dotted path', () => {
    const errors = [
      error('name', { isString: 'name must be a string' }),
      error('address', undefined, [error('city', { maxLength: 'city is too long' })]),
      error('activities', undefined, [error('0', { isIn: 'each value must be one of ...' })]),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'name', message: 'name must be a string' },
      { field: 'address.city', message: 'city is too long' },
      { field: 'activities.0', message: 'each value must be one of ...' },
    ]);
  });

  it('says plainly that an unknown field is not allowed', () => {
    expect(
      flattenValidationErrors([
        error('role', { whitelistValidation: 'property role should not exist' }),
      ]),
    ).toEqual([{ field: 'role', message: 'is not allowed' }]);
  });

  it('lists every failed constraint of a field', () => {
    expect(
      flattenValidationErrors([error('ice', { isString: 'a', matches: 'b' })]).map(
        (e) => e.message,
      ),
    ).toEqual(['a', 'b']);
  });
});

describe('tooDeeplyNested', () => {
  const nest = (depth: number): unknown => (depth === 0 ? 1 : { a: nest(depth - 1) });

  it('finds the path to a value nested deeper than the limit', () => {
    expect(tooDeeplyNested({ ok: [1, 2], deep: nest(40) }, 32)).toEqual([
      'deep',
      ...Array.from({ length: 31 }, () => 'a'),
    ]);
  });

  it('lets bodies as deep as the limit through', () => {
    expect(tooDeeplyNested({ deep: nest(31) }, 32)).toBeUndefined();
    expect(tooDeeplyNested('text', 32)).toBeUndefined();
  });

  it('walks 100 000 levels of arrays without overflowing the stack', () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(tooDeeplyNested(JSON.parse(text), 32)).toHaveLength(32);
  });
});
