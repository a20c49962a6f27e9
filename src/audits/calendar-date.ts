/** The calendar of the charter's dates (`plannedFor`, `visitedOn`, validity ends). */
export const CHARTER_TIME_ZONE = 'Africa/Casablanca';

const formatters = new Map<string, Intl.DateTimeFormat>();

// Evaluations read the same few instants again and again (the evaluation time, deadlines):
// the time-zone database is asked once per instant, within a bounded memory.
const MEMO_LIMIT = 10_000;
const memo = new Map<string, string>();

/**
 * The calendar date (`YYYY-MM-DD`) of the instant `at` in `timeZone`: Morocco moves between UTC+1
 * and UTC+0 (during Ramadan), so the date is read from the time-zone database, never from an
 * offset of our own.
 */
export function calendarDate(at: Date, timeZone: string = CHARTER_TIME_ZONE): string {
  const key = `${timeZone}\u0000${at.getTime()}`;
  const known = memo.get(key);
  if (known !== undefined) {
    return known;
  }
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
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of format.formatToParts(at)) {
    parts[part.type] = part.value;
  }
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  if (memo.size >= MEMO_LIMIT) {
    memo.clear();
  }
  memo.set(key, date);
  return date;
}

/** The calendar date `days` after `date` (both `YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}
