import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import { type EntityMetadata, In, Repository } from 'typeorm';
import {
  ACTIVE_CERTIFICATE_STATUSES,
  Certificate,
  type CertificateStatus,
} from 'src/certificates/certificate.entity';
import { effectiveStatus } from 'src/certificates/certificate-status';
import { CertificatePdfs } from 'src/certificates/certificate-pdfs';
import {
  type CertificateVerification,
  canonicalNumber,
  checkToken,
  type TokenCheck,
  VERIFIED_COLUMNS,
  type VerifiedCertificate,
} from 'src/certificates/public/certificate-verification';
import {
  CertificateNotValidError,
  UnknownCertificateError,
} from 'src/certificates/public/public-certificates.errors';
import { CertificateSigningService } from 'src/certificates/signing/certificate-signing.service';

// The status, and what the PDF is rendered from should storage have lost it.
const PDF_COLUMNS = [
  'id',
  'number',
  'status',
  'expiresAt',
  'printed',
  'token',
  'issuedAt',
  'pdfSha256',
] as const;

export interface PublicPdf {
  readonly number: string;
  readonly size: number;
  readonly stream: Readable;
}

export type PdfMatch =
  | { readonly match: false }
  | { readonly match: true; readonly number: string; readonly status: CertificateStatus };

/**
 * What anyone may learn of a certificate by its number: its live status, the record it prints,
 * whether a token read from its QR code is genuine and its own, and its PDF while it is valid.
 */
@Injectable()
export class CertificateVerificationService {
  private readonly byNumberSql = new Map<readonly (keyof Certificate)[], string>();

  constructor(
    @InjectRepository(Certificate) private readonly certificates: Repository<Certificate>,
    private readonly signing: CertificateSigningService,
    private readonly pdfs: CertificatePdfs,
  ) {}

  /** The certificate of `rawNumber` at `at`, or null when no certificate bears that number. */
  async verify(
    rawNumber: string,
    token: string | undefined,
    at: Date = new Date(),
  ): Promise<CertificateVerification | null> {
    const certificate = await this.find(rawNumber, VERIFIED_COLUMNS);
    if (!certificate) {
      return null;
    }
    const status = effectiveStatus(certificate, at);
    const [successorNumber, prerequisite, tokenCheck] = await Promise.all([
      certificate.supersededBy ? this.numberOf(certificate.supersededBy) : null,
      this.prerequisite(certificate, status, at),
      this.checkToken(certificate, token, at),
    ]);
    return { certificate, status, successorNumber, prerequisite, token: tokenCheck, checkedAt: at };
  }

  /**
   * The PDF of a valid certificate, as issued: from storage, or rendered again from the row when
   * storage does not have it ({@link CertificatePdfs.open}).
   */
  async pdf(rawNumber: string, at: Date = new Date()): Promise<PublicPdf> {
    const certificate = await this.find(rawNumber, PDF_COLUMNS);
    if (!certificate) {
      throw new UnknownCertificateError(rawNumber);
    }
    const status = effectiveStatus(certificate, at);
    if (status !== 'valid') {
      throw new CertificateNotValidError(certificate.number, status);
    }
    const { size, stream } = await this.pdfs.open(certificate);
    return { number: certificate.number, size, stream };
  }

  /** The certificate whose PDF has exactly these bytes, by their SHA-256 (hex). */
  async matchPdf(sha256: string, at: Date = new Date()): Promise<PdfMatch> {
    const certificate = await this.certificates.findOne({
      where: { pdfSha256: sha256 },
      order: { issuedAt: 'DESC' },
    });
    return certificate
      ? { match: true, number: certificate.number, status: effectiveStatus(certificate, at) }
      : { match: false };
  }

  /**
   * By number, in one plain query of the columns asked: this is the busiest public path, and
   * building the query through the query builder on every request costs more than running it.
   * The columns come from the entity's metadata, calendar dates as text as TypeORM reads them.
   */
  private async find<K extends keyof Certificate>(
    rawNumber: string,
    properties: readonly K[],
  ): Promise<Pick<Certificate, K> | null> {
    const number = canonicalNumber(rawNumber);
    if (!number) {
      return null;
    }
    let sql = this.byNumberSql.get(properties);
    if (sql === undefined) {
      sql = selectByNumber(this.certificates.metadata, properties);
      this.byNumberSql.set(properties, sql);
    }
    const [row] = await this.certificates.query<Pick<Certificate, K>[]>(sql, [number]);
    return row ?? null;
  }

  private async numberOf(id: string): Promise<string | null> {
    const found = await this.certificates.findOne({ select: { number: true }, where: { id } });
    return found?.number ?? null;
  }

  /** Met through this certificate, or through another certificate of the site valid at `at`. */
  private async prerequisite(
    certificate: VerifiedCertificate,
    status: CertificateStatus,
    at: Date,
  ) {
    if (status === 'valid') {
      return { met: true, certificateNumber: certificate.number };
    }
    const active = await this.certificates.find({
      select: { number: true, status: true, expiresAt: true },
      where: { siteId: certificate.siteId, status: In([...ACTIVE_CERTIFICATE_STATUSES]) },
    });
    const valid = active.find((other) => effectiveStatus(other, at) === 'valid');
    return { met: !!valid, certificateNumber: valid?.number ?? null };
  }

  private async checkToken(
    certificate: VerifiedCertificate,
    token: string | undefined,
    at: Date,
  ): Promise<TokenCheck> {
    if (token === undefined) {
      return { checked: false };
    }
    return checkToken(await this.signing.verify(token, at), certificate);
  }
}

function selectByNumber(metadata: EntityMetadata, properties: readonly string[]): string {
  const columns = properties.map((property) => {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) {
      throw new Error(`${metadata.name} has no column ${property}`);
    }
    const name = `"${column.databaseName}"`;
    return `${column.type === 'date' ? `${name}::text` : name} AS "${property}"`;
  });
  return `SELECT ${columns.join(', ')} FROM "${metadata.tableName}" WHERE "number" = $1 LIMIT 1`;
}
