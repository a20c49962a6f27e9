import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { EvidenceRecordType } from 'src/evidence/evidence.types';

/** One evidence referred to by one record of another feature (an answer, a finding...). */
@Entity({ name: 'evidence_attachment' })
export class EvidenceAttachment {
  @PrimaryColumn({
    type: 'varchar',
    length: 40,
    primaryKeyConstraintName: 'evidence_attachment_pk',
  })
  recordType!: EvidenceRecordType;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'evidence_attachment_pk' })
  recordId!: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'evidence_attachment_pk' })
  evidenceId!: string;

  @Column({ type: 'uuid' })
  organisationId!: string;

  /** Order of the record's list of evidence. */
  @Column({ type: 'smallint' })
  position!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  attachedAt!: Date;
}
