import { IsOmittable, IsUuidField } from 'src/common/validation';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import {
  AUDIT_STATUSES,
  AUDIT_TYPES,
  type AuditStatus,
  type AuditType,
  FINDING_RESULTS,
  type FindingResult,
  MAX_EVIDENCE_PER_FINDING,
  MAX_NOTE_LENGTH,
  REASON_MAX_LENGTH,
  REASON_MIN_LENGTH,
} from 'src/audits/audits.types';
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
import { CorrectiveActionSummaryResponse } from 'src/corrective-actions/corrective-actions.dto';
import { ANSWERS, type Answer } from 'src/self-assessments/self-assessments.types';

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
const IsCalendarDate = (field: string) =>
  applyDecorators(
    Matches(/^\d{4}-\d{2}-\d{2}$/, { message: `${field} must be a date such as 2026-03-02` }),
    IsISO8601({ strict: true }, { message: `${field} must be a date that exists` }),
  );

const DATE_DOC = 'A calendar date in Africa/Casablanca, YYYY-MM-DD';

export class PlanAuditRequest {
  @ApiProperty({ format: 'uuid' })
  @IsUuidField('siteId')
  readonly siteId!: string;

  @ApiProperty({ enum: AUDIT_TYPES })
  @IsIn(AUDIT_TYPES)
  readonly type!: AuditType;

  @ApiProperty({
    format: 'date',
    example: '2026-03-02',
    description: `${DATE_DOC}; today or later, within two years`,
  })
  @IsCalendarDate('plannedFor')
  readonly plannedFor!: string;

  @ApiProperty({ format: 'uuid', description: 'An enabled user with the auditor role' })
  @IsUuidField('auditorId')
  readonly auditorId!: string;
}

export class RescheduleAuditRequest {
  @ApiPropertyOptional({ format: 'date', description: `${DATE_DOC}; today or later` })
  @IsOmittable()
  @IsCalendarDate('plannedFor')
  readonly plannedFor?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'An enabled user with the auditor role' })
  @IsOmittable()
  @IsUuidField('auditorId')
  readonly auditorId?: string;
}

export class CancelAuditRequest {
  @ApiProperty({ minLength: REASON_MIN_LENGTH, maxLength: REASON_MAX_LENGTH })
  @Trim()
  @IsString()
  @Length(REASON_MIN_LENGTH, REASON_MAX_LENGTH)
  readonly reason!: string;
}

export class ReturnAuditRequest {
  @ApiProperty({
    minLength: REASON_MIN_LENGTH,
    maxLength: REASON_MAX_LENGTH,
    description: 'What the auditor must look at again',
  })
  @Trim()
  @IsString()
  @Length(REASON_MIN_LENGTH, REASON_MAX_LENGTH)
  readonly comment!: string;
}

export class FindingParams {
  @ApiProperty({ format: 'uuid' })
  @IsUuidField('id')
  readonly id!: string;

  @ApiProperty({ example: 'E01', pattern: COMMITMENT_CODE_PATTERN.source })
  @Matches(COMMITMENT_CODE_PATTERN, { message: 'code must be a commitment code such as E01' })
  readonly code!: string;
}

