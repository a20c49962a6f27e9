import { Logger } from '@nestjs/common';
import type { Actor } from 'src/auth/request-context';
import { type AuditPlanningService } from 'src/audits/audit-planning.service';
import { type AuditReviewService } from 'src/audits/audit-review.service';
import { type AuditWorkService } from 'src/audits/audit-work.service';
import type { AuditResponse } from 'src/audits/audits.dto';
import type { FindingResult } from 'src/audits/audits.types';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import type { CharterCommitment } from 'src/charter/charter-commitment.entity';
import { type CorrectiveActionReviewsService } from 'src/corrective-actions/corrective-action-reviews.service';
import { type CorrectiveActionsService } from 'src/corrective-actions/corrective-actions.service';
import {
  type ActionScenario,
  AUDIT_SCENARIOS,
  type AuditScenario,
  COMMITMENT_TEXTS,
  NOT_APPLICABLE_JUSTIFICATIONS,
} from 'src/demo/demo-activity-data';
import { auditorPhoto, memberEvidence, uploadEvidence } from 'src/demo/demo-evidence';
import { contextOf, type DemoSiteRef, type DemoWorld } from 'src/demo/demo-members';
import { type EvidenceService } from 'src/evidence/evidence.service';
import { notApplicableRefusal } from 'src/self-assessments/not-applicable';

const logger = new Logger('Demo');

export interface AuditServices {
  readonly planning: AuditPlanningService;
  readonly work: AuditWorkService;
  readonly review: AuditReviewService;
  readonly actions: CorrectiveActionsService;
  readonly actionReviews: CorrectiveActionReviewsService;
  readonly evidence: EvidenceService;
}

/**
 * The sample audits, each carried through the services as far as its scenario says: planned by
 * the administrator, conducted and submitted by its auditor, returned or closed by the
 * administrator; then the corrective actions their closing opened, answered by the member and
 * reviewed by the auditor. Every write sends the version the previous one returned (If-Match).
 */
export async function fillAudits(
  services: AuditServices,
  world: DemoWorld,
  commitments: readonly CharterCommitment[],
): Promise<void> {
  for (const scenario of AUDIT_SCENARIOS) {
    const audit = await runAudit(services, world, commitments, scenario);
    logger.log(
      `audit of ${scenario.site} (${scenario.type}): ${audit.status}` +
        (audit.correctiveActions.length > 0
          ? `, ${audit.correctiveActions.length} corrective action(s)`
          : ''),
    );
  }
}

/** One audit of the sample, carried through the services as far as its scenario says. */
export async function runAudit(
  services: AuditServices,
  world: DemoWorld,
  commitments: readonly CharterCommitment[],
  scenario: AuditScenario,
): Promise<AuditResponse> {
  const { planning, work, review } = services;
  const { admin } = world;
  const auditor = world.auditors[scenario.auditor];
  const ref = world.sites.get(scenario.site)!;
  const today = calendarDate(new Date());
  let audit = await planning.plan(contextOf(admin), admin, {
    siteId: ref.site.id,
    type: scenario.type,
    plannedFor: addDays(today, scenario.inDays ?? 0),
    auditorId: auditor.userId,
  });
  const cancel = (current: AuditResponse) =>
    planning.cancel(contextOf(admin), admin, current.id, { reason: scenario.cancelReason! }, [
      current.version,
    ]);
  if (scenario.to === 'planned') {
    return audit;
  }
  if (scenario.to === 'cancelled' && !scenario.cancelAfterStart) {
    return cancel(audit);
  }
  // The visit is today: `start` dates it, and fixes the charter version.
  audit = await work.start(contextOf(auditor), auditor, audit.id, [audit.version]);
  if (scenario.to === 'cancelled') {
    return cancel(audit);
  }
  const findings = findingsOf(scenario, ref, commitments);
  for (const { code, result } of findings) {
    const evidenceIds = scenario.evidence?.includes(code)
      ? [
          await uploadEvidence(
            services.evidence,
            auditor,
            ref.site.id,
            auditorPhoto(code, ref.site.name),
          ),
        ]
      : [];
    audit = await work.recordFinding(
      contextOf(auditor),
      auditor,
      audit.id,
      code,
      { result, note: noteOf(code, result), evidenceIds },
      [audit.version],
    );
  }
  if (scenario.to === 'in_progress') {
    return audit;
  }
  audit = await work.submit(contextOf(auditor), auditor, audit.id, [audit.version]);
  if (scenario.returnComment) {
    audit = await review.returnToAuditor(
      contextOf(admin),
      admin,
      audit.id,
      { comment: scenario.returnComment },
      [audit.version],
    );
    // The auditor completes the note asked for (the finding keeps its evidence), and resubmits.
    const completed = findings.find((f) => f.result === 'minor_nc' || f.result === 'major_nc')!;
    audit = await work.recordFinding(
      contextOf(auditor),
      auditor,
      audit.id,
      completed.code,
      {
        result: completed.result,
        note: `${noteOf(completed.code, completed.result)} ${scenario.returnFix ?? ''}`.trim(),
      },
      [audit.version],
    );
    audit = await work.submit(contextOf(auditor), auditor, audit.id, [audit.version]);
  }
  if (scenario.to === 'submitted') {
    return audit;
  }
  audit = await review.close(contextOf(admin), admin, audit.id, [audit.version]);
  for (const action of audit.correctiveActions) {
    const next = scenario.actions?.[action.code];
    if (next) {
      await followUp(services, ref, auditor, action.id, next);
    }
  }
  return audit;
}

