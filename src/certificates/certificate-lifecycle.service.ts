import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import { type Actor, type RequestContext, SYSTEM_CONTEXT } from 'src/auth/request-context';
import {
  ACTIVE_CERTIFICATE_STATUSES,
  Certificate,
  type CertificateStatus,
} from 'src/certificates/certificate.entity';
import { effectiveStatus, statusAfterSiteChange } from 'src/certificates/certificate-status';
import { type CertificateResponse, toCertificateResponse } from 'src/certificates/certificates.dto';
import {
  CertificateFinalError,
  CertificateNotFoundError,
} from 'src/certificates/certificates.errors';
import type { SiteStatusChange, SiteStatusListener } from 'src/compliance/status-events';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { preparedQuery } from 'src/database/prepared-query';
import { JournalService } from 'src/journal/journal.service';
import type { MembershipEnd, MembershipListener } from 'src/members/membership-events';
import { NotificationsService } from 'src/notifications/notifications.service';
import { SchedulerService } from 'src/scheduler/scheduler.service';

export const CERTIFICATE_EXPIRY_JOB = 'certificates.expire';
const EXPIRY_EVERY_MS = 5 * 60 * 1000;
// Keeps each run's transaction short; the next run takes the rest.
const EXPIRY_BATCH = 500;

/** The journal action of a move to each status. */
const ACTION_OF: Record<CertificateStatus, string> = {
  valid: 'certificate.reinstated',
  suspended: 'certificate.suspended',
  revoked: 'certificate.revoked',
  expired: 'certificate.expired',
  superseded: 'certificate.superseded',
};

type CertificateNotice = 'certificate.reinstated' | 'certificate.suspended' | 'certificate.revoked';

/** The message of a move to each status worth telling (an expiry is foretold by the reminders). */
const NOTICE_OF: Partial<Record<CertificateStatus, CertificateNotice>> = {
  valid: 'certificate.reinstated',
  suspended: 'certificate.suspended',
  revoked: 'certificate.revoked',
};

/** The rows of an `UPDATE ... RETURNING`, which the driver gives as `[rows, count]`. */
function returnedRows<T>(result: unknown): T[] {
  const [rows] = result as [T[], number];
  return Array.isArray(rows) ? rows : (result as T[]);
}

interface ChangedRow {
  readonly id: string;
  readonly number: string;
  readonly organisation_id: string;
  readonly site_id: string;
  readonly before: CertificateStatus;
}

/**
 * Everything that changes an issued certificate's status after issuance (charter-v1.md): its
 * site's status (suspended, reinstated, expired), the end of its validity (the sweep), an
 * administrator's revocation, the end of its company's membership. Each change bumps `version`
 * and `status_changed_at`, and is a journal entry (the system's own when automatic).
 */
