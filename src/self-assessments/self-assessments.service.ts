import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In, QueryFailedError } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { CharterService, type PublishedCharter } from 'src/charter/charter.service';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import { EvidenceService } from 'src/evidence/evidence.service';
import { JournalService } from 'src/journal/journal.service';
import { confinedTo } from 'src/members/access-scope';
import { OrganisationsService } from 'src/members/organisations.service';
import type { Site } from 'src/members/site.entity';
import { SitesService } from 'src/members/sites.service';
import { SelfAssessmentAnswer } from 'src/self-assessments/self-assessment-answer.entity';
import { SelfAssessment } from 'src/self-assessments/self-assessment.entity';
import {
  toSelfAssessmentResponse,
  toSelfAssessmentSummaryResponse,
} from 'src/self-assessments/self-assessment-response';
import type {
  SelfAssessmentQuery,
  SelfAssessmentResponse,
  SelfAssessmentSummaryResponse,
} from 'src/self-assessments/self-assessments.dto';
import {
  NoPublishedCharterError,
  SelfAssessmentAlreadyOpenError,
  SelfAssessmentNotFoundError,
  SelfAssessmentSiteInactiveError,
} from 'src/self-assessments/self-assessments.errors';
import type { SubmittedSelfAssessment } from 'src/self-assessments/self-assessments.types';

