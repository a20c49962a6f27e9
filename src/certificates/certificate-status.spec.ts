import type { CertificateStatus } from 'src/certificates/certificate.entity';
import { COMPLIANCE_STATUSES, type ComplianceStatus } from 'src/compliance/compliance.types';
import { effectiveStatus, statusAfterSiteChange } from './certificate-status';

const expiresAt = new Date('2026-10-01T23:00:00Z');
const before = new Date('2026-10-01T22:59:59.999Z');
const cert = (status: CertificateStatus) => ({ status, expiresAt });

describe('effectiveStatus', () => {
  it.each<[CertificateStatus, Date, CertificateStatus]>([
    ['valid', before, 'valid'],
    ['valid', expiresAt, 'expired'],
    ['suspended', before, 'suspended'],
    ['suspended', expiresAt, 'expired'],
    ['revoked', expiresAt, 'revoked'],
    ['superseded', expiresAt, 'superseded'],
    ['expired', before, 'expired'],
  ])('shows a stored %s certificate at %s as %s', (status, now, expected) => {
    expect(effectiveStatus(cert(status), now)).toBe(expected);
  });
});

describe('statusAfterSiteChange', () => {
  it.each<[CertificateStatus, ComplianceStatus, CertificateStatus | null]>([
    ['valid', 'non_compliant', 'suspended'],
    ['valid', 'suspended', 'suspended'],
    ['valid', 'compliant', null],
    ['valid', 'conditionally_compliant', null],
    ['valid', 'expired', 'expired'],
    ['valid', 'not_assessed', null],
    ['suspended', 'compliant', 'valid'],
    ['suspended', 'conditionally_compliant', 'valid'],
    ['suspended', 'non_compliant', null],
    ['suspended', 'suspended', null],
    ['suspended', 'expired', 'expired'],
  ])('turns a %s certificate, its site now %s, into %p', (status, site, expected) => {
    expect(statusAfterSiteChange(cert(status), site, before)).toBe(expected);
  });

  it.each(['revoked', 'expired', 'superseded'] as const)(
    'never changes a %s certificate',
    (status) => {
      for (const site of COMPLIANCE_STATUSES) {
        expect(statusAfterSiteChange(cert(status), site, before)).toBeNull();
      }
    },
  );

  it('expires an active certificate past its end, whatever the site’s status', () => {
    for (const site of COMPLIANCE_STATUSES) {
      expect(statusAfterSiteChange(cert('suspended'), site, expiresAt)).toBe('expired');
      expect(statusAfterSiteChange(cert('valid'), site, expiresAt)).toBe('expired');
    }
  });
});