export class RecordFindingRequest {
  @ApiProperty({ enum: FINDING_RESULTS })
  @IsIn(FINDING_RESULTS)
  readonly result!: FindingResult;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: MAX_NOTE_LENGTH,
    description:
      'Required for minor_nc and major_nc (what is wrong), and for not_applicable as a ' +
      'justification of at least the version’s `notApplicableJustificationMinLength` characters',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(MAX_NOTE_LENGTH)
  readonly note?: string | null;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: MAX_EVIDENCE_PER_FINDING,
    uniqueItems: true,
    description: 'Evidence of the site’s organisation, uploaded beforehand; replaces the list',
    default: [],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EVIDENCE_PER_FINDING)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'each of evidenceIds must be a UUID' })
  readonly evidenceIds?: string[];
}

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUuidField('siteId')
  readonly siteId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Ignored for members: always their own' })
  @IsOptional()
  @IsUuidField('organisationId')
  readonly organisationId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Ignored for auditors: always themselves' })
  @IsOptional()
  @IsUuidField('auditorId')
  readonly auditorId?: string;

  @ApiPropertyOptional({ enum: AUDIT_STATUSES })
  @IsOptional()
  @IsIn(AUDIT_STATUSES)
  readonly status?: AuditStatus;

  @ApiPropertyOptional({ format: 'date', description: 'Planned on or after this date' })
  @IsOptional()
  @IsCalendarDate('plannedFrom')
  readonly plannedFrom?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Planned on or before this date' })
  @IsOptional()
  @IsCalendarDate('plannedTo')
  readonly plannedTo?: string;
}

export class AuditReturnResponse {
  @ApiProperty()
  readonly comment!: string;

  @ApiProperty({ format: 'uuid' })
  readonly returnedBy!: string;

  @ApiProperty({ format: 'date-time' })
  readonly returnedAt!: string;
}

export class AuditSummaryResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ format: 'uuid' })
  readonly siteId!: string;

  @ApiProperty({ format: 'uuid' })
  readonly organisationId!: string;

  @ApiProperty({ enum: AUDIT_TYPES })
  readonly type!: AuditType;

  @ApiProperty({ enum: AUDIT_STATUSES })
  readonly status!: AuditStatus;

  @ApiProperty({ format: 'date', description: DATE_DOC })
  readonly plannedFor!: string;

  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'Set on start' })
  readonly visitedOn!: string | null;

  @ApiProperty({ format: 'uuid' })
  readonly auditorId!: string;

  @ApiProperty({ format: 'uuid' })
  readonly plannedBy!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2020.1',
    description: 'The latest published version when the audit started, fixed from then on',
  })
  readonly charterVersion!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly startedAt!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The last submission',
  })
  readonly submittedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly closedAt!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  readonly closedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly cancelledAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  readonly cancelReason!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      '0–100, unrounded: 100 × Σ(weight × value) / Σ(weight) over the applicable commitments. ' +
      'Null until closed (and when nothing is applicable)',
  })
  readonly score!: number | null;

  @ApiProperty({ type: GroupScoresResponse, nullable: true, description: 'Null until closed' })
  readonly groupScores!: GroupScoresResponse | null;

  @ApiProperty({ description: 'Also sent as the ETag; send it back in If-Match' })
  readonly version!: number;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  readonly updatedAt!: string;
}

export class FindingResponse {
  @ApiProperty({ format: 'uuid', description: 'What evidence is attached to' })
  readonly id!: string;

  @ApiProperty({ enum: FINDING_RESULTS })
  readonly result!: FindingResult;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Its value under the version’s rules; null when not applicable',
  })
  readonly value!: number | null;

  @ApiProperty({ type: String, nullable: true })
  readonly note!: string | null;

  @ApiProperty({ type: [String], format: 'uuid' })
  readonly evidenceIds!: string[];

  @ApiProperty({ format: 'uuid' })
  readonly recordedBy!: string;

  @ApiProperty({ format: 'date-time' })
  readonly recordedAt!: string;
}

export class SelfAnswerResponse {
  @ApiProperty({ enum: ANSWERS })
  readonly answer!: Answer;

  @ApiProperty({ type: Number, nullable: true, description: 'Null when not applicable' })
  readonly value!: number | null;

  @ApiProperty({ type: String, nullable: true })
  readonly comment!: string | null;
}

export class AuditNotApplicableResponse {
  @ApiProperty({ description: 'Whether the charter ever allows this commitment to be N/A' })
  readonly allowed!: boolean;

  @ApiProperty({ enum: NOT_APPLICABLE_CONDITIONS, nullable: true, type: String })
  readonly when!: NotApplicableCondition | null;

