import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { GroupScoresResponse } from 'src/charter/charter.dto';
import { PageQuery, PageResponse } from 'src/common/pagination';
import { Trim } from 'src/common/transforms';
import {
  COMPLIANCE_CAUSES,
  type ComplianceCause,
  type SiteComplianceHistory,
} from 'src/compliance/compliance-history.entity';
import {
  COMPLIANCE_RULES,
  COMPLIANCE_STATUSES,
  type ComplianceReason,
  type ComplianceResult,
  type ComplianceRule,
  type ComplianceStatus,
} from 'src/compliance/compliance.types';

export const SUSPENSION_REASON_MIN_LENGTH = 10;
export const SUSPENSION_REASON_MAX_LENGTH = 500;

export class SuspensionRequest {
  @ApiProperty({ minLength: SUSPENSION_REASON_MIN_LENGTH, maxLength: SUSPENSION_REASON_MAX_LENGTH })
  @Trim()
  @IsString()
  @Length(SUSPENSION_REASON_MIN_LENGTH, SUSPENSION_REASON_MAX_LENGTH)
  readonly reason!: string;
}

export class ComplianceHistoryQuery extends PageQuery {}

class LocalisedTextDto {
  @ApiProperty()
  readonly fr!: string;

  @ApiProperty()
  readonly en!: string;
}

class ReasonRefsDto {
  @ApiProperty({ type: [String], example: ['E02'] })
  readonly commitments!: string[];

  @ApiProperty({ type: [String], format: 'uuid' })
  readonly findingIds!: string[];

  @ApiProperty({ type: [String], format: 'uuid' })
  readonly correctiveActionIds!: string[];
}

export class ComplianceReasonDto {
  @ApiProperty({ enum: COMPLIANCE_RULES })
  readonly rule!: ComplianceRule;

  @ApiProperty({ type: LocalisedTextDto })
  readonly detail!: LocalisedTextDto;

  @ApiProperty({ type: ReasonRefsDto })
  readonly refs!: ReasonRefsDto;
}

export class ComplianceResponse {
  @ApiProperty({ format: 'uuid' })
  readonly siteId!: string;

  @ApiProperty({ enum: COMPLIANCE_STATUSES })
  readonly status!: ComplianceStatus;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Unrounded; null before any closed audit',
  })
  readonly score!: number | null;

  @ApiProperty({ type: GroupScoresResponse })
  readonly groupScores!: GroupScoresResponse;

  @ApiProperty({
    type: [ComplianceReasonDto],
    description: 'Every rule that holds, in rule order; the first decides the status',
  })
  readonly reasons!: ComplianceReasonDto[];

  @ApiProperty({ format: 'date-time' })
  readonly evaluatedAt!: string;

  @ApiProperty({
    type: String,
    format: 'date',
    nullable: true,
    description: 'Last day (inclusive, Africa/Casablanca) of the latest closed audit’s validity',
  })
  readonly validUntil!: string | null;
}

export class ComplianceHistoryItemResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ enum: COMPLIANCE_STATUSES, nullable: true, type: String })
  readonly from!: ComplianceStatus | null;

  @ApiProperty({ enum: COMPLIANCE_STATUSES })
  readonly to!: ComplianceStatus;

  @ApiPropertyOptional({ type: Number, nullable: true })
  readonly score!: number | null;

  @ApiProperty({ type: [ComplianceReasonDto] })
  readonly reasons!: ComplianceReasonDto[];

  @ApiProperty({ enum: COMPLIANCE_CAUSES })
  readonly cause!: ComplianceCause;

  @ApiProperty({ format: 'date-time' })
  readonly at!: string;
}

export class ComplianceHistoryPageResponse extends PageResponse(ComplianceHistoryItemResponse) {}

const copyReasons = (reasons: readonly ComplianceReason[]): ComplianceReasonDto[] =>
  reasons.map((r) => ({
    rule: r.rule,
    detail: { fr: r.detail.fr, en: r.detail.en },
    refs: {
      commitments: [...r.refs.commitments],
      findingIds: [...r.refs.findingIds],
      correctiveActionIds: [...r.refs.correctiveActionIds],
    },
  }));

export function toComplianceResponse(result: ComplianceResult): ComplianceResponse {
  return {
    siteId: result.siteId,
    status: result.status,
    score: result.score,
    groupScores: { ...result.groupScores },
    reasons: copyReasons(result.reasons),
    evaluatedAt: result.evaluatedAt.toISOString(),
    validUntil: result.validUntil,
  };
}

export function toComplianceHistoryItemResponse(
  entry: SiteComplianceHistory,
): ComplianceHistoryItemResponse {
  return {
    id: entry.id,
    from: entry.fromStatus,
    to: entry.toStatus,
    score: entry.score,
    reasons: copyReasons(entry.reasons),
    cause: entry.cause,
    at: entry.at.toISOString(),
  };
}
