import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Audit } from 'src/audits/audit.entity';
import { type Actor, SYSTEM_CONTEXT } from 'src/auth/request-context';
import { CharterService } from 'src/charter/charter.service';
import { canonicalJson } from 'src/common/canonical-json';
import { type Page, pageOf, pageWindow } from 'src/common/pagination';
import {
  type ComplianceCause,
  SiteComplianceHistory,
} from 'src/compliance/compliance-history.entity';
import {
  type ComplianceHistoryItemResponse,
  type ComplianceHistoryQuery,
  type ComplianceResponse,
  toComplianceHistoryItemResponse,
  toComplianceResponse,
} from 'src/compliance/compliance.dto';
import type { ComplianceResult, ComplianceStatus } from 'src/compliance/compliance.types';
import { computeCompliance } from 'src/compliance/compute-compliance';
import type { GroupScores } from 'src/compliance/score';
import { loadComplianceInputs } from 'src/compliance/load-compliance-inputs';
import {
  NO_SITE_STATUS_LISTENER,
  SITE_STATUS_LISTENER,
  type SiteStatusListener,
} from 'src/compliance/status-events';
import type { ComplianceInputsListener } from 'src/corrective-actions/compliance-inputs';
import type { CorrectiveActionEvent } from 'src/corrective-actions/corrective-action-transitions';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import { preparedQuery } from 'src/database/prepared-query';
import { type JournalChange, JournalService } from 'src/journal/journal.service';
import { SitesService } from 'src/members/sites.service';

/** The stored status row as locked; version 0 is the placeholder of a site never evaluated. */
export interface StoredCompliance {
  readonly siteId: string;
  readonly status: ComplianceStatus;
  readonly score: number | null;
  readonly reasons: unknown;
  readonly version: number;
}

/** What one recomputation did. */
export interface Recomputation {
  readonly before: StoredCompliance;
  readonly result: ComplianceResult;
  /** Status, score or reasons differ from the stored ones (a history entry was appended). */
  readonly changed: boolean;
  readonly statusChanged: boolean;
}

const NO_GROUP_SCORES: GroupScores = {
  employees: null,
  clients: null,
  providers: null,
  community: null,
};

/**
 * A site's compliance: evaluated by the pure {@link computeCompliance} from inputs read through
 * the caller's transaction, stored, and appended to the history when it changes. Reads audits and
 * corrective actions through `em` only (the audits module depends on this one's listener).
 */
