/** One cell: text as is, numbers as JavaScript prints them, null and undefined as empty. */
export type CsvCell = string | number | null | undefined;

/** The byte-order mark that makes spreadsheets read the file as UTF-8 (accents in names). */
export const UTF8_BOM = '\uFEFF';

// A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP).
const FORMULA_START = /^[=+\-@\t\r]/;
// RFC 4180 §2.6: fields holding a comma, a double quote or a line break are quoted.
const NEEDS_QUOTES = /[",\r\n]/;

/** A cell per RFC 4180, text that a spreadsheet would read as a formula prefixed with `'`. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) {
    return '';
  }
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) {
    text = `'${text}`;
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A CSV document (RFC 4180: comma-separated, CRLF after every record, the header first),
 * prefixed with a UTF-8 byte-order mark.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(',') + '\r\n');
  return UTF8_BOM + lines.join('');
}
