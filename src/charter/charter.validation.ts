import { buildMessage, ValidateBy, ValidateIf } from 'class-validator';

// Decorators of the charter's request DTOs; candidates for src/common/validation.ts.

// Control characters but tab, line feed and carriage return; lone UTF-16 surrogates. PostgreSQL
// refuses NUL in text and jsonb, and lone surrogates in jsonb: they would become 500s.
const FORBIDDEN_CHARACTERS = /[^\P{Cc}\t\n\r]|\p{Cs}/u;

/**
 * A text of 1 to `max` characters, counted by code point as PostgreSQL's `length()` counts them,
 * not blank, without control characters.
 */
export const IsCharterText = (max: number) =>
  ValidateBy({
    name: 'isCharterText',
    constraints: [max],
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        /\S/.test(value) &&
        [...value].length <= max &&
        !FORBIDDEN_CHARACTERS.test(value),
      defaultMessage: buildMessage(
        (each) =>
          `${each}$property must be a text of 1 to ${max} characters, not blank, without control characters`,
      ),
    },
  });

/**
 * A finite number in [min, max] with at most `places` decimals, so that a `numeric` column stores
 * it as given instead of rounding it.
 */
export const IsDecimalBetween = (min: number, max: number, places: number) =>
  ValidateBy({
    name: 'isDecimalBetween',
    constraints: [min, max, places],
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' &&
        Number.isFinite(value) &&
        value >= min &&
        value <= max &&
        Number(value.toFixed(places)) === value,
      defaultMessage: buildMessage(
        (each) =>
          `${each}$property must be a number from ${min} to ${max} with at most ${places} decimals`,
      ),
    },
  });

/** May be left out, but not set to null: the column it changes is NOT NULL. */
export const IsOmittable = () => ValidateIf((_: unknown, value: unknown) => value !== undefined);
