import { Param, type PipeTransform } from '@nestjs/common';
import { ApiParam, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import type { Certificate, CertificateStatus } from 'src/certificates/certificate.entity';
import { CERTIFICATE_NUMBER_PATTERN } from 'src/certificates/certificate-number';
import { effectiveStatus } from 'src/certificates/certificate-status';
import type { PrintedRecord } from 'src/certificates/printed-record';
import { RequestValidationError } from 'src/common/errors';
import { GroupScoresResponse } from 'src/charter/charter.dto';
import { PageQuery, PageResponse } from 'src/common/pagination';
import { Trim } from 'src/common/transforms';
import { IsUuidField } from 'src/common/validation';

/**
 * A certificate's status in the certificates API (DESIGN.md): `active` while it holds (stored
 * `valid`, within its dates); the public verification calls that `valid`.
 */
export const CERTIFICATE_API_STATUSES = [
  'active',
  'suspended',
  'revoked',
  'expired',
  'superseded',
] as const;
export type CertificateApiStatus = (typeof CERTIFICATE_API_STATUSES)[number];

export function apiStatusOf(status: CertificateStatus): CertificateApiStatus {
  return status === 'valid' ? 'active' : status;
}

export const REVOCATION_REASON_MIN_LENGTH = 10;
export const REVOCATION_REASON_MAX_LENGTH = 500;

const DATE_DOC = 'A calendar date in Africa/Casablanca, YYYY-MM-DD';
const NUMBER_EXAMPLE = 'AMRC-2026-00042';

/** The path of a certificate's PDF under the API. */
export const certificatePdfPath = (number: string) => `/api/v1/certificates/${number}/pdf`;

/** What the QR code holds: the public verification page with the signed token. */
export const verificationUrl = (publicBaseUrl: string, number: string, token: string) =>
  `${publicBaseUrl}/verify/${number}?t=${token}`;

class CertificateNumberPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !CERTIFICATE_NUMBER_PATTERN.test(value)) {
      throw new RequestValidationError([
        {
          field: 'number',
          message: `number must be a certificate number such as ${NUMBER_EXAMPLE}`,
        },
      ]);
    }
    return value;
  }
}

/** A path `:number` that must look like `AMRC-2026-00042`; anything else is a 400. */
export const CertificateNumberParam = (): ParameterDecorator =>
  Param('number', new CertificateNumberPipe());

export const ApiCertificateNumberParam = () =>
  ApiParam({
    name: 'number',
    type: String,
    required: true,
    example: NUMBER_EXAMPLE,
    schema: { type: 'string', pattern: CERTIFICATE_NUMBER_PATTERN.source },
  });

export class CertificateQuery extends PageQuery {
  @ApiPropertyOptional({
    enum: CERTIFICATE_API_STATUSES,
    description: 'As shown: an active certificate past its end counts as expired',
  })
  @IsOptional()
  @IsIn(CERTIFICATE_API_STATUSES)
  readonly status?: CertificateApiStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUuidField('siteId')
  readonly siteId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Ignored for members: always their own' })
  @IsOptional()
  @IsUuidField('organisationId')
  readonly organisationId?: string;
}

export class RevokeCertificateRequest {
  @ApiProperty({
    minLength: REVOCATION_REASON_MIN_LENGTH,
    maxLength: REVOCATION_REASON_MAX_LENGTH,
    description: 'Why, as the verification page will show it',
  })
  @Trim()
  @IsString()
  @Length(REVOCATION_REASON_MIN_LENGTH, REVOCATION_REASON_MAX_LENGTH)
  readonly reason!: string;
}

class PrintedCompanyDto {
  @ApiProperty()
  readonly name!: string;

  @ApiProperty({ example: '001524789000041', description: 'ICE, 15 digits' })
  readonly ice!: string;
}

class PrintedSiteDto {
  @ApiProperty()
  readonly name!: string;

  @ApiProperty()
  readonly address!: string;

  @ApiProperty()
  readonly city!: string;
}

/** The record printed on the PDF, whose canonical JSON's SHA-256 is the token's `h`. */
export class PrintedRecordDto {
  @ApiProperty({ example: NUMBER_EXAMPLE })
  readonly number!: string;

  @ApiProperty({ type: PrintedCompanyDto })
  readonly company!: PrintedCompanyDto;

  @ApiProperty({ type: PrintedSiteDto })
  readonly site!: PrintedSiteDto;

  @ApiProperty({ example: '2020.1' })
  readonly charterVersion!: string;

  @ApiProperty({ format: 'date', description: `The audit’s visit. ${DATE_DOC}` })
  readonly auditDate!: string;

