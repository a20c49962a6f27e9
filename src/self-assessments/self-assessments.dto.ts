import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import {
  COMMITMENT_CODE_PATTERN,
  GroupScoresResponse,
  LocalisedTextDto,
} from 'src/charter/charter.dto';
import {
  CRITICALITIES,
  type Criticality,
  NOT_APPLICABLE_CONDITIONS,
  type NotApplicableCondition,
  STAKEHOLDER_GROUPS,
  type StakeholderGroup,
} from 'src/charter/charter.types';
import { PageQuery, PageResponse } from 'src/common/pagination';
import { Trim } from 'src/common/transforms';
import {
  ANSWERS,
  type Answer,
  MAX_COMMENT_LENGTH,
  MAX_EVIDENCE_PER_ANSWER,
  SELF_ASSESSMENT_STATUSES,
  type SelfAssessmentStatus,
} from 'src/self-assessments/self-assessments.types';

export class AnswerParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  readonly id!: string;

  @ApiProperty({ example: 'E01', pattern: COMMITMENT_CODE_PATTERN.source })
  @Matches(COMMITMENT_CODE_PATTERN, { message: 'code must be a commitment code such as E01' })
  readonly code!: string;
}

export class SaveAnswerRequest {
  @ApiProperty({ enum: ANSWERS })
  @IsIn(ANSWERS)
  readonly answer!: Answer;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_COMMENT_LENGTH,
    description:
      'Required for not_applicable, as a justification of at least the charter version’s ' +
      '`notApplicableJustificationMinLength` characters (20 in 2020.1)',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(MAX_COMMENT_LENGTH)
  readonly comment?: string | null;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: MAX_EVIDENCE_PER_ANSWER,
    uniqueItems: true,
    description: 'Evidence of the organisation, uploaded beforehand; replaces the answer’s list',
    default: [],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EVIDENCE_PER_ANSWER)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'each of evidenceIds must be a UUID' })
  readonly evidenceIds?: string[];
}

export class SelfAssessmentQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SELF_ASSESSMENT_STATUSES })
  @IsOptional()
  @IsIn(SELF_ASSESSMENT_STATUSES)
  readonly status?: SelfAssessmentStatus;
}

export class ProgressResponse {
  @ApiProperty({ description: 'Commitments answered so far' })
  readonly answered!: number;

  @ApiProperty({ description: 'Commitments of the charter version' })
  readonly total!: number;
}

export class SelfAssessmentSummaryResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ format: 'uuid' })
  readonly siteId!: string;

  @ApiProperty({ format: 'uuid' })
  readonly organisationId!: string;

  @ApiProperty({ example: '2020.1', description: 'The charter version assessed against' })
  readonly charterVersion!: string;

  @ApiProperty({ enum: SELF_ASSESSMENT_STATUSES })
  readonly status!: SelfAssessmentStatus;

  @ApiProperty({ format: 'uuid' })
  readonly startedBy!: string;

  @ApiProperty({ format: 'date-time' })
  readonly startedAt!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  readonly submittedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly submittedAt!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Self-score, 0–100, unrounded: 100 × Σ(weight × value) / Σ(weight) over the applicable ' +
      'commitments. Null until submitted',
  })
  readonly score!: number | null;

  @ApiProperty({
    type: GroupScoresResponse,
    nullable: true,
    description:
      'The same per stakeholder group (null for a group with nothing applicable); null until submitted',
  })
  readonly groupScores!: GroupScoresResponse | null;

  @ApiProperty({ type: ProgressResponse })
  readonly progress!: ProgressResponse;

  @ApiProperty({ description: 'Also sent as the ETag; send it back in If-Match' })
  readonly version!: number;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  readonly updatedAt!: string;
}

export class SelfAssessmentPageResponse extends PageResponse(SelfAssessmentSummaryResponse) {}

export class AnswerResponse {
  @ApiProperty({ enum: ANSWERS })
  readonly answer!: Answer;

  @ApiProperty({ type: String, nullable: true })
  readonly comment!: string | null;

  @ApiProperty({ type: [String], format: 'uuid' })
  readonly evidenceIds!: string[];

  @ApiProperty({ format: 'uuid' })
  readonly answeredBy!: string;

  @ApiProperty({ format: 'date-time' })
  readonly answeredAt!: string;
}

export class SelfAssessmentNotApplicableResponse {
  @ApiProperty({ description: 'Whether the charter allows the commitment to be not applicable' })
  readonly allowed!: boolean;

  @ApiProperty({ enum: NOT_APPLICABLE_CONDITIONS, nullable: true, type: String })
  readonly when!: NotApplicableCondition | null;

  @ApiProperty({ type: LocalisedTextDto, nullable: true })
  readonly condition!: LocalisedTextDto | null;

  @ApiProperty({ description: 'Whether the site’s record, as it is now, meets the condition' })
  readonly allowedForSite!: boolean;
}

export class SelfAssessmentCommitmentResponse {
  @ApiProperty({ example: 'E01' })
  readonly code!: string;

  @ApiProperty({ enum: CRITICALITIES })
  readonly criticality!: Criticality;

  @ApiProperty()
  readonly weight!: number;

  @ApiProperty({ type: LocalisedTextDto })
  readonly title!: LocalisedTextDto;

  @ApiProperty({ type: SelfAssessmentNotApplicableResponse })
  readonly notApplicable!: SelfAssessmentNotApplicableResponse;

  @ApiProperty({ type: AnswerResponse, nullable: true, description: 'Null until answered' })
  readonly answer!: AnswerResponse | null;
}

export class SelfAssessmentGroupResponse {
  @ApiProperty({ enum: STAKEHOLDER_GROUPS })
  readonly group!: StakeholderGroup;

  @ApiProperty({ type: LocalisedTextDto })
  readonly title!: LocalisedTextDto;

  @ApiProperty({ type: [SelfAssessmentCommitmentResponse] })
  readonly commitments!: SelfAssessmentCommitmentResponse[];
}

export class SelfAssessmentResponse extends SelfAssessmentSummaryResponse {
  @ApiProperty({
    type: [SelfAssessmentGroupResponse],
    description: 'Every commitment of the version, by stakeholder group, in charter order',
  })
  readonly groups!: SelfAssessmentGroupResponse[];
}
