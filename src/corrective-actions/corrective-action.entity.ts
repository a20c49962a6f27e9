import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type {
  CorrectiveActionGrade,
  CorrectiveActionStatus,
} from 'src/corrective-actions/corrective-actions.types';

/** What the site must do about one non-conformity of a closed audit, by `dueAt`. */
@Entity({ name: 'corrective_action' })
export class CorrectiveAction {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'corrective_action_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  auditId!: string;

  @Column({ type: 'uuid' })
  findingId!: string;

  @Column({ type: 'uuid' })
  siteId!: string;

  @Column({ type: 'uuid' })
  organisationId!: string;

  @Column({ type: 'varchar', length: 8 })
  commitmentCode!: string;

  @Column({ type: 'varchar', length: 16 })
  grade!: CorrectiveActionGrade;

  /** The non-conformity as the auditor described it (the finding is frozen with its audit). */
  @Column({ type: 'text' })
  findingNote!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: CorrectiveActionStatus;

  /** When its audit closed. */
  @Column({ type: 'timestamptz' })
  openedAt!: Date;

  @Column({ type: 'timestamptz' })
  dueAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  verifiedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  supersededAt!: Date | null;

  /** The newer audit of the site whose closing superseded it. */
  @Column({ type: 'uuid', nullable: true })
  supersededByAuditId!: string | null;

  @Column({ type: 'integer' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
