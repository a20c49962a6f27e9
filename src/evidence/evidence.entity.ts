import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { EvidenceMediaType } from 'src/evidence/content/detect-media-type';

/** An uploaded file's metadata; its bytes are in the file storage under `sha256`. */
@Entity({ name: 'evidence' })
export class Evidence {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'evidence_pk' })
  id!: string;

  /** The organisation of the site, which owns the evidence. */
  @Column({ type: 'uuid' })
  organisationId!: string;

  @Column({ type: 'uuid' })
  siteId!: string;

  @Column({ type: 'uuid' })
  uploadedBy!: string;

  /** As the client named the file, sanitised; never used as a path. */
  @Column({ type: 'varchar', length: 200 })
  originalName!: string;

  @Column({ type: 'integer' })
  size!: number;

  /** Detected from the content. */
  @Column({ type: 'varchar', length: 32 })
  mediaType!: EvidenceMediaType;

  @Column({ type: 'char', length: 64 })
  sha256!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  uploadedAt!: Date;

  /** From the photo's Exif DateTimeOriginal, when it has one. */
  @Column({ type: 'timestamptz', nullable: true })
  capturedAt!: Date | null;
}
