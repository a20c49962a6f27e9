import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RequestContext } from 'src/auth/request-context';
import { CharterCommitment } from 'src/charter/charter-commitment.entity';
import { toCharterResponse, toCommitmentResponse } from 'src/charter/charter-response';
import { CharterRules } from 'src/charter/charter-rules.entity';
import { CharterVersion } from 'src/charter/charter-version.entity';
import type {
  CharterResponse,
  CommitmentResponse,
  SaveCommitmentBody,
  UpdateCharterRulesBody,
} from 'src/charter/charter.dto';
import {
  CharterDraftExistsError,
  CharterDraftIncompleteError,
  CharterDraftNotFoundError,
  CharterVersionExistsError,
  CharterVersionNotFoundError,
  CharterVersionNotNewerError,
  CharterVersionPublishedError,
  CommitmentNotFoundError,
  NoPublishedCharterError,
  translateCharterWriteError,
} from 'src/charter/charter.errors';
import {
  COMMITMENT_FIELDS,
  type CommitmentValues,
  commitmentValues,
  patchRules,
  publicationProblems,
  RULE_FIELDS,
  type RuleValues,
} from 'src/charter/charter-draft';
import { compareCharterVersions } from 'src/charter/charter.types';
import { diff, type JournalChange, JournalService } from 'src/journal/journal.service';

/**
 * Drafting a new charter version (copied from the latest published one), editing it, publishing
 * it. Each use case is one transaction that locks the version's row first, so that edits of the
 * draft never interleave with its publication, and journals last.
 */
@Injectable()
export class CharterDraftingService {
  private readonly logger = new Logger(CharterDraftingService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly journal: JournalService,
  ) {}

  /** The version being drafted (there is at most one), with its rules and commitments. */
  getDraft(): Promise<CharterResponse> {
    return this.dataSource.transaction('REPEATABLE READ', async (em) => {
      const draft = await em.findOneBy(CharterVersion, { status: 'draft' });
      if (!draft) {
        throw new CharterDraftNotFoundError();
      }
      return render(em, draft);
    });
  }

  draft(ctx: RequestContext, version: string): Promise<CharterResponse> {
    return this.write(version, async (em) => {
      const versions = await em.find(CharterVersion);
      if (versions.some((v) => v.version === version)) {
        throw new CharterVersionExistsError(version);
      }
      const draft = versions.find((v) => v.status === 'draft');
      if (draft) {
        throw new CharterDraftExistsError(draft.version);
      }
      // With no draft, every version is published: the newest is both the bar and the source.
      const source = versions.sort((a, b) => compareCharterVersions(b.version, a.version))[0];
      if (!source) {
        throw new NoPublishedCharterError();
      }
      if (compareCharterVersions(version, source.version) <= 0) {
        throw new CharterVersionNotNewerError(version, source.version);
      }
      const { id } = await em.save(CharterVersion, { version, status: 'draft', publishedAt: null });
      await copyContent(em, source.id, id);
      const response = await render(em, await em.findOneByOrFail(CharterVersion, { id }));
      await this.record(em, ctx, 'charter.drafted', id, { version, copiedFrom: source.version });
      this.logger.log(`Charter ${version} drafted from ${source.version} (version ${id})`);
      return response;
    });
  }

  updateRules(
    ctx: RequestContext,
    version: string,
    body: UpdateCharterRulesBody,
  ): Promise<CharterResponse> {
    return this.write(version, async (em) => {
      const draft = await lockDraft(em, version);
      const rules = await em.findOneByOrFail(CharterRules, { charterVersionId: draft.id });
      const next = patchRules(rules, body);
      const changes = diff<RuleValues>(rules, next, RULE_FIELDS);
      if (Object.keys(changes).length === 0) {
        return render(em, draft);
      }
      await em.update(CharterRules, { charterVersionId: draft.id }, next);
      await touch(em, draft.id);
      const response = await render(em, draft);
      await this.record(em, ctx, 'charter.rules_updated', draft.id, { version, ...changes });
      return response;
    });
  }

  /** Adds the commitment at the end of the draft, or replaces it in place. */
  saveCommitment(
    ctx: RequestContext,
    version: string,
    code: string,
    body: SaveCommitmentBody,
  ): Promise<CommitmentResponse> {
    return this.write(version, async (em) => {
      const draft = await lockDraft(em, version);
      const next = commitmentValues(body);
      const existing = await em.findOneBy(CharterCommitment, { charterVersionId: draft.id, code });
      let changes: Record<string, unknown>;
      if (existing) {
        changes = diff<CommitmentValues>(commitmentValues(existing), next, COMMITMENT_FIELDS);
        if (Object.keys(changes).length > 0) {
          await em.update(CharterCommitment, { id: existing.id }, next);
        }
      } else {
        const [{ position }] = await em.query<{ position: number }[]>(
          `SELECT coalesce(max(position), 0) + 1 AS position FROM charter_commitment
            WHERE charter_version_id = $1`,
          [draft.id],
        );
        await em.insert(CharterCommitment, { ...next, charterVersionId: draft.id, code, position });
        changes = { position, ...next };
      }
      const saved = await em.findOneByOrFail(CharterCommitment, {
        charterVersionId: draft.id,
        code,
      });
      const rules = await em.findOneByOrFail(CharterRules, { charterVersionId: draft.id });
      if (Object.keys(changes).length > 0) {
        await touch(em, draft.id);
        await this.record(em, ctx, 'charter.commitment_saved', draft.id, {
          version,
          code,
          created: !existing,
          ...changes,
        });
      }
      return toCommitmentResponse(saved, rules);
    });
  }

