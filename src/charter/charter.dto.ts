import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
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

import { IsCharterText, IsDecimalBetween, IsOmittable } from 'src/charter/charter.validation';

export const CHARTER_VERSION_PATTERN = /^\d{4}\.\d{1,3}$/;
export const COMMITMENT_CODE_PATTERN = /^[A-Z][0-9]{2}$/;

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

/** A score per stakeholder group of the charter, null for a group with nothing judged. */
export class GroupScoresResponse {
  @ApiProperty({ type: Number, nullable: true })
  readonly employees!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  readonly clients!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  readonly providers!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  readonly community!: number | null;
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

// ---- Drafting (admin) ----

export class CommitmentParams extends CharterVersionParams {
  @ApiProperty({ example: 'E21', pattern: COMMITMENT_CODE_PATTERN.source })
  @Matches(COMMITMENT_CODE_PATTERN, {
    message: 'code must be a capital letter and two digits, like E01',
  })
  readonly code!: string;
}

export class CreateCharterDraftBody {
  @ApiProperty({
    example: '2021.1',
    pattern: CHARTER_VERSION_PATTERN.source,
    description: 'Must come after every existing version (year, then minor number)',
  })
  @IsString()
  @Matches(CHARTER_VERSION_PATTERN, { message: 'version must look like 2020.1' })
  readonly version!: string;
}

export class CriticalityWeightsInput {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(10)
  readonly critical?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(10)
  readonly major?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(10)
  readonly standard?: number;
}

export class FindingValuesInput {
  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'At most 3 decimals' })
  @IsOmittable()
  @IsDecimalBetween(0, 1, 3)
  readonly conform?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'At most 3 decimals' })
  @IsOmittable()
  @IsDecimalBetween(0, 1, 3)
  readonly observation?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'At most 3 decimals' })
  @IsOmittable()
  @IsDecimalBetween(0, 1, 3)
  readonly minor_nc?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'At most 3 decimals' })
  @IsOmittable()
  @IsDecimalBetween(0, 1, 3)
  readonly major_nc?: number;
}

export class CorrectiveActionDeadlinesInput {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 365 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(365)
  readonly major_nc?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 365 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(365)
  readonly minor_nc?: number;
}

/** The rules of a draft, in the shape of {@link CharterRulesResponse}; every field optional. */
export class UpdateCharterRulesBody {
  @ApiPropertyOptional({ type: CriticalityWeightsInput })
  @IsOmittable()
  @ValidateNested()
  @Type(() => CriticalityWeightsInput)
  readonly weights?: CriticalityWeightsInput;

  @ApiPropertyOptional({ type: FindingValuesInput })
  @IsOmittable()
  @ValidateNested()
  @Type(() => FindingValuesInput)
  readonly findingValues?: FindingValuesInput;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: 'At most 2 decimals' })
  @IsOmittable()
  @IsDecimalBetween(0, 100, 2)
  readonly scoreThreshold?: number;

  @ApiPropertyOptional({ type: CorrectiveActionDeadlinesInput })
  @IsOmittable()
  @ValidateNested()
  @Type(() => CorrectiveActionDeadlinesInput)
  readonly correctiveActionDeadlineDays?: CorrectiveActionDeadlinesInput;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1095 })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(1095)
  readonly auditValidityDays?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 500 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(500)
  readonly notApplicableJustificationMinLength?: number;
}

export const TITLE_MAX_LENGTH = 200;
export const TEXT_MAX_LENGTH = 2000;
export const POINT_MAX_LENGTH = 500;

export class LocalisedTitleInput {
  @ApiProperty({ maxLength: TITLE_MAX_LENGTH })
  @IsCharterText(TITLE_MAX_LENGTH)
  readonly fr!: string;

  @ApiProperty({ maxLength: TITLE_MAX_LENGTH })
  @IsCharterText(TITLE_MAX_LENGTH)
  readonly en!: string;
}

export class LocalisedTextInput {
  @ApiProperty({ maxLength: TEXT_MAX_LENGTH })
  @IsCharterText(TEXT_MAX_LENGTH)
  readonly fr!: string;

  @ApiProperty({ maxLength: TEXT_MAX_LENGTH })
  @IsCharterText(TEXT_MAX_LENGTH)
  readonly en!: string;
}

export class VerificationPointInput {
  @ApiProperty({ maxLength: POINT_MAX_LENGTH })
  @IsCharterText(POINT_MAX_LENGTH)
  readonly fr!: string;

  @ApiProperty({ maxLength: POINT_MAX_LENGTH })
  @IsCharterText(POINT_MAX_LENGTH)
  readonly en!: string;
}

/** A commitment of a draft, whole: PUT adds it or replaces it. */
export class SaveCommitmentBody {
  @ApiProperty({ enum: STAKEHOLDER_GROUPS })
  @IsIn(STAKEHOLDER_GROUPS)
  readonly group!: StakeholderGroup;

  @ApiProperty({ enum: CRITICALITIES })
  @IsIn(CRITICALITIES)
  readonly criticality!: Criticality;

  @ApiPropertyOptional({
    enum: NOT_APPLICABLE_CONDITIONS,
    nullable: true,
    type: String,
    description: 'When the commitment may be judged not applicable; null or absent: never',
  })
  @IsOptional()
  @IsIn(NOT_APPLICABLE_CONDITIONS)
  readonly notApplicableWhen?: NotApplicableCondition | null;

  @ApiProperty({ type: LocalisedTitleInput })
  @IsDefined()
  @ValidateNested()
  @Type(() => LocalisedTitleInput)
  readonly title!: LocalisedTitleInput;

  @ApiProperty({ type: LocalisedTextInput })
  @IsDefined()
  @ValidateNested()
  @Type(() => LocalisedTextInput)
  readonly description!: LocalisedTextInput;

  @ApiProperty({ type: LocalisedTextInput })
  @IsDefined()
  @ValidateNested()
  @Type(() => LocalisedTextInput)
  readonly evidenceExpected!: LocalisedTextInput;

  @ApiProperty({ type: [VerificationPointInput], minItems: 2, maxItems: 4 })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => VerificationPointInput)
  readonly verificationPoints!: VerificationPointInput[];
}
