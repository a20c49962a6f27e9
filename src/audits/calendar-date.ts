/** The calendar of the charter's dates (`plannedFor`, `visitedOn`, validity ends). */
export const CHARTER_TIME_ZONE = 'Africa/Casablanca';

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date (`YYYY-MM-DD`) of the instant `at` in `timeZone`: Morocco moves between UTC+1
 * and UTC+0 (during Ramadan), so the date is read from the time-zone database, never from an
 * offset of our own.
 */
export function calendarDate(at: Date, timeZone: string = CHARTER_TIME_ZONE): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    format.formatToParts(at).find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The calendar date `days` after `date` (both `YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}
