import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { AuditStatus, AuditType } from 'src/audits/audits.types';

// numeric columns come back from PostgreSQL as strings; scores are kept unrounded
const numeric = {
  to: (value: number | null) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** The association's audit of one site, by one auditor, against one published charter version. */
@Entity({ name: 'audit' })
export class Audit {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'audit_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  siteId!: string;

  /** The site's organisation, kept here to scope queries (the database checks it matches). */
  @Column({ type: 'uuid' })
  organisationId!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: AuditType;

  @Column({ type: 'varchar', length: 16 })
  status!: AuditStatus;

  /** A calendar date in Africa/Casablanca, `YYYY-MM-DD`. */
  @Column({ type: 'date' })
  plannedFor!: string;

  @Column({ type: 'uuid' })
  auditorId!: string;

  @Column({ type: 'uuid' })
  plannedBy!: string;

  /** Fixed when the audit starts: the latest published version at that moment. */
  @Column({ type: 'uuid', nullable: true })
  charterVersionId!: string | null;

  /** The day of the visit (the start), in Africa/Casablanca. */
  @Column({ type: 'date', nullable: true })
  visitedOn!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  submittedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  closedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  cancelledBy!: string | null;

  @Column({ type: 'text', nullable: true })
  cancelReason!: string | null;

  @Column({ type: 'numeric', nullable: true, transformer: numeric })
  score!: number | null;

  @Column({ type: 'numeric', nullable: true, transformer: numeric })
  scoreEmployees!: number | null;

  @Column({ type: 'numeric', nullable: true, transformer: numeric })
  scoreClients!: number | null;

  @Column({ type: 'numeric', nullable: true, transformer: numeric })
  scoreProviders!: number | null;

  @Column({ type: 'numeric', nullable: true, transformer: numeric })
  scoreCommunity!: number | null;

  /** Also the ETag; every write bumps it. */
  @Column({ type: 'integer' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
