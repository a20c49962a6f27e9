import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import {
  CHARTER_STATUSES,
  type CharterStatus,
  CRITICALITIES,
  type Criticality,
  NOT_APPLICABLE_CONDITIONS,
  type NotApplicableCondition,
  STAKEHOLDER_GROUPS,
  type StakeholderGroup,
} from 'src/charter/charter.types';

export const CHARTER_VERSION_PATTERN = /^\d{4}\.\d{1,3}$/;

export class CharterVersionParams {
  @ApiProperty({ example: '2020.1', pattern: CHARTER_VERSION_PATTERN.source })
  @Matches(CHARTER_VERSION_PATTERN, { message: 'version must look like 2020.1' })
  readonly version!: string;
}

export class LocalisedTextDto {
  @ApiProperty()
  readonly fr!: string;

  @ApiProperty()
  readonly en!: string;
}

export class NotApplicableRuleDto {
  @ApiProperty({ description: 'Whether the commitment may be judged not applicable' })
  readonly allowed!: boolean;

  @ApiPropertyOptional({ enum: NOT_APPLICABLE_CONDITIONS, nullable: true, type: String })
  readonly when!: NotApplicableCondition | null;

  @ApiPropertyOptional({ type: LocalisedTextDto, nullable: true })
  readonly condition!: LocalisedTextDto | null;
}

export class CommitmentResponse {
  @ApiProperty({ example: 'E01' })
  readonly code!: string;

  @ApiProperty({ enum: STAKEHOLDER_GROUPS })
  readonly group!: StakeholderGroup;

  @ApiProperty({ enum: CRITICALITIES })
  readonly criticality!: Criticality;

  @ApiProperty({ description: 'Weight given by the version’s rules to this criticality' })
  readonly weight!: number;

  @ApiProperty({ type: LocalisedTextDto })
  readonly title!: LocalisedTextDto;

  @ApiProperty({ type: LocalisedTextDto })
  readonly description!: LocalisedTextDto;

  @ApiProperty({ type: LocalisedTextDto })
  readonly evidenceExpected!: LocalisedTextDto;

  @ApiProperty({ type: NotApplicableRuleDto })
  readonly notApplicable!: NotApplicableRuleDto;

  @ApiProperty({ type: [LocalisedTextDto], minItems: 2, maxItems: 4 })
  readonly verificationPoints!: LocalisedTextDto[];
}

export class CommitmentGroupResponse {
  @ApiProperty({ enum: STAKEHOLDER_GROUPS })
  readonly group!: StakeholderGroup;

  @ApiProperty({ type: LocalisedTextDto })
  readonly title!: LocalisedTextDto;

  @ApiProperty({ type: [CommitmentResponse] })
  readonly commitments!: CommitmentResponse[];
}

export class CriticalityWeightsDto {
  @ApiProperty()
  readonly critical!: number;

  @ApiProperty()
  readonly major!: number;

  @ApiProperty()
  readonly standard!: number;
}

export class FindingValuesDto {
  @ApiProperty()
  readonly conform!: number;

  @ApiProperty()
  readonly observation!: number;

  @ApiProperty()
  readonly minor_nc!: number;

  @ApiProperty()
  readonly major_nc!: number;
}

export class CorrectiveActionDeadlinesDto {
  @ApiProperty({ description: 'Days from the audit’s closing' })
  readonly major_nc!: number;

  @ApiProperty({ description: 'Days from the audit’s closing' })
  readonly minor_nc!: number;
}

export class CharterRulesResponse {
  @ApiProperty({ type: CriticalityWeightsDto })
  readonly weights!: CriticalityWeightsDto;

  @ApiProperty({ type: FindingValuesDto })
  readonly findingValues!: FindingValuesDto;

  @ApiProperty({ description: 'Minimum score (0–100) of a compliant site' })
  readonly scoreThreshold!: number;

  @ApiProperty({ type: CorrectiveActionDeadlinesDto })
  readonly correctiveActionDeadlineDays!: CorrectiveActionDeadlinesDto;

  @ApiProperty({ description: 'An audit is valid through its visit date plus this many days' })
  readonly auditValidityDays!: number;

  @ApiProperty({ description: 'Minimum length of the justification of a not-applicable finding' })
  readonly notApplicableJustificationMinLength!: number;
}

export class CharterSummaryResponse {
  @ApiProperty({ example: '2020.1' })
  readonly version!: string;

  @ApiProperty({ enum: CHARTER_STATUSES })
  readonly status!: CharterStatus;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly publishedAt!: string | null;

  @ApiProperty()
  readonly commitmentCount!: number;
}

export class CharterResponse extends CharterSummaryResponse {
  @ApiProperty({ description: 'Sum of the weights of all commitments' })
  readonly totalWeight!: number;

  @ApiProperty({ type: CharterRulesResponse })
  readonly rules!: CharterRulesResponse;

  @ApiProperty({ type: [CommitmentGroupResponse] })
  readonly groups!: CommitmentGroupResponse[];
}