@Injectable()
export class CertificateLifecycleService
  implements SiteStatusListener, MembershipListener, OnModuleInit
{
  private readonly logger = new Logger(CertificateLifecycleService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly scheduler: SchedulerService,
    private readonly journal: JournalService,
    private readonly notifications: NotificationsService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: CERTIFICATE_EXPIRY_JOB,
      everyMs: EXPIRY_EVERY_MS,
      run: async ({ em, at }) => {
        await this.expireDue(em, at);
      },
    });
  }

  async onSiteStatusChanged(em: EntityManager, change: SiteStatusChange): Promise<void> {
    const at = change.result.evaluatedAt;
    // Most sites hold no certificate: one light statement on every change of status.
    const locked = await preparedQuery<{ id: string }>(
      em,
      'certificate-active-of-site',
      'SELECT id FROM certificate WHERE site_id = $1 AND status = ANY($2) FOR UPDATE',
      [change.siteId, ACTIVE_CERTIFICATE_STATUSES],
    );
    const active =
      locked.length === 0 ? [] : await em.findBy(Certificate, { id: In(locked.map((c) => c.id)) });
    for (const certificate of active) {
      const next = statusAfterSiteChange(certificate, change.to, at);
      if (next === null) {
        continue;
      }
      await em.update(
        Certificate,
        { id: certificate.id },
        {
          status: next,
          statusChangedAt: at,
          version: () => 'version + 1',
          ...(next === 'suspended' ? { suspendedAt: at } : {}),
          ...(next === 'valid' ? { suspendedAt: null } : {}),
        },
      );
      this.logger.log(
        `Certificate ${certificate.number}: ${certificate.status} → ${next} (site ${change.from} → ${change.to})`,
      );
      await this.notifyMove(em, certificate.id, next);
      await this.journal.append(em, SYSTEM_CONTEXT, {
        action: ACTION_OF[next],
        entityType: 'certificate',
        entityId: certificate.id,
        organisationId: certificate.organisationId,
        changes: {
          number: certificate.number,
          status: { before: certificate.status, after: next },
          cause: next === 'expired' && change.to !== 'expired' ? 'validity_ended' : 'site_status',
          siteStatus: { before: change.from, after: change.to },
          complianceCause: change.cause,
          rules: change.result.reasons.map((r) => r.rule),
        },
      });
    }
  }

  /** Revokes the company's active certificates, in the transaction that ends its membership. */
  async onMembershipEnded(
    em: EntityManager,
    ctx: RequestContext,
    end: MembershipEnd,
  ): Promise<void> {
    const revokedBy = ctx.actor?.userId;
    if (!revokedBy) {
      throw new Error('Ending a membership revokes certificates: it needs the acting user');
    }
    const reason = `Membership ended: ${end.reason}`.slice(0, 500);
    const rows = returnedRows<ChangedRow>(
      await em.query(
        `WITH target AS (
         SELECT id, status FROM certificate
          WHERE organisation_id = $1 AND status IN ('valid', 'suspended') AND expires_at > $2
          FOR UPDATE)
       UPDATE certificate c
          SET status = 'revoked', revoked_at = $2, revoked_by = $3, revocation_reason = $4,
              status_changed_at = $2, version = c.version + 1
         FROM target t WHERE c.id = t.id
       RETURNING c.id, c.number, c.organisation_id, c.site_id, t.status AS before`,
        [end.organisationId, end.at, revokedBy, reason],
      ),
    );
    for (const row of rows) {
      this.logger.log(`Certificate ${row.number} revoked: the membership ended`);
      await this.notifyMove(em, row.id, 'revoked');
      await this.journalRow(em, ctx, row, 'revoked', {
        cause: 'membership_ended',
        reason,
      });
    }
  }

  /** An administrator's revocation, with a reason: final. */
  async revoke(
    ctx: RequestContext,
    actor: Actor,
    number: string,
    reason: string,
  ): Promise<CertificateResponse> {
    const at = new Date();
    const revoked = await this.db.transaction(async (em) => {
      const certificate = await em.findOne(Certificate, {
        where: { number },
        lock: { mode: 'pessimistic_write' },
      });
      if (!certificate) {
        throw new CertificateNotFoundError();
      }
      const shown = effectiveStatus(certificate, at);
      if (shown !== 'valid' && shown !== 'suspended') {
        throw new CertificateFinalError(shown);
      }
      await em.update(
        Certificate,
        { id: certificate.id },
        {
          status: 'revoked',
          revokedAt: at,
          revokedBy: actor.userId,
          revocationReason: reason,
          statusChangedAt: at,
          version: () => 'version + 1',
        },
      );
      await this.notifyMove(em, certificate.id, 'revoked');
      await this.journalRow(
        em,
        ctx,
        {
          id: certificate.id,
          number,
          organisation_id: certificate.organisationId,
          site_id: certificate.siteId,
          before: certificate.status,
        },
        'revoked',
        { cause: 'revoked_by_admin', reason },
      );
      return em.findOneByOrFail(Certificate, { id: certificate.id });
    });
    this.logger.log(`Certificate ${number} revoked by ${actor.userId}`);
    return toCertificateResponse(revoked, {
      now: at,
      publicBaseUrl: this.config.publicBaseUrl,
      successor: null,
    });
  }

  /**
   * Stores `expired` on the active certificates whose validity ended by `at`, in one set-based
   * statement (rows another transaction holds are left to the next run), one journal entry each.
   */
  async expireDue(em: EntityManager, at: Date): Promise<number> {
    const rows = returnedRows<ChangedRow>(
      await em.query(
        `WITH due AS (
         SELECT id, status FROM certificate
          WHERE status IN ('valid', 'suspended') AND expires_at <= $1
          ORDER BY expires_at, id LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE certificate c
          SET status = 'expired', status_changed_at = $1, version = c.version + 1
         FROM due d WHERE c.id = d.id
       RETURNING c.id, c.number, c.organisation_id, c.site_id, d.status AS before`,
        [at, EXPIRY_BATCH],
      ),
    );
    for (const row of rows) {
      await this.journalRow(em, SYSTEM_CONTEXT, row, 'expired', { cause: 'validity_ended' });
    }
    if (rows.length > 0) {
      this.logger.log(`Certificates expired: ${rows.map((r) => r.number).join(', ')}`);
    }
    return rows.length;
  }

  /** {@link expireDue} in a transaction of its own (the sweep command, tests); `at` now unless told. */
  sweepExpired(at: Date = new Date()): Promise<number> {
    return this.db.transaction((em) => this.expireDue(em, at));
  }

  private async notifyMove(
    em: EntityManager,
    certificateId: string,
    after: CertificateStatus,
  ): Promise<void> {
    const kind = NOTICE_OF[after];
    if (kind) {
      await this.notifications.notify(em, { kind, certificateId });
    }
  }

  private journalRow(
    em: EntityManager,
    ctx: RequestContext,
    row: ChangedRow,
    after: CertificateStatus,
    changes: Record<string, unknown>,
  ): Promise<void> {
    return this.journal.append(em, ctx, {
      action: ACTION_OF[after],
      entityType: 'certificate',
      entityId: row.id,
      organisationId: row.organisation_id,
      changes: {
        number: row.number,
        siteId: row.site_id,
        status: { before: row.before, after },
        ...changes,
      },
    });
  }
}
