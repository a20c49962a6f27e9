import { STAKEHOLDER_GROUPS } from 'src/charter/charter.types';
import { addDays, calendarDate } from 'src/audits/calendar-date';
import {
  auditExpiredText,
  correctiveActionOverdueText,
  noClosedAuditText,
  openMajorNcText,
  openMinorNcText,
  openNcOnCriticalText,
  scoreBelowThresholdText,
  siteSuspendedText,
} from 'src/compliance/compliance-reasons';
import type {
  ComplianceInput,
  ComplianceReason,
  ComplianceResult,
  ComplianceRule,
  ComplianceRules,
  ComplianceStatus,
  FindingResult,
} from 'src/compliance/compliance.types';
import { computeScores, type GroupScores } from 'src/compliance/score';

type Audit = NonNullable<ComplianceInput['latestAudit']>;
type Finding = Audit['findings'][number];
type CorrectiveAction = Audit['correctiveActions'][number];
type Grade = 'minor_nc' | 'major_nc';

/** A non-conformity of the audit whose corrective action is not verified yet. */
interface OpenNc {
  readonly code: string;
  readonly findingId: string;
  readonly grade: Grade;
  readonly critical: boolean;
  /** Its corrective actions still running (open or responded), by id. */
  readonly actions: readonly CorrectiveAction[];
}

/** What the rules read of the latest closed audit at the evaluation time. */
interface AuditState {
  readonly score: number | null;
  readonly groupScores: GroupScores;
  readonly effective: ReadonlyMap<string, FindingResult>;
  readonly findingsByCode: ReadonlyMap<string, Finding>;
  readonly openNcs: readonly OpenNc[];
  readonly overdue: readonly CorrectiveAction[];
}

const NO_GROUP_SCORES: GroupScores = Object.fromEntries(
  STAKEHOLDER_GROUPS.map((g) => [g, null]),
) as GroupScores;

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sorted = (values: Iterable<string>) => [...new Set(values)].sort(byString);

/**
 * A site's compliance status at `at`, with its score and every rule that holds (charter-v1.md,
 * "How an audit result becomes a status"), under the rules of the audit's charter version.
 *
 * - Effective result of a commitment: its finding, except that a non-conformity whose corrective
 *   action is verified counts as conform. A non-conformity is open until then; one whose actions
 *   were all superseded is not open (a newer audit's findings stand).
 * - The audit is valid through `visitedOn + auditValidityDays`, a Casablanca calendar date,
 *   inclusive.
 * - `reasons` lists every rule that holds, in the order of `COMPLIANCE_RULES`; the first decides
 *   the status. When the site is suspended the audit's rules are still evaluated and listed.
 *
 * Pure: time is `at`, whether a corrective action is overdue comes from the caller (`overdue`).
 * Same input, same answer: every list is sorted by commitment code or id.
 *
 * @throws RangeError when a commitment has no finding or two, a finding names an unknown
 *   commitment, or a corrective action an unknown finding: mistakes of the caller.
 */
export function computeCompliance(
  input: ComplianceInput,
  rules: ComplianceRules,
  at: Date,
): ComplianceResult {
  const reasons: ComplianceReason[] = [];
  if (input.suspension !== null) {
    reasons.push(
      reason('site_suspended', siteSuspendedText(input.suspension.reason, input.suspension.since)),
    );
  }
  const audit = input.latestAudit;
  if (audit === null) {
    reasons.push(reason('no_closed_audit', noClosedAuditText()));
    return result(input.siteId, reasons, null, NO_GROUP_SCORES, at, null);
  }
  const validUntil = addDays(audit.visitedOn, rules.auditValidityDays);
  if (calendarDate(at) > validUntil) {
    reasons.push(
      reason(
        'audit_expired',
        auditExpiredText(audit.visitedOn, validUntil, rules.auditValidityDays),
      ),
    );
  }
  const state = assessAudit(audit, rules);
  reasons.push(...auditReasons(state, rules));
  return result(input.siteId, reasons, state.score, state.groupScores, at, validUntil);
}

function result(
  siteId: string,
  reasons: readonly ComplianceReason[],
  score: number | null,
  groupScores: GroupScores,
  at: Date,
  validUntil: string | null,
): ComplianceResult {
  const status = reasons.length === 0 ? 'compliant' : statusOf(reasons[0].rule);
  return {
    siteId,
    status,
    score,
    groupScores: { ...groupScores },
    reasons,
    evaluatedAt: at,
    validUntil,
  };
}

/** The status that a rule decides when it is the first that holds. */
function statusOf(rule: ComplianceRule): ComplianceStatus {
  switch (rule) {
    case 'site_suspended':
      return 'suspended';
    case 'no_closed_audit':
      return 'not_assessed';
    case 'audit_expired':
      return 'expired';
    case 'open_major_nc':
    case 'open_nc_on_critical':
    case 'corrective_action_overdue':
    case 'score_below_threshold':
      return 'non_compliant';
    case 'open_minor_nc':
      return 'conditionally_compliant';
  }
}

function reason(
  rule: ComplianceRule,
  detail: ComplianceReason['detail'],
  refs: {
    commitments?: Iterable<string>;
    findingIds?: Iterable<string>;
    actionIds?: Iterable<string>;
  } = {},
): ComplianceReason {
  return {
    rule,
    detail,
    refs: {
      commitments: sorted(refs.commitments ?? []),
      findingIds: sorted(refs.findingIds ?? []),
      correctiveActionIds: sorted(refs.actionIds ?? []),
    },
  };
}

