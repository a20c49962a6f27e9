import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import { CharterCommitment } from 'src/charter/charter-commitment.entity';
import { CharterRules } from 'src/charter/charter-rules.entity';
import { CharterVersion } from 'src/charter/charter-version.entity';
import type { CharterResponse, CharterSummaryResponse } from 'src/charter/charter.dto';
import { CharterVersionNotFoundError } from 'src/charter/charter.errors';
import { toCharterResponse, toCharterSummaryResponse } from 'src/charter/charter-response';
import { compareCharterVersions } from 'src/charter/charter.types';

/** A published version's entities, for the features that assess against it. */
export interface PublishedCharter {
  readonly version: CharterVersion;
  readonly rules: CharterRules;
  /** In charter order (by position). */
  readonly commitments: readonly CharterCommitment[];
}

@Injectable()
export class CharterService {
  // A published version never changes (the database refuses it), so its rendering can be kept
  // for the life of the process by every instance alike.
  private readonly publishedCache = new Map<string, CharterResponse>();
  private readonly contentCache = new Map<string, PublishedCharter>();

  constructor(
    @InjectRepository(CharterVersion) private readonly versions: Repository<CharterVersion>,
    @InjectRepository(CharterRules) private readonly rules: Repository<CharterRules>,
    @InjectRepository(CharterCommitment)
    private readonly commitments: Repository<CharterCommitment>,
  ) {}

  async listPublished(): Promise<CharterSummaryResponse[]> {
    const rows = await this.versions
      .createQueryBuilder('v')
      .leftJoin('v.commitments', 'c')
      .select(['v.id', 'v.version', 'v.status', 'v.publishedAt'])
      .addSelect('count(c.id)::int', 'commitment_count')
      .where('v.status = :status', { status: 'published' })
      .groupBy('v.id')
      .orderBy('v.published_at', 'DESC')
      .getRawAndEntities<{ commitment_count: number }>();
    return rows.entities.map((v, i) => toCharterSummaryResponse(v, rows.raw[i].commitment_count));
  }

  async getPublished(version: string): Promise<CharterResponse> {
    const cached = this.publishedCache.get(version);
    if (cached) {
      return cached;
    }
    // Published rows only: a draft changes, so it never enters the cache (nor a public answer).
    const found = await this.versions.findOneBy({ version, status: 'published' });
    if (!found) {
      throw new CharterVersionNotFoundError(version);
    }
    const [rules, commitments] = await Promise.all([
      this.rules.findOneByOrFail({ charterVersionId: found.id }),
      this.commitments.find({ where: { charterVersionId: found.id }, order: { position: 'ASC' } }),
    ]);
    const response = toCharterResponse(found, rules, commitments);
    this.publishedCache.set(version, response);
    return response;
  }

  /**
   * The entities of a published version: the one with this id, or without one the latest
   * (by version number). Null when there is no such published version. Read through `em`, so
   * that it can be called inside the caller's transaction.
   */
  async findPublished(em: EntityManager, versionId?: string): Promise<PublishedCharter | null> {
    // Only published versions are cached, and a published version never changes.
    const known = versionId === undefined ? undefined : this.contentCache.get(versionId);
    if (known) {
      return known;
    }
    const published = await em.find(CharterVersion, {
      where: versionId ? { id: versionId, status: 'published' } : { status: 'published' },
    });
    const found = published.sort((a, b) => compareCharterVersions(b.version, a.version))[0];
    if (!found) {
      return null;
    }
    const cached = this.contentCache.get(found.id);
    if (cached) {
      return cached;
    }
    const rules = await em.findOneByOrFail(CharterRules, { charterVersionId: found.id });
    const commitments = await em.find(CharterCommitment, {
      where: { charterVersionId: found.id },
      order: { position: 'ASC' },
    });
    const content: PublishedCharter = { version: found, rules, commitments };
    this.contentCache.set(found.id, content);
    return content;
  }
}
