import { calendarDate } from 'src/audits/calendar-date';
import { certificateExpiresAt, startOfDay } from './certificate-validity';

describe('startOfDay', () => {
  it.each([
    // Summer time (UTC+1): local midnight is 23:00 UTC the day before.
    ['2026-06-01', 'Africa/Casablanca', '2026-05-31T23:00:00.000Z'],
    // During Ramadan Morocco is on UTC+0.
    ['2026-03-01', 'Africa/Casablanca', '2026-03-01T00:00:00.000Z'],
    // The days of the changes (03:00 → 02:00 on 15 February, 02:00 → 03:00 on 22 March 2026).
    ['2026-02-15', 'Africa/Casablanca', '2026-02-14T23:00:00.000Z'],
    ['2026-02-16', 'Africa/Casablanca', '2026-02-16T00:00:00.000Z'],
    ['2026-03-22', 'Africa/Casablanca', '2026-03-22T00:00:00.000Z'],
    ['2026-03-23', 'Africa/Casablanca', '2026-03-22T23:00:00.000Z'],
    ['2026-06-01', 'UTC', '2026-06-01T00:00:00.000Z'],
    ['2026-06-01', 'Asia/Tokyo', '2026-05-31T15:00:00.000Z'],
    ['2026-06-01', 'Pacific/Kiritimati', '2026-05-31T10:00:00.000Z'],
    // Santiago skips its midnight in September: the day starts at 01:00 local.
    ['2026-09-06', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
  ])('starts %s in %s at %s', (date, zone, expected) => {
    expect(startOfDay(date, zone).toISOString()).toBe(expected);
  });

  it('is the first instant of the day: one second earlier is the day before', () => {
    for (const date of ['2026-01-01', '2026-02-15', '2026-03-22', '2026-10-25', '2028-02-29']) {
      const start = startOfDay(date);
      const valid = calendarDate(new Date(`${date}T12:00:00Z`));
      expect(calendarDate(start)).toBe(valid);
      expect(calendarDate(new Date(start.getTime() - 1000)) < valid).toBe(true);
    }
  });

  it('refuses what is not a date', () => {
    expect(() => startOfDay('2026-13-45')).toThrow('Not a calendar date');
    expect(() => startOfDay('2027-02-29')).toThrow('Not a calendar date');
  });
});

describe('certificateExpiresAt', () => {
  it('is the start of the day after the last valid day, in Casablanca', () => {
    expect(certificateExpiresAt('2026-05-31').toISOString()).toBe('2026-05-31T23:00:00.000Z');
    expect(certificateExpiresAt('2026-02-28').toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(certificateExpiresAt('2026-12-31').toISOString()).toBe('2026-12-31T23:00:00.000Z');
  });

  it('leaves the whole last day valid, whatever the offset that day', () => {
    for (const validUntil of [
      '2026-02-14',
      '2026-02-15',
      '2026-03-21',
      '2026-03-22',
      '2026-07-14',
    ]) {
      const expiresAt = certificateExpiresAt(validUntil);
      expect(calendarDate(new Date(expiresAt.getTime() - 1))).toBe(validUntil);
      expect(calendarDate(expiresAt)).not.toBe(validUntil);
    }
  });
});
