import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Trim, TrimLowerCase } from 'src/common/transforms';
import { IsEmail, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { ACCOUNT_TOKEN_PATTERN } from 'src/auth/account-tokens';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from 'src/auth/password';
import { ROLES, type Role } from 'src/auth/roles';
import { IsNewPassword } from 'src/common/validation';
import { LANGUAGES, type Language } from 'src/members/members.types';

export class LoginRequest {
  @ApiProperty({ example: 'admin@localhost' })
  @Trim()
  @IsString()
  @MaxLength(254)
  readonly email!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  readonly password!: string;
}

export class RefreshRequest {
  @ApiProperty({ description: 'The refresh token of the last login or refresh' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'refreshToken is not a refresh token' })
  readonly refreshToken!: string;
}

export class TokenPairResponse {
  @ApiProperty({ description: 'JWT (HS256) to send as `Authorization: Bearer …`' })
  readonly accessToken!: string;

  @ApiProperty({ description: 'Opaque, single use: exchange it at /auth/refresh' })
  readonly refreshToken!: string;

  @ApiProperty({ description: 'Lifetime of the access token, in seconds', example: 900 })
  readonly expiresIn!: number;
}

export class MeResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty()
  readonly email!: string;

  @ApiProperty()
  readonly fullName!: string;

  @ApiProperty({ enum: ROLES })
  readonly role!: Role;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  readonly organisationId!: string | null;

  @ApiProperty({ enum: LANGUAGES })
  readonly preferredLanguage!: Language;
}

export class UpdateMeRequest {
  @ApiPropertyOptional({ minLength: 2, maxLength: 200 })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(2, 200)
  readonly fullName?: string;

  @ApiPropertyOptional({ enum: LANGUAGES })
  @IsOptional()
  @IsIn(LANGUAGES)
  readonly preferredLanguage?: Language;

  @ApiPropertyOptional({ format: 'password', description: 'Required to set a new password' })
  @IsOptional()
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  readonly currentPassword?: string;

  @ApiPropertyOptional({
    format: 'password',
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'Ends every other session',
  })
  @IsOptional()
  @IsString()
  readonly newPassword?: string;
}

export class UpdateMeResponse extends MeResponse {
  @ApiPropertyOptional({
    type: TokenPairResponse,
    description: 'After a password change: the new session (every earlier token is void)',
  })
  readonly session?: TokenPairResponse;
}

/** Any address an account may have, the first administrator's `admin@localhost` included. */
export class PasswordResetRequest {
  @ApiProperty({ format: 'email', example: 'admin@localhost', maxLength: 254 })
  @TrimLowerCase()
  @IsString()
  @MaxLength(254)
  @IsEmail({ require_tld: false }, { message: 'email must be an email address' })
  readonly email!: string;
}

/** A token from an account email and the password it lets its holder set. */
export class SetPasswordWithTokenRequest {
  @ApiProperty({ description: 'The code of the email (43 characters)' })
  @IsString()
  @Matches(ACCOUNT_TOKEN_PATTERN, { message: 'token is not a code sent by email' })
  readonly token!: string;

  @IsNewPassword()
  readonly password!: string;
}
