import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ComplianceReason, ComplianceStatus } from 'src/compliance/compliance.types';

const numeric = {
  to: (value: number | null) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

export const COMPLIANCE_CAUSES = [
  'audit_closed',
  'corrective_action_responded',
  'corrective_action_verified',
  'corrective_action_rejected',
  'corrective_action_superseded',
  'suspension_set',
  'suspension_lifted',
  'sweep',
  'recomputation',
] as const;
/** What made a site's compliance be evaluated again. */
export type ComplianceCause = (typeof COMPLIANCE_CAUSES)[number];

/** One change of a site's status, score or reasons. Append-only. */
@Entity({ name: 'site_compliance_history' })
export class SiteComplianceHistory {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'site_compliance_history_pk' })
  id!: string;

  /** Insertion order, to break ties of `at`. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'uuid' })
  siteId!: string;

  /** Null for the site's first evaluation. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  fromStatus!: ComplianceStatus | null;

  @Column({ type: 'varchar', length: 32 })
  toStatus!: ComplianceStatus;

  @Column({ type: 'numeric', nullable: true, transformer: numeric })
  score!: number | null;

  @Column({ type: 'jsonb' })
  reasons!: ComplianceReason[];

  @Column({ type: 'varchar', length: 40 })
  cause!: ComplianceCause;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
