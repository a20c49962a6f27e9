/** A day of 24 hours: the charter's deadlines and reminder windows count in such days. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * An instant in UTC to the second, without separators (`20301102T081530Z`): the form of
 * iCalendar's DTSTAMP, and of a name that sorts by time.
 */
export const compactUtcStamp = (at: Date): string =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
