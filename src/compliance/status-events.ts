import type { EntityManager } from 'typeorm';
import type { ComplianceCause } from 'src/compliance/compliance-history.entity';
import type { ComplianceResult, ComplianceStatus } from 'src/compliance/compliance.types';

/** A change of a site's stored status. */
export interface SiteStatusChange {
  readonly siteId: string;
  /** `not_assessed` for a site never evaluated before. */
  readonly from: ComplianceStatus;
  readonly to: ComplianceStatus;
  readonly result: ComplianceResult;
  readonly cause: ComplianceCause;
}

/**
 * Whatever follows the status of sites (the certificates). Called inside the transaction of the
 * change, after the new status is stored and before the journal entry: what it throws rolls the
 * change back, and what it writes through `em` commits with it.
 */
export interface SiteStatusListener {
  onSiteStatusChanged(em: EntityManager, change: SiteStatusChange): Promise<void>;
}

/**
 * The DI token of the listener. Provide it from a global module (`{ provide:
 * SITE_STATUS_LISTENER, useExisting: CertificatesService }`, exported); without one, the no-op
 * below is used.
 */
export const SITE_STATUS_LISTENER = Symbol('SITE_STATUS_LISTENER');

export const NO_SITE_STATUS_LISTENER: SiteStatusListener = {
  onSiteStatusChanged: () => Promise.resolve(),
};
