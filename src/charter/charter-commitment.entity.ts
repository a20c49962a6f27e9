import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';
import type {
  Criticality,
  LocalisedText,
  NotApplicableCondition,
  StakeholderGroup,
} from 'src/charter/charter.types';
import { CharterVersion } from 'src/charter/charter-version.entity';

@Entity({ name: 'charter_commitment' })
export class CharterCommitment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'charter_commitment_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  charterVersionId!: string;

  @ManyToOne(() => CharterVersion, (version) => version.commitments, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'charter_version_id',
    foreignKeyConstraintName: 'charter_commitment_version_fk',
  })
  charterVersion?: Relation<CharterVersion>;

  @Column({ type: 'varchar', length: 8 })
  code!: string;

  @Column({ type: 'smallint' })
  position!: number;

  @Column({ type: 'varchar', length: 16 })
  stakeholderGroup!: StakeholderGroup;

  @Column({ type: 'varchar', length: 16 })
  criticality!: Criticality;

  @Column({ type: 'varchar', length: 32, nullable: true })
  notApplicableWhen!: NotApplicableCondition | null;

  @Column({ type: 'text' })
  titleFr!: string;

  @Column({ type: 'text' })
  titleEn!: string;

  @Column({ type: 'text' })
  descriptionFr!: string;

  @Column({ type: 'text' })
  descriptionEn!: string;

  @Column({ type: 'text' })
  evidenceExpectedFr!: string;

  @Column({ type: 'text' })
  evidenceExpectedEn!: string;

  @Column({ type: 'jsonb' })
  verificationPoints!: LocalisedText[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
