import type { Multipart } from '@fastify/multipart';
import { isAssignedAuditor } from 'src/audits/audit-assignment';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type Actor, type RequestContext, SYSTEM_CONTEXT } from 'src/auth/request-context';
import { NotFoundError } from 'src/common/errors';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { type EvidenceResponse, toEvidenceResponse } from 'src/evidence/evidence.dto';
import { Evidence } from 'src/evidence/evidence.entity';
import {
  EvidenceAttachedError,
  EvidenceContentCorruptError,
  EvidenceNotFoundError,
  NotUploaderError,
  SiteInactiveError,
  UploadNotAllowedError,
  UploadSiteNotFoundError,
} from 'src/evidence/evidence.errors';
import { attachmentsOf, isAttached, replaceAttachments } from 'src/evidence/evidence-attachments';
import {
  acceptContent,
  type Accepted,
  type ReceivedFile,
  receiveEvidenceForm,
} from 'src/evidence/evidence-form';
import {
  type EvidenceLink,
  type EvidenceRecordType,
  UNATTACHED_EVIDENCE_TTL_MS,
} from 'src/evidence/evidence.types';
import { sanitiseFileName } from 'src/evidence/content/file-name';
import { JournalService } from 'src/journal/journal.service';
import { confinedTo } from 'src/members/access-scope';
import { OrganisationsService } from 'src/members/organisations.service';
import type { Site } from 'src/members/site.entity';
import { SitesService } from 'src/members/sites.service';
import type { JobRun } from 'src/scheduler/scheduler.service';
import {
  FILE_STORAGE,
  type FileStorage,
  type StoredFile,
  StoredFileError,
} from 'src/storage/file-storage';
import { isContentReferenced } from 'src/storage/content-references';

// Keeps each sweep transaction short; the next run takes the rest.
const SWEEP_BATCH = 200;

@Injectable()
export class EvidenceService {
  private readonly logger = new Logger(EvidenceService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly sites: SitesService,
    private readonly organisations: OrganisationsService,
    private readonly journal: JournalService,
  ) {}

  /**
   * Streams the file to storage, decides its type by content, then records it. The file is
   * written before the transaction; a refusal or a failed transaction leaves nothing behind.
   */
  async upload(
    ctx: RequestContext,
    actor: Actor,
    parts: AsyncIterable<Multipart>,
  ): Promise<EvidenceResponse> {
    const form = await receiveEvidenceForm(parts, {
      storage: this.storage,
      maxBytes: this.config.evidenceMaxBytes,
      resolveSite: (siteId) => this.siteForUpload(actor, siteId),
    });
    const { staged } = form.file;
    try {
      const accepted = acceptContent(form.file);
      await staged.publish();
      const evidence = await this.record(ctx, actor, form.site, form.file, accepted).catch(
        async (error: unknown) => {
          await this.releaseContent(staged.sha256);
          throw error;
        },
      );
      await staged
        .settle()
        .catch((error: unknown) =>
          this.logger.warn(`Evidence ${evidence.id}: staging not settled: ${String(error)}`),
        );
      this.logger.log(
        `Evidence ${evidence.id} uploaded for site ${evidence.siteId}: ${evidence.mediaType}, ${evidence.size} bytes`,
      );
      return toEvidenceResponse(evidence, false);
    } finally {
      await staged.discard();
    }
  }

  /**
   * Whether the actor may upload evidence for a site they can see: the site's own members, the
   * auditors of an audit of the site still to be conducted, and admins.
   */
  async canUploadFor(em: EntityManager, actor: Actor, site: Site): Promise<boolean> {
    switch (actor.role) {
      case 'admin':
        return true;
      case 'auditor':
        // A plain query function of the audits feature: its module imports this one.
        return isAssignedAuditor(em, actor.userId, site.id);
      case 'member':
        return site.organisationId === actor.organisationId;
    }
  }

  async get(actor: Actor, id: string): Promise<EvidenceResponse> {
    const evidence = await this.findVisible(this.db.manager, actor, id);
    return toEvidenceResponse(evidence, await isAttached(this.db.manager, id));
  }

  /**
   * The evidence with its content, checked against its SHA-256 first: corrupt or missing bytes
   * are never served, and the finding is journalled.
   */
  async download(
    ctx: RequestContext,
    actor: Actor,
    id: string,
  ): Promise<{ evidence: Evidence; file: StoredFile }> {
    const evidence = await this.findVisible(this.db.manager, actor, id);
    try {
      return { evidence, file: await this.storage.get(evidence.sha256) };
    } catch (error) {
      if (!(error instanceof StoredFileError)) {
        throw error;
      }
      this.logger.error(`Evidence ${id}: stored content ${evidence.sha256} is ${error.reason}`);
      await this.db.transaction((em) =>
        this.journal.append(em, ctx, {
          action: 'evidence.corruption_detected',
          entityType: 'evidence',
          entityId: id,
          organisationId: evidence.organisationId,
          changes: { sha256: evidence.sha256, reason: error.reason, found: error.actualSha256 },
        }),
      );
      throw new EvidenceContentCorruptError();
    }
  }

  /** The uploader deletes an evidence no record refers to; its file goes when no other needs it. */
  async remove(ctx: RequestContext, actor: Actor, id: string): Promise<void> {
    const removed = await this.db.transaction(async (em) => {
      const evidence = await this.findVisible(em, actor, id, true);
      if (evidence.uploadedBy !== actor.userId) {
        throw new NotUploaderError();
      }
      if (await isAttached(em, id)) {
        throw new EvidenceAttachedError();
      }
      await em.delete(Evidence, { id });
      await this.journal.append(em, ctx, {
        action: 'evidence.deleted',
        entityType: 'evidence',
        entityId: id,
        organisationId: evidence.organisationId,
        changes: {
          siteId: evidence.siteId,
          originalName: evidence.originalName,
          sha256: evidence.sha256,
        },
      });
      return evidence;
    });
    await this.releaseContent(removed.sha256);
  }

