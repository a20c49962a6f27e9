import fc from 'fast-check';
import {
  CRITICALITIES,
  type Criticality,
  STAKEHOLDER_GROUPS,
  type StakeholderGroup,
} from 'src/charter/charter.types';
import {
  type CommitmentValues,
  computeScores,
  type CriticalityWeights,
  type ScoredCommitment,
} from 'src/compliance/score';

// The commitments of charter 2020.1 (charter-v1.md), with its weights: critical 3, major 2,
// standard 1, 43 in all.
const CHARTER_2020_1: readonly ScoredCommitment[] = (
  [
    ['E01', 'employees', 'critical'],
    ['E02', 'employees', 'critical'],
    ['E03', 'employees', 'critical'],
    ['E04', 'employees', 'critical'],
    ['E05', 'employees', 'critical'],
    ['E06', 'employees', 'major'],
    ['E07', 'employees', 'major'],
    ['E08', 'employees', 'major'],
    ['E09', 'employees', 'critical'],
    ['E10', 'employees', 'standard'],
    ['E11', 'employees', 'major'],
    ['E12', 'employees', 'major'],
    ['E13', 'clients', 'standard'],
    ['E14', 'clients', 'major'],
    ['E15', 'clients', 'critical'],
    ['E16', 'providers', 'major'],
    ['E17', 'providers', 'major'],
    ['E18', 'providers', 'major'],
    ['E19', 'community', 'standard'],
    ['E20', 'community', 'standard'],
  ] as const
).map(([code, group, criticality]) => ({ code, group, criticality }));

const WEIGHTS_2020_1: CriticalityWeights = { critical: 3, major: 2, standard: 1 };

// Weights of the groups in 2020.1: employees 6×3 + 5×2 + 1 = 29, clients 1 + 2 + 3 = 6,
// providers 3×2 = 6, community 2×1 = 2.

/** Every commitment of 2020.1 at `base`, except the ones named. */
const values2020 = (base: number | null, except: Record<string, number | null> = {}) =>
  new Map<string, number | null>([
    ...CHARTER_2020_1.map((c): [string, number | null] => [c.code, base]),
    ...Object.entries(except),
  ]);

const groups = (
  employees: number | null,
  clients: number | null,
  providers = 100,
  community = 100,
) => ({
  employees,
  clients,
  providers,
  community,
});