  /** Removes the commitment and closes the gap it leaves in the positions. */
  removeCommitment(ctx: RequestContext, version: string, code: string): Promise<void> {
    return this.write(version, async (em) => {
      const draft = await lockDraft(em, version);
      const existing = await em.findOneBy(CharterCommitment, { charterVersionId: draft.id, code });
      if (!existing) {
        throw new CommitmentNotFoundError(version, code);
      }
      await em.delete(CharterCommitment, { id: existing.id });
      // Two steps through negative positions: (version, position) is unique at every row.
      await em.query(
        `UPDATE charter_commitment SET position = 1 - position
          WHERE charter_version_id = $1 AND position > $2`,
        [draft.id, existing.position],
      );
      await em.query(
        `UPDATE charter_commitment SET position = -position
          WHERE charter_version_id = $1 AND position <= 0`,
        [draft.id],
      );
      await touch(em, draft.id);
      await this.record(em, ctx, 'charter.commitment_removed', draft.id, {
        version,
        code,
        position: existing.position,
        ...commitmentValues(existing),
      });
    });
  }

  publish(ctx: RequestContext, version: string): Promise<CharterResponse> {
    return this.write(version, async (em) => {
      const draft = await lockDraft(em, version);
      const commitments = await em.find(CharterCommitment, {
        select: { code: true, position: true },
        where: { charterVersionId: draft.id },
        order: { position: 'ASC' },
      });
      const problems = publicationProblems(commitments.map((c) => c.position));
      if (problems.length > 0) {
        throw new CharterDraftIncompleteError(version, problems);
      }
      const publishedAt = new Date();
      await em.update(CharterVersion, { id: draft.id }, { status: 'published', publishedAt });
      const response = await render(em, await em.findOneByOrFail(CharterVersion, { id: draft.id }));
      await this.record(em, ctx, 'charter.published', draft.id, {
        version,
        publishedAt,
        commitmentCount: commitments.length,
      });
      this.logger.log(`Charter ${version} published with ${commitments.length} commitments`);
      return response;
    });
  }

  /** Drops a draft and its content, for a draft begun by mistake (say, under a wrong number). */
  discard(ctx: RequestContext, version: string): Promise<void> {
    return this.write(version, async (em) => {
      const draft = await lockDraft(em, version);
      await em.delete(CharterVersion, { id: draft.id });
      await this.record(em, ctx, 'charter.draft_discarded', draft.id, { version });
    });
  }

  private async write<T>(version: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      throw translateCharterWriteError(error, version);
    }
  }

  private record(
    em: EntityManager,
    ctx: RequestContext,
    action: string,
    versionId: string,
    changes: JournalChange['changes'],
  ): Promise<void> {
    return this.journal.append(em, ctx, {
      action,
      entityType: 'charter_version',
      entityId: versionId,
      changes,
    });
  }
}

/** The version's row, locked until the transaction ends; it must be a draft. */
async function lockDraft(em: EntityManager, version: string): Promise<CharterVersion> {
  const found = await em.findOne(CharterVersion, {
    where: { version },
    lock: { mode: 'pessimistic_write' },
  });
  if (!found) {
    throw new CharterVersionNotFoundError(version);
  }
  if (found.status !== 'draft') {
    throw new CharterVersionPublishedError(version);
  }
  return found;
}

async function render(em: EntityManager, version: CharterVersion): Promise<CharterResponse> {
  const rules = await em.findOneByOrFail(CharterRules, { charterVersionId: version.id });
  const commitments = await em.find(CharterCommitment, {
    where: { charterVersionId: version.id },
    order: { position: 'ASC' },
  });
  return toCharterResponse(version, rules, commitments);
}

async function copyContent(em: EntityManager, fromId: string, toId: string): Promise<void> {
  const ruleColumns = `weight_critical, weight_major, weight_standard, value_conform,
    value_observation, value_minor_nc, value_major_nc, score_threshold, major_nc_deadline_days,
    minor_nc_deadline_days, audit_validity_days, not_applicable_justification_min_length`;
  await em.query(
    `INSERT INTO charter_rules (charter_version_id, ${ruleColumns})
     SELECT $2, ${ruleColumns} FROM charter_rules WHERE charter_version_id = $1`,
    [fromId, toId],
  );
  const commitmentColumns = `code, position, stakeholder_group, criticality, not_applicable_when,
    title_fr, title_en, description_fr, description_en, evidence_expected_fr, evidence_expected_en,
    verification_points`;
  await em.query(
    `INSERT INTO charter_commitment (charter_version_id, ${commitmentColumns})
     SELECT $2, ${commitmentColumns} FROM charter_commitment WHERE charter_version_id = $1`,
    [fromId, toId],
  );
}

function touch(em: EntityManager, versionId: string): Promise<unknown> {
  return em.query('UPDATE charter_version SET updated_at = now() WHERE id = $1', [versionId]);
}
