import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager, In } from 'typeorm';
import { Audit } from 'src/audits/audit.entity';
import { calendarDate } from 'src/audits/calendar-date';
import { type Actor, type RequestContext, SYSTEM_CONTEXT } from 'src/auth/request-context';
import { ACTIVE_CERTIFICATE_STATUSES, Certificate } from 'src/certificates/certificate.entity';
import { numberingYear, takeCertificateNumber } from 'src/certificates/certificate-number';
import { effectiveStatus } from 'src/certificates/certificate-status';
import { certificateExpiresAt } from 'src/certificates/certificate-validity';
import { type CertificatePdf, CertificatePdfs } from 'src/certificates/certificate-pdfs';
import { type CertificateResponse, toCertificateResponse } from 'src/certificates/certificates.dto';
import {
  ConcurrentIssuanceError,
  SiteMembershipEndedError,
  SiteNotEligibleError,
} from 'src/certificates/certificates.errors';
import { Turns } from 'src/certificates/issuance-turns';
import {
  type PrintedRecord,
  printedRecordHash,
  printedScore,
} from 'src/certificates/printed-record';
import { CertificateSigningService } from 'src/certificates/signing/certificate-signing.service';
import { ComplianceService } from 'src/compliance/compliance.service';
import type { ComplianceResult, ComplianceStatus } from 'src/compliance/compliance.types';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { JournalService } from 'src/journal/journal.service';
import { rethrowUniqueViolation } from 'src/members/members.errors';
import type { Organisation } from 'src/members/organisation.entity';
import { OrganisationsService } from 'src/members/organisations.service';
import type { Site } from 'src/members/site.entity';
import { SitesService } from 'src/members/sites.service';
import { NotificationsService } from 'src/notifications/notifications.service';

/** Charter-v1: a certificate only for these. */
const ELIGIBLE: readonly ComplianceStatus[] = ['compliant', 'conditionally_compliant'];

const oneActivePerSite = rethrowUniqueViolation({
  certificate_site_active_uq: () => new ConcurrentIssuanceError(),
});

/** An issuance and its PDF: rendered in the transaction, stored after the commit. */
interface Issued {
  readonly certificate: Certificate;
  readonly pdf: CertificatePdf;
}

/** What an issuance rests on, read in its transaction. */
interface Basis {
  readonly site: Site;
  readonly organisation: Organisation;
  readonly result: ComplianceResult;
  readonly audit: Audit;
  readonly charterVersion: string;
}

const printedOrNull = (score: number | null) => (score === null ? null : printedScore(score));

/**
 * Issues certificates: the live status checked, the previous one superseded, the number taken,
 * the record printed, signed and rendered to PDF (in memory, its SHA-256 and size recorded), all
 * in one transaction. The PDF is stored only after the commit: no file storage I/O while the
 * year's counter row is locked. What happens to a certificate afterwards is
 * {@link CertificateLifecycleService}'s.
 */
