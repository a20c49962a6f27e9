import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import type { CharterRules } from 'src/charter/charter-rules.entity';
import type { SaveCommitmentBody, UpdateCharterRulesBody } from 'src/charter/charter.dto';
import type { DraftProblem } from 'src/charter/charter.errors';

// What a draft's edits compute, apart from any I/O.

export const RULE_FIELDS = [
  'weightCritical',
  'weightMajor',
  'weightStandard',
  'valueConform',
  'valueObservation',
  'valueMinorNc',
  'valueMajorNc',
  'scoreThreshold',
  'majorNcDeadlineDays',
  'minorNcDeadlineDays',
  'auditValidityDays',
  'notApplicableJustificationMinLength',
] as const;
export type RuleValues = Pick<CharterRules, (typeof RULE_FIELDS)[number]>;

export const COMMITMENT_FIELDS = [
  'stakeholderGroup',
  'criticality',
  'notApplicableWhen',
  'titleFr',
  'titleEn',
  'descriptionFr',
  'descriptionEn',
  'evidenceExpectedFr',
  'evidenceExpectedEn',
  'verificationPoints',
] as const;
export type CommitmentValues = Pick<CharterCommitment, (typeof COMMITMENT_FIELDS)[number]>;

/** The rules once the patch is applied: what it leaves out keeps its value. */
export function patchRules(rules: CharterRules, body: UpdateCharterRulesBody): RuleValues {
  const { weights, findingValues: values, correctiveActionDeadlineDays: deadlines } = body;
  return {
    weightCritical: weights?.critical ?? rules.weightCritical,
    weightMajor: weights?.major ?? rules.weightMajor,
    weightStandard: weights?.standard ?? rules.weightStandard,
    valueConform: values?.conform ?? rules.valueConform,
    valueObservation: values?.observation ?? rules.valueObservation,
    valueMinorNc: values?.minor_nc ?? rules.valueMinorNc,
    valueMajorNc: values?.major_nc ?? rules.valueMajorNc,
    scoreThreshold: body.scoreThreshold ?? rules.scoreThreshold,
    majorNcDeadlineDays: deadlines?.major_nc ?? rules.majorNcDeadlineDays,
    minorNcDeadlineDays: deadlines?.minor_nc ?? rules.minorNcDeadlineDays,
    auditValidityDays: body.auditValidityDays ?? rules.auditValidityDays,
    notApplicableJustificationMinLength:
      body.notApplicableJustificationMinLength ?? rules.notApplicableJustificationMinLength,
  };
}

/** The stored form of a commitment, from a request or from a row, comparable field by field. */
export function commitmentValues(from: SaveCommitmentBody | CharterCommitment): CommitmentValues {
  const body =
    'group' in from
      ? from
      : {
          group: from.stakeholderGroup,
          criticality: from.criticality,
          notApplicableWhen: from.notApplicableWhen,
          title: { fr: from.titleFr, en: from.titleEn },
          description: { fr: from.descriptionFr, en: from.descriptionEn },
          evidenceExpected: { fr: from.evidenceExpectedFr, en: from.evidenceExpectedEn },
          verificationPoints: from.verificationPoints,
        };
  return {
    stakeholderGroup: body.group,
    criticality: body.criticality,
    notApplicableWhen: body.notApplicableWhen ?? null,
    titleFr: body.title.fr,
    titleEn: body.title.en,
    descriptionFr: body.description.fr,
    descriptionEn: body.description.en,
    evidenceExpectedFr: body.evidenceExpected.fr,
    evidenceExpectedEn: body.evidenceExpected.en,
    // Same key order on both sides: jsonb hands keys back in its own order.
    verificationPoints: body.verificationPoints.map((p) => ({ fr: p.fr, en: p.en })),
  };
}

/** What keeps a draft from being published; empty when it may be. */
export function publicationProblems(positions: readonly number[]): DraftProblem[] {
  if (positions.length === 0) {
    return [{ rule: 'no_commitments', detail: 'the draft has no commitments' }];
  }
  const sorted = [...positions].sort((a, b) => a - b);
  if (sorted.some((position, i) => position !== i + 1)) {
    return [
      {
        rule: 'positions_not_contiguous',
        detail: `commitment positions are ${sorted.join(', ')}: expected 1 to ${sorted.length}`,
      },
    ];
  }
  return [];
}
