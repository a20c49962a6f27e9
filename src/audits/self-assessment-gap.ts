/** One commitment seen by the member (self-assessment) and by the auditor (finding). */
export interface CommitmentGap {
  /** The self-assessment answer's value; null when not applicable or not answered. */
  readonly selfValue: number | null;
  /** The finding's value; null when not applicable or not recorded. */
  readonly findingValue: number | null;
  /** The member rated it higher than the auditor found it. */
  readonly overRated: boolean;
}

export interface GapSummary {
  /** Commitments with a value on both sides. */
  readonly compared: number;
  readonly overRated: number;
  readonly underRated: number;
  readonly agreed: number;
  /** The over-rated commitments, in the order given. */
  readonly overRatedCodes: string[];
}

/**
 * The self-assessment gap (charter-v1.md): commitment by commitment, the member's own rating
 * beside the auditor's finding, and how many the member over-rated (self value above the
 * finding's value). Commitments without a value on either side are not compared.
 */
export function selfAssessmentGap(
  codes: readonly string[],
  selfValues: ReadonlyMap<string, number | null>,
  findingValues: ReadonlyMap<string, number | null>,
): { byCode: Map<string, CommitmentGap>; summary: GapSummary } {
  const byCode = new Map<string, CommitmentGap>();
  const summary = {
    compared: 0,
    overRated: 0,
    underRated: 0,
    agreed: 0,
    overRatedCodes: [] as string[],
  };
  for (const code of codes) {
    const selfValue = selfValues.get(code) ?? null;
    const findingValue = findingValues.get(code) ?? null;
    const comparable = selfValue !== null && findingValue !== null;
    const overRated = comparable && selfValue > findingValue;
    byCode.set(code, { selfValue, findingValue, overRated });
    if (!comparable) {
      continue;
    }
    summary.compared += 1;
    if (overRated) {
      summary.overRated += 1;
      summary.overRatedCodes.push(code);
    } else if (selfValue < findingValue) {
      summary.underRated += 1;
    } else {
      summary.agreed += 1;
    }
  }
  return { byCode, summary };
}
