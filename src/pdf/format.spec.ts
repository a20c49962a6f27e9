import {
  formatCalendarDate,
  formatDecimal,
  formatInstant,
  formatInstantDate,
  formatScore,
} from 'src/pdf/format';

const NNBSP = '\u202F';

describe('formatDecimal', () => {
  it.each([
    [81.23456, 'fr', '81,23'],
    [81.23456, 'en', '81.23'],
    [81.23456, 'ar', '81,23'],
    [66.666666, 'fr', '66,67'],
    [100, 'fr', '100,00'],
    [1234.5, 'fr', `1${NNBSP}234,50`],
    [1234.5, 'en', '1,234.50'],
    [1.005, 'en', '1.01'], // half away from zero on the decimal value, not on the binary one
    [-0.001, 'fr', '0,00'], // never a negative zero
  ] as const)('prints %d in %s as %s', (value, locale, expected) => {
    expect(formatDecimal(value, locale)).toBe(expected);
  });
});

describe('formatScore', () => {
  it('prints two decimals', () => {
    expect(formatScore(50, 'fr')).toBe('50,00');
  });

  it('prints a dash for no score', () => {
    expect(formatScore(null, 'en')).toBe('—');
  });
});

describe('formatCalendarDate', () => {
  it.each([
    ['fr', '10 mars 2026'],
    ['en', '10 March 2026'],
    ['ar', '10 مارس 2026'],
  ] as const)('prints a date in %s', (locale, expected) => {
    expect(formatCalendarDate('2026-03-10', locale)).toBe(expected);
  });

  it('applies no time zone to a calendar date', () => {
    expect(formatCalendarDate('2026-01-01', 'fr')).toBe('1 janvier 2026');
    expect(formatCalendarDate('2026-12-31', 'en')).toBe('31 December 2026');
  });

  it.each(['2026-3-10', '10/03/2026', ''])('refuses %j', (text) => {
    expect(() => formatCalendarDate(text, 'fr')).toThrow(RangeError);
  });
});

describe('formatInstant', () => {
  it.each([
    ['in summer, at UTC+1', '2026-06-15T23:30:00Z', 'fr', '16/06/2026 00:30 UTC+1'],
    ['in summer, at UTC+1', '2026-06-15T23:30:00Z', 'en', '16/06/2026, 00:30 GMT+1'],
    ['during Ramadan, at UTC+0', '2026-03-12T10:05:00Z', 'fr', '12/03/2026 10:05 UTC+0'],
  ] as const)('prints Casablanca time %s (%s, %s)', (_, instant, locale, expected) => {
    expect(formatInstant(new Date(instant), locale)).toBe(expected);
  });

  it('gives the Casablanca date of an instant', () => {
    expect(formatInstantDate(new Date('2026-06-15T23:30:00Z'), 'fr')).toBe('16 juin 2026');
  });
});
