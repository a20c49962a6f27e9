import {
  Column,
  CreateDateColumn,
  Entity,
  OneToMany,
  OneToOne,
  PrimaryGeneratedColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';
import type { CharterStatus } from 'src/charter/charter.types';
import { CharterCommitment } from 'src/charter/charter-commitment.entity';
import { CharterRules } from 'src/charter/charter-rules.entity';

@Entity({ name: 'charter_version' })
export class CharterVersion {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'charter_version_pk' })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  version!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: CharterStatus;

  @Column({ type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany(() => CharterCommitment, (commitment) => commitment.charterVersion)
  commitments?: Relation<CharterCommitment[]>;

  @OneToOne(() => CharterRules, (rules) => rules.charterVersion)
  rules?: Relation<CharterRules>;
}
