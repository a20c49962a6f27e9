import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQuery, PageResponse } from 'src/common/pagination';
import type { JournalEntry } from 'src/journal/journal-entry.entity';

export class JournalQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'site' })
  @IsOptional()
  @Matches(/^[a-z_]{1,64}$/, { message: 'entityType must be a lower-case entity name' })
  readonly entityType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(64)
  readonly entityId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  readonly actorId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  readonly organisationId?: string;

  @ApiPropertyOptional({ example: 'site.updated' })
  @IsOptional()
  @Matches(/^[a-z_.]{1,64}$/, { message: 'action must look like site.updated' })
  readonly action?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'From this instant, inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  readonly from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Until this instant, exclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  readonly to?: string;
}

export class JournalEntryResponse {
  @ApiProperty()
  readonly seq!: number;

  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ format: 'date-time' })
  readonly occurredAt!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  readonly actorId!: string | null;

  @ApiProperty({ nullable: true, type: String })
  readonly actorRole!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  readonly organisationId!: string | null;

  @ApiProperty({ example: 'site.updated' })
  readonly action!: string;

  @ApiProperty({ example: 'site' })
  readonly entityType!: string;

  @ApiProperty()
  readonly entityId!: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  readonly changes!: Record<string, unknown>;

  @ApiProperty({ nullable: true, type: String })
  readonly requestId!: string | null;

  @ApiProperty()
  readonly prevHash!: string;

  @ApiProperty()
  readonly hash!: string;
}

export class JournalPageResponse extends PageResponse(JournalEntryResponse) {}

export function toJournalEntryResponse(entry: JournalEntry): JournalEntryResponse {
  return {
    seq: entry.seq,
    id: entry.id,
    occurredAt: entry.occurredAt.toISOString(),
    actorId: entry.actorId,
    actorRole: entry.actorRole,
    organisationId: entry.organisationId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    changes: entry.changes,
    requestId: entry.requestId,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}
