import fc from 'fast-check';
import {
  CORRECTIVE_ACTION_EVENTS,
  type CorrectiveActionEvent,
  correctiveActionTransition,
} from 'src/corrective-actions/corrective-action-transitions';
import type { CorrectiveActionStatus } from 'src/corrective-actions/corrective-actions.types';
import {
  type ClockedResponse,
  correctiveActionStateAt,
  isOverdue,
} from 'src/corrective-actions/overdue';

const DAY = 24 * 60 * 60 * 1000;
const OPENED = Date.UTC(2026, 0, 10, 9, 0, 0);
const DUE = OPENED + 7 * DAY;
const at = (ms: number) => new Date(ms);
const action = (supersededAt: number | null = null) => ({
  dueAt: at(DUE),
  supersededAt: supersededAt === null ? null : at(supersededAt),
});
const response = (
  respondedAt: number,
  outcome: ClockedResponse['outcome'] = null,
  reviewedAt: number | null = null,
): ClockedResponse => ({
  respondedAt: at(respondedAt),
  outcome,
  reviewedAt: reviewedAt === null ? null : at(reviewedAt),
});

describe('isOverdue', () => {
  it.each<[string, ClockedResponse[], number, boolean]>([
    ['never responded, before the deadline', [], DUE - 1, false],
    ['never responded, exactly at the deadline', [], DUE, false],
    ['never responded, one millisecond past the deadline', [], DUE + 1, true],
    ['never responded, a month late', [], DUE + 30 * DAY, true],
    [
      'responded in time, under review past the deadline',
      [response(DUE - DAY)],
      DUE + 10 * DAY,
      false,
    ],
    ['responded late, under review', [response(DUE + DAY)], DUE + 2 * DAY, false],
    ['responded late: overdue until the response', [response(DUE + DAY)], DUE + DAY - 1, true],
    [
      'responded in time, rejected before the deadline, seen before it',
      [response(DUE - 3 * DAY, 'rejected', DUE - 2 * DAY)],
      DUE - DAY,
      false,
    ],
    [
      'responded in time, rejected past the deadline: overdue at once',
      [response(DUE - DAY, 'rejected', DUE + DAY)],
      DUE + DAY,
      true,
    ],
    [
      'rejected past the deadline, seen while still under review',
      [response(DUE - DAY, 'rejected', DUE + DAY)],
      DUE + DAY - 1,
      false,
    ],
    ['verified', [response(DUE - DAY, 'accepted', DUE + DAY)], DUE + 5 * DAY, false],
    [
      'rejected, then responded again and under review',
      [response(DUE - 3 * DAY, 'rejected', DUE - 2 * DAY), response(DUE + DAY)],
      DUE + 2 * DAY,
      false,
    ],
    [
      'rejected, responded again, rejected again past the deadline',
      [
        response(DUE - 3 * DAY, 'rejected', DUE - 2 * DAY),
        response(DUE - DAY, 'rejected', DUE + DAY),
      ],
      DUE + 2 * DAY,
      true,
    ],
    ['a response not yet given at that time', [response(DUE + 5 * DAY)], DUE + DAY, true],
  ])('%s', (_, responses, time, expected) => {
    expect(isOverdue(action(), responses, at(time))).toBe(expected);
  });

  it('is never overdue once superseded, and was before', () => {
    expect(isOverdue(action(DUE + 3 * DAY), [], at(DUE + 4 * DAY))).toBe(false);
    expect(isOverdue(action(DUE + 3 * DAY), [], at(DUE + 2 * DAY))).toBe(true);
  });

  it('does not depend on the order in which responses are given', () => {
    const responses = [
      response(DUE - 3 * DAY, 'rejected', DUE - 2 * DAY),
      response(DUE - DAY, 'rejected', DUE + DAY),
    ];
    expect(isOverdue(action(), [...responses].reverse(), at(DUE + 2 * DAY))).toBe(true);
  });

  // The list's SQL filter reads `status = 'open' AND due_at < now` off the stored status, which
  // each event moves: for any history, the two must agree at every moment.
  it('agrees with the stored status after any history of events, at any time', () => {
    const step = fc.record({
      event: fc.constantFrom<CorrectiveActionEvent>(...CORRECTIVE_ACTION_EVENTS),
      gap: fc.integer({ min: 1, max: 10 * DAY }),
    });
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 12 }),
        fc.integer({ min: 0, max: 40 * DAY }),
        (steps, probe) => {
          let status: CorrectiveActionStatus = 'open';
          let time = OPENED;
          let supersededAt: number | null = null;
          const responses: {
            respondedAt: number;
            outcome: ClockedResponse['outcome'];
            reviewedAt: number | null;
          }[] = [];
          const timeline: [number, CorrectiveActionStatus][] = [[time, status]];
          for (const { event, gap } of steps) {
            const next = correctiveActionTransition(status, event);
            if (next === null) {
              continue;
            }
            time += gap;
            if (event === 'responded') {
              responses.push({ respondedAt: time, outcome: null, reviewedAt: null });
            } else if (event === 'verified' || event === 'rejected') {
              const last = responses[responses.length - 1];
              last.outcome = event === 'verified' ? 'accepted' : 'rejected';
              last.reviewedAt = time;
            } else {
              supersededAt = time;
            }
            status = next;
            timeline.push([time, status]);
          }
          const history = responses.map((r) => response(r.respondedAt, r.outcome, r.reviewedAt));
          const probeAt = OPENED + probe;
          const statusThen = [...timeline].reverse().find(([t]) => t <= probeAt)![1];
          expect(correctiveActionStateAt(action(supersededAt), history, at(probeAt))).toBe(
            statusThen,
          );
          expect(isOverdue(action(supersededAt), history, at(probeAt))).toBe(
            statusThen === 'open' && probeAt > DUE,
          );
        },
      ),
    );
  });
});