  @ApiProperty({ description: 'Whether the site’s record, as it is now, meets the condition' })
  readonly allowedForSite!: boolean;
}

export class AuditCommitmentResponse {
  @ApiProperty({ example: 'E01' })
  readonly code!: string;

  @ApiProperty({ enum: CRITICALITIES })
  readonly criticality!: Criticality;

  @ApiProperty()
  readonly weight!: number;

  @ApiProperty({ type: LocalisedTextDto })
  readonly title!: LocalisedTextDto;

  @ApiProperty({ type: AuditNotApplicableResponse })
  readonly notApplicable!: AuditNotApplicableResponse;

  @ApiProperty({ type: FindingResponse, nullable: true, description: 'Null until recorded' })
  readonly finding!: FindingResponse | null;

  @ApiProperty({
    type: SelfAnswerResponse,
    nullable: true,
    description: 'The answer of the site’s last submitted self-assessment, if any',
  })
  readonly selfAssessment!: SelfAnswerResponse | null;

  @ApiProperty({ description: 'The member rated it above the finding' })
  readonly overRated!: boolean;
}

export class AuditGroupResponse {
  @ApiProperty({ enum: STAKEHOLDER_GROUPS })
  readonly group!: StakeholderGroup;

  @ApiProperty({ type: LocalisedTextDto })
  readonly title!: LocalisedTextDto;

  @ApiProperty({ type: [AuditCommitmentResponse] })
  readonly commitments!: AuditCommitmentResponse[];
}

export class SelfAssessmentGapResponse {
  @ApiProperty({ format: 'uuid' })
  readonly selfAssessmentId!: string;

  @ApiProperty({ example: '2020.1' })
  readonly charterVersion!: string;

  @ApiProperty({ format: 'date-time' })
  readonly submittedAt!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'The self-score' })
  readonly selfScore!: number | null;

  @ApiProperty({ description: 'Commitments with a value on both sides' })
  readonly compared!: number;

  @ApiProperty({ description: 'Self value above the finding’s value' })
  readonly overRated!: number;

  @ApiProperty({ description: 'Self value below the finding’s value' })
  readonly underRated!: number;

  @ApiProperty()
  readonly agreed!: number;

  @ApiProperty({ type: [String], example: ['E02', 'E07'] })
  readonly overRatedCodes!: string[];
}

export class AuditProgressResponse {
  @ApiProperty({ description: 'Commitments with a finding' })
  readonly recorded!: number;

  @ApiProperty({ description: 'Commitments of the charter version' })
  readonly total!: number;
}

export class AuditResponse extends AuditSummaryResponse {
  @ApiProperty({
    type: [AuditReturnResponse],
    description: 'Each return to the auditor, oldest first',
  })
  readonly returns!: AuditReturnResponse[];

  @ApiProperty({ type: AuditProgressResponse, nullable: true, description: 'Null until started' })
  readonly progress!: AuditProgressResponse | null;

  @ApiProperty({
    type: [AuditGroupResponse],
    nullable: true,
    description:
      'Every commitment of the version with its finding, by stakeholder group in charter ' +
      'order. Null until started, and for members until the audit is closed',
  })
  readonly groups!: AuditGroupResponse[] | null;

  @ApiProperty({
    type: SelfAssessmentGapResponse,
    nullable: true,
    description:
      'The site’s last submitted self-assessment (as of the closing, once closed) against the ' +
      'findings. Null without one, before the start, and for members until the audit is closed',
  })
  readonly selfAssessmentGap!: SelfAssessmentGapResponse | null;

  @ApiProperty({
    type: [CorrectiveActionSummaryResponse],
    description: 'Opened when the audit closed, one per non-conformity',
  })
  readonly correctiveActions!: CorrectiveActionSummaryResponse[];
}

export class AuditPageResponse extends PageResponse(AuditSummaryResponse) {}
