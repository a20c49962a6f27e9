import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { pipeline } from 'node:stream';
import { DomainError, type FieldError, RequestValidationError } from 'src/common/errors';
import {
  type ContentSample,
  contradictsDeclaredType,
  detectMediaType,
  type EvidenceMediaType,
  SamplingStream,
} from 'src/evidence/content/detect-media-type';
import { readCapturedAt } from 'src/evidence/content/read-exif';
import {
  DeclaredTypeMismatchError,
  EvidenceTooLargeError,
  MalformedMultipartError,
  NotMultipartError,
  UnsupportedEvidenceTypeError,
} from 'src/evidence/evidence.errors';
import type { FileStorage, StagedFile } from 'src/storage/file-storage';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The file of an upload, staged in storage, with what was seen of it on the way. */
export interface ReceivedFile {
  readonly staged: StagedFile;
  readonly sample: ContentSample;
  /** As the client sent it, unsanitised. */
  readonly fileName: string | undefined;
  /** The part's Content-Type, lower case, without parameters. */
  readonly declaredType: string;
}

export interface EvidenceForm<S> {
  readonly site: S;
  readonly file: ReceivedFile;
}

export interface FormOptions<S> {
  readonly storage: FileStorage;
  readonly maxBytes: number;
  /** Finds and authorises the site as soon as its id is read, before the file when it comes first. */
  readonly resolveSite: (siteId: string) => Promise<S>;
}

/** The parts of a multipart request; anything else is refused with 415. */
export function multipartOf(request: FastifyRequest): AsyncIterable<Multipart> {
  if (!request.isMultipart()) {
    throw new NotMultipartError();
  }
  return request.parts();
}

/**
 * Reads an upload form: `siteId` and `file`, in either order. The file streams through a
 * sampler (type detection, size cap) into the storage's staging, never whole in memory. On any
 * refusal nothing stays staged.
 */
export async function receiveEvidenceForm<S>(
  parts: AsyncIterable<Multipart>,
  options: FormOptions<S>,
): Promise<EvidenceForm<S>> {
  let file: ReceivedFile | undefined;
  let site: { value: S } | undefined;
  try {
    for await (const part of readable(parts)) {
      if (part.type === 'file' && part.fieldname === 'file' && !file) {
        file = await receiveFile(part, options);
      } else if (part.type === 'field' && part.fieldname === 'siteId' && !site) {
        site = { value: await options.resolveSite(siteIdOf(part.value)) };
      } else {
        throw new RequestValidationError([{ field: part.fieldname, message: unexpected(part) }]);
      }
    }
    const missing: FieldError[] = [];
    if (!site) {
      missing.push({ field: 'siteId', message: 'siteId must be a UUID' });
    }
    if (!file) {
      missing.push({ field: 'file', message: 'file is required, as a file part' });
    }
    if (!site || !file) {
      throw new RequestValidationError(missing);
    }
    return { site: site.value, file };
  } catch (error) {
    await file?.staged.discard();
    throw error;
  }
}

function unexpected(part: Multipart): string {
  if (part.fieldname === 'siteId') {
    return part.type === 'file' ? 'must be a plain field, not a file' : 'must be given once';
  }
  if (part.fieldname === 'file') {
    return part.type === 'field' ? 'must be a file part (with a filename)' : 'must be given once';
  }
  return 'is not allowed';
}

function siteIdOf(value: unknown): string {
  const siteId = typeof value === 'string' ? value.trim() : '';
  if (!UUID.test(siteId)) {
    throw new RequestValidationError([{ field: 'siteId', message: 'siteId must be a UUID' }]);
  }
  return siteId.toLowerCase();
}

/** The parts, with a broken body (bad boundary, cut short) told apart from our own refusals. */
async function* readable(parts: AsyncIterable<Multipart>): AsyncGenerator<Multipart> {
  const iterator = parts[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw asRequestError(error);
    }
    if (next.done) {
      return;
    }
    yield next.value;
  }
}

async function receiveFile(part: MultipartFile, options: FormOptions<unknown>) {
  // A body cut short inside the file part can end it before it is handed over.
  if (part.file.destroyed) {
    throw new MalformedMultipartError('the body ends inside the file');
  }
  const tooLarge = () => new EvidenceTooLargeError(options.maxBytes);
  const sampling = new SamplingStream(options.maxBytes, tooLarge);
  let staged: StagedFile;
  try {
    staged = await options.storage.stage(pipeline(part.file, sampling, () => undefined));
  } catch (error) {
    throw error instanceof DomainError || !cutShort(error) ? error : asRequestError(error);
  }
  // The multipart parser stops a file at the limit and marks it truncated.
  if (part.file.truncated) {
    await staged.discard();
    throw tooLarge();
  }
  return {
    staged,
    sample: sampling.sampler.sample(),
    fileName: part.filename,
    declaredType: part.mimetype.split(';')[0].trim().toLowerCase(),
  };
}

/** A body that ended inside the file, or a connection lost: the client's side, not the disk's. */
function cutShort(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'ERR_STREAM_PREMATURE_CLOSE' || /terminated early|Unexpected end/.test(String(message))
  );
}

// The multipart plugin's own errors (too many parts, a file over the limit) carry their status;
// the parser's (a missing boundary, a body cut short) are the client's fault too.
function asRequestError(error: unknown): unknown {
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return error;
  }
  return new MalformedMultipartError(error instanceof Error ? error.message : String(error));
}

export interface Accepted {
  readonly mediaType: EvidenceMediaType;
  readonly capturedAt: Date | null;
}

/** The detected type, refused (415) unless accepted and consistent with what the part declares. */
export function acceptContent(file: ReceivedFile): Accepted {
  const detection = detectMediaType(file.sample);
  if (!detection.accepted) {
    throw new UnsupportedEvidenceTypeError(detection.reason);
  }
  if (contradictsDeclaredType(file.declaredType, detection.mediaType)) {
    throw new DeclaredTypeMismatchError(file.declaredType, detection.mediaType);
  }
  return {
    mediaType: detection.mediaType,
    capturedAt: detection.exif ? readCapturedAt(detection.exif) : null,
  };
}
