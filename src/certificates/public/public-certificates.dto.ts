import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { CERTIFICATE_STATUSES, type CertificateStatus } from 'src/certificates/certificate.entity';
import { PrintedRecordDto } from 'src/certificates/certificates.dto';
import type { CertificateVerification } from 'src/certificates/public/certificate-verification';
import type { RegistryEntry } from 'src/certificates/public/certificate-registry.service';
import { PAGE_LANGUAGES, type PageLanguage } from 'src/certificates/public/page-language';
import { MAX_TOKEN_LENGTH } from 'src/certificates/signing/certificate-token';
import { TOKEN_TOO_LONG } from 'src/certificates/public/verification-query';
import { PageQuery, PageResponse } from 'src/common/pagination';
import { Trim } from 'src/common/transforms';

const TOKEN_REJECTIONS = [
  'malformed',
  'unsupported_algorithm',
  'unknown_key',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'invalid_claims',
  'other_certificate',
  'record_mismatch',
] as const;

/** Paths and links of the public pages, from PUBLIC_BASE_URL. */
export const publicLinks = (base: string, number: string) => ({
  verificationUrl: `${base}/verify/${number}`,
  pdfUrl: `${base}/api/v1/public/certificates/${number}/pdf`,
});

export class VerificationQuery {
  @ApiPropertyOptional({
    maxLength: MAX_TOKEN_LENGTH,
    description: 'The token of the QR code (compact JWS): checked against this certificate',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TOKEN_LENGTH, { message: TOKEN_TOO_LONG })
  readonly t?: string;
}

export class VerifyPageQuery extends VerificationQuery {
  @ApiPropertyOptional({
    enum: PAGE_LANGUAGES,
    description: 'Wins over Accept-Language; French by default',
  })
  @IsOptional()
  @IsIn(PAGE_LANGUAGES)
  readonly lang?: PageLanguage;
}

export class RegistrySearchQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Part of the company name, in any case, with or without accents',
    maxLength: 100,
  })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(100)
  readonly q?: string;

  @ApiPropertyOptional({ description: 'Part of the city, in any case', maxLength: 100 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(100)
  readonly city?: string;
}

export class RegistryPageQuery extends RegistrySearchQuery {
  @ApiPropertyOptional({ enum: PAGE_LANGUAGES })
  @IsOptional()
  @IsIn(PAGE_LANGUAGES)
  readonly lang?: PageLanguage;
}

export class TokenCheckResponse {
  @ApiProperty({ description: 'Whether a token was given (`?t=`) and checked' })
  readonly checked!: boolean;

  @ApiPropertyOptional({
    description: 'Genuine (signature, key, dates), of this certificate, and binding its record',
  })
  readonly valid?: boolean;

  @ApiPropertyOptional({ enum: TOKEN_REJECTIONS, description: 'Why it is not valid' })
  readonly reason?: (typeof TOKEN_REJECTIONS)[number];

  @ApiPropertyOptional({ description: 'The signing key named by the token (RFC 7638 thumbprint)' })
  readonly kid?: string;
}

export class DeconfinementPrerequisiteResponse {
  @ApiProperty({ description: 'The site holds a valid charter certificate now' })
  readonly met!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The valid certificate that meets it: this one, or the site’s newer one',
  })
  readonly certificateNumber!: string | null;
}

export class CertificateVerificationResponse {
  @ApiProperty({ example: 'AMRC-2026-00042' })
  readonly number!: string;

  @ApiProperty({
    enum: CERTIFICATE_STATUSES,
    description: 'As of checkedAt: nothing is valid past expiresAt. An unknown number is a 404.',
  })
  readonly status!: CertificateStatus;

  @ApiProperty({ type: DeconfinementPrerequisiteResponse })
  readonly deconfinementPrerequisite!: DeconfinementPrerequisiteResponse;

