import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Role } from 'src/auth/roles';
import type { Language } from 'src/members/members.types';

/** A person who signs in: association staff (admin, auditor) or a member company's staff. */
@Entity({ name: 'app_user' })
export class User {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'app_user_pk' })
  id!: string;

  /** Always lower case. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ type: 'text' })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 200 })
  fullName!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ type: 'uuid', nullable: true })
  organisationId!: string | null;

  @Column({ type: 'varchar', length: 2 })
  preferredLanguage!: Language;

  @Column({ type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  /** Kinds of notification the user is not told of (never a mandatory one). */
  @Column({ type: 'varchar', length: 64, array: true, default: () => "'{}'" })
  mutedNotificationKinds!: string[];

  /** Bumped to end every session of the user at once (disabling, password change). */
  @Column({ type: 'integer' })
  tokenVersion!: number;

  @Column({ type: 'integer' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
