import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { FindingResult } from 'src/audits/audits.types';

/** The auditor's finding on one commitment; its id is what evidence is attached to. */
@Entity({ name: 'audit_finding' })
export class AuditFinding {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'audit_finding_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  auditId!: string;

  @Column({ type: 'varchar', length: 8 })
  commitmentCode!: string;

  @Column({ type: 'varchar', length: 16 })
  result!: FindingResult;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  @Column({ type: 'uuid' })
  recordedBy!: string;

  @Column({ type: 'timestamptz' })
  recordedAt!: Date;
}
