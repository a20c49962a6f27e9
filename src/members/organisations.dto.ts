import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { PageQuery, PageResponse } from 'src/common/pagination';
import { ORGANISATION_STATUSES, type OrganisationStatus } from 'src/members/members.types';
import { Trim, TrimUpperCase } from 'src/common/transforms';
import { IsEmailAddress } from 'src/common/validation';
import type { Organisation } from 'src/members/organisation.entity';

export const ICE_PATTERN = /^\d{15}$/;
export const MEMBERSHIP_NUMBER_PATTERN = /^[A-Z0-9-]{3,32}$/;

export class CreateOrganisationRequest {
  @ApiProperty({ minLength: 2, maxLength: 200, example: 'Atlas Relation Client' })
  @Trim()
  @IsString()
  @Length(2, 200)
  readonly name!: string;

  @ApiProperty({
    description: 'Identifiant Commun de l’Entreprise: 15 digits',
    pattern: ICE_PATTERN.source,
    example: '001525874000039',
  })
  @Trim()
  @IsString()
  @Matches(ICE_PATTERN, { message: 'ice must be exactly 15 digits' })
  readonly ice!: string;

  @ApiProperty({
    description: 'Given by the association; upper-cased',
    pattern: MEMBERSHIP_NUMBER_PATTERN.source,
    example: 'AMRC-0042',
  })
  @TrimUpperCase()
  @IsString()
  @Matches(MEMBERSHIP_NUMBER_PATTERN, {
    message: 'membershipNumber must be 3 to 32 letters, digits or dashes',
  })
  readonly membershipNumber!: string;

  @IsEmailAddress('contactEmail', 'Stored in lower case')
  readonly contactEmail!: string;
}

// Each field may be left out, but not sent as null: every column is required.
export class UpdateOrganisationRequest extends PartialType(CreateOrganisationRequest, {
  skipNullProperties: false,
}) {}

export class EndMembershipRequest {
  @ApiProperty({ minLength: 10, maxLength: 500, example: 'Cotisation 2021 impayée après relance' })
  @Trim()
  @IsString()
  @Length(10, 500)
  readonly reason!: string;
}

export class OrganisationQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Part of the name, in any case', maxLength: 100 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(100)
  readonly q?: string;

  @ApiPropertyOptional({ enum: ORGANISATION_STATUSES })
  @IsOptional()
  @IsIn(ORGANISATION_STATUSES)
  readonly status?: OrganisationStatus;
}

export class OrganisationResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty()
  readonly name!: string;

  @ApiProperty({ example: '001525874000039' })
  readonly ice!: string;

  @ApiProperty({ example: 'AMRC-0042' })
  readonly membershipNumber!: string;

  @ApiProperty({ format: 'email' })
  readonly contactEmail!: string;

  @ApiProperty({ enum: ORGANISATION_STATUSES })
  readonly status!: OrganisationStatus;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly membershipEndedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  readonly membershipEndReason!: string | null;

  @ApiProperty({ description: 'Also sent as the ETag; send it back in If-Match' })
  readonly version!: number;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  readonly updatedAt!: string;
}

export class OrganisationPageResponse extends PageResponse(OrganisationResponse) {}

export function toOrganisationResponse(o: Organisation): OrganisationResponse {
  return {
    id: o.id,
    name: o.name,
    ice: o.ice,
    membershipNumber: o.membershipNumber,
    contactEmail: o.contactEmail,
    status: o.status,
    membershipEndedAt: o.membershipEndedAt?.toISOString() ?? null,
    membershipEndReason: o.membershipEndReason,
    version: o.version,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}
