import ICAL from 'ical.js';
import {
  type AuditVisit,
  buildAuditIcs,
  escapeIcsText,
  foldIcsLine,
  type IcsAttendee,
} from 'src/notifications/build-ics';

const VISIT: AuditVisit = {
  uid: 'audit-4f1e3f0c-8f7a-4c2e-9a51-2b1f8d3c6e70@charte.example.ma',
  sequence: 2,
  date: '2030-12-31',
  summary: 'Audit de surveillance : Plateau Nord, étage 3; aile B (Centre d’appels Atlas)',
  description: 'Audit reporté au 31 décembre 2030\nhttps://charte.example.ma/api/v1/audits/x',
  location: 'Plateau Nord, 12 boulevard Zerktouni, Casablanca',
  organizer: 'charte@example.ma',
  cancelled: false,
  at: new Date('2030-11-02T08:15:30.123Z'),
};

const NADIA: IcsAttendee = { email: 'nadia@example.ma', name: 'Nadia Bennani' };

const icsOf = (visit: AuditVisit, attendee: IcsAttendee = NADIA) => buildAuditIcs(visit)(attendee);

const parse = (ics: string) => {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent')!);
  return { calendar, event };
};

describe('buildAuditIcs', () => {
  it('invites to an all-day event on the visit date, as ical.js reads it', () => {
    const { calendar, event } = parse(icsOf(VISIT));
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(event.uid).toBe(VISIT.uid);
    expect(event.sequence).toBe(2);
    expect(event.startDate.isDate).toBe(true);
    expect(event.startDate.toString()).toBe('2030-12-31');
    expect(event.endDate.toString()).toBe('2031-01-01');
    expect(event.summary).toBe(VISIT.summary);
    expect(event.description).toBe(VISIT.description);
    expect(event.location).toBe(VISIT.location);
    expect(event.organizer).toBe('mailto:charte@example.ma');
    expect(event.component.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(event.component.getFirstPropertyValue('dtstamp')?.toString()).toBe(
      '2030-11-02T08:15:30Z',
    );
  });

  it('cancels the same event with METHOD:CANCEL and STATUS:CANCELLED', () => {
    const { calendar, event } = parse(icsOf({ ...VISIT, cancelled: true, sequence: 3 }));
    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(event.component.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(event.uid).toBe(VISIT.uid);
    expect(event.sequence).toBe(3);
    expect(event.attendees.map((a) => a.getFirstValue())).toEqual(['mailto:nadia@example.ma']);
  });

  it('names its one attendee, whom the file is for, and differs between two only by that line', () => {
    const forVisit = buildAuditIcs(VISIT);
    const nadia = forVisit(NADIA);
    const omar = forVisit({ email: 'omar@example.ma', name: 'Omar "le chef" El\nAmrani' });
    const [attendee] = parse(nadia).event.attendees;
    expect(attendee.getFirstValue()).toBe('mailto:nadia@example.ma');
    expect(attendee.getParameter('cn')).toBe('Nadia Bennani');
    expect(attendee.getParameter('rsvp')).toBe('FALSE');
    // A quoted parameter value holds no DQUOTE and no line break.
    expect(parse(omar).event.attendees[0].getParameter('cn')).toBe('Omar  le chef  El Amrani');
    const differing = (a: string, b: string) => {
      const other = b.split('\r\n');
      return a.split('\r\n').filter((line, i) => line !== other[i]);
    };
    expect(differing(nadia, omar)).toEqual([
      'ATTENDEE;CN="Nadia Bennani";RSVP=FALSE:mailto:nadia@example.ma',
    ]);
  });

  it('ends every line with CRLF and keeps each under 75 octets', () => {
    const ics = icsOf({ ...VISIT, description: 'é'.repeat(200) });
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of ics.split('\r\n')) {
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    }
    expect(parse(ics).event.description).toBe('é'.repeat(200));
  });
});

describe('escapeIcsText', () => {
  it.each([
    ['a,b', 'a\\,b'],
    ['a;b', 'a\\;b'],
    ['a\\b', 'a\\\\b'],
    ['a\nb', 'a\\nb'],
    ['a\r\nb', 'a\\nb'],
  ])('escapes %j as %j', (text, escaped) => {
    expect(escapeIcsText(text)).toBe(escaped);
  });
});

describe('foldIcsLine', () => {
  it('leaves a short line alone', () => {
    expect(foldIcsLine('SUMMARY:court')).toBe('SUMMARY:court');
  });

  it('never splits a multi-byte character', () => {
    const folded = foldIcsLine(`DESCRIPTION:${'€'.repeat(60)}`);
    const parts = folded.split('\r\n ');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join('')).toBe(`DESCRIPTION:${'€'.repeat(60)}`);
    for (const part of parts) {
      expect(Buffer.from(part, 'utf8').toString('utf8')).toBe(part);
    }
  });
});
