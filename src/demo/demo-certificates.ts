import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import type { CertificateIssuanceService } from 'src/certificates/certificate-issuance.service';
import type { CertificateLifecycleService } from 'src/certificates/certificate-lifecycle.service';
import { DAY_MS } from 'src/common/time';
import type { SiteSuspensionService } from 'src/compliance/site-suspension.service';
import { type AuditServices, runAudit } from 'src/demo/demo-audits';
import { contextOf, type DemoWorld } from 'src/demo/demo-members';
import { backdateClosedAudit } from 'src/demo/demo-time-travel';
import type { SitesService } from 'src/members/sites.service';

const logger = new Logger('Demo');

/** The two sample sites whose closed audits make them compliant. */
const RENEWED_SITE = 'Marrakech Targa';
const EXPIRED_SITE = 'Laâyoune Al Wahda';
/** How far back the visit of the site whose first certificate has expired is moved. */
const EXPIRED_VISIT_DAYS = 200;
/** Its certificate is issued this many days after that visit. */
const ISSUED_AFTER_VISIT_DAYS = 5;

const REVOCATION_REASON =
  'Certificat émis avant la réception du contrat de transport signé avec le prestataire de navettes : retiré, puis réémis après contrôle.';
const CORRECTED_ADDRESS = 'Route de Targa, lot 14, Zone Industrielle Sidi Ghanem, 40110 Marrakech';
const SUSPENSION_REASON =
  'Cas groupés signalés par la délégation provinciale de santé : plateau 1 fermé le temps de l’enquête.';

export interface CertificateServices {
  readonly issuance: CertificateIssuanceService;
  readonly lifecycle: CertificateLifecycleService;
  readonly suspensions: SiteSuspensionService;
  readonly sites: SitesService;
  readonly audits: AuditServices;
}

/**
 * Certificates in every state, through the services: on Marrakech Targa one revoked, one
 * superseded when the member corrected the site's address, and the current one suspended with
 * the site; on Laâyoune Al Wahda one issued after a visit moved 200 days back, expired since,
 * then a surveillance audit and a valid certificate.
 */
export async function fillCertificates(
  db: DataSource,
  services: CertificateServices,
  world: DemoWorld,
  commitments: readonly CharterCommitment[],
): Promise<void> {
  await renewedSite(db, services, world);
  await expiredThenRenewedSite(db, services, world, commitments);
  await reportCertificates(db);
}

async function renewedSite(
  db: DataSource,
  services: CertificateServices,
  world: DemoWorld,
): Promise<void> {
  const { issuance, lifecycle, suspensions, sites } = services;
  const { admin } = world;
  const { site, member } = world.sites.get(RENEWED_SITE)!;
  const first = await issuance.issue(contextOf(admin), admin, site.id);
  await lifecycle.revoke(contextOf(admin), admin, first.number, REVOCATION_REASON);
  await issuance.issue(contextOf(admin), admin, site.id);
  // The member corrects the address: the certificate is printed again with it.
  const current = await sites.findVisible(db.manager, member, site.id);
  await sites.update(contextOf(member), member, site.id, { address: CORRECTED_ADDRESS }, [
    current.version,
  ]);
  await issuance.issue(contextOf(admin), admin, site.id);
  await suspensions.suspend(contextOf(admin), admin, site.id, SUSPENSION_REASON);
}

async function expiredThenRenewedSite(
  db: DataSource,
  services: CertificateServices,
  world: DemoWorld,
  commitments: readonly CharterCommitment[],
): Promise<void> {
  const { issuance, lifecycle } = services;
  const { admin } = world;
  const { site } = world.sites.get(EXPIRED_SITE)!;
  const [audit] = await db.query<{ id: string }[]>(
    `SELECT id FROM audit WHERE site_id = $1 AND status = 'closed'
      ORDER BY visited_on DESC, closed_at DESC LIMIT 1`,
    [site.id],
  );
  await backdateClosedAudit(db, audit.id, EXPIRED_VISIT_DAYS);
  const issuedAt = new Date(Date.now() - (EXPIRED_VISIT_DAYS - ISSUED_AFTER_VISIT_DAYS) * DAY_MS);
  await issuance.issue(contextOf(admin), admin, site.id, issuedAt);
  await lifecycle.sweepExpired();
  logger.log(
    `demo only: the audit of ${site.name} moved ${EXPIRED_VISIT_DAYS} days back, its certificate issued ${ISSUED_AFTER_VISIT_DAYS} days after it`,
  );
  await runAudit(services.audits, world, commitments, {
    site: EXPIRED_SITE,
    type: 'surveillance',
    auditor: 1,
    to: 'closed',
    notApplicable: ['E10', 'E15', 'E18'],
  });
  await issuance.issue(contextOf(admin), admin, site.id);
}

async function reportCertificates(db: DataSource): Promise<void> {
  const rows = await db.query<{ number: string; site: string; status: string }[]>(
    `SELECT c.number, s.name AS site, c.status FROM certificate c JOIN site s ON s.id = c.site_id
      ORDER BY c.sequence`,
  );
  for (const row of rows) {
    logger.log(`certificate ${row.number} of ${row.site}: ${row.status}`);
  }
}
