import { addDays, calendarDate } from 'src/audits/calendar-date';

describe('calendarDate', () => {
  it.each([
    [
      'late evening UTC in summer, already the next day in Casablanca (UTC+1)',
      '2023-06-15T23:30:00Z',
      '2023-06-16',
    ],
    [
      'late evening UTC during Ramadan, when Morocco keeps UTC+0',
      '2023-04-01T23:30:00Z',
      '2023-04-01',
    ],
    ['the last minute of a year in Casablanca', '2024-12-31T22:59:59Z', '2024-12-31'],
    ['the first minute of a year in Casablanca', '2024-12-31T23:00:00Z', '2025-01-01'],
    ['a leap day', '2024-02-29T12:00:00Z', '2024-02-29'],
  ])('gives the Casablanca date of %s', (_, instant, expected) => {
    expect(calendarDate(new Date(instant))).toBe(expected);
  });

  it('reads another time zone when told', () => {
    expect(calendarDate(new Date('2023-06-15T23:30:00Z'), 'UTC')).toBe('2023-06-15');
  });
});

describe('addDays', () => {
  it.each([
    ['2026-03-02', 0, '2026-03-02'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-03-02', 730, '2028-03-01'],
    ['2026-03-01', -1, '2026-02-28'],
  ])('moves %s by %i days to %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });
});
