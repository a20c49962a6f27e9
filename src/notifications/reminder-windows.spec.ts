import fc from 'fast-check';
import {
  CERTIFICATE_REMINDERS,
  CORRECTIVE_ACTION_REMINDERS,
  reminderDue,
  reminderKey,
  SURVEILLANCE_REMINDERS,
} from 'src/notifications/reminder-windows';

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
const DUE = new Date('2026-04-01T10:15:30.123Z');
const before = (ms: number) => new Date(DUE.getTime() - ms);
const OPENED_LONG_AGO = before(365 * DAY);

describe('reminderDue', () => {
  describe('of a corrective action', () => {
    it.each([
      ['more than 7 days before its deadline', before(7 * DAY + 1), null],
      ['exactly 7 days before it', before(7 * DAY), 'corrective_action.due_in_7_days'],
      ['3 days before it', before(3 * DAY), 'corrective_action.due_in_7_days'],
      ['just over a day before it', before(DAY + 1), 'corrective_action.due_in_7_days'],
      ['exactly a day before it', before(DAY), 'corrective_action.due_tomorrow'],
      ['an hour before it', before(HOUR), 'corrective_action.due_tomorrow'],
      ['at the deadline itself (not yet overdue)', DUE, null],
      ['a millisecond past it', before(-1), 'corrective_action.overdue'],
      ['months past it', before(-90 * DAY), 'corrective_action.overdue'],
    ] as const)('gives %s: %s', (_, at, expected) => {
      expect(reminderDue(CORRECTIVE_ACTION_REMINDERS, DUE, at, OPENED_LONG_AGO)).toBe(expected);
    });

    it('skips the 7-day reminder of an action opened 7 days before its deadline (a major NC)', () => {
      const opened = before(7 * DAY);
      expect(reminderDue(CORRECTIVE_ACTION_REMINDERS, DUE, before(6 * DAY), opened)).toBeNull();
      expect(reminderDue(CORRECTIVE_ACTION_REMINDERS, DUE, before(HOUR), opened)).toBe(
        'corrective_action.due_tomorrow',
      );
      expect(reminderDue(CORRECTIVE_ACTION_REMINDERS, DUE, before(-HOUR), opened)).toBe(
        'corrective_action.overdue',
      );
    });

    it('gives only the current window when the earlier ones were missed (no catching up)', () => {
      expect(reminderDue(CORRECTIVE_ACTION_REMINDERS, DUE, before(2 * HOUR))).toBe(
        'corrective_action.due_tomorrow',
      );
    });
  });

  describe('of a certificate', () => {
    it.each([
      ['more than 30 days before its end', before(30 * DAY + 1), null],
      ['30 days before it', before(30 * DAY), 'certificate.expiring_in_30_days'],
      ['8 days before it', before(8 * DAY), 'certificate.expiring_in_30_days'],
      ['7 days before it', before(7 * DAY), 'certificate.expiring_in_7_days'],
      ['a minute before it', before(60_000), 'certificate.expiring_in_7_days'],
      ['at its end', DUE, null],
      ['past its end (it expires, nothing more is foretold)', before(-DAY), null],
    ] as const)('gives %s: %s', (_, at, expected) => {
      expect(reminderDue(CERTIFICATE_REMINDERS, DUE, at, OPENED_LONG_AGO)).toBe(expected);
    });

    it('skips the 30-day reminder of a certificate issued within 30 days of its end', () => {
      const issued = before(20 * DAY);
      expect(reminderDue(CERTIFICATE_REMINDERS, DUE, before(10 * DAY), issued)).toBeNull();
      expect(reminderDue(CERTIFICATE_REMINDERS, DUE, before(5 * DAY), issued)).toBe(
        'certificate.expiring_in_7_days',
      );
    });
  });

  it.each([
    [before(31 * DAY), null],
    [before(30 * DAY), 'audit.surveillance_due'],
    [before(HOUR), 'audit.surveillance_due'],
    [before(-HOUR), null],
  ] as const)('gives a surveillance audit due at %s: %s', (at, expected) => {
    expect(reminderDue(SURVEILLANCE_REMINDERS, DUE, at)).toBe(expected);
  });

  it('gives at most one reminder at a time, and never goes back to an earlier window', () => {
    const order = [
      null,
      'corrective_action.due_in_7_days',
      'corrective_action.due_tomorrow',
      null,
      'corrective_action.overdue',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: -60 * DAY, max: 60 * DAY }),
        fc.integer({ min: 0, max: 60 * DAY }),
        (offset, step) => {
          const earlier = reminderDue(CORRECTIVE_ACTION_REMINDERS, DUE, before(offset));
          const later = reminderDue(CORRECTIVE_ACTION_REMINDERS, DUE, before(offset - step));
          const rank = (kind: string | null, at: number) =>
            kind === null ? (at > 0 ? 0 : 3) : order.indexOf(kind);
          expect(rank(later, offset - step)).toBeGreaterThanOrEqual(rank(earlier, offset));
        },
      ),
    );
  });
});

describe('reminderKey', () => {
  it('names the kind, the subject and the deadline', () => {
    expect(reminderKey('corrective_action.due_tomorrow', 'ca-1', DUE)).toBe(
      'corrective_action.due_tomorrow:ca-1:2026-04-01T10:15:30.123Z',
    );
    expect(reminderKey('audit.surveillance_due', 'site-1', '2026-05-31')).toBe(
      'audit.surveillance_due:site-1:2026-05-31',
    );
  });
});
