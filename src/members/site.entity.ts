import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Activity, Region } from 'src/members/members.types';

/** A call centre or back office of a member company. */
@Entity({ name: 'site' })
export class Site {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'site_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  organisationId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 500 })
  address!: string;

  @Column({ type: 'varchar', length: 100 })
  city!: string;

  @Column({ type: 'varchar', length: 40 })
  region!: Region;

  @Column({ type: 'integer' })
  headcountOnSite!: number;

  @Column({ type: 'integer' })
  headcountRemote!: number;

  @Column({ type: 'varchar', length: 16, array: true })
  activities!: Activity[];

  @Column({ type: 'boolean' })
  providesStaffTransport!: boolean;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ type: 'integer' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
