import type { ValidationError } from '@nestjs/common';
import { flattenValidationErrors } from 'src/common/validation';

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
