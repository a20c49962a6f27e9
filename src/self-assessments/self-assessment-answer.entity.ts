import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Answer } from 'src/self-assessments/self-assessments.types';

/** The answer to one commitment; its id is what evidence is attached to. */
@Entity({ name: 'self_assessment_answer' })
export class SelfAssessmentAnswer {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'self_assessment_answer_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  selfAssessmentId!: string;

  @Column({ type: 'varchar', length: 8 })
  commitmentCode!: string;

  @Column({ type: 'varchar', length: 32 })
  answer!: Answer;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @Column({ type: 'uuid' })
  answeredBy!: string;

  @Column({ type: 'timestamptz' })
  answeredAt!: Date;
}
