import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Certificate } from 'src/certificates/certificate.entity';
import { type Page, pageOf, pageWindow, type PageQuery } from 'src/common/pagination';
import { containsPattern } from 'src/common/transforms';

export interface RegistryQuery extends PageQuery {
  readonly q?: string;
  readonly city?: string;
}

/** One certified site, as its certificate prints it. */
export interface RegistryEntry {
  readonly number: string;
  readonly company: string;
  readonly site: string;
  readonly city: string;
  readonly validFrom: string;
  readonly validUntil: string;
}

/** Lower case, without diacritics: how both the search and the searched text are compared. */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

// The letters with diacritics of French and of Moroccan place names, in both cases, and their
// bare forms: `unaccent` is an extension the embedded engine lacks, `translate` is core SQL (and
// `lower` alone leaves capitals with diacritics as they are under the C locale).
const LOWER_ACCENTED = 'àáâãäåāçćčèéêëēėęìíîïīñńòóôõöōùúûüūýÿžźż';
export const ACCENTED = LOWER_ACCENTED + LOWER_ACCENTED.toUpperCase();
export const PLAIN = [...ACCENTED].map(foldText).join('');

const folded = (column: string) => `translate(lower(${column}), '${ACCENTED}', '${PLAIN}')`;

const COMPANY = `(c.printed -> 'company' ->> 'name')`;
const SITE = `(c.printed -> 'site' ->> 'name')`;
const CITY = `(c.printed -> 'site' ->> 'city')`;

/**
 * The registry of certified sites: certificates valid at the time asked (stored `valid` and not
 * past `expiresAt`). Suspended ones are left out: the registry answers "who may be relied on
 * today", and the verification page of a suspended number still says so.
 */
@Injectable()
export class CertificateRegistryService {
  constructor(
    @InjectRepository(Certificate) private readonly certificates: Repository<Certificate>,
  ) {}

  async search(query: RegistryQuery, at: Date = new Date()): Promise<Page<RegistryEntry>> {
    const qb = this.certificates
      .createQueryBuilder('c')
      .where(`c.status = 'valid'`)
      .andWhere('c.expires_at > :at', { at });
    if (query.q) {
      qb.andWhere(`${folded(COMPANY)} LIKE :q`, { q: containsPattern(foldText(query.q)) });
    }
    if (query.city) {
      qb.andWhere(`${folded(CITY)} LIKE :city`, {
        city: containsPattern(foldText(query.city)),
      });
    }
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy(`lower(${COMPANY})`, 'ASC')
      .addOrderBy(`lower(${CITY})`, 'ASC')
      .addOrderBy(`lower(${SITE})`, 'ASC')
      .addOrderBy('c.number', 'ASC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    return pageOf(rows.map(toRegistryEntry), total, query);
  }
}

function toRegistryEntry(certificate: Certificate): RegistryEntry {
  const { printed } = certificate;
  return {
    number: certificate.number,
    company: printed.company.name,
    site: printed.site.name,
    city: printed.site.city,
    validFrom: certificate.validFrom,
    validUntil: certificate.validUntil,
  };
}
