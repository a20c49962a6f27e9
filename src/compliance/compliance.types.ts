import type { Criticality, LocalisedText, StakeholderGroup } from 'src/charter/charter.types';
import type { GroupScores } from 'src/compliance/score';

export const COMPLIANCE_STATUSES = [
  'suspended',
  'not_assessed',
  'expired',
  'non_compliant',
  'conditionally_compliant',
  'compliant',
] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

/** In the order in which they decide the status (the first that holds wins). */
export const COMPLIANCE_RULES = [
  'site_suspended',
  'no_closed_audit',
  'audit_expired',
  'open_major_nc',
  'open_nc_on_critical',
  'corrective_action_overdue',
  'score_below_threshold',
  'open_minor_nc',
] as const;
export type ComplianceRule = (typeof COMPLIANCE_RULES)[number];

export type FindingResult = 'conform' | 'observation' | 'minor_nc' | 'major_nc' | 'not_applicable';

/** What the rules need of a charter version: the rules of the audit's version. */
export interface ComplianceRules {
  readonly weights: Readonly<Record<Criticality, number>>;
  readonly findingValues: Readonly<
    Record<'conform' | 'observation' | 'minor_nc' | 'major_nc', number>
  >;
  readonly scoreThreshold: number;
  readonly auditValidityDays: number;
}

export interface ComplianceInput {
  readonly siteId: string;
  /** Set while an administrator has suspended the site. */
  readonly suspension: { readonly reason: string; readonly since: Date } | null;
  /** The site's latest closed audit (latest visitedOn, then latest closedAt), or null. */
  readonly latestAudit: {
    readonly id: string;
    /** Calendar date (YYYY-MM-DD) in Africa/Casablanca. */
    readonly visitedOn: string;
    readonly closedAt: Date;
    readonly charterVersion: string;
    readonly commitments: readonly {
      readonly code: string;
      readonly group: StakeholderGroup;
      readonly criticality: Criticality;
    }[];
    readonly findings: readonly {
      readonly id: string;
      readonly code: string;
      readonly result: FindingResult;
    }[];
    /** The corrective actions of that audit's non-conformities. */
    readonly correctiveActions: readonly {
      readonly id: string;
      readonly findingId: string;
      readonly code: string;
      readonly grade: 'minor_nc' | 'major_nc';
      readonly status: 'open' | 'responded' | 'verified' | 'superseded';
      readonly dueAt: Date;
      /** Whether it is overdue at the evaluation time (charter-v1: open and past dueAt). */
      readonly overdue: boolean;
    }[];
  } | null;
}

export interface ComplianceReason {
  readonly rule: ComplianceRule;
  readonly detail: LocalisedText;
  readonly refs: {
    readonly commitments: readonly string[];
    readonly findingIds: readonly string[];
    readonly correctiveActionIds: readonly string[];
  };
}

export interface ComplianceResult {
  readonly siteId: string;
  readonly status: ComplianceStatus;
  /** Unrounded; null before any closed audit. */
  readonly score: number | null;
  readonly groupScores: GroupScores;
  /** Every rule that holds, in rule order; the first decides the status. */
  readonly reasons: readonly ComplianceReason[];
  readonly evaluatedAt: Date;
  /** The last day (YYYY-MM-DD, inclusive) of the latest closed audit's validity, or null. */
  readonly validUntil: string | null;
}