/** The findings of the scenario in charter order: conform unless it says otherwise. */
function findingsOf(
  scenario: AuditScenario,
  { site }: DemoSiteRef,
  commitments: readonly CharterCommitment[],
): { code: string; result: FindingResult }[] {
  const all = commitments.map(({ code, notApplicableWhen }) => {
    if (scenario.notApplicable?.includes(code)) {
      if (notApplicableRefusal(notApplicableWhen, site) !== undefined) {
        throw new Error(`Demo data: ${code} may not be not applicable to ${site.name}`);
      }
      return { code, result: 'not_applicable' as const };
    }
    return { code, result: scenario.findings?.[code] ?? ('conform' as const) };
  });
  // An audit left in progress has its first findings, the remarkable ones among them.
  if (scenario.recorded === undefined) {
    return all;
  }
  const remarkable = all.filter((f) => f.result !== 'conform');
  const conform = all.filter((f) => f.result === 'conform');
  return [...remarkable, ...conform].slice(0, scenario.recorded);
}

function noteOf(code: string, result: FindingResult): string | null {
  switch (result) {
    case 'conform':
      return null;
    case 'observation':
      return COMMITMENT_TEXTS[code].observation;
    case 'not_applicable':
      return NOT_APPLICABLE_JUSTIFICATIONS[code];
    case 'minor_nc':
    case 'major_nc':
      return COMMITMENT_TEXTS[code].nonConformity;
  }
}

/** The member responds (with a document or a photo), and the auditor reviews if told to. */
async function followUp(
  services: AuditServices,
  { site, member }: DemoSiteRef,
  auditor: Actor,
  id: string,
  scenario: ActionScenario,
): Promise<void> {
  if (scenario.kind === 'left_open') {
    return;
  }
  const { actions, actionReviews } = services;
  const action = await actions.get(member, id);
  const file = await memberEvidence(action.code, site.name);
  const responded = await actionReviews.respond(
    contextOf(member),
    member,
    id,
    {
      description: scenario.response,
      evidenceIds: [await uploadEvidence(services.evidence, member, site.id, file)],
    },
    [action.version],
  );
  if (scenario.kind === 'verified') {
    await actionReviews.verify(contextOf(auditor), auditor, id, { comment: scenario.comment }, [
      responded.version,
    ]);
  } else if (scenario.kind === 'rejected') {
    await actionReviews.reject(contextOf(auditor), auditor, id, { comment: scenario.comment }, [
      responded.version,
    ]);
  }
}
