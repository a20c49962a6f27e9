import { IsUuidField } from 'src/common/validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
} from 'class-validator';
import { PageQuery, PageResponse } from 'src/common/pagination';
import { Trim } from 'src/common/transforms';
import {
  CORRECTIVE_ACTION_GRADES,
  CORRECTIVE_ACTION_STATUSES,
  type CorrectiveActionGrade,
  type CorrectiveActionStatus,
  DESCRIPTION_MAX_LENGTH,
  DESCRIPTION_MIN_LENGTH,
  MAX_EVIDENCE_PER_RESPONSE,
  RESPONSE_OUTCOMES,
  type ResponseOutcome,
  REVIEW_COMMENT_MAX_LENGTH,
  REVIEW_COMMENT_MIN_LENGTH,
} from 'src/corrective-actions/corrective-actions.types';

export class CorrectiveActionQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUuidField('siteId')
  readonly siteId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Ignored for members: always their own' })
  @IsOptional()
  @IsUuidField('organisationId')
  readonly organisationId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The audit that opened them' })
  @IsOptional()
  @IsUuidField('auditId')
  readonly auditId?: string;

  @ApiPropertyOptional({ enum: CORRECTIVE_ACTION_STATUSES })
  @IsOptional()
  @IsIn(CORRECTIVE_ACTION_STATUSES)
  readonly status?: CorrectiveActionStatus;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: open and past their due date now; false: the others',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'overdue must be true or false' })
  readonly overdue?: boolean;
}

export class RespondRequest {
  @ApiProperty({
    minLength: DESCRIPTION_MIN_LENGTH,
    maxLength: DESCRIPTION_MAX_LENGTH,
    description: 'What the site did about the non-conformity',
  })
  @Trim()
  @IsString()
  @Length(DESCRIPTION_MIN_LENGTH, DESCRIPTION_MAX_LENGTH)
  readonly description!: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: MAX_EVIDENCE_PER_RESPONSE,
    uniqueItems: true,
    description: 'Evidence of the organisation, uploaded beforehand',
    default: [],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EVIDENCE_PER_RESPONSE)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'each of evidenceIds must be a UUID' })
  readonly evidenceIds?: string[];
}

export class VerifyRequest {
  @ApiPropertyOptional({ minLength: 1, maxLength: REVIEW_COMMENT_MAX_LENGTH })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, REVIEW_COMMENT_MAX_LENGTH)
  readonly comment?: string;
}

export class RejectRequest {
  @ApiProperty({
    minLength: REVIEW_COMMENT_MIN_LENGTH,
    maxLength: REVIEW_COMMENT_MAX_LENGTH,
    description: 'Why the response does not resolve the non-conformity',
  })
  @Trim()
  @IsString()
  @Length(REVIEW_COMMENT_MIN_LENGTH, REVIEW_COMMENT_MAX_LENGTH)
  readonly comment!: string;
}

export class CorrectiveActionReplyResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty()
  readonly description!: string;

  @ApiProperty({ type: [String], format: 'uuid' })
  readonly evidenceIds!: string[];

  @ApiProperty({ format: 'uuid' })
  readonly respondedBy!: string;

  @ApiProperty({ format: 'date-time' })
  readonly respondedAt!: string;

  @ApiProperty({
    enum: RESPONSE_OUTCOMES,
    nullable: true,
    type: String,
    description: 'Null while an auditor reviews it',
  })
  readonly outcome!: ResponseOutcome | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  readonly reviewedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly reviewedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  readonly reviewComment!: string | null;
}

export class CorrectiveActionSummaryResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ format: 'uuid' })
  readonly auditId!: string;

  @ApiProperty({ format: 'uuid' })
  readonly findingId!: string;

  @ApiProperty({ format: 'uuid' })
  readonly siteId!: string;

  @ApiProperty({ format: 'uuid' })
  readonly organisationId!: string;

  @ApiProperty({ example: 'E05' })
  readonly code!: string;

  @ApiProperty({ enum: CORRECTIVE_ACTION_GRADES })
  readonly grade!: CorrectiveActionGrade;

  @ApiProperty({ description: 'The non-conformity, as the auditor described it' })
  readonly findingNote!: string;

  @ApiProperty({ enum: CORRECTIVE_ACTION_STATUSES })
  readonly status!: CorrectiveActionStatus;

  @ApiProperty({
    description:
      'Open (never responded to, or its last response rejected) and past dueAt, now; derived ' +
      'from the clock on every read',
  })
  readonly overdue!: boolean;

  @ApiProperty({ format: 'date-time', description: 'When its audit closed' })
  readonly openedAt!: string;

  @ApiProperty({ format: 'date-time' })
  readonly dueAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly verifiedAt!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  readonly verifiedBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly supersededAt!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  readonly supersededByAuditId!: string | null;

  @ApiProperty({ description: 'Also sent as the ETag; If-Match is honoured on its changes' })
  readonly version!: number;
}

export class CorrectiveActionResponse extends CorrectiveActionSummaryResponse {
  @ApiProperty({ type: [CorrectiveActionReplyResponse], description: 'Oldest first' })
  readonly responses!: CorrectiveActionReplyResponse[];
}

export class CorrectiveActionPageResponse extends PageResponse(CorrectiveActionSummaryResponse) {}
