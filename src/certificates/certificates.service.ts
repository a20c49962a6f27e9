import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { Actor } from 'src/auth/request-context';
import { Certificate } from 'src/certificates/certificate.entity';
import { CertificatePdfs } from 'src/certificates/certificate-pdfs';
import {
  type CertificateQuery,
  type CertificateResponse,
  toCertificateResponse,
} from 'src/certificates/certificates.dto';
import { CertificateNotFoundError } from 'src/certificates/certificates.errors';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { confinedTo } from 'src/members/access-scope';
import type { StoredFile } from 'src/storage/file-storage';

/**
 * Reads certificates as their holders and the association see them: a member only their
 * company's; the status as shown now (`effectiveStatus`).
 */
@Injectable()
export class CertificatesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly pdfs: CertificatePdfs,
  ) {}

  async list(actor: Actor, query: CertificateQuery): Promise<Page<CertificateResponse>> {
    const now = new Date();
    const qb = this.db.manager.createQueryBuilder(Certificate, 'c');
    const own = confinedTo(actor);
    if (own) {
      qb.andWhere('c.organisation_id = :own', { own });
    } else if (query.organisationId) {
      qb.andWhere('c.organisation_id = :organisationId', {
        organisationId: query.organisationId,
      });
    }
    if (query.siteId) {
      qb.andWhere('c.site_id = :siteId', { siteId: query.siteId });
    }
    switch (query.status) {
      case undefined:
        break;
      case 'active':
        qb.andWhere(`c.status = 'valid' AND c.expires_at > :now`, { now });
        break;
      case 'suspended':
        qb.andWhere(`c.status = 'suspended' AND c.expires_at > :now`, { now });
        break;
      case 'expired':
        qb.andWhere(
          `(c.status = 'expired' OR (c.status IN ('valid', 'suspended') AND c.expires_at <= :now))`,
          { now },
        );
        break;
      case 'revoked':
      case 'superseded':
        qb.andWhere('c.status = :status', { status: query.status });
        break;
    }
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy('c.issued_at', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    const successors = await this.successorNumbers(this.db.manager, rows);
    return pageOf(
      rows.map((row) => this.toResponse(row, now, successors.get(row.id) ?? null)),
      total,
      query,
    );
  }

  async get(actor: Actor, number: string): Promise<CertificateResponse> {
    const certificate = await this.findVisible(actor, number);
    const successors = await this.successorNumbers(this.db.manager, [certificate]);
    return this.toResponse(certificate, new Date(), successors.get(certificate.id) ?? null);
  }

  /**
   * The PDF as issued, checked against its SHA-256 before the first byte goes out: from storage,
   * or rendered again from the row when storage does not have it ({@link CertificatePdfs.open}).
   */
  async pdf(actor: Actor, number: string): Promise<{ certificate: Certificate; file: StoredFile }> {
    const certificate = await this.findVisible(actor, number);
    return { certificate, file: await this.pdfs.open(certificate) };
  }

  /** The certificate if the caller may see it (a member: their company's), else a 404. */
  private async findVisible(actor: Actor, number: string): Promise<Certificate> {
    const own = confinedTo(actor);
    const found = await this.db.manager.findOneBy(
      Certificate,
      own ? { number, organisationId: own } : { number },
    );
    if (!found) {
      throw new CertificateNotFoundError();
    }
    return found;
  }

  private async successorNumbers(
    em: EntityManager,
    certificates: readonly Certificate[],
  ): Promise<Map<string, string>> {
    const successorIds = certificates.flatMap((c) => (c.supersededBy ? [c.supersededBy] : []));
    if (successorIds.length === 0) {
      return new Map();
    }
    const successors = await em.find(Certificate, {
      where: { id: In(successorIds) },
      select: { id: true, number: true },
    });
    const numberOf = new Map(successors.map((s) => [s.id, s.number]));
    return new Map(
      certificates.flatMap((c) =>
        c.supersededBy && numberOf.has(c.supersededBy)
          ? [[c.id, numberOf.get(c.supersededBy)!] as const]
          : [],
      ),
    );
  }

  private toResponse(
    certificate: Certificate,
    now: Date,
    successor: string | null,
  ): CertificateResponse {
    return toCertificateResponse(certificate, {
      now,
      publicBaseUrl: this.config.publicBaseUrl,
      successor,
    });
  }
}