  @ApiProperty({
    type: PrintedRecordDto,
    description: 'What the paper prints; the SHA-256 of its RFC 8785 canonical JSON is `h`',
  })
  readonly printed!: PrintedRecordDto;

  @ApiProperty({ description: 'The token’s `h`: base64url SHA-256 of the printed record' })
  readonly recordHash!: string;

  @ApiProperty({ format: 'date-time' })
  readonly issuedAt!: string;

  @ApiProperty({ format: 'date', description: 'First day (Africa/Casablanca)' })
  readonly validFrom!: string;

  @ApiProperty({ format: 'date', description: 'Last day, inclusive (Africa/Casablanca)' })
  readonly validUntil!: string;

  @ApiProperty({ format: 'date-time', description: 'The instant validity ends' })
  readonly expiresAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly suspendedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly revokedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  readonly revocationReason!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly supersededAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The certificate that replaced it' })
  readonly successorNumber!: string | null;

  @ApiProperty({ example: 'https://charte.example.ma/verify/AMRC-2026-00042' })
  readonly verificationUrl!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The PDF, while valid' })
  readonly pdfUrl!: string | null;

  @ApiProperty({ type: TokenCheckResponse })
  readonly token!: TokenCheckResponse;

  @ApiProperty({ format: 'date-time' })
  readonly checkedAt!: string;
}

export function toVerificationResponse(
  verification: CertificateVerification,
  publicBaseUrl: string,
): CertificateVerificationResponse {
  const { certificate: c, status } = verification;
  const links = publicLinks(publicBaseUrl, c.number);
  return {
    number: c.number,
    status,
    deconfinementPrerequisite: verification.prerequisite,
    printed: c.printed,
    recordHash: c.recordHash,
    issuedAt: c.issuedAt.toISOString(),
    validFrom: c.validFrom,
    validUntil: c.validUntil,
    expiresAt: c.expiresAt.toISOString(),
    suspendedAt: status === 'suspended' ? (c.suspendedAt?.toISOString() ?? null) : null,
    revokedAt: c.revokedAt?.toISOString() ?? null,
    revocationReason: c.revocationReason,
    supersededAt: c.supersededAt?.toISOString() ?? null,
    successorNumber: verification.successorNumber,
    verificationUrl: links.verificationUrl,
    pdfUrl: status === 'valid' ? links.pdfUrl : null,
    token: verification.token,
    checkedAt: verification.checkedAt.toISOString(),
  };
}

export class RegistryEntryResponse {
  @ApiProperty({ example: 'AMRC-2026-00042' })
  readonly number!: string;

  @ApiProperty()
  readonly company!: string;

  @ApiProperty()
  readonly site!: string;

  @ApiProperty()
  readonly city!: string;

  @ApiProperty({ format: 'date' })
  readonly validFrom!: string;

  @ApiProperty({ format: 'date', description: 'Last day, inclusive' })
  readonly validUntil!: string;

  @ApiProperty()
  readonly verificationUrl!: string;

  @ApiProperty()
  readonly pdfUrl!: string;
}

export class RegistryPageResponse extends PageResponse(RegistryEntryResponse) {}

export function toRegistryEntryResponse(
  entry: RegistryEntry,
  publicBaseUrl: string,
): RegistryEntryResponse {
  return { ...entry, ...publicLinks(publicBaseUrl, entry.number) };
}

export class PdfMatchResponse {
  @ApiProperty({ description: 'The bytes are exactly those of an issued certificate’s PDF' })
  readonly match!: boolean;

  @ApiPropertyOptional({ example: 'AMRC-2026-00042' })
  readonly number?: string;

  @ApiPropertyOptional({ enum: CERTIFICATE_STATUSES, description: 'Its status now' })
  readonly status?: CertificateStatus;

  @ApiPropertyOptional({ description: 'Where to see its live status' })
  readonly verificationUrl?: string;
}

export class VerifyPdfForm {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The PDF to check' })
  readonly file!: unknown;
}
