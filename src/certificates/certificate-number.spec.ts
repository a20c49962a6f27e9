import {
  CERTIFICATE_NUMBER_PATTERN,
  formatCertificateNumber,
  numberingYear,
} from './certificate-number';

describe('formatCertificateNumber', () => {
  it.each([
    [2026, 1, 'AMRC-2026-00001'],
    [2026, 42, 'AMRC-2026-00042'],
    [2027, 99_999, 'AMRC-2027-99999'],
  ])('numbers %i #%i as %s', (year, sequence, expected) => {
    expect(formatCertificateNumber(year, sequence)).toBe(expected);
    expect(expected).toMatch(CERTIFICATE_NUMBER_PATTERN);
  });

  it.each([0, -1, 100_000, 1.5])('refuses the sequence %p', (sequence) => {
    expect(() => formatCertificateNumber(2026, sequence)).toThrow(RangeError);
  });
});

describe('numberingYear', () => {
  it('is the year in Casablanca: New Year’s Eve at 23:30 UTC is already next year there', () => {
    expect(numberingYear(new Date('2026-12-31T22:59:59Z'))).toBe(2026);
    expect(numberingYear(new Date('2026-12-31T23:30:00Z'))).toBe(2027);
  });
});
