import { StreamableFile } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import {
  EVIDENCE_MEDIA_TYPES,
  type EvidenceMediaType,
} from 'src/evidence/content/detect-media-type';
import type { Evidence } from 'src/evidence/evidence.entity';
import { attachmentDisposition } from 'src/evidence/content/file-name';
import type { StoredFile } from 'src/storage/file-storage';

/** The multipart form of an upload, for the OpenAPI document (it is read as a stream). */
export class UploadEvidenceForm {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description:
      'JPEG, PNG, WebP, HEIC or PDF, decided by the content; at most EVIDENCE_MAX_BYTES (15 MB)',
  })
  readonly file!: unknown;

  @ApiProperty({
    format: 'uuid',
    description:
      'The site the evidence is for; its organisation owns the evidence. It may come before or ' +
      'after the file; before, a refusal comes before the file is transferred.',
  })
  readonly siteId!: string;
}

export class EvidenceResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ format: 'uuid' })
  readonly siteId!: string;

  @ApiProperty({ format: 'uuid' })
  readonly organisationId!: string;

  @ApiProperty({ description: 'The client’s file name, sanitised', maxLength: 200 })
  readonly originalName!: string;

  @ApiProperty({ description: 'Bytes' })
  readonly size!: number;

  @ApiProperty({ enum: EVIDENCE_MEDIA_TYPES, description: 'Detected from the content' })
  readonly mediaType!: EvidenceMediaType;

  @ApiProperty({ pattern: '^[0-9a-f]{64}$' })
  readonly sha256!: string;

  @ApiProperty({ format: 'date-time' })
  readonly uploadedAt!: string;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the photo was taken (Exif DateTimeOriginal), if it says',
  })
  readonly capturedAt!: string | null;

  @ApiProperty({ format: 'uuid' })
  readonly uploadedBy!: string;

  @ApiProperty({
    description: 'Referred to by a record; unattached uploads are deleted after 24 hours',
  })
  readonly attached!: boolean;
}

export function toEvidenceResponse(evidence: Evidence, attached: boolean): EvidenceResponse {
  return {
    id: evidence.id,
    siteId: evidence.siteId,
    organisationId: evidence.organisationId,
    originalName: evidence.originalName,
    size: evidence.size,
    mediaType: evidence.mediaType,
    sha256: evidence.sha256,
    uploadedAt: evidence.uploadedAt.toISOString(),
    capturedAt: evidence.capturedAt?.toISOString() ?? null,
    uploadedBy: evidence.uploadedBy,
    attached,
  };
}

/** The download of a checked evidence file, as an attachment of its detected type. */
export function toEvidenceDownload({
  evidence,
  file,
}: {
  evidence: Evidence;
  file: StoredFile;
}): StreamableFile {
  return new StreamableFile(file.stream, {
    type: evidence.mediaType,
    disposition: attachmentDisposition(evidence.originalName),
    length: file.size,
  });
}