@Injectable()
export class ComplianceService implements ComplianceInputsListener {
  private readonly logger = new Logger(ComplianceService.name);
  private readonly statusListener: SiteStatusListener;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly charters: CharterService,
    private readonly sites: SitesService,
    private readonly journal: JournalService,
    @Optional() @Inject(SITE_STATUS_LISTENER) statusListener?: SiteStatusListener,
  ) {
    this.statusListener = statusListener ?? NO_SITE_STATUS_LISTENER;
  }

  async onAuditClosed(em: EntityManager, auditId: string): Promise<void> {
    const audit = await em.findOneByOrFail(Audit, { id: auditId });
    await this.recompute(em, audit.siteId, 'audit_closed', new Date());
  }

  async onCorrectiveActionChanged(
    em: EntityManager,
    correctiveActionId: string,
    event: CorrectiveActionEvent,
  ): Promise<void> {
    // Superseding happens only as a newer audit closes, whose own recomputation follows in the
    // same transaction, once its corrective actions exist: one entry, caused by the closing.
    if (event === 'superseded') {
      return;
    }
    const action = await em.findOneByOrFail(CorrectiveAction, { id: correctiveActionId });
    await this.recompute(em, action.siteId, `corrective_action_${event}`, new Date());
  }

  /** The status now, computed live from the stored inputs (member: own sites; others 404). */
  async get(actor: Actor, siteId: string): Promise<ComplianceResponse> {
    // One snapshot: the inputs are read as of one instant.
    return this.db.transaction('REPEATABLE READ', async (em) => {
      await this.sites.findVisible(em, actor, siteId);
      return toComplianceResponse(await this.evaluate(em, siteId, new Date()));
    });
  }

  async history(
    actor: Actor,
    siteId: string,
    query: ComplianceHistoryQuery,
  ): Promise<Page<ComplianceHistoryItemResponse>> {
    await this.sites.findVisible(this.db.manager, actor, siteId);
    const { skip, take } = pageWindow(query);
    const [rows, total] = await this.db.manager.findAndCount(SiteComplianceHistory, {
      where: { siteId },
      order: { at: 'DESC', seq: 'DESC' },
      skip,
      take,
    });
    return pageOf(rows.map(toComplianceHistoryItemResponse), total, query);
  }

  /** The site's compliance at `at`, from its inputs as `em` sees them. Writes nothing. */
  async evaluate(em: EntityManager, siteId: string, at: Date): Promise<ComplianceResult> {
    const loaded = await loadComplianceInputs(em, this.charters, [siteId], at);
    const { input, rules } = loaded.get(siteId)!;
    return computeCompliance(input, rules, at);
  }

  /**
   * Locks the site's status row, inserting a placeholder first when there is none, so that
   * concurrent recomputations of one site run one after the other. With `skipLocked`, null when
   * another transaction holds it.
   */
  async lock(
    em: EntityManager,
    siteId: string,
    at: Date,
    options: { skipLocked?: boolean } = {},
  ): Promise<StoredCompliance | null> {
    const select = (suffix: string) =>
      em.query<StoredRow[]>(
        `SELECT site_id, status, score::text AS score, reasons, version FROM site_compliance
          WHERE site_id = $1 FOR UPDATE${suffix}`,
        [siteId],
      );
    let [row] = await select(options.skipLocked ? ' SKIP LOCKED' : '');
    if (!row) {
      if (options.skipLocked) {
        const [exists] = await em.query<unknown[]>(
          'SELECT 1 FROM site_compliance WHERE site_id = $1',
          [siteId],
        );
        if (exists) {
          return null;
        }
      }
      await em.query(
        `INSERT INTO site_compliance (site_id, status, group_scores, reasons, evaluated_at, version)
         VALUES ($1, 'not_assessed', $2, '[]', $3, 0) ON CONFLICT (site_id) DO NOTHING`,
        [siteId, JSON.stringify(NO_GROUP_SCORES), at],
      );
      [row] = await select('');
    }
    return storedOf(row);
  }

  /** Recomputes the site's status in the caller's transaction (locks its row first). */
  async recompute(
    em: EntityManager,
    siteId: string,
    cause: ComplianceCause,
    at: Date,
  ): Promise<Recomputation> {
    // Optimistically first: the inputs and the stored row in one statement, written back only if
    // the row's version is still the one read. Every change of inputs bumps that version in its
    // own transaction, so a write that finds it changed was computed from stale inputs: then the
    // row is locked and the site evaluated again.
    const { input, rules, stored } = (
      await loadComplianceInputs(em, this.charters, [siteId], at)
    ).get(siteId)!;
    if (stored) {
      const recomputation = compare({ siteId, ...stored }, computeCompliance(input, rules, at));
      if ((await store(em, [recomputation], cause, at)) === 1) {
        await this.announce(em, recomputation, cause);
        return recomputation;
      }
    }
    const before = (await this.lock(em, siteId, at))!;
    return this.recomputeLocked(em, before, cause, at);
  }

  /** Recomputes a site whose row the transaction holds (from {@link lock}). */
  async recomputeLocked(
    em: EntityManager,
    before: StoredCompliance,
    cause: ComplianceCause,
    at: Date,
  ): Promise<Recomputation> {
    const recomputation = compare(before, await this.evaluate(em, before.siteId, at));
    await storeLocked(em, [recomputation], cause, at);
    await this.announce(em, recomputation, cause);
    return recomputation;
  }

  /**
   * Recomputes every site as of `at` (after a restore, a correction of data, a change of the
   * engine): the sites in batches, each batch one transaction that locks its rows in order,
   * reads every input in one statement, evaluates with the same pure function as a single site,
   * and writes the statuses and the history entries in one statement each. A change of status is
   * announced to the listener and journalled, as the sweep does.
   */
  async recomputeAll(at: Date = new Date(), batchSize = 1000): Promise<RecomputeAllOutcome> {
    const ids = await this.db.query<{ id: string }[]>('SELECT id FROM site ORDER BY id');
    let changed = 0;
    let statusChanged = 0;
    for (let i = 0; i < ids.length; i += batchSize) {
      const batch = ids.slice(i, i + batchSize).map((r) => r.id);
      const outcome = await this.db.transaction((em) => this.recomputeBatch(em, batch, at));
      changed += outcome.changed;
      statusChanged += outcome.statusChanged;
    }
    if (statusChanged > 0) {
      this.logger.log(
        `Full recomputation: ${statusChanged} of ${ids.length} site(s) changed status`,
      );
    }
    return { sites: ids.length, changed, statusChanged };
  }

  private async recomputeBatch(
    em: EntityManager,
    siteIds: readonly string[],
    at: Date,
  ): Promise<{ changed: number; statusChanged: number }> {
    const cause: ComplianceCause = 'recomputation';
    await em.query(
      `INSERT INTO site_compliance (site_id, status, group_scores, reasons, evaluated_at, version)
       SELECT id, 'not_assessed', $2, '[]', $3, 0 FROM unnest($1::uuid[]) AS id
       ON CONFLICT (site_id) DO NOTHING`,
      [siteIds, JSON.stringify(NO_GROUP_SCORES), at],
    );
    const stored = await em.query<StoredRow[]>(
      `SELECT site_id, status, score::text AS score, reasons, version FROM site_compliance
        WHERE site_id = ANY($1::uuid[]) ORDER BY site_id FOR UPDATE`,
      [siteIds],
    );
    const inputs = await loadComplianceInputs(em, this.charters, siteIds, at);
    const recomputations = stored.map((row) => {
      const { input, rules } = inputs.get(row.site_id)!;
      return compare(storedOf(row), computeCompliance(input, rules, at));
    });
    await storeLocked(em, recomputations, cause, at);
    const statusChanges = recomputations.filter((r) => r.statusChanged);
    for (const recomputation of statusChanges) {
      await this.announce(em, recomputation, cause);
    }
    if (statusChanges.length > 0) {
      const organisations = new Map(
        (
          await em.query<{ id: string; organisation_id: string }[]>(
            'SELECT id, organisation_id FROM site WHERE id = ANY($1::uuid[])',
            [statusChanges.map((r) => r.before.siteId)],
          )
        ).map((row) => [row.id, row.organisation_id]),
      );
      await this.journal.appendMany(
        em,
        SYSTEM_CONTEXT,
        statusChanges.map(({ before, result }) =>
          statusChangeEntry(before, result, cause, at, organisations.get(before.siteId)!),
        ),
      );
    }
    return {
      changed: recomputations.filter((r) => r.changed).length,
      statusChanged: statusChanges.length,
    };
  }

  private async announce(
    em: EntityManager,
    { before, result, statusChanged }: Recomputation,
    cause: ComplianceCause,
  ): Promise<void> {
    if (!statusChanged) {
      return;
    }
    this.logger.log(`Site ${before.siteId}: ${before.status} → ${result.status} (${cause})`);
    await this.statusListener.onSiteStatusChanged(em, {
      siteId: before.siteId,
      from: before.status,
      to: result.status,
      result,
      cause,
    });
  }
}

