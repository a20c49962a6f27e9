import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ComplianceReason, ComplianceStatus } from 'src/compliance/compliance.types';
import type { GroupScores } from 'src/compliance/score';

// numeric columns come back from PostgreSQL as strings; scores are kept unrounded
const numeric = {
  to: (value: number | null) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** A site's stored compliance status: the last evaluation of its inputs. No row: not_assessed. */
@Entity({ name: 'site_compliance' })
export class SiteCompliance {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'site_compliance_pk' })
  siteId!: string;

  @Column({ type: 'varchar', length: 32 })
  status!: ComplianceStatus;

  @Column({ type: 'numeric', nullable: true, transformer: numeric })
  score!: number | null;

  @Column({ type: 'jsonb' })
  groupScores!: GroupScores;

  @Column({ type: 'jsonb' })
  reasons!: ComplianceReason[];

  @Column({ type: 'timestamptz' })
  evaluatedAt!: Date;

  /** The last day of the latest closed audit's validity (YYYY-MM-DD), or null. */
  @Column({ type: 'date', nullable: true })
  validUntil!: string | null;

  /** 0 for the placeholder locked before the first evaluation. */
  @Column({ type: 'integer' })
  version!: number;
}
