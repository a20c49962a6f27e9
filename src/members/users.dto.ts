import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { ROLES, type Role } from 'src/auth/roles';
import { PageQuery, PageResponse } from 'src/common/pagination';
import { IsEmailAddress, IsNewPassword } from 'src/common/validation';
import { LANGUAGES, type Language } from 'src/members/members.types';
import { Trim } from 'src/common/transforms';
import type { User } from 'src/members/user.entity';

export class CreateUserRequest {
  @IsEmailAddress('email', 'Unique, in any case')
  readonly email!: string;

  @IsNewPassword()
  readonly password!: string;

  @ApiProperty({ minLength: 2, maxLength: 200, example: 'Samira El Idrissi' })
  @Trim()
  @IsString()
  @Length(2, 200)
  readonly fullName!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  readonly role!: Role;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Required for a member (an active organisation), absent for admin and auditor',
  })
  @IsOptional()
  @IsUUID('all', { message: 'organisationId must be a UUID' })
  readonly organisationId?: string;
}

/** A user who sets their own password from the invitation email. */
export class InviteUserRequest extends OmitType(CreateUserRequest, ['password'] as const) {
  @ApiPropertyOptional({
    enum: LANGUAGES,
    default: 'fr',
    description:
      'The language of the account and of the invitation email (emails in Arabic are sent in ' +
      'French); the user can change it later',
  })
  @IsOptional()
  @IsIn(LANGUAGES)
  readonly preferredLanguage?: Language;
}

export class UpdateUserRequest {
  @ApiPropertyOptional({ minLength: 2, maxLength: 200 })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(2, 200)
  readonly fullName?: string;

  @ApiPropertyOptional({
    enum: ROLES,
    description: 'Ends the user’s sessions; to admin or auditor clears the organisation',
  })
  @IsOptional()
  @IsIn(ROLES)
  readonly role?: Role;

  @ApiPropertyOptional({ format: 'uuid', description: 'Members only: moves them to another one' })
  @IsOptional()
  @IsUUID('all', { message: 'organisationId must be a UUID' })
  readonly organisationId?: string;

  @ApiPropertyOptional({ description: 'true ends every session of the user at once' })
  @IsOptional()
  @IsBoolean()
  readonly disabled?: boolean;
}

export class UserQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Part of the email or of the name, in any case' })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(100)
  readonly q?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  readonly role?: Role;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'organisationId must be a UUID' })
  readonly organisationId?: string;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ format: 'email' })
  readonly email!: string;

  @ApiProperty()
  readonly fullName!: string;

  @ApiProperty({ enum: ROLES })
  readonly role!: Role;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  readonly organisationId!: string | null;

  @ApiProperty({ enum: LANGUAGES })
  readonly preferredLanguage!: Language;

  @ApiProperty()
  readonly disabled!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly disabledAt!: string | null;

  @ApiProperty({ description: 'Also sent as the ETag; send it back in If-Match' })
  readonly version!: number;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  readonly updatedAt!: string;
}

export class UserPageResponse extends PageResponse(UserResponse) {}

/** Never the password hash nor the token version. */
export function toUserResponse(u: User): UserResponse {
  return {
    id: u.id,
    email: u.email,
    fullName: u.fullName,
    role: u.role,
    organisationId: u.organisationId,
    preferredLanguage: u.preferredLanguage,
    disabled: u.disabledAt !== null,
    disabledAt: u.disabledAt?.toISOString() ?? null,
    version: u.version,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}
