import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { calendarDate } from 'src/audits/calendar-date';
import { SYSTEM_CONTEXT } from 'src/auth/request-context';
import { ComplianceService, statusChangeEntry } from 'src/compliance/compliance.service';
import { JournalService } from 'src/journal/journal.service';
import { SchedulerService } from 'src/scheduler/scheduler.service';

export const COMPLIANCE_SWEEP_JOB = 'compliance-sweep';
export const COMPLIANCE_SWEEP_EVERY_MS = 5 * 60 * 1000;

export interface SweepOutcome {
  /** Sites whose stored status the clock may have changed. */
  readonly candidates: number;
  /** Of those, the ones whose status, score or reasons changed (one history entry each). */
  readonly changed: number;
  /** Left to a concurrent sweep or use case that held the site's row. */
  readonly skipped: number;
}

/**
 * Sites whose stored evaluation time may have changed at `at`, in one set-based query: the
 * validity ended and the expiry is not yet listed; an open corrective action past its deadline
 * not yet listed as overdue; a closed audit but no stored status (data from before this table).
 */
export async function findSweepCandidates(em: EntityManager, at: Date): Promise<string[]> {
  const rows = await em.query<{ site_id: string }[]>(
    `SELECT sc.site_id FROM site_compliance sc
      WHERE sc.valid_until < $1::date
        AND NOT sc.reasons @> '[{"rule": "audit_expired"}]'::jsonb
     UNION
     SELECT ca.site_id FROM corrective_action ca
       LEFT JOIN site_compliance sc ON sc.site_id = ca.site_id
      WHERE ca.status = 'open' AND ca.due_at < $2
        AND (sc.site_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM jsonb_array_elements(sc.reasons) r
           WHERE r ->> 'rule' = 'corrective_action_overdue'
             AND r -> 'refs' -> 'correctiveActionIds' @> to_jsonb(ca.id::text)))
     UNION
     SELECT a.site_id FROM audit a
      WHERE a.status = 'closed'
        AND NOT EXISTS (SELECT 1 FROM site_compliance sc WHERE sc.site_id = a.site_id)
     ORDER BY 1`,
    [calendarDate(at), at],
  );
  return rows.map((r) => r.site_id);
}

/**
 * The time-driven changes of charter-v1.md (validity ended → expired; a corrective action past
 * its deadline → non_compliant): every 5 minutes, and by `npm run compliance:sweep`. Each site is
 * recomputed in its own short transaction that skips a row another holds, so that several
 * instances sweep at once without doubling an entry; a second sweep finds nothing to change.
 */
@Injectable()
export class ComplianceSweep implements OnModuleInit {
  private readonly logger = new Logger(ComplianceSweep.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scheduler: SchedulerService,
    private readonly compliance: ComplianceService,
    private readonly journal: JournalService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: COMPLIANCE_SWEEP_JOB,
      everyMs: COMPLIANCE_SWEEP_EVERY_MS,
      run: async ({ em, at, afterCommit }) => {
        const siteIds = await findSweepCandidates(em, at);
        // Not in the job's transaction: one short transaction per site, once it has ended (the
        // embedded engine has a single connection).
        afterCommit(async () => {
          await this.sweepSites(siteIds, at);
        });
      },
    });
  }

  /** Sweeps as of `at` (now unless told: tests and the command may set the clock forward). */
  async sweep(at: Date = new Date()): Promise<SweepOutcome> {
    return this.sweepSites(await findSweepCandidates(this.db.manager, at), at);
  }

  private async sweepSites(siteIds: readonly string[], at: Date): Promise<SweepOutcome> {
    let changed = 0;
    let skipped = 0;
    for (const siteId of siteIds) {
      const outcome = await this.sweepSite(siteId, at);
      changed += outcome === 'changed' ? 1 : 0;
      skipped += outcome === 'skipped' ? 1 : 0;
    }
    if (changed > 0) {
      this.logger.log(`Compliance sweep: ${changed} of ${siteIds.length} site(s) changed`);
    }
    return { candidates: siteIds.length, changed, skipped };
  }

  private sweepSite(siteId: string, at: Date): Promise<'changed' | 'unchanged' | 'skipped'> {
    return this.db.transaction(async (em) => {
      const before = await this.compliance.lock(em, siteId, at, { skipLocked: true });
      if (!before) {
        return 'skipped';
      }
      const { result, changed } = await this.compliance.recomputeLocked(em, before, 'sweep', at);
      if (!changed) {
        return 'unchanged';
      }
      const [site] = await em.query<{ organisation_id: string }[]>(
        'SELECT organisation_id FROM site WHERE id = $1',
        [siteId],
      );
      await this.journal.append(
        em,
        SYSTEM_CONTEXT,
        statusChangeEntry(before, result, 'sweep', at, site.organisation_id),
      );
      return 'changed';
    });
  }
}
