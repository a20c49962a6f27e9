import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQuery, PageResponse } from 'src/common/pagination';
import { ACTIVITIES, type Activity, REGIONS, type Region } from 'src/members/members.types';
import { Trim } from 'src/common/transforms';
import type { Site } from 'src/members/site.entity';

export const MAX_HEADCOUNT = 100_000;

/** What a member may change of their own sites; the rest is the association's. */
export const OPERATIONAL_SITE_FIELDS = [
  'address',
  'headcountOnSite',
  'headcountRemote',
  'activities',
  'providesStaffTransport',
] as const;

export class CreateSiteRequest {
  @ApiProperty({ minLength: 2, maxLength: 200, example: 'Plateau Casa Nearshore' })
  @Trim()
  @IsString()
  @Length(2, 200)
  readonly name!: string;

  @ApiProperty({ minLength: 5, maxLength: 500, example: 'Casanearshore, shore 7, Sidi Maârouf' })
  @Trim()
  @IsString()
  @Length(5, 500)
  readonly address!: string;

  @ApiProperty({ minLength: 2, maxLength: 100, example: 'Casablanca' })
  @Trim()
  @IsString()
  @Length(2, 100)
  readonly city!: string;

  @ApiProperty({ enum: REGIONS, description: 'One of the 12 regions of 2015' })
  @IsIn(REGIONS)
  readonly region!: Region;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_HEADCOUNT })
  @IsInt()
  @Min(0)
  @Max(MAX_HEADCOUNT)
  readonly headcountOnSite!: number;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_HEADCOUNT })
  @IsInt()
  @Min(0)
  @Max(MAX_HEADCOUNT)
  readonly headcountRemote!: number;

  @ApiProperty({ enum: ACTIVITIES, isArray: true, minItems: 1, maxItems: 2, uniqueItems: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsIn(ACTIVITIES, { each: true })
  readonly activities!: Activity[];

  @ApiProperty()
  @IsBoolean()
  readonly providesStaffTransport!: boolean;
}

// Each field may be left out, but not sent as null: every column is required.
export class UpdateSiteRequest extends PartialType(CreateSiteRequest, {
  skipNullProperties: false,
}) {}

export class OrganisationSiteQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Part of the name, in any case', maxLength: 100 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(100)
  readonly q?: string;

  @ApiPropertyOptional({ description: 'The city, in any case', maxLength: 100 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(100)
  readonly city?: string;

  @ApiPropertyOptional({ enum: REGIONS })
  @IsOptional()
  @IsIn(REGIONS)
  readonly region?: Region;
}

export class SiteQuery extends OrganisationSiteQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Ignored for members: always their own' })
  @IsOptional()
  @IsUUID('all', { message: 'organisationId must be a UUID' })
  readonly organisationId?: string;
}

export class SiteResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ format: 'uuid' })
  readonly organisationId!: string;

  @ApiProperty()
  readonly name!: string;

  @ApiProperty()
  readonly address!: string;

  @ApiProperty()
  readonly city!: string;

  @ApiProperty({ enum: REGIONS })
  readonly region!: Region;

  @ApiProperty()
  readonly headcountOnSite!: number;

  @ApiProperty()
  readonly headcountRemote!: number;

  @ApiProperty({ enum: ACTIVITIES, isArray: true })
  readonly activities!: Activity[];

  @ApiProperty()
  readonly providesStaffTransport!: boolean;

  @ApiProperty({ description: 'False once the membership of its organisation has ended' })
  readonly active!: boolean;

  @ApiProperty({ description: 'Also sent as the ETag; send it back in If-Match' })
  readonly version!: number;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  readonly updatedAt!: string;
}

export class SitePageResponse extends PageResponse(SiteResponse) {}

export function toSiteResponse(s: Site): SiteResponse {
  return {
    id: s.id,
    organisationId: s.organisationId,
    name: s.name,
    address: s.address,
    city: s.city,
    region: s.region,
    headcountOnSite: s.headcountOnSite,
    headcountRemote: s.headcountRemote,
    activities: s.activities,
    providesStaffTransport: s.providesStaffTransport,
    active: s.active,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
