import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An administrator's suspension of a site; in force until lifted. At most one in force. */
@Entity({ name: 'site_suspension' })
export class SiteSuspension {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'site_suspension_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  siteId!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'uuid' })
  suspendedBy!: string;

  @Column({ type: 'timestamptz' })
  suspendedAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  liftedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  liftedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  liftReason!: string | null;
}
