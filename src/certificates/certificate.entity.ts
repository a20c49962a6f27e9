import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { PrintedRecord } from 'src/certificates/printed-record';

/**
 * Stored states. `valid` and `suspended` are the active ones (at most one per site); `revoked`,
 * `expired` and `superseded` are final. What the public sees also checks `expiresAt` against
 * the clock, so nothing shows valid past its end before the sweep stores `expired`.
 */
export const CERTIFICATE_STATUSES = [
  'valid',
  'suspended',
  'revoked',
  'expired',
  'superseded',
] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];
export const ACTIVE_CERTIFICATE_STATUSES: readonly CertificateStatus[] = ['valid', 'suspended'];

/** A charter certificate of a site, issued after an audit; printed and signed once. */
@Entity({ name: 'certificate' })
export class Certificate {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'certificate_pk' })
  id!: string;

  /** `AMRC-<year>-<5 digits>`, gapless within the year. */
  @Column({ type: 'varchar', length: 20 })
  number!: string;

  @Column({ type: 'integer' })
  year!: number;

  @Column({ type: 'integer' })
  sequence!: number;

  @Column({ type: 'uuid' })
  siteId!: string;

  @Column({ type: 'uuid' })
  organisationId!: string;

  /** The closed audit the certificate rests on. */
  @Column({ type: 'uuid' })
  auditId!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: CertificateStatus;

  /** The record printed on the PDF and bound by the token's `h`. */
  @Column({ type: 'jsonb' })
  printed!: PrintedRecord;

  /** `h`: base64url SHA-256 of the printed record's canonical JSON. */
  @Column({ type: 'varchar', length: 43 })
  recordHash!: string;

  /** The compact JWS printed in the QR code. */
  @Column({ type: 'text' })
  token!: string;

  /** The signing key's id (RFC 7638 thumbprint). */
  @Column({ type: 'varchar', length: 64 })
  kid!: string;

  /** SHA-256 (hex) of the PDF bytes, also their name in the file storage. */
  @Column({ type: 'char', length: 64 })
  pdfSha256!: string;

  @Column({ type: 'integer' })
  pdfSize!: number;

  @Column({ type: 'timestamptz' })
  issuedAt!: Date;

  @Column({ type: 'uuid' })
  issuedBy!: string;

  /** First and last day (inclusive, Africa/Casablanca) of validity. */
  @Column({ type: 'date' })
  validFrom!: string;

  @Column({ type: 'date' })
  validUntil!: string;

  /** The instant validity ends: the start of the day after `validUntil` in Africa/Casablanca. */
  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  suspendedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  revokedBy!: string | null;

  @Column({ type: 'text', nullable: true })
  revocationReason!: string | null;

  @Column({ type: 'uuid', nullable: true })
  supersededBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  supersededAt!: Date | null;

  /** When the stored status last changed. */
  @Column({ type: 'timestamptz' })
  statusChangedAt!: Date;

  @Column({ type: 'integer' })
  version!: number;
}
