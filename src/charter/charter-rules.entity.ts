import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { CharterVersion } from 'src/charter/charter-version.entity';

// numeric columns come back from PostgreSQL as strings
const numeric = { to: (value: number) => value, from: (value: string) => Number(value) };

/** The thresholds, weights and deadlines of one charter version: data, not code. */
@Entity({ name: 'charter_rules' })
export class CharterRules {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'charter_rules_pk' })
  charterVersionId!: string;

  @OneToOne(() => CharterVersion, (version) => version.rules)
  @JoinColumn({ name: 'charter_version_id', foreignKeyConstraintName: 'charter_rules_version_fk' })
  charterVersion?: Relation<CharterVersion>;

  @Column({ type: 'smallint' })
  weightCritical!: number;

  @Column({ type: 'smallint' })
  weightMajor!: number;

  @Column({ type: 'smallint' })
  weightStandard!: number;

  @Column({ type: 'numeric', precision: 4, scale: 3, transformer: numeric })
  valueConform!: number;

  @Column({ type: 'numeric', precision: 4, scale: 3, transformer: numeric })
  valueObservation!: number;

  @Column({ type: 'numeric', precision: 4, scale: 3, transformer: numeric })
  valueMinorNc!: number;

  @Column({ type: 'numeric', precision: 4, scale: 3, transformer: numeric })
  valueMajorNc!: number;

  @Column({ type: 'numeric', precision: 5, scale: 2, transformer: numeric })
  scoreThreshold!: number;

  @Column({ type: 'smallint' })
  majorNcDeadlineDays!: number;

  @Column({ type: 'smallint' })
  minorNcDeadlineDays!: number;

  @Column({ type: 'smallint' })
  auditValidityDays!: number;

  @Column({ type: 'smallint' })
  notApplicableJustificationMinLength!: number;
}