/** Starting self-assessments and reading them; answering and submitting are beside it. */
@Injectable()
export class SelfAssessmentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly charter: CharterService,
    private readonly organisations: OrganisationsService,
    private readonly sites: SitesService,
    private readonly evidence: EvidenceService,
    private readonly journal: JournalService,
  ) {}

  /**
   * Opens a self-assessment of the site against the latest published charter version: one open
   * per site and version (the database's unique index decides between concurrent starts).
   */
  async start(ctx: RequestContext, actor: Actor, siteId: string): Promise<SelfAssessmentResponse> {
    try {
      return await this.db.transaction(async (em) => {
        const site = await this.sites.findVisible(em, actor, siteId);
        await this.assertWritable(em, site);
        const charter = await this.charter.findPublished(em);
        if (!charter) {
          throw new NoPublishedCharterError();
        }
        const open = await this.findOpen(em, siteId, charter.version.id);
        if (open) {
          throw new SelfAssessmentAlreadyOpenError(open.id, charter.version.version);
        }
        const { identifiers } = await em.insert(SelfAssessment, {
          siteId,
          organisationId: site.organisationId,
          charterVersionId: charter.version.id,
          status: 'open',
          startedBy: actor.userId,
          startedAt: () => 'now()',
          version: 1,
        });
        const id = (identifiers[0] as { id: string }).id;
        const created = await em.findOneByOrFail(SelfAssessment, { id });
        const response = await this.render(em, created, charter, site);
        await this.journal.append(em, ctx, {
          action: 'self_assessment.started',
          entityType: 'self_assessment',
          entityId: id,
          organisationId: site.organisationId,
          changes: { siteId, charterVersion: charter.version.version, status: 'open' },
        });
        return response;
      });
    } catch (error) {
      throw await this.translateOpenConflict(error, siteId);
    }
  }

  /** The site's self-assessments, newest first. */
  async list(
    actor: Actor,
    siteId: string,
    query: SelfAssessmentQuery,
  ): Promise<Page<SelfAssessmentSummaryResponse>> {
    const em = this.db.manager;
    await this.sites.findVisible(em, actor, siteId);
    const qb = em
      .createQueryBuilder(SelfAssessment, 'sa')
      .where('sa.site_id = :siteId', { siteId });
    if (query.status) {
      qb.andWhere('sa.status = :status', { status: query.status });
    }
    const { skip, take } = pageWindow(query);
    const [rows, total] = await qb
      .orderBy('sa.started_at', 'DESC')
      .addOrderBy('sa.id', 'DESC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    const answered = await this.answeredCounts(em, rows);
    // A site's history spans a few charter versions at most: each is read once.
    const charters = new Map<string, PublishedCharter>();
    for (const row of rows) {
      if (!charters.has(row.charterVersionId)) {
        charters.set(row.charterVersionId, await this.charterOf(em, row));
      }
    }
    const items = rows.map((row) => {
      const charter = charters.get(row.charterVersionId)!;
      return toSelfAssessmentSummaryResponse(row, charter.version.version, {
        answered: answered.get(row.id) ?? 0,
        total: charter.commitments.length,
      });
    });
    return pageOf(items, total, query);
  }

  async get(actor: Actor, id: string): Promise<SelfAssessmentResponse> {
    const em = this.db.manager;
    const found = await this.findVisible(em, actor, id);
    const site = await this.sites.findVisible(em, actor, found.siteId);
    return this.render(em, found, await this.charterOf(em, found), site);
  }

  /**
   * The site's last self-assessment submitted at or before `asOf`, with its answers, or null:
   * for other features (the audits' self-assessment gap), in their transaction. Submitted
   * self-assessments never change, so the same `asOf` always gives the same answer.
   */
  async lastSubmitted(
    em: EntityManager,
    siteId: string,
    asOf: Date,
  ): Promise<SubmittedSelfAssessment | null> {
    const found = await em
      .createQueryBuilder(SelfAssessment, 'sa')
      .where('sa.site_id = :siteId', { siteId })
      .andWhere(`sa.status = 'submitted' AND sa.submitted_at <= :asOf`, { asOf })
      .orderBy('sa.submitted_at', 'DESC')
      .addOrderBy('sa.id', 'DESC')
      .getOne();
    if (!found?.submittedAt) {
      return null;
    }
    const answers = await em.find(SelfAssessmentAnswer, {
      where: { selfAssessmentId: found.id },
      order: { commitmentCode: 'ASC' },
    });
    return {
      id: found.id,
      charterVersion: (await this.charterOf(em, found)).version.version,
      submittedAt: found.submittedAt,
      score: found.score,
      answers: new Map(
        answers.map((a) => [a.commitmentCode, { answer: a.answer, comment: a.comment }]),
      ),
    };
  }

  /** The self-assessment if the caller may see it (a member: their own company's), else 404. */
  async findVisible(em: EntityManager, actor: Actor, id: string): Promise<SelfAssessment> {
    const own = confinedTo(actor);
    const found = await em.findOneBy(SelfAssessment, own ? { id, organisationId: own } : { id });
    if (!found) {
      throw new SelfAssessmentNotFoundError();
    }
    return found;
  }

  /** The charter version the self-assessment is made against (published, hence never changed). */
  async charterOf(em: EntityManager, s: SelfAssessment): Promise<PublishedCharter> {
    const charter = await this.charter.findPublished(em, s.charterVersionId);
    if (!charter) {
      throw new Error(`self-assessment ${s.id} refers to an unpublished charter version`);
    }
    return charter;
  }

  /**
   * Locks the organisation FOR SHARE and checks that its membership is active and the site
   * writable: the sites of an ended membership are read-only.
   */
  async assertWritable(em: EntityManager, site: Site): Promise<void> {
    await this.organisations.lockActive(
      em,
      site.organisationId,
      () => new SelfAssessmentSiteInactiveError(),
    );
    if (!site.active) {
      throw new SelfAssessmentSiteInactiveError();
    }
  }

  /** The response of the whole self-assessment, read through `em`. */
  async render(
    em: EntityManager,
    s: SelfAssessment,
    charter: PublishedCharter,
    site: Site,
  ): Promise<SelfAssessmentResponse> {
    const answers = await em.find(SelfAssessmentAnswer, { where: { selfAssessmentId: s.id } });
    const evidence =
      answers.length > 0
        ? await this.evidence.attachedTo(
            em,
            'self_assessment_answer',
            answers.map((a) => a.id),
          )
        : new Map<string, string[]>();
    return toSelfAssessmentResponse(s, charter, site, answers, evidence);
  }

  private findOpen(em: EntityManager, siteId: string, charterVersionId: string) {
    return em.findOneBy(SelfAssessment, { siteId, charterVersionId, status: 'open' });
  }

  private async answeredCounts(em: EntityManager, rows: SelfAssessment[]) {
    if (rows.length === 0) {
      return new Map<string, number>();
    }
    const counts = await em
      .createQueryBuilder(SelfAssessmentAnswer, 'a')
      .select('a.self_assessment_id', 'id')
      .addSelect('count(*)::int', 'answered')
      .where({ selfAssessmentId: In(rows.map((r) => r.id)) })
      .groupBy('a.self_assessment_id')
      .getRawMany<{ id: string; answered: number }>();
    return new Map(counts.map((c) => [c.id, c.answered]));
  }

  // A start that lost the race to a concurrent one: the same 409 as when the other was seen.
  private async translateOpenConflict(error: unknown, siteId: string): Promise<unknown> {
    const { code, constraint } = (error instanceof QueryFailedError ? error.driverError : {}) as {
      code?: string;
      constraint?: string;
    };
    if (code !== '23505' || constraint !== 'self_assessment_open_uq') {
      return error;
    }
    const charter = await this.charter.findPublished(this.db.manager);
    const open = charter && (await this.findOpen(this.db.manager, siteId, charter.version.id));
    return open && charter
      ? new SelfAssessmentAlreadyOpenError(open.id, charter.version.version)
      : error;
  }
}
