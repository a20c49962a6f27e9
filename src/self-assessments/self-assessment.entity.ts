import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { SelfAssessmentStatus } from 'src/self-assessments/self-assessments.types';

// numeric columns come back from PostgreSQL as strings; scores are kept unrounded
const numeric = {
  to: (value: number | null) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** A member's own assessment of one site against one published charter version. */
@Entity({ name: 'self_assessment' })
export class SelfAssessment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'self_assessment_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  siteId!: string;

  /** The site's organisation, kept here to scope queries (the database checks it matches). */
  @Column({ type: 'uuid' })
  organisationId!: string;

  @Column({ type: 'uuid' })
  charterVersionId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: SelfAssessmentStatus;

  @Column({ type: 'uuid' })
  startedBy!: string;

  @Column({ type: 'timestamptz' })
  startedAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  submittedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  submittedAt!: Date | null;

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

  @Column({ type: 'integer' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
