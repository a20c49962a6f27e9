import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { COMPLIANCE_STATUSES, type ComplianceStatus } from 'src/compliance/compliance.types';
import { REGIONS, type Region } from 'src/members/members.types';

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
const IsCalendarDate = (field: string) =>
  applyDecorators(
    Matches(/^\d{4}-\d{2}-\d{2}$/, { message: `${field} must be a date such as 2026-03-02` }),
    IsISO8601({ strict: true }, { message: `${field} must be a date that exists` }),
  );

/** `?region=&from=&to=` of the statistics and of their CSV. */
export class ComplianceStatsQuery {
  @ApiPropertyOptional({ enum: REGIONS })
  @IsOptional()
  @IsIn(REGIONS, { message: `region must be one of ${REGIONS.join(', ')}` })
  readonly region?: Region;

  @ApiPropertyOptional({
    format: 'date',
    description: 'Only sites whose latest closed audit was visited on or after this date',
  })
  @IsOptional()
  @IsCalendarDate('from')
  readonly from?: string;

  @ApiPropertyOptional({
    format: 'date',
    description: 'Only sites whose latest closed audit was visited on or before this date',
  })
  @IsOptional()
  @IsCalendarDate('to')
  readonly to?: string;
}

export type StatusCounts = Record<ComplianceStatus, number>;

export class StatusCountsResponse implements StatusCounts {
  @ApiProperty() readonly suspended!: number;
  @ApiProperty() readonly not_assessed!: number;
  @ApiProperty() readonly expired!: number;
  @ApiProperty() readonly non_compliant!: number;
  @ApiProperty() readonly conditionally_compliant!: number;
  @ApiProperty() readonly compliant!: number;
}

export class StatsFiltersResponse {
  @ApiProperty({ enum: REGIONS, nullable: true, type: String })
  readonly region!: Region | null;

  @ApiProperty({ format: 'date', nullable: true, type: String })
  readonly from!: string | null;

  @ApiProperty({ format: 'date', nullable: true, type: String })
  readonly to!: string | null;
}

export class RegionStatsResponse {
  @ApiProperty({ enum: REGIONS })
  readonly region!: Region;

  @ApiProperty()
  readonly total!: number;

  @ApiProperty({ type: StatusCountsResponse })
  readonly byStatus!: StatusCounts;
}

export class CityStatsResponse {
  @ApiProperty({ description: 'As written on the sites (cities are grouped whatever the case)' })
  readonly city!: string;

  @ApiProperty({ enum: REGIONS })
  readonly region!: Region;

  @ApiProperty()
  readonly total!: number;

  @ApiProperty({ type: StatusCountsResponse })
  readonly byStatus!: StatusCounts;
}

export class ComplianceRateResponse {
  @ApiProperty({ description: 'Sites compliant or conditionally compliant' })
  readonly compliantSites!: number;

  @ApiProperty({ description: 'Sites with a status other than not_assessed' })
  readonly assessedSites!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'compliantSites ÷ assessedSites, 0 to 1 (4 decimals); null without assessed sites',
  })
  readonly rate!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'compliantSites ÷ every site counted, not_assessed included; null without sites',
  })
  readonly rateOverAllSites!: number | null;
}

export class FailedCommitmentResponse {
  @ApiProperty({ example: 'E02' })
  readonly code!: string;

  @ApiProperty({ description: 'Sites whose latest closed audit found a minor non-conformity' })
  readonly minorNc!: number;

  @ApiProperty({ description: 'Sites whose latest closed audit found a major non-conformity' })
  readonly majorNc!: number;

  @ApiProperty()
  readonly total!: number;
}

export class AverageScoresResponse {
  @ApiProperty({ description: 'Sites counted that have a closed audit' })
  readonly audits!: number;

  @ApiProperty({ type: Number, nullable: true })
  readonly score!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  readonly employees!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  readonly clients!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  readonly providers!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  readonly community!: number | null;
}

export class SelfAssessmentGapStatsResponse {
  @ApiProperty({ description: 'Sites with a submitted self-assessment and a closed audit' })
  readonly sites!: number;

  @ApiProperty({ description: 'Commitments with a value on both sides (N/A left out)' })
  readonly compared!: number;

  @ApiProperty({ description: 'Self-assessment value above the audit finding’s value' })
  readonly overRated!: number;

  @ApiProperty()
  readonly underRated!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'overRated ÷ compared, 0 to 1 (4 decimals); null when nothing was compared',
  })
  readonly overRatedShare!: number | null;
}

export class ComplianceStatsResponse {
  @ApiProperty({ type: StatsFiltersResponse })
  readonly filters!: StatsFiltersResponse;

  @ApiProperty({ description: 'Active sites counted' })
  readonly totalSites!: number;

  @ApiProperty({ type: StatusCountsResponse })
  readonly byStatus!: StatusCounts;

  @ApiProperty({ type: [RegionStatsResponse] })
  readonly byRegion!: RegionStatsResponse[];

  @ApiProperty({ type: [CityStatsResponse] })
  readonly byCity!: CityStatsResponse[];

  @ApiProperty({ type: ComplianceRateResponse })
  readonly complianceRate!: ComplianceRateResponse;

  @ApiProperty({ type: [FailedCommitmentResponse], description: 'At most ten, most failed first' })
  readonly mostFailedCommitments!: FailedCommitmentResponse[];

  @ApiProperty({ type: AverageScoresResponse })
  readonly averageScores!: AverageScoresResponse;

  @ApiProperty({ type: SelfAssessmentGapStatsResponse })
  readonly selfAssessmentGap!: SelfAssessmentGapStatsResponse;
}

/** Zero sites in every status. */
export function noStatusCounts(): Record<ComplianceStatus, number> {
  return Object.fromEntries(COMPLIANCE_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/** `part ÷ whole` to 4 decimals, null when there is no whole. */
export function shareOf(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}