describe('computeScores', () => {
  it('gives charter 2020.1 a total weight of 43, as charter-v1.md says', () => {
    expect(CHARTER_2020_1.reduce((sum, c) => sum + WEIGHTS_2020_1[c.criticality], 0)).toBe(43);
  });

  it.each([
    ['every commitment implemented', values2020(1), 100, groups(100, 100)],
    [
      'every commitment not implemented',
      values2020(0),
      0,
      { employees: 0, clients: 0, providers: 0, community: 0 },
    ],
    [
      'every commitment half implemented',
      values2020(0.5),
      50,
      { employees: 50, clients: 50, providers: 50, community: 50 },
    ],
    [
      'all implemented but E01 (critical, 0) and E13 (standard, 0.5)',
      values2020(1, { E01: 0, E13: 0.5 }),
      (100 * (43 - 3 - 0.5)) / 43,
      groups((100 * (29 - 3)) / 29, (100 * (6 - 0.5)) / 6),
    ],
    [
      'E10, E15 and E18 not applicable, the rest implemented',
      values2020(1, { E10: null, E15: null, E18: null }),
      100,
      groups(100, 100),
    ],
    [
      'E10, E15, E18 not applicable and E02 (critical) not implemented',
      values2020(1, { E10: null, E15: null, E18: null, E02: 0 }),
      (100 * (43 - 1 - 3 - 2 - 3)) / (43 - 1 - 3 - 2),
      groups((100 * (28 - 3)) / 28, 100),
    ],
    [
      'only E20 (standard) implemented',
      values2020(0, { E20: 1 }),
      100 / 43,
      { employees: 0, clients: 0, providers: 0, community: 50 },
    ],
    [
      'only E14 (major, clients) not implemented',
      values2020(1, { E14: 0 }),
      (100 * 41) / 43,
      groups(100, (100 * 4) / 6),
    ],
    [
      'the community group wholly not applicable',
      values2020(1, { E19: null, E20: null }),
      100,
      { employees: 100, clients: 100, providers: 100, community: null },
    ],
    [
      'every commitment not applicable',
      values2020(null),
      null,
      { employees: null, clients: null, providers: null, community: null },
    ],
  ])('scores %s', (_, values, score, groupScores) => {
    const result = computeScores(CHARTER_2020_1, WEIGHTS_2020_1, values);
    if (score === null) {
      expect(result.score).toBeNull();
    } else {
      expect(result.score).toBeCloseTo(score, 12);
    }
    for (const group of STAKEHOLDER_GROUPS) {
      const expected = groupScores[group];
      if (expected === null) {
        expect(result.groupScores[group]).toBeNull();
      } else {
        expect(result.groupScores[group]).toBeCloseTo(expected, 12);
      }
    }
  });

  it.each([
    ['one critical at 1, one standard at 0', { critical: 3, major: 2, standard: 1 }, 75],
    ['the same with equal weights', { critical: 1, major: 1, standard: 1 }, 50],
    ['the same with fractional weights', { critical: 0.5, major: 2, standard: 1.5 }, 25],
  ])('weighs by criticality: %s', (_, weights, expected) => {
    const commitments: ScoredCommitment[] = [
      { code: 'A01', group: 'employees', criticality: 'critical' },
      { code: 'A02', group: 'employees', criticality: 'standard' },
    ];
    const values = new Map([
      ['A01', 1],
      ['A02', 0],
    ]);
    expect(computeScores(commitments, weights, values).score).toBeCloseTo(expected, 12);
  });

  it('leaves the groups without commitments null', () => {
    const result = computeScores(
      [{ code: 'A01', group: 'providers', criticality: 'major' }],
      WEIGHTS_2020_1,
      new Map([['A01', 0.5]]),
    );
    expect(result).toEqual({
      score: 50,
      groupScores: { employees: null, clients: null, providers: 50, community: null },
    });
  });

  it('scores no commitments at all as null', () => {
    expect(computeScores([], WEIGHTS_2020_1, new Map())).toEqual({
      score: null,
      groupScores: { employees: null, clients: null, providers: null, community: null },
    });
  });

  it.each([
    ['a missing value', values2020(1, {}), 'E21', /E21 has no value/],
    ['a value above 1', values2020(1, { E05: 1.5 }), undefined, /E05 must be in \[0, 1\]/],
    ['a negative value', values2020(1, { E05: -0.1 }), undefined, /E05 must be in \[0, 1\]/],
    ['NaN as a value', values2020(1, { E05: NaN }), undefined, /E05 must be in \[0, 1\]/],
    ['a value of an unknown commitment', values2020(1, { X99: 1 }), undefined, /unknown.*X99/],
    ['a code given twice', values2020(1), 'E01', /E01 is given twice/],
  ])('refuses %s', (_, values, extraCode, message) => {
    const commitments = extraCode
      ? [
          ...CHARTER_2020_1,
          { code: extraCode, group: 'community' as const, criticality: 'standard' as const },
        ]
      : CHARTER_2020_1;
    expect(() => computeScores(commitments, WEIGHTS_2020_1, values)).toThrow(message);
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['NaN', NaN],
    ['infinite', Infinity],
  ])('refuses a %s weight', (_, weight) => {
    expect(() =>
      computeScores(CHARTER_2020_1, { ...WEIGHTS_2020_1, major: weight }, values2020(1)),
    ).toThrow(RangeError);
  });

  it('does not change its arguments', () => {
    const commitments = [...CHARTER_2020_1].reverse();
    const copy = structuredClone(commitments);
    const values = values2020(1, { E01: 0 });
    computeScores(commitments, WEIGHTS_2020_1, values);
    expect(commitments).toEqual(copy);
    expect(values.get('E01')).toBe(0);
  });
});

