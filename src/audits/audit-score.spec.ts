import { findingValue, scoreAudit } from 'src/audits/audit-score';
import type { FindingResult } from 'src/audits/audits.types';
import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import type { CharterRules } from 'src/charter/charter-rules.entity';
import type { Criticality, StakeholderGroup } from 'src/charter/charter.types';

// The rules and commitments of charter 2020.1 (charter-v1.md), as far as the score reads them.
const RULES = {
  weightCritical: 3,
  weightMajor: 2,
  weightStandard: 1,
  valueConform: 1,
  valueObservation: 1,
  valueMinorNc: 0.5,
  valueMajorNc: 0,
} as CharterRules;

const TABLE: [StakeholderGroup, Criticality][] = [
  ['employees', 'critical'],
  ['employees', 'critical'],
  ['employees', 'critical'],
  ['employees', 'critical'],
  ['employees', 'critical'],
  ['employees', 'major'],
  ['employees', 'major'],
  ['employees', 'major'],
  ['employees', 'critical'],
  ['employees', 'standard'],
  ['employees', 'major'],
  ['employees', 'major'],
  ['clients', 'standard'],
  ['clients', 'major'],
  ['clients', 'critical'],
  ['providers', 'major'],
  ['providers', 'major'],
  ['providers', 'major'],
  ['community', 'standard'],
  ['community', 'standard'],
];
const COMMITMENTS = TABLE.map(
  ([stakeholderGroup, criticality], i) =>
    ({
      code: `E${String(i + 1).padStart(2, '0')}`,
      stakeholderGroup,
      criticality,
    }) as CharterCommitment,
);
const CHARTER = { rules: RULES, commitments: COMMITMENTS };

const results = (except: Record<string, FindingResult> = {}) =>
  new Map<string, FindingResult>([
    ...COMMITMENTS.map((c) => [c.code, 'conform'] as [string, FindingResult]),
    ...Object.entries(except),
  ]);

describe('findingValue', () => {
  it.each([
    ['conform', 1],
    ['observation', 1],
    ['minor_nc', 0.5],
    ['major_nc', 0],
    ['not_applicable', null],
  ] as const)('values %s at %s under 2020.1', (result, value) => {
    expect(findingValue(result, RULES)).toBe(value);
  });

  it("reads the values from the version's rules", () => {
    expect(findingValue('minor_nc', { ...RULES, valueMinorNc: 0.25 })).toBe(0.25);
  });
});

describe('scoreAudit', () => {
  it('gives 100 everywhere when every finding is conform or an observation', () => {
    expect(scoreAudit(CHARTER, results({ E08: 'observation', E17: 'observation' }))).toEqual({
      score: 100,
      groupScores: { employees: 100, clients: 100, providers: 100, community: 100 },
    });
  });

  it('weighs by criticality and leaves N/A out of both sums', () => {
    const { score, groupScores } = scoreAudit(
      CHARTER,
      results({ E03: 'major_nc', E06: 'minor_nc', E10: 'not_applicable', E19: 'minor_nc' }),
    );
    // Σ weights 43 − 1 (E10) = 42; lost 3 × 1 + 2 × 0.5 + 1 × 0.5 = 4.5.
    expect(score).toBeCloseTo((100 * 37.5) / 42, 12);
    expect(groupScores.employees).toBeCloseTo((100 * 24) / 28, 12);
    expect(groupScores).toMatchObject({ clients: 100, providers: 100, community: 75 });
  });

  it('gives a group with nothing applicable no score', () => {
    const { groupScores } = scoreAudit(
      CHARTER,
      results({ E18: 'not_applicable', E16: 'major_nc', E17: 'major_nc' }),
    );
    expect(groupScores.providers).toBe(0);
    const onlyNa = scoreAudit(
      { rules: RULES, commitments: COMMITMENTS.filter((c) => c.code === 'E10') },
      new Map([['E10', 'not_applicable']]),
    );
    expect(onlyNa).toEqual({
      score: null,
      groupScores: { employees: null, clients: null, providers: null, community: null },
    });
  });

  it('refuses an incomplete audit (a mistake of the caller)', () => {
    const incomplete = results();
    incomplete.delete('E20');
    expect(() => scoreAudit(CHARTER, incomplete)).toThrow(RangeError);
  });
});