function isNc(result: FindingResult): result is Grade {
  return result === 'minor_nc' || result === 'major_nc';
}

/** Effective results, score and open non-conformities of the audit. */
function assessAudit(audit: Audit, rules: ComplianceRules): AuditState {
  const critical = new Set(
    audit.commitments.filter((c) => c.criticality === 'critical').map((c) => c.code),
  );
  const findingsByCode = new Map<string, Finding>();
  const findingsById = new Map<string, Finding>();
  for (const finding of audit.findings) {
    if (findingsByCode.has(finding.code)) {
      throw new RangeError(`commitment ${finding.code} has two findings`);
    }
    findingsByCode.set(finding.code, finding);
    findingsById.set(finding.id, finding);
  }
  const actionsByFinding = new Map<string, CorrectiveAction[]>();
  for (const action of audit.correctiveActions) {
    if (!findingsById.has(action.findingId)) {
      throw new RangeError(`corrective action ${action.id} names an unknown finding`);
    }
    actionsByFinding.set(action.findingId, [
      ...(actionsByFinding.get(action.findingId) ?? []),
      action,
    ]);
  }
  const effective = new Map<string, FindingResult>();
  const openNcs: OpenNc[] = [];
  for (const finding of [...audit.findings].sort((a, b) => byString(a.code, b.code))) {
    const actions = actionsByFinding.get(finding.id) ?? [];
    const verified = actions.some((a) => a.status === 'verified');
    effective.set(finding.code, isNc(finding.result) && verified ? 'conform' : finding.result);
    const running = actions.filter((a) => a.status === 'open' || a.status === 'responded');
    const superseded = actions.length > 0 && running.length === 0;
    if (isNc(finding.result) && !verified && !superseded) {
      openNcs.push({
        code: finding.code,
        findingId: finding.id,
        grade: finding.result,
        critical: critical.has(finding.code),
        actions: running,
      });
    }
  }
  const { score, groupScores } = computeScores(
    audit.commitments,
    rules.weights,
    new Map(
      [...effective].map(([code, r]) => [
        code,
        r === 'not_applicable' ? null : rules.findingValues[r],
      ]),
    ),
  );
  // The clock is the caller's (charter-v1: open and past dueAt); a verified or superseded action
  // is never overdue, whatever it says.
  const overdue = openNcs
    .flatMap((nc) => nc.actions)
    .filter((a) => a.overdue && a.status === 'open')
    .sort((a, b) => byString(a.code, b.code) || byString(a.id, b.id));
  return { score, groupScores, effective, findingsByCode, openNcs, overdue };
}

/** The rules that read the audit: open NCs, overdue actions, the score. */
function auditReasons(state: AuditState, rules: ComplianceRules): ComplianceReason[] {
  const reasons: ComplianceReason[] = [];
  const ncRefs = (ncs: readonly OpenNc[]) => ({
    commitments: ncs.map((nc) => nc.code),
    findingIds: ncs.map((nc) => nc.findingId),
    actionIds: ncs.flatMap((nc) => nc.actions.map((a) => a.id)),
  });
  const major = state.openNcs.filter((nc) => nc.grade === 'major_nc');
  if (major.length > 0) {
    reasons.push(
      reason('open_major_nc', openMajorNcText(major.map((nc) => nc.code)), ncRefs(major)),
    );
  }
  const onCritical = state.openNcs.filter((nc) => nc.critical);
  if (onCritical.length > 0) {
    reasons.push(
      reason('open_nc_on_critical', openNcOnCriticalText(onCritical), ncRefs(onCritical)),
    );
  }
  if (state.overdue.length > 0) {
    reasons.push(
      reason('corrective_action_overdue', correctiveActionOverdueText(state.overdue), {
        commitments: state.overdue.map((a) => a.code),
        findingIds: state.overdue.map((a) => a.findingId),
        actionIds: state.overdue.map((a) => a.id),
      }),
    );
  }
  if (state.score !== null && state.score < rules.scoreThreshold) {
    const shortfall = [...state.effective]
      .filter(([, r]) => r !== 'not_applicable' && rules.findingValues[r] < 1)
      .map(([code]) => code);
    reasons.push(
      reason(
        'score_below_threshold',
        scoreBelowThresholdText(state.score, rules.scoreThreshold, shortfall),
        {
          commitments: shortfall,
          findingIds: shortfall.map((code) => state.findingsByCode.get(code)!.id),
        },
      ),
    );
  }
  // Charter: "open minor NCs on non-critical commitments, all within deadline". An overdue one
  // already makes the site non-compliant above; the rule still names every such NC.
  const minor = state.openNcs.filter((nc) => nc.grade === 'minor_nc' && !nc.critical);
  if (minor.length > 0) {
    const items = minor.map((nc) => ({ code: nc.code, dueAt: earliestDue(nc.actions) }));
    reasons.push(reason('open_minor_nc', openMinorNcText(items), ncRefs(minor)));
  }
  return reasons;
}

function earliestDue(actions: readonly CorrectiveAction[]): Date | null {
  let due: Date | null = null;
  for (const action of actions) {
    if (due === null || action.dueAt.getTime() < due.getTime()) {
      due = action.dueAt;
    }
  }
  return due;
}