@Injectable()
export class CertificateIssuanceService {
  private readonly logger = new Logger(CertificateIssuanceService.name);
  // One issuance at a time per instance: the counter row serialises them all anyway.
  private readonly turns = new Turns(1);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly pdfs: CertificatePdfs,
    private readonly compliance: ComplianceService,
    private readonly sites: SitesService,
    private readonly organisations: OrganisationsService,
    private readonly signing: CertificateSigningService,
    private readonly journal: JournalService,
    private readonly notifications: NotificationsService,
  ) {}

  /**
   * Issues a certificate to an eligible site, superseding its active one. The site's status row
   * is locked first: issuances of one site run one after the other, each on the live status.
   * Once committed, the PDF is stored; should that fail, the certificate stands and its PDF is
   * rendered again from its row when first asked for ({@link CertificatePdfs.open}).
   * `at` is now but for the demo, which issues in the past to show an expired certificate.
   */
  async issue(
    ctx: RequestContext,
    actor: Actor,
    siteId: string,
    at: Date = new Date(),
  ): Promise<CertificateResponse> {
    // The turn covers the transaction only: storing the PDF holds no connection.
    const { certificate, pdf } = await this.turns.run(() => this.issueAt(ctx, actor, siteId, at));
    this.logger.log(
      `Certificate ${certificate.number} issued for site ${siteId} (${certificate.id})`,
    );
    await this.pdfs
      .store(pdf)
      .catch((error: unknown) =>
        this.logger.error(
          `Certificate ${certificate.number}: PDF ${pdf.sha256} not stored, to be rendered again when first asked for: ${String(error)}`,
        ),
      );
    return toCertificateResponse(certificate, {
      now: at,
      publicBaseUrl: this.config.publicBaseUrl,
      successor: null,
    });
  }

  /** The issuance's transaction: the certificate committed, its PDF rendered in memory. */
  private async issueAt(
    ctx: RequestContext,
    actor: Actor,
    siteId: string,
    at: Date,
  ): Promise<Issued> {
    const id = randomUUID();
    return this.db
      .transaction(async (em) => {
        const basis = await this.basisOf(em, actor, siteId, at);
        const previous = await this.supersedePrevious(em, ctx, siteId, id, at);
        const issued = await this.create(em, actor, id, basis, at);
        const { certificate } = issued;
        await this.notifications.notify(em, { kind: 'certificate.issued', certificateId: id });
        await this.journal.append(em, ctx, {
          action: 'certificate.issued',
          entityType: 'certificate',
          entityId: id,
          organisationId: certificate.organisationId,
          changes: {
            number: certificate.number,
            siteId,
            auditId: certificate.auditId,
            validFrom: certificate.validFrom,
            validUntil: certificate.validUntil,
            siteStatus: basis.result.status,
            recordHash: certificate.recordHash,
            kid: certificate.kid,
            pdfSha256: certificate.pdfSha256,
            supersedes: previous?.number ?? null,
          },
        });
        return issued;
      })
      .catch(oneActivePerSite);
  }

  /** The site, its company, its live status and the audit it rests on; refuses an ineligible one. */
  private async basisOf(em: EntityManager, actor: Actor, siteId: string, at: Date): Promise<Basis> {
    const site = await this.sites.findVisible(em, actor, siteId);
    // Serialised with the end of the membership (which revokes certificates): taken first.
    const organisation = await this.organisations.lockActive(
      em,
      site.organisationId,
      () => new SiteMembershipEndedError(),
    );
    if (!site.active) {
      throw new SiteMembershipEndedError();
    }
    await this.compliance.lock(em, siteId, at);
    const result = await this.compliance.evaluate(em, siteId, at);
    if (!ELIGIBLE.includes(result.status) || result.score === null || !result.validUntil) {
      throw new SiteNotEligibleError(result.status, result.reasons);
    }
    // The audit the evaluation rests on: the latest closed one, as the compliance rules pick it.
    const [audit] = await em.find(Audit, {
      where: { siteId, status: 'closed' },
      order: { visitedOn: 'DESC', closedAt: 'DESC' },
      take: 1,
    });
    const [{ version }] = await em.query<{ version: string }[]>(
      'SELECT version FROM charter_version WHERE id = $1',
      [audit.charterVersionId],
    );
    return { site, organisation, result, audit, charterVersion: version };
  }

  /**
   * The site's active certificate becomes `superseded`, naming its successor before the successor
   * exists (the reference is checked at commit): the partial unique index sees one active at most.
   * One already past its end is stored `expired` instead: there is nothing left to supersede.
   */
  private async supersedePrevious(
    em: EntityManager,
    ctx: RequestContext,
    siteId: string,
    successorId: string,
    at: Date,
  ): Promise<Certificate | null> {
    const previous = await em.findOne(Certificate, {
      where: { siteId, status: In([...ACTIVE_CERTIFICATE_STATUSES]) },
      lock: { mode: 'pessimistic_write' },
    });
    if (!previous) {
      return null;
    }
    const expired = effectiveStatus(previous, at) === 'expired';
    await em.update(
      Certificate,
      { id: previous.id },
      expired
        ? { status: 'expired', statusChangedAt: at, version: () => 'version + 1' }
        : {
            status: 'superseded',
            supersededBy: successorId,
            supersededAt: at,
            statusChangedAt: at,
            version: () => 'version + 1',
          },
    );
    await this.journal.append(em, expired ? SYSTEM_CONTEXT : ctx, {
      action: expired ? 'certificate.expired' : 'certificate.superseded',
      entityType: 'certificate',
      entityId: previous.id,
      organisationId: previous.organisationId,
      changes: {
        number: previous.number,
        siteId,
        status: { before: previous.status, after: expired ? 'expired' : 'superseded' },
        ...(expired ? { cause: 'validity_ended' } : { supersededBy: successorId }),
      },
    });
    return expired ? null : previous;
  }

  /**
   * Numbers, prints, signs and renders the certificate, and inserts it with the SHA-256 and size
   * of its PDF, computed in memory: nothing is stored here.
   */
  private async create(
    em: EntityManager,
    actor: Actor,
    id: string,
    { site, organisation, result, audit, charterVersion }: Basis,
    at: Date,
  ): Promise<Issued> {
    const validUntil = result.validUntil!;
    const expiresAt = certificateExpiresAt(validUntil);
    // Taken as late as possible: the counter row stays locked until the commit.
    const { year, sequence, number } = await takeCertificateNumber(em, numberingYear(at));
    const record: PrintedRecord = {
      number,
      company: { name: organisation.name, ice: organisation.ice },
      site: { name: site.name, address: site.address, city: site.city },
      charterVersion,
      auditDate: audit.visitedOn!,
      score: printedScore(result.score!),
      groupScores: {
        employees: printedOrNull(result.groupScores.employees),
        clients: printedOrNull(result.groupScores.clients),
        providers: printedOrNull(result.groupScores.providers),
        community: printedOrNull(result.groupScores.community),
      },
      validFrom: calendarDate(at),
      validUntil,
    };
    const recordHash = printedRecordHash(record);
    const iat = Math.floor(at.getTime() / 1000);
    const { token, kid } = await this.signing.sign(em, {
      sub: id,
      num: number,
      iat,
      nbf: iat,
      exp: Math.floor(expiresAt.getTime() / 1000),
      v: charterVersion,
      h: recordHash,
    });
    const pdf = await this.pdfs.render({ id, number, printed: record, token, issuedAt: at });
    const certificate = em.create(Certificate, {
      id,
      number,
      year,
      sequence,
      siteId: site.id,
      organisationId: organisation.id,
      auditId: audit.id,
      status: 'valid',
      printed: record,
      recordHash,
      token,
      kid,
      pdfSha256: pdf.sha256,
      pdfSize: pdf.size,
      issuedAt: at,
      issuedBy: actor.userId,
      validFrom: record.validFrom,
      validUntil,
      expiresAt,
      suspendedAt: null,
      revokedAt: null,
      revokedBy: null,
      revocationReason: null,
      supersededBy: null,
      supersededAt: null,
      statusChangedAt: at,
      version: 1,
    });
    await em.insert(Certificate, certificate);
    return { certificate, pdf };
  }
}
