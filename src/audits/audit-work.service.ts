import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor, RequestContext } from 'src/auth/request-context';
import { AuditFinding } from 'src/audits/audit-finding.entity';
import { Audit } from 'src/audits/audit.entity';
import type { AuditResponse, RecordFindingRequest } from 'src/audits/audits.dto';
import {
  AuditCommitmentNotFoundError,
  AuditIncompleteError,
  AuditNoPublishedCharterError,
  AuditSiteInactiveError,
  FindingNotApplicableRefusedError,
} from 'src/audits/audits.errors';
import { AUDIT_ENTITY, AuditsService } from 'src/audits/audits.service';
import { isNonConformity } from 'src/audits/audits.types';
import { calendarDate } from 'src/audits/calendar-date';
import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import { CharterService } from 'src/charter/charter.service';
import { RequestValidationError } from 'src/common/errors';
import { updateVersioned } from 'src/common/versioning';
import { EvidenceService } from 'src/evidence/evidence.service';
import { JournalService } from 'src/journal/journal.service';
import { OrganisationsService } from 'src/members/organisations.service';
import type { Site } from 'src/members/site.entity';
import { SitesService } from 'src/members/sites.service';
import { notApplicableRefusal } from 'src/self-assessments/not-applicable';

/** The assigned auditor's side of an audit: start the visit, record findings, submit. */
@Injectable()
export class AuditWorkService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audits: AuditsService,
    private readonly charter: CharterService,
    private readonly organisations: OrganisationsService,
    private readonly sites: SitesService,
    private readonly evidence: EvidenceService,
    private readonly journal: JournalService,
  ) {}

  /**
   * Starts the visit: today (Africa/Casablanca) is its date, and the latest published charter
   * version is the one the audit is made against from then on.
   */
  start(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    const at = new Date();
    return this.db.transaction(async (em) => {
      const { current, to } = await this.audits.lockFor(em, actor, id, 'start', ifMatch, {
        ifMatchRequired: false,
      });
      await this.organisations.lockActive(
        em,
        current.organisationId,
        () => new AuditSiteInactiveError(),
      );
      const charter = await this.charter.findPublished(em);
      if (!charter) {
        throw new AuditNoPublishedCharterError();
      }
      const visitedOn = calendarDate(at);
      const after = await updateVersioned(em, Audit, AUDIT_ENTITY, current, {
        status: to,
        startedAt: at,
        visitedOn,
        charterVersionId: charter.version.id,
      });
      const response = await this.audits.render(em, actor, after);
      await this.journal.append(em, ctx, {
        action: 'audit.started',
        entityType: 'audit',
        entityId: id,
        organisationId: current.organisationId,
        changes: {
          status: { before: current.status, after: to },
          visitedOn,
          charterVersion: charter.version.version,
        },
      });
      return response;
    });
  }

  /**
   * Records the finding on one commitment, or replaces it (the row, hence its id and its
   * evidence's attachment, stays the same); the audit's version moves on every write.
   */
  recordFinding(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    code: string,
    body: RecordFindingRequest,
    ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    const note = body.note || null;
    return this.db.transaction(async (em) => {
      const { current } = await this.audits.lockFor(em, actor, id, 'record_finding', ifMatch, {
        ifMatchRequired: true,
      });
      const charter = await this.audits.startedCharterOf(em, current);
      const commitment = charter.commitments.find((c) => c.code === code);
      if (!commitment) {
        throw new AuditCommitmentNotFoundError(charter.version.version, code);
      }
      const site = await this.sites.findVisible(em, actor, current.siteId);
      assertNoted(body.result, note, charter.rules.notApplicableJustificationMinLength);
      if (body.result === 'not_applicable') {
        assertNotApplicableAllowed(commitment, site);
      }
      const before = await em.findOneBy(AuditFinding, { auditId: id, commitmentCode: code });
      const after = await updateVersioned(em, Audit, AUDIT_ENTITY, current, {});
      const [{ id: findingId }] = await em.query<{ id: string }[]>(
        `INSERT INTO audit_finding (audit_id, commitment_code, result, note, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT ON CONSTRAINT audit_finding_code_uq DO UPDATE
           SET result = excluded.result, note = excluded.note,
               recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
         RETURNING id`,
        [id, code, body.result, note, actor.userId],
      );
      const evidenceIds = body.evidenceIds ?? [];
      await this.evidence.attach(em, {
        organisationId: current.organisationId,
        recordType: 'audit_finding',
        recordId: findingId,
        evidenceIds,
      });
      const response = await this.audits.render(em, actor, after);
      await this.journal.append(em, ctx, {
        action: 'audit.finding_recorded',
        entityType: 'audit',
        entityId: id,
        organisationId: current.organisationId,
        changes: {
          code,
          findingId,
          result: { before: before?.result ?? null, after: body.result },
          ...((before?.note ?? null) !== note && {
            note: { before: before?.note ?? null, after: note },
          }),
          evidenceIds,
        },
      });
      return response;
    });
  }

  /** Submits an audit with a finding on every commitment: then only an admin returns or closes it. */
  submit(
    ctx: RequestContext,
    actor: Actor,
    id: string,
    ifMatch: number[] | undefined,
  ): Promise<AuditResponse> {
    return this.db.transaction(async (em) => {
      const { current, to } = await this.audits.lockFor(em, actor, id, 'submit', ifMatch, {
        ifMatchRequired: true,
      });
      const charter = await this.audits.startedCharterOf(em, current);
      const findings = await em.find(AuditFinding, { where: { auditId: id } });
      const byCode = new Map(findings.map((f) => [f.commitmentCode, f.result]));
      const missing = charter.commitments.map((c) => c.code).filter((c) => !byCode.has(c));
      if (missing.length > 0) {
        throw new AuditIncompleteError(missing);
      }
      // The site may have changed since a commitment was found not applicable.
      const site = await this.sites.findVisible(em, actor, current.siteId);
      for (const commitment of charter.commitments) {
        if (byCode.get(commitment.code) === 'not_applicable') {
          assertNotApplicableAllowed(commitment, site);
        }
      }
      const after = await updateVersioned(em, Audit, AUDIT_ENTITY, current, {
        status: to,
        submittedAt: () => 'now()',
      });
      const response = await this.audits.render(em, actor, after);
      await this.journal.append(em, ctx, {
        action: 'audit.submitted',
        entityType: 'audit',
        entityId: id,
        organisationId: current.organisationId,
        changes: {
          status: { before: current.status, after: to },
          nonConformities: findings.filter((f) => isNonConformity(f.result)).length,
        },
      });
      return response;
    });
  }
}

/** A non-conformity is described; a not-applicable finding justified at the version's length. */
function assertNoted(
  result: RecordFindingRequest['result'],
  note: string | null,
  minLength: number,
) {
  if (isNonConformity(result) && !note) {
    throw new RequestValidationError([
      { field: 'note', message: `must describe the non-conformity (${result})` },
    ]);
  }
  if (result === 'not_applicable' && (note?.length ?? 0) < minLength) {
    throw new RequestValidationError([
      {
        field: 'note',
        message: `must justify a not_applicable finding in at least ${minLength} characters`,
      },
    ]);
  }
}

function assertNotApplicableAllowed(commitment: CharterCommitment, site: Site): void {
  const refusal = notApplicableRefusal(commitment.notApplicableWhen, site);
  if (refusal !== undefined) {
    throw new FindingNotApplicableRefusedError(commitment.code, refusal);
  }
}
