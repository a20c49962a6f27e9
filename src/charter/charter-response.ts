import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import type { CharterRules } from 'src/charter/charter-rules.entity';
import type { CharterVersion } from 'src/charter/charter-version.entity';
import {
  type Criticality,
  NOT_APPLICABLE_CONDITION_TEXTS,
  STAKEHOLDER_GROUP_TITLES,
  STAKEHOLDER_GROUPS,
} from 'src/charter/charter.types';
import type {
  CharterResponse,
  CharterRulesResponse,
  CharterSummaryResponse,
  CommitmentResponse,
} from 'src/charter/charter.dto';

export function weightOf(criticality: Criticality, rules: CharterRules): number {
  switch (criticality) {
    case 'critical':
      return rules.weightCritical;
    case 'major':
      return rules.weightMajor;
    case 'standard':
      return rules.weightStandard;
  }
}

export function toCharterRulesResponse(rules: CharterRules): CharterRulesResponse {
  return {
    weights: {
      critical: rules.weightCritical,
      major: rules.weightMajor,
      standard: rules.weightStandard,
    },
    findingValues: {
      conform: rules.valueConform,
      observation: rules.valueObservation,
      minor_nc: rules.valueMinorNc,
      major_nc: rules.valueMajorNc,
    },
    scoreThreshold: rules.scoreThreshold,
    correctiveActionDeadlineDays: {
      major_nc: rules.majorNcDeadlineDays,
      minor_nc: rules.minorNcDeadlineDays,
    },
    auditValidityDays: rules.auditValidityDays,
    notApplicableJustificationMinLength: rules.notApplicableJustificationMinLength,
  };
}

export function toCommitmentResponse(
  c: CharterCommitment,
  rules: CharterRules,
): CommitmentResponse {
  return {
    code: c.code,
    group: c.stakeholderGroup,
    criticality: c.criticality,
    weight: weightOf(c.criticality, rules),
    title: { fr: c.titleFr, en: c.titleEn },
    description: { fr: c.descriptionFr, en: c.descriptionEn },
    evidenceExpected: { fr: c.evidenceExpectedFr, en: c.evidenceExpectedEn },
    notApplicable: {
      allowed: c.notApplicableWhen !== null,
      when: c.notApplicableWhen,
      condition: c.notApplicableWhen ? NOT_APPLICABLE_CONDITION_TEXTS[c.notApplicableWhen] : null,
    },
    verificationPoints: c.verificationPoints.map((p) => ({ fr: p.fr, en: p.en })),
  };
}

export function toCharterSummaryResponse(
  version: CharterVersion,
  commitmentCount: number,
): CharterSummaryResponse {
  return {
    version: version.version,
    status: version.status,
    publishedAt: version.publishedAt?.toISOString() ?? null,
    commitmentCount,
  };
}

/** A version with its rules and its commitments, grouped by stakeholder group in charter order. */
export function toCharterResponse(
  version: CharterVersion,
  rules: CharterRules,
  commitments: readonly CharterCommitment[],
): CharterResponse {
  const ordered = [...commitments].sort((a, b) => a.position - b.position);
  const items = ordered.map((c) => toCommitmentResponse(c, rules));
  return {
    ...toCharterSummaryResponse(version, commitments.length),
    totalWeight: items.reduce((sum, c) => sum + c.weight, 0),
    rules: toCharterRulesResponse(rules),
    groups: STAKEHOLDER_GROUPS.map((group) => ({
      group,
      title: STAKEHOLDER_GROUP_TITLES[group],
      commitments: items.filter((c) => c.group === group),
    })).filter((g) => g.commitments.length > 0),
  };
}
