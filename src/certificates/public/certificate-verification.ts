import type { Certificate, CertificateStatus } from 'src/certificates/certificate.entity';
import { CERTIFICATE_NUMBER_PATTERN } from 'src/certificates/certificate-number';
import { printedRecordHash } from 'src/certificates/printed-record';
import type { TokenVerdict } from 'src/certificates/signing/certificate-signing.service';

/** What the public is told about a number: a certificate's status at the time asked, or none. */
export type PublicCertificateStatus = CertificateStatus | 'unknown';

type SignatureRejection = Extract<TokenVerdict, { valid: false }>['reason'];

/** Why a token is not this certificate's: its own signature check, or what it says. */
export type TokenRejection =
  | SignatureRejection
  /** Genuine, but signed for another certificate (its `sub` or `num`). */
  | 'other_certificate'
  /** Genuine and this certificate's, but its `h` is not the hash of the record on file. */
  | 'record_mismatch';

export type TokenCheck =
  | { readonly checked: false }
  | { readonly checked: true; readonly valid: true; readonly kid: string }
  | {
      readonly checked: true;
      readonly valid: false;
      readonly reason: TokenRejection;
      readonly kid?: string;
    };

/** What a verification reads of a certificate: what it shows, checks a token against, and follows. */
export const VERIFIED_COLUMNS = [
  'id',
  'number',
  'siteId',
  'status',
  'printed',
  'recordHash',
  'issuedAt',
  'validFrom',
  'validUntil',
  'expiresAt',
  'suspendedAt',
  'revokedAt',
  'revocationReason',
  'supersededBy',
  'supersededAt',
] as const satisfies readonly (keyof Certificate)[];

export type VerifiedCertificate = Pick<Certificate, (typeof VERIFIED_COLUMNS)[number]>;

/** The certificate as the public sees it at `checkedAt`. */
export interface CertificateVerification {
  readonly certificate: VerifiedCertificate;
  /** The stored status, with `expiresAt` checked against `checkedAt`. */
  readonly status: CertificateStatus;
  /** The number of the certificate that replaced a superseded one. */
  readonly successorNumber: string | null;
  /**
   * The charter's prerequisite for deconfinement (a valid certificate), for the site: met through
   * this certificate, or through another valid certificate of the site (after a renewal).
   */
  readonly prerequisite: { readonly met: boolean; readonly certificateNumber: string | null };
  readonly token: TokenCheck;
  readonly checkedAt: Date;
}

/** A number as people type it (spaces, lower case) in its canonical form, or null when malformed. */
export function canonicalNumber(raw: string): string | null {
  const number = raw.trim().toUpperCase();
  return number.length <= 20 && CERTIFICATE_NUMBER_PATTERN.test(number) ? number : null;
}

/**
 * A token's verdict for this certificate: its signature, key and dates must hold, it must name
 * this certificate (`sub` and `num`), and its `h` must be the hash of the record on file, so that
 * a genuine token pasted under another certificate's number, or beside altered details, fails.
 */
export function checkToken(
  verdict: TokenVerdict,
  certificate: Pick<Certificate, 'id' | 'number' | 'printed'>,
): TokenCheck {
  if (!verdict.valid) {
    return {
      checked: true,
      valid: false,
      reason: verdict.reason,
      ...(verdict.kid ? { kid: verdict.kid } : {}),
    };
  }
  const { claims, kid } = verdict;
  if (claims.sub !== certificate.id || claims.num !== certificate.number) {
    return { checked: true, valid: false, reason: 'other_certificate', kid };
  }
  if (
    claims.h !== printedRecordHash(certificate.printed) ||
    claims.v !== certificate.printed.charterVersion
  ) {
    return { checked: true, valid: false, reason: 'record_mismatch', kid };
  }
  return { checked: true, valid: true, kid };
}
