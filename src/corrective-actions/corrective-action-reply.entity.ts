import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ResponseOutcome } from 'src/corrective-actions/corrective-actions.types';

/**
 * A member's response to a corrective action, and its review; its id carries the evidence.
 * Called a reply in the code, to keep it apart from the HTTP response DTOs.
 */
@Entity({ name: 'corrective_action_response' })
export class CorrectiveActionReply {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'corrective_action_response_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  correctiveActionId!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'uuid' })
  respondedBy!: string;

  @Column({ type: 'timestamptz' })
  respondedAt!: Date;

  /** Null while under review. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  outcome!: ResponseOutcome | null;

  @Column({ type: 'uuid', nullable: true })
  reviewedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  reviewedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  reviewComment!: string | null;
}
