import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A submitted audit sent back to its auditor, with the administrator's comment. */
@Entity({ name: 'audit_return' })
export class AuditReturn {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'audit_return_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  auditId!: string;

  @Column({ type: 'text' })
  comment!: string;

  @Column({ type: 'uuid' })
  returnedBy!: string;

  @Column({ type: 'timestamptz' })
  returnedAt!: Date;
}