export interface RecomputeAllOutcome {
  readonly sites: number;
  /** Sites whose status, score or reasons changed (one history entry each). */
  readonly changed: number;
  readonly statusChanged: number;
}

interface StoredRow {
  readonly site_id: string;
  readonly status: ComplianceStatus;
  readonly score: string | null;
  readonly reasons: unknown;
  readonly version: number;
}

function storedOf(row: StoredRow): StoredCompliance {
  return {
    siteId: row.site_id,
    status: row.status,
    score: row.score === null ? null : Number(row.score),
    reasons: row.reasons,
    version: row.version,
  };
}

/** What changed between the stored evaluation and a new one. */
function compare(before: StoredCompliance, result: ComplianceResult): Recomputation {
  // Compared as jsonb gives them back: the reasons' keys reordered.
  const reasons = JSON.parse(JSON.stringify(result.reasons)) as unknown;
  const statusChanged = before.status !== result.status;
  const changed =
    before.version === 0 ||
    statusChanged ||
    before.score !== result.score ||
    canonicalJson(before.reasons) !== canonicalJson(reasons);
  return { before, result, changed, statusChanged };
}

/**
 * Stores the new evaluations and appends a history entry for each that changed, in one
 * statement whatever the number of sites; a row whose version is no longer the one read is left
 * alone. The number of rows written.
 */