  @ApiProperty({ description: 'Two decimals, as printed' })
  readonly score!: number;

  @ApiProperty({ type: GroupScoresResponse })
  readonly groupScores!: GroupScoresResponse;

  @ApiProperty({ format: 'date', description: `The day of issuance. ${DATE_DOC}` })
  readonly validFrom!: string;

  @ApiProperty({ format: 'date', description: `The last day of validity. ${DATE_DOC}` })
  readonly validUntil!: string;
}

export class CertificateResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ example: NUMBER_EXAMPLE })
  readonly number!: string;

  @ApiProperty({
    enum: CERTIFICATE_API_STATUSES,
    description:
      '`active` and `suspended` are in force (one per site); `revoked`, `expired` and ' +
      '`superseded` are final. A certificate past `expiresAt` shows `expired`.',
  })
  readonly status!: CertificateApiStatus;

  @ApiProperty({ format: 'uuid' })
  readonly siteId!: string;

  @ApiProperty({ format: 'uuid' })
  readonly organisationId!: string;

  @ApiProperty({ format: 'uuid', description: 'The closed audit it rests on' })
  readonly auditId!: string;

  @ApiProperty({ example: '2020.1' })
  readonly charterVersion!: string;

  @ApiProperty({ description: 'As printed (two decimals)' })
  readonly score!: number;

  @ApiProperty({ format: 'date-time' })
  readonly issuedAt!: string;

  @ApiProperty({ format: 'uuid' })
  readonly issuedBy!: string;

  @ApiProperty({ format: 'date', description: `First day. ${DATE_DOC}` })
  readonly validFrom!: string;

  @ApiProperty({ format: 'date', description: `Last day, inclusive. ${DATE_DOC}` })
  readonly validUntil!: string;

  @ApiProperty({
    format: 'date-time',
    description: 'The instant validity ends: the start of the day after validUntil',
  })
  readonly expiresAt!: string;

  @ApiProperty({ type: PrintedRecordDto })
  readonly printed!: PrintedRecordDto;

  @ApiProperty({ description: 'SHA-256 (hex) of the PDF bytes; also its ETag' })
  readonly pdfSha256!: string;

  @ApiProperty()
  readonly pdfSize!: number;

  @ApiProperty({ example: `/api/v1/certificates/${NUMBER_EXAMPLE}/pdf` })
  readonly pdfUrl!: string;

  @ApiProperty({ description: 'What the QR code holds: the verification page with the token' })
  readonly verifyUrl!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly suspendedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly revokedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  readonly revocationReason!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'AMRC-2026-00043',
    description: 'The number of the certificate that replaced it',
  })
  readonly supersededBy!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readonly supersededAt!: string | null;

  @ApiProperty({ format: 'date-time', description: 'When the stored status last changed' })
  readonly statusChangedAt!: string;

  @ApiProperty()
  readonly version!: number;
}

export class CertificatePageResponse extends PageResponse(CertificateResponse) {}

const iso = (at: Date | null) => (at === null ? null : at.toISOString());

/** The response of a certificate as shown at `now`; `successor` is its successor's number. */
export function toCertificateResponse(
  certificate: Certificate,
  options: {
    readonly now: Date;
    readonly publicBaseUrl: string;
    readonly successor: string | null;
  },
): CertificateResponse {
  const printed: PrintedRecord = certificate.printed;
  return {
    id: certificate.id,
    number: certificate.number,
    status: apiStatusOf(effectiveStatus(certificate, options.now)),
    siteId: certificate.siteId,
    organisationId: certificate.organisationId,
    auditId: certificate.auditId,
    charterVersion: printed.charterVersion,
    score: printed.score,
    issuedAt: certificate.issuedAt.toISOString(),
    issuedBy: certificate.issuedBy,
    validFrom: certificate.validFrom,
    validUntil: certificate.validUntil,
    expiresAt: certificate.expiresAt.toISOString(),
    printed: {
      ...printed,
      company: { ...printed.company },
      site: { ...printed.site },
      groupScores: { ...printed.groupScores },
    },
    pdfSha256: certificate.pdfSha256,
    pdfSize: certificate.pdfSize,
    pdfUrl: certificatePdfPath(certificate.number),
    verifyUrl: verificationUrl(options.publicBaseUrl, certificate.number, certificate.token),
    suspendedAt: iso(certificate.suspendedAt),
    revokedAt: iso(certificate.revokedAt),
    revocationReason: certificate.revocationReason,
    supersededBy: options.successor,
    supersededAt: iso(certificate.supersededAt),
    statusChangedAt: certificate.statusChangedAt.toISOString(),
    version: certificate.version,
  };
}
