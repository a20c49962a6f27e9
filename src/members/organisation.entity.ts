import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { OrganisationStatus } from 'src/members/members.types';

/** A member company of the association. */
@Entity({ name: 'organisation' })
export class Organisation {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'organisation_pk' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** Identifiant Commun de l'Entreprise: 15 digits. */
  @Column({ type: 'char', length: 15 })
  ice!: string;

  @Column({ type: 'varchar', length: 32 })
  membershipNumber!: string;

  @Column({ type: 'varchar', length: 254 })
  contactEmail!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: OrganisationStatus;

  @Column({ type: 'timestamptz', nullable: true })
  membershipEndedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  membershipEndReason!: string | null;

  @Column({ type: 'integer' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
