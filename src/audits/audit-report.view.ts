import type { LocalisedText, StakeholderGroup } from 'src/charter/charter.types';

/** Everything the audit report prints, gathered by the audits service, rendered by pdfkit. */
export interface AuditReportView {
  readonly audit: {
    readonly id: string;
    readonly type: 'initial' | 'surveillance' | 'follow_up';
    readonly status: 'submitted' | 'closed';
    readonly plannedFor: string; // YYYY-MM-DD, Africa/Casablanca
    readonly visitedOn: string | null; // YYYY-MM-DD
    readonly submittedAt: Date | null;
    readonly closedAt: Date | null;
    readonly charterVersion: string;
    /** 0–100, unrounded; null when every commitment is not applicable. */
    readonly score: number | null;
    readonly groupScores: Readonly<Record<StakeholderGroup, number | null>>;
  };
  readonly organisation: { readonly name: string; readonly ice: string };
  readonly site: { readonly name: string; readonly address: string; readonly city: string };
  readonly auditor: { readonly fullName: string; readonly email: string };
  readonly findings: readonly {
    readonly code: string;
    readonly group: StakeholderGroup;
    readonly title: LocalisedText;
    readonly criticality: 'critical' | 'major' | 'standard';
    readonly result: 'conform' | 'observation' | 'minor_nc' | 'major_nc' | 'not_applicable';
    readonly note: string | null;
    readonly evidence: readonly {
      readonly originalName: string;
      readonly mediaType: string;
      readonly sha256: string;
      readonly capturedAt: Date | null;
    }[];
  }[];
  readonly correctiveActions: readonly {
    readonly code: string;
    readonly grade: 'minor_nc' | 'major_nc';
    readonly status: string;
    readonly dueAt: Date;
  }[];
  /** When the report was produced (printed in the footer). */
  readonly generatedAt: Date;
}