describe('computeScores, for any commitments, weights and values', () => {
  const groupArb = fc.constantFrom<StakeholderGroup>(...STAKEHOLDER_GROUPS);
  const criticalityArb = fc.constantFrom<Criticality>(...CRITICALITIES);
  const commitmentsArb = fc.uniqueArray(
    fc.record({
      code: fc.stringMatching(/^[A-Z][0-9]{2}$/),
      group: groupArb,
      criticality: criticalityArb,
    }),
    { selector: (c) => c.code, minLength: 1, maxLength: 30 },
  );
  const weightArb = fc.oneof(
    fc.integer({ min: 1, max: 10 }),
    fc.double({ min: 0.01, max: 100, noNaN: true }),
  );
  const weightsArb = fc.record({ critical: weightArb, major: weightArb, standard: weightArb });
  const valueArb = fc.oneof(
    fc.constantFrom(0, 0.5, 1, null),
    fc.double({ min: 0, max: 1, noNaN: true }),
  );

  /** Commitments with a value each: [commitments, values]. */
  const scoredArb = commitmentsArb.chain((commitments) =>
    fc
      .array(valueArb, { minLength: commitments.length, maxLength: commitments.length })
      .map((list): [ScoredCommitment[], CommitmentValues] => [
        commitments,
        new Map(commitments.map((c, i) => [c.code, list[i]])),
      ]),
  );

  const allScores = (s: ReturnType<typeof computeScores>) => [
    s.score,
    ...STAKEHOLDER_GROUPS.map((g) => s.groupScores[g]),
  ];

  it('stays within [0, 100], and is null exactly when nothing is applicable', () => {
    fc.assert(
      fc.property(scoredArb, weightsArb, ([commitments, values], weights) => {
        const result = computeScores(commitments, weights, values);
        for (const score of allScores(result)) {
          expect(score === null || (score >= 0 && score <= 100)).toBe(true);
        }
        const anyApplicable = [...values.values()].some((v) => v !== null);
        expect(result.score === null).toBe(!anyApplicable);
      }),
    );
  });

  it('gives exactly 100 when every commitment is at 1, and 0 when every one is at 0', () => {
    fc.assert(
      fc.property(commitmentsArb, weightsArb, (commitments, weights) => {
        const at = (value: number) => new Map(commitments.map((c) => [c.code, value]));
        const present = new Set(commitments.map((c) => c.group));
        const full = computeScores(commitments, weights, at(1));
        const none = computeScores(commitments, weights, at(0));
        expect(full.score).toBe(100);
        expect(none.score).toBe(0);
        for (const group of STAKEHOLDER_GROUPS) {
          expect(full.groupScores[group]).toBe(present.has(group) ? 100 : null);
          expect(none.groupScores[group]).toBe(present.has(group) ? 0 : null);
        }
      }),
    );
  });

  it('leaves a not-applicable commitment out of both sums, as if it were not there', () => {
    fc.assert(
      fc.property(scoredArb, weightsArb, ([commitments, values], weights) => {
        const applicable = commitments.filter((c) => values.get(c.code) !== null);
        const onlyApplicable = new Map([...values].filter(([, v]) => v !== null));
        expect(computeScores(commitments, weights, values)).toEqual(
          computeScores(applicable, weights, onlyApplicable),
        );
      }),
    );
  });

  it('does not depend on the order of the commitments, to the last bit', () => {
    fc.assert(
      fc.property(
        scoredArb.chain(([commitments, values]) =>
          fc
            .shuffledSubarray(commitments, {
              minLength: commitments.length,
              maxLength: commitments.length,
            })
            .map((shuffled) => ({ commitments, shuffled, values })),
        ),
        weightsArb,
        ({ commitments, shuffled, values }, weights) => {
          expect(computeScores(shuffled, weights, values)).toEqual(
            computeScores(commitments, weights, values),
          );
        },
      ),
    );
  });

  it('scores each group as the commitments of that group alone would score', () => {
    fc.assert(
      fc.property(scoredArb, weightsArb, ([commitments, values], weights) => {
        const result = computeScores(commitments, weights, values);
        for (const group of STAKEHOLDER_GROUPS) {
          const own = commitments.filter((c) => c.group === group);
          const ownValues = new Map(own.map((c) => [c.code, values.get(c.code)!]));
          expect(result.groupScores[group]).toBe(computeScores(own, weights, ownValues).score);
        }
      }),
    );
  });

  it('lies between the lowest and the highest applicable value, times 100', () => {
    fc.assert(
      fc.property(scoredArb, weightsArb, ([commitments, values], weights) => {
        const applicable = [...values.values()].filter((v): v is number => v !== null);
        fc.pre(applicable.length > 0);
        const score = computeScores(commitments, weights, values).score!;
        // A weighted mean, up to the rounding of the sums.
        expect(score).toBeGreaterThanOrEqual(100 * Math.min(...applicable) - 1e-9);
        expect(score).toBeLessThanOrEqual(100 * Math.max(...applicable) + 1e-9);
      }),
    );
  });
});