async function store(
  em: EntityManager,
  recomputations: readonly Recomputation[],
  cause: ComplianceCause,
  at: Date,
): Promise<number> {
  if (recomputations.length === 0) {
    return 0;
  }
  const rows = recomputations.map(({ before, result, changed }) => ({
    site_id: before.siteId,
    version: before.version,
    from_status: before.version === 0 ? null : before.status,
    status: result.status,
    score: result.score,
    group_scores: result.groupScores,
    reasons: result.reasons,
    valid_until: result.validUntil,
    changed,
  }));
  const [{ written }] = await preparedQuery<{ written: number }>(
    em,
    'compliance-store',
    `WITH v AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(site_id uuid, version integer,
         from_status varchar, status varchar, score numeric, group_scores jsonb, reasons jsonb,
         valid_until date, changed boolean)
     ), updated AS (
       UPDATE site_compliance c
          SET status = v.status, score = v.score, group_scores = v.group_scores,
              reasons = v.reasons, evaluated_at = $2, valid_until = v.valid_until,
              version = c.version + 1
         FROM v WHERE c.site_id = v.site_id AND c.version = v.version
       RETURNING c.site_id
     ), history AS (
       INSERT INTO site_compliance_history
         (site_id, from_status, to_status, score, reasons, cause, at)
       SELECT v.site_id, v.from_status, v.status, v.score, v.reasons, $3, $2
         FROM v JOIN updated USING (site_id) WHERE v.changed
        ORDER BY v.site_id
     )
     SELECT count(*)::int AS written FROM updated`,
    [JSON.stringify(rows), at, cause],
  );
  return written;
}

/** {@link store} for rows the transaction holds: every one is written. */
async function storeLocked(
  em: EntityManager,
  recomputations: readonly Recomputation[],
  cause: ComplianceCause,
  at: Date,
): Promise<void> {
  const written = await store(em, recomputations, cause, at);
  if (written !== recomputations.length) {
    throw new Error(`${recomputations.length - written} locked status row(s) were not written`);
  }
}

/** The journal entry of a status change made by the service itself (sweep, recomputation). */
export function statusChangeEntry(
  before: StoredCompliance,
  result: ComplianceResult,
  cause: ComplianceCause,
  at: Date,
  organisationId: string,
): JournalChange {
  return {
    action: 'compliance.status_changed',
    entityType: 'site',
    entityId: before.siteId,
    organisationId,
    changes: {
      cause,
      at: at.toISOString(),
      status: { before: before.version === 0 ? null : before.status, after: result.status },
      score: { before: before.score, after: result.score },
      rules: result.reasons.map((r) => r.rule),
    },
  };
}
