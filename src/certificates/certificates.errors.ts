import type { CertificateStatus } from 'src/certificates/certificate.entity';
import { ConflictError, NotFoundError, RuleViolationError } from 'src/common/errors';
import type { ComplianceReason, ComplianceStatus } from 'src/compliance/compliance.types';

export class CertificateNotFoundError extends NotFoundError {
  constructor() {
    super('CERTIFICATE.NOT_FOUND', 'No such certificate');
  }
}

/** Only a `compliant` or `conditionally_compliant` site is certified (charter-v1.md). */
export class SiteNotEligibleError extends RuleViolationError {
  constructor(status: ComplianceStatus, reasons: readonly ComplianceReason[]) {
    super(
      'CERTIFICATE.SITE_NOT_ELIGIBLE',
      `A certificate is issued only to a compliant or conditionally compliant site; this site is ${status}` +
        (reasons.length > 0 ? ` (${reasons.map((r) => r.detail.en).join('; ')})` : ''),
      { siteStatus: status, reasons },
    );
  }
}

export class SiteMembershipEndedError extends ConflictError {
  constructor() {
    super(
      'CERTIFICATE.MEMBERSHIP_ENDED',
      'The site’s company is no longer a member: no certificate is issued to it',
    );
  }
}

/** Two issuances for one site raced past the lock (should not happen: the index refuses it). */
export class ConcurrentIssuanceError extends ConflictError {
  constructor() {
    super(
      'CERTIFICATE.CONCURRENT_ISSUANCE',
      'Another certificate of this site was issued at the same moment: read it, and issue again if needed',
    );
  }
}

/** A revoked, expired or superseded certificate stays as it is. */
export class CertificateFinalError extends ConflictError {
  constructor(status: CertificateStatus) {
    super(
      'CERTIFICATE.ALREADY_FINAL',
      `The certificate is ${status}: that status is final, it can no longer be revoked`,
      { certificateStatus: status },
    );
  }
}

export class CertificatePdfUnavailableError extends ConflictError {
  constructor() {
    super(
      'CERTIFICATE.PDF_UNAVAILABLE',
      'The stored PDF of this certificate is missing or damaged; the association has been alerted',
    );
  }
}
