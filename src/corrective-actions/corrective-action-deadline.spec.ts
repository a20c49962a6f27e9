import { correctiveActionDueAt } from 'src/corrective-actions/corrective-action-deadline';

const RULES_2020_1 = { majorNcDeadlineDays: 7, minorNcDeadlineDays: 30 };

describe('correctiveActionDueAt', () => {
  it.each([
    ['a major NC', 'major_nc', '2026-03-02T10:15:30.123Z', '2026-03-09T10:15:30.123Z'],
    ['a minor NC', 'minor_nc', '2026-03-02T10:15:30.123Z', '2026-04-01T10:15:30.123Z'],
    [
      'a major NC over a year end',
      'major_nc',
      '2026-12-28T23:00:00.000Z',
      '2027-01-04T23:00:00.000Z',
    ],
    [
      'a minor NC over a leap day',
      'minor_nc',
      '2028-02-15T08:00:00.000Z',
      '2028-03-16T08:00:00.000Z',
    ],
  ] as const)('gives %s its deadline from the closing instant', (_, grade, closedAt, dueAt) => {
    expect(correctiveActionDueAt(grade, new Date(closedAt), RULES_2020_1).toISOString()).toBe(
      dueAt,
    );
  });

  it("reads the deadlines from the version's rules", () => {
    const closedAt = new Date('2026-03-02T10:00:00Z');
    const rules = { majorNcDeadlineDays: 3, minorNcDeadlineDays: 14 };
    expect(correctiveActionDueAt('major_nc', closedAt, rules).toISOString()).toBe(
      '2026-03-05T10:00:00.000Z',
    );
    expect(correctiveActionDueAt('minor_nc', closedAt, rules).toISOString()).toBe(
      '2026-03-16T10:00:00.000Z',
    );
  });
});
