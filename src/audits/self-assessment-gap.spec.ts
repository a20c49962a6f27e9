import fc from 'fast-check';
import { selfAssessmentGap } from 'src/audits/self-assessment-gap';

const map = (entries: Record<string, number | null>) => new Map(Object.entries(entries));

describe('selfAssessmentGap', () => {
  it.each([
    ['implemented, found a major NC', 1, 0, { overRated: true }, 'overRated'],
    ['implemented, found a minor NC', 1, 0.5, { overRated: true }, 'overRated'],
    ['partially implemented, found a major NC', 0.5, 0, { overRated: true }, 'overRated'],
    ['implemented, found conform', 1, 1, { overRated: false }, 'agreed'],
    ['partially implemented, found a minor NC', 0.5, 0.5, { overRated: false }, 'agreed'],
    ['not implemented, found an observation', 0, 1, { overRated: false }, 'underRated'],
  ] as const)('counts %s', (_, self, finding, gap, counter) => {
    const { byCode, summary } = selfAssessmentGap(
      ['E01'],
      map({ E01: self }),
      map({ E01: finding }),
    );
    expect(byCode.get('E01')).toEqual({ selfValue: self, findingValue: finding, ...gap });
    expect(summary).toMatchObject({ compared: 1, [counter]: 1 });
  });

  it.each([
    ['the member answered not applicable', { E01: null }, { E01: 0 }],
    ['the auditor found it not applicable', { E01: 1 }, { E01: null }],
    ['the member never answered it', {}, { E01: 0 }],
    ['the auditor has not recorded it yet', { E01: 1 }, {}],
  ])('does not compare a commitment when %s', (_, self, finding) => {
    const { byCode, summary } = selfAssessmentGap(['E01'], map(self), map(finding));
    expect(byCode.get('E01')?.overRated).toBe(false);
    expect(summary).toEqual({
      compared: 0,
      overRated: 0,
      underRated: 0,
      agreed: 0,
      overRatedCodes: [],
    });
  });

  it('lists the over-rated codes in the order given', () => {
    const { summary } = selfAssessmentGap(
      ['E01', 'E02', 'E03', 'E04'],
      map({ E01: 1, E02: 1, E03: 0.5, E04: 0 }),
      map({ E01: 0, E02: 1, E03: 0, E04: 1 }),
    );
    expect(summary).toEqual({
      compared: 4,
      overRated: 2,
      underRated: 1,
      agreed: 1,
      overRatedCodes: ['E01', 'E03'],
    });
  });

  it('splits every compared commitment into exactly one of the three counts', () => {
    const value = fc.option(fc.constantFrom(0, 0.5, 1), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { maxLength: 20 }), (pairs) => {
        const codes = pairs.map((_, i) => `E${String(i + 1).padStart(2, '0')}`);
        const { summary } = selfAssessmentGap(
          codes,
          new Map(codes.map((c, i) => [c, pairs[i][0]])),
          new Map(codes.map((c, i) => [c, pairs[i][1]])),
        );
        expect(summary.overRated + summary.underRated + summary.agreed).toBe(summary.compared);
        expect(summary.compared).toBe(pairs.filter(([a, b]) => a !== null && b !== null).length);
        expect(summary.overRatedCodes).toHaveLength(summary.overRated);
      }),
    );
  });
});
