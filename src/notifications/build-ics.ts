import { addDays } from 'src/audits/calendar-date';
import { compactUtcStamp } from 'src/common/time';

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

/** The recipient of an invitation or a cancellation, who RFC 5546 requires the event to name. */
export interface IcsAttendee {
  readonly email: string;
  readonly name: string;
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

// A parameter value is quoted, and a quoted value holds neither DQUOTE nor control characters.
const paramText = (text: string) => text.replace(/["\p{Cc}]+/gu, ' ').trim();

const attendeeLine = (attendee: IcsAttendee) =>
  `ATTENDEE;CN="${paramText(attendee.name)}";RSVP=FALSE:mailto:${attendee.email}`;

/**
 * The `.ics` of an audit visit, METHOD:REQUEST or, once it is cancelled, METHOD:CANCEL, for one
 * attendee at a time: the event is written once and each recipient's file differs only by its
 * ATTENDEE line.
 */
export function buildAuditIcs(visit: AuditVisit): (attendee: IcsAttendee) => string {
  const fold = (lines: string[]) => lines.map(foldIcsLine).join('\r\n');
  const head = fold([
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Charte sanitaire//Audits//FR',
    'CALSCALE:GREGORIAN',
    `METHOD:${visit.cancelled ? 'CANCEL' : 'REQUEST'}`,
    'BEGIN:VEVENT',
    `UID:${visit.uid}`,
    `SEQUENCE:${visit.sequence}`,
    `DTSTAMP:${compactUtcStamp(visit.at)}`,
    `DTSTART;VALUE=DATE:${compactDate(visit.date)}`,
    `DTEND;VALUE=DATE:${compactDate(addDays(visit.date, 1))}`,
    `SUMMARY:${escapeIcsText(visit.summary)}`,
    `DESCRIPTION:${escapeIcsText(visit.description)}`,
    `LOCATION:${escapeIcsText(visit.location)}`,
    `ORGANIZER:mailto:${visit.organizer}`,
  ]);
  const tail = fold([
    `STATUS:${visit.cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:TRANSPARENT',
    'END:VEVENT',
    'END:VCALENDAR',
  ]);
  return (attendee) => `${head}\r\n${foldIcsLine(attendeeLine(attendee))}\r\n${tail}\r\n`;
}