  /**
   * Makes `evidenceIds` the whole list of evidence of one record, in the caller's transaction
   * (an empty list detaches all). Each must be an evidence of `organisationId`; duplicates count
   * once; at most 20. The caller journals the record's change, which names the list.
   * @throws EvidenceNotFoundError (`EVIDENCE.NOT_FOUND`, naming `evidenceIds` and the id)
   */
  attach(em: EntityManager, link: EvidenceLink): Promise<void> {
    return replaceAttachments(em, link);
  }

  /** The evidence ids of each record, in their order; an empty list for a record without any. */
  attachedTo(
    em: EntityManager,
    recordType: EvidenceRecordType,
    recordIds: readonly string[],
  ): Promise<Map<string, string[]>> {
    return attachmentsOf(em, recordType, recordIds);
  }

  /**
   * The scheduled sweep: deletes unattached uploads older than 24 hours (a batch per run),
   * journalled one by one; their files go after the commit.
   */
  async sweepUnattached({ em, at, afterCommit }: JobRun): Promise<void> {
    const cutoff = new Date(at.getTime() - UNATTACHED_EVIDENCE_TTL_MS);
    const unattached = `NOT EXISTS (SELECT 1 FROM evidence_attachment a WHERE a.evidence_id = e.id)`;
    const candidates = await em.query<{ id: string }[]>(
      `SELECT e.id FROM evidence e WHERE e.uploaded_at < $1 AND ${unattached}
        ORDER BY e.uploaded_at LIMIT $2 FOR UPDATE OF e SKIP LOCKED`,
      [cutoff, SWEEP_BATCH],
    );
    if (candidates.length === 0) {
      return;
    }
    // Checked again by the deletion itself: an attachment committed meanwhile keeps its evidence.
    const swept = await em.query<
      { id: string; organisation_id: string; sha256: string; uploaded_at: Date }[]
    >(
      `WITH gone AS (
         DELETE FROM evidence e WHERE e.id = ANY($1::uuid[]) AND ${unattached}
         RETURNING e.id, e.organisation_id, e.sha256, e.uploaded_at)
       SELECT * FROM gone ORDER BY uploaded_at, id`,
      [candidates.map((c) => c.id)],
    );
    for (const row of swept) {
      await this.journal.append(em, SYSTEM_CONTEXT, {
        action: 'evidence.swept',
        entityType: 'evidence',
        entityId: row.id,
        organisationId: row.organisation_id,
        changes: { sha256: row.sha256, uploadedAt: row.uploaded_at },
      });
    }
    const contents = new Set(swept.map((row) => row.sha256));
    afterCommit(async () => {
      for (const sha256 of contents) {
        await this.releaseContent(sha256);
      }
    });
    this.logger.log(`Swept ${swept.length} unattached evidence upload(s)`);
  }

  private async siteForUpload(actor: Actor, siteId: string): Promise<Site> {
    const site = await this.sites.findVisible(this.db.manager, actor, siteId).catch((error) => {
      throw error instanceof NotFoundError ? new UploadSiteNotFoundError() : error;
    });
    if (!site.active) {
      throw new SiteInactiveError();
    }
    if (!(await this.canUploadFor(this.db.manager, actor, site))) {
      throw new UploadNotAllowedError();
    }
    return site;
  }

  private record(
    ctx: RequestContext,
    actor: Actor,
    site: Site,
    file: ReceivedFile,
    accepted: Accepted,
  ): Promise<Evidence> {
    return this.db.transaction(async (em) => {
      // Serialised with the end of a membership, which makes the site read-only.
      await this.organisations.lockActive(em, site.organisationId, () => new SiteInactiveError());
      const evidence = await em.save(
        em.create(Evidence, {
          organisationId: site.organisationId,
          siteId: site.id,
          uploadedBy: actor.userId,
          originalName: sanitiseFileName(file.fileName, accepted.mediaType),
          size: file.staged.size,
          mediaType: accepted.mediaType,
          sha256: file.staged.sha256,
          capturedAt: accepted.capturedAt,
        }),
      );
      await this.journal.append(em, ctx, {
        action: 'evidence.uploaded',
        entityType: 'evidence',
        entityId: evidence.id,
        organisationId: evidence.organisationId,
        changes: {
          siteId: evidence.siteId,
          originalName: evidence.originalName,
          size: evidence.size,
          mediaType: evidence.mediaType,
          sha256: evidence.sha256,
          capturedAt: evidence.capturedAt,
        },
      });
      return evidence;
    });
  }

  /** The evidence if the caller may see it (a member: their company's), else a 404. */
  private async findVisible(
    em: EntityManager,
    actor: Actor,
    id: string,
    forUpdate = false,
  ): Promise<Evidence> {
    const own = confinedTo(actor);
    const found = await em.findOne(Evidence, {
      where: own ? { id, organisationId: own } : { id },
      ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!found) {
      throw new EvidenceNotFoundError();
    }
    return found;
  }

  /** Removes a content file unless a record still refers to it; a failure is only logged. */
  private async releaseContent(sha256: string): Promise<void> {
    const stillNeeded = () => isContentReferenced(this.db, sha256);
    try {
      await this.storage.delete(sha256, stillNeeded);
    } catch (error) {
      this.logger.warn(`Content ${sha256} not removed: ${String(error)}`);
    }
  }
}
