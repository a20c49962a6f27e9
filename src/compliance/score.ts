import {
  type Criticality,
  STAKEHOLDER_GROUPS,
  type StakeholderGroup,
} from 'src/charter/charter.types';

/** What the score needs to know of a commitment. */
export interface ScoredCommitment {
  readonly code: string;
  readonly group: StakeholderGroup;
  readonly criticality: Criticality;
}

/** The weight of each criticality, as a charter version's rules give them. */
export type CriticalityWeights = Readonly<Record<Criticality, number>>;

/**
 * The value of each commitment, by code: a number in [0, 1], or `null` when the commitment is not
 * applicable (left out of both sums).
 */
export type CommitmentValues = ReadonlyMap<string, number | null>;

export type GroupScores = Record<StakeholderGroup, number | null>;

export interface Scores {
  /** 100 × Σ(weight × value) / Σ(weight) over the applicable commitments; null if none is. */
  readonly score: number | null;
  /** The same, over the applicable commitments of each stakeholder group. */
  readonly groupScores: GroupScores;
}

/**
 * The charter's score: 100 × Σ(weight × value) / Σ(weight) over the applicable commitments, and
 * the same per stakeholder group. Unrounded (rounding is for display); `null` where nothing is
 * applicable. The same function scores a self-assessment (values of its answers) and an audit
 * (values of its findings, from the version's rules).
 *
 * The sums run in the order of the commitment codes, so the result does not depend on the order
 * in which the commitments are given, not even in its last bit.
 *
 * @throws RangeError when a value is missing, outside [0, 1] or given for an unknown commitment,
 *   when a code appears twice, or when a weight is not a positive finite number: all of them
 *   mistakes of the caller, never a result.
 */
export function computeScores(
  commitments: readonly ScoredCommitment[],
  weights: CriticalityWeights,
  values: CommitmentValues,
): Scores {
  assertWeights(weights);
  const ordered = [...commitments].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  assertValues(ordered, values);
  const overall = { weighted: 0, weight: 0 };
  const byGroup = new Map(STAKEHOLDER_GROUPS.map((g) => [g, { weighted: 0, weight: 0 }]));
  for (const commitment of ordered) {
    const value = values.get(commitment.code) ?? null;
    if (value === null) {
      continue;
    }
    const weight = weights[commitment.criticality];
    for (const sums of [overall, byGroup.get(commitment.group)!]) {
      sums.weighted += weight * value;
      sums.weight += weight;
    }
  }
  const ratio = (sums: { weighted: number; weight: number }) =>
    // The ratio first: equal sums give exactly 1, hence exactly 100.
    sums.weight === 0 ? null : 100 * (sums.weighted / sums.weight);
  return {
    score: ratio(overall),
    groupScores: Object.fromEntries(
      STAKEHOLDER_GROUPS.map((g) => [g, ratio(byGroup.get(g)!)]),
    ) as GroupScores,
  };
}

function assertWeights(weights: CriticalityWeights): void {
  for (const [criticality, weight] of Object.entries(weights)) {
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new RangeError(`the weight of ${criticality} must be a positive number, not ${weight}`);
    }
  }
}

function assertValues(ordered: readonly ScoredCommitment[], values: CommitmentValues): void {
  const codes = new Set<string>();
  for (const { code } of ordered) {
    if (codes.has(code)) {
      throw new RangeError(`commitment ${code} is given twice`);
    }
    codes.add(code);
    const value = values.get(code);
    if (value === undefined) {
      throw new RangeError(`commitment ${code} has no value`);
    }
    if (value !== null && !(value >= 0 && value <= 1)) {
      throw new RangeError(`the value of ${code} must be in [0, 1] or null, not ${value}`);
    }
  }
  const unknown = [...values.keys()].filter((code) => !codes.has(code));
  if (unknown.length > 0) {
    throw new RangeError(`values given for unknown commitments: ${unknown.join(', ')}`);
  }
}
