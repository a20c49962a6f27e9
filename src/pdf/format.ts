/** Numbers and dates as printed on the service's PDFs, in French, English and Arabic. */

import { calendarDate } from 'src/audits/calendar-date';

export type PrintLocale = 'fr' | 'en' | 'ar';

// fr-FR groups thousands with U+202F and writes a decimal comma; en-GB writes day month year;
// ar-MA writes Moroccan month names with Latin digits, as Moroccan administrations do.
const LOCALE_TAGS: Readonly<Record<PrintLocale, string>> = {
  fr: 'fr-FR',
  en: 'en-GB',
  ar: 'ar-MA',
};

/** Instants are printed in Morocco's time, whatever the server's zone. */
export const PRINT_TIME_ZONE = 'Africa/Casablanca';

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(locale: PrintLocale, fractionDigits: number): Intl.NumberFormat {
  const key = `${locale}:${fractionDigits}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE_TAGS[locale], {
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
      signDisplay: 'negative', // never "-0,00"
    });
    numberFormats.set(key, format);
  }
  return format;
}

function dateFormat(
  locale: PrintLocale,
  key: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const cacheKey = `${locale}:${key}`;
  let format = dateFormats.get(cacheKey);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALE_TAGS[locale], options);
    dateFormats.set(cacheKey, format);
  }
  return format;
}

/** `87.456` → `87,46` (fr), `87.46` (en); half away from zero; `1234.5` → `1 234,50` (fr). */
export function formatDecimal(value: number, locale: PrintLocale, fractionDigits = 2): string {
  return numberFormat(locale, fractionDigits).format(value);
}

/** A score out of 100 with two decimals, or a dash when there is none. */
export function formatScore(value: number | null, locale: PrintLocale): string {
  return value === null ? '—' : formatDecimal(value, locale, 2);
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Reasons and documents print the same dates many times over: each is formatted once.
const LONG_DATES_LIMIT = 10_000;
const longDates = new Map<string, string>();

/**
 * A calendar date `YYYY-MM-DD` (already a Casablanca date: no time zone is applied) in long
 * form: `12 mars 2026`, `12 March 2026`, `12 مارس 2026`.
 */
export function formatCalendarDate(date: string, locale: PrintLocale): string {
  const key = `${locale}\u0000${date}`;
  const known = longDates.get(key);
  if (known !== undefined) {
    return known;
  }
  const match = CALENDAR_DATE.exec(date);
  if (!match) {
    throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${date}`);
  }
  const utc = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  const formatted = dateFormat(locale, 'date', { dateStyle: 'long', timeZone: 'UTC' }).format(utc);
  if (longDates.size >= LONG_DATES_LIMIT) {
    longDates.clear();
  }
  longDates.set(key, formatted);
  return formatted;
}

/** The Casablanca calendar date of an instant, in long form. */
export function formatInstantDate(instant: Date, locale: PrintLocale): string {
  return formatCalendarDate(calendarDate(instant, PRINT_TIME_ZONE), locale);
}

/**
 * An instant as a Casablanca date and time with its offset, which changes during Ramadan:
 * `12/03/2026 14:05 UTC+1`, `12/03/2026, 14:05 GMT+1`.
 */
export function formatInstant(instant: Date, locale: PrintLocale): string {
  return dateFormat(locale, 'instant', {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: PRINT_TIME_ZONE,
    timeZoneName: 'shortOffset',
  }).format(instant);
}
