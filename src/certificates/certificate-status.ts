import {
  ACTIVE_CERTIFICATE_STATUSES,
  type Certificate,
  type CertificateStatus,
} from 'src/certificates/certificate.entity';
import type { ComplianceStatus } from 'src/compliance/compliance.types';

export function isActiveStatus(status: CertificateStatus): boolean {
  return ACTIVE_CERTIFICATE_STATUSES.includes(status);
}

/**
 * The status to show at `now`: the stored one, except that an active certificate past its
 * `expiresAt` is `expired` already, before the sweep stores it.
 */
export function effectiveStatus(
  certificate: Pick<Certificate, 'status' | 'expiresAt'>,
  now: Date,
): CertificateStatus {
  return isActiveStatus(certificate.status) && now.getTime() >= certificate.expiresAt.getTime()
    ? 'expired'
    : certificate.status;
}

/**
 * What a change of its site's status does to a certificate (charter-v1.md), or null when
 * nothing changes: suspended while the site is `non_compliant` or `suspended`, valid again when
 * it is `compliant` or `conditionally_compliant` within validity, expired with the site's audit
 * validity or its own end. A final certificate never changes.
 */
export function statusAfterSiteChange(
  certificate: Pick<Certificate, 'status' | 'expiresAt'>,
  site: ComplianceStatus,
  at: Date,
): CertificateStatus | null {
  const current = certificate.status;
  if (!isActiveStatus(current)) {
    return null;
  }
  if (effectiveStatus(certificate, at) === 'expired' || site === 'expired') {
    return 'expired';
  }
  switch (site) {
    case 'non_compliant':
    case 'suspended':
      return current === 'valid' ? 'suspended' : null;
    case 'compliant':
    case 'conditionally_compliant':
      return current === 'suspended' ? 'valid' : null;
    case 'not_assessed':
      return null;
  }
}
