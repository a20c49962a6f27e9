import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import type { CharterRules } from 'src/charter/charter-rules.entity';
import type { FindingResult } from 'src/audits/audits.types';
import { computeScores, type Scores } from 'src/compliance/score';

/** The value of a finding under a charter version's rules; not applicable: none. */
export function findingValue(result: FindingResult, rules: CharterRules): number | null {
  switch (result) {
    case 'conform':
      return rules.valueConform;
    case 'observation':
      return rules.valueObservation;
    case 'minor_nc':
      return rules.valueMinorNc;
    case 'major_nc':
      return rules.valueMajorNc;
    case 'not_applicable':
      return null;
  }
}

/**
 * The audit's score and group scores with the shared scoring function: the value of each
 * finding from the version's rules, the weights by criticality. Every commitment must have a
 * result (the audit is complete when it closes).
 */
export function scoreAudit(
  charter: { readonly rules: CharterRules; readonly commitments: readonly CharterCommitment[] },
  results: ReadonlyMap<string, FindingResult>,
): Scores {
  const { rules } = charter;
  return computeScores(
    charter.commitments.map((c) => ({
      code: c.code,
      group: c.stakeholderGroup,
      criticality: c.criticality,
    })),
    { critical: rules.weightCritical, major: rules.weightMajor, standard: rules.weightStandard },
    new Map([...results].map(([code, result]) => [code, findingValue(result, rules)])),
  );
}
