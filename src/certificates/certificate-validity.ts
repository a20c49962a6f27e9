import { addDays, CHARTER_TIME_ZONE, calendarDate } from 'src/audits/calendar-date';

// Every offset in the time-zone database is under 15 hours: the day starts within this window
// around its UTC midnight.
const WINDOW_SECONDS = 15 * 60 * 60;

/**
 * The first instant of the calendar day `date` (YYYY-MM-DD) in `timeZone`: usually its local
 * midnight, or the first instant after it when a clock change skips midnight. Found by bisection
 * on the time-zone database's own calendar dates, so that no offset is assumed (Morocco moves
 * between UTC+1 and UTC+0 around Ramadan).
 */
export function startOfDay(date: string, timeZone: string = CHARTER_TIME_ZONE): Date {
  const midnightUtc = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(midnightUtc) || new Date(midnightUtc).toISOString().slice(0, 10) !== date) {
    throw new Error(`Not a calendar date: ${date}`);
  }
  // Seconds: the earliest `low` whose date is not before `date`.
  let low = midnightUtc / 1000 - WINDOW_SECONDS;
  let high = midnightUtc / 1000 + WINDOW_SECONDS;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (calendarDate(new Date(middle * 1000), timeZone) < date) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return new Date(low * 1000);
}

/**
 * When a certificate whose last day of validity is `validUntil` (inclusive) stops being valid:
 * the start of the next day in Africa/Casablanca.
 */
export function certificateExpiresAt(validUntil: string): Date {
  return startOfDay(addDays(validUntil, 1), CHARTER_TIME_ZONE);
}
