import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type IdempotencyKeyState = 'in_flight' | 'completed';

/**
 * One `Idempotency-Key` of one caller on one route: claimed while its first request runs (the
 * row is the lock, shared by every instance), then holding that request's answer for 24 hours.
 */
@Entity({ name: 'idempotency_key' })
export class IdempotencyKey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'idempotency_key_pk' })
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  /** The method and route pattern, `POST /api/v1/sites/:id/certificates`. */
  @Column({ type: 'varchar', length: 300 })
  route!: string;

  @Column({ type: 'varchar', length: 255 })
  key!: string;

  /** SHA-256 of the request; null while a multipart body is still being read. */
  @Column({ type: 'char', length: 64, nullable: true })
  fingerprint!: string | null;

  @Column({ type: 'varchar', length: 16 })
  state!: IdempotencyKeyState;

  @Column({ type: 'smallint', nullable: true })
  responseStatus!: number | null;

  /** The headers replayed with the body: content-type, location, etag. */
  @Column({ type: 'jsonb', nullable: true })
  responseHeaders!: Record<string, string> | null;

  @Column({ type: 'text', nullable: true })
  responseBody!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
