/** An audit visit as a calendar event (RFC 5545), to invite to or to cancel (RFC 5546). */
export interface AuditVisit {
  /** Stable for the audit, so that calendars update the event instead of adding one. */
  readonly uid: string;
  /** Increases with every change of the audit (its version). */
  readonly sequence: number;
  /** Calendar date of the visit, an all-day event. */
  readonly date: string;
  readonly summary: string;
  readonly description: string;
  readonly location: string;
  /** The sender's address. */
  readonly organizer: string;
  readonly cancelled: boolean;
  /** When the invitation is written (DTSTAMP). */
  readonly at: Date;
}

/** TEXT values escape backslash, semicolon and comma, and write line breaks as `\n`. */
export function escapeIcsText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 §3.1). */
export function foldIcsLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    const limit = parts.length === 0 ? 75 : 74; // continuation lines start with a space
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

const compactDate = (date: string) => date.replace(/-/g, '');

const nextDay = (date: string) => {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + 1);
  return at.toISOString().slice(0, 10);
};

const stamp = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** The `.ics` of an audit visit: METHOD:REQUEST, or METHOD:CANCEL once it is cancelled. */
export function buildAuditIcs(visit: AuditVisit): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Charte sanitaire//Audits//FR',
    'CALSCALE:GREGORIAN',
    `METHOD:${visit.cancelled ? 'CANCEL' : 'REQUEST'}`,
    'BEGIN:VEVENT',
    `UID:${visit.uid}`,
    `SEQUENCE:${visit.sequence}`,
    `DTSTAMP:${stamp(visit.at)}`,
    `DTSTART;VALUE=DATE:${compactDate(visit.date)}`,
    `DTEND;VALUE=DATE:${compactDate(nextDay(visit.date))}`,
    `SUMMARY:${escapeIcsText(visit.summary)}`,
    `DESCRIPTION:${escapeIcsText(visit.description)}`,
    `LOCATION:${escapeIcsText(visit.location)}`,
    `ORGANIZER:mailto:${visit.organizer}`,
    `STATUS:${visit.cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:TRANSPARENT',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldIcsLine).join('\r\n') + '\r\n';
}
