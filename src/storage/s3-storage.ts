import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  type FileStorage,
  SHA256_HEX,
  type StagedFile,
  type StoredFile,
  StoredFileError,
} from 'src/storage/file-storage';

/** How to reach the bucket: the S3_* settings. */
export interface S3Settings {
  /** Unset for AWS S3 itself; the server's URL for any other S3-compatible service. */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket?: string;
  /** Unset, the AWS SDK's default chain (AWS_* variables, instance or task role). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** `bucket` in the path rather than in the host name: MinIO and most self-hosted servers. */
  readonly forcePathStyle: boolean;
}

const STAGING = '.staging/';
const TRASH = '.trash/';
const CONTENT_TYPE = 'application/octet-stream';
// S3's smallest part: what one upload holds in memory per part in flight. Smaller files go in
// one PUT, larger ones in parts of this size, two in flight at a time.
const PART_SIZE = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
// Content up to this size is read whole and checked before it is served.
const CHECKED_WHOLE_BYTES = 1024 * 1024;

/**
 * The S3 client for these settings. Checksums only where the API demands them: since v3.729
 * (January 2025) the SDK adds a CRC32 checksum to every upload, as a trailer of an
 * `aws-chunked` body when streaming, which S3-compatible servers refuse or mishandle (s3rver
 * keeps the chunk framing as the content; Cloudflare R2, Backblaze B2 and others refused it at
 * the time). The content's integrity rests on its SHA-256, computed here on the way in and
 * checked on the way out.
 */
export function createS3Client(settings: S3Settings): S3Client {
  const { accessKeyId, secretAccessKey } = settings;
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
const isNotFound = (error: unknown) =>
  statusOf(error) === 404 && (error as { name?: unknown }).name !== 'NoSuchBucket';

/**
 * Content in an S3-compatible bucket, laid out as on disk: `sha256/ab/cd/abcd…` for the content
 * (with its hash in the `sha256` metadata), `.staging/` for uploads not yet published and
 * `.trash/` for removals in progress. S3 has no rename: every move is a server-side copy.
 */
export class S3Storage implements FileStorage {
  private readonly logger = new Logger(S3Storage.name);

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  static fromSettings(settings: S3Settings): S3Storage {
    if (!settings.bucket) {
      throw new Error('The S3 storage needs a bucket (S3_BUCKET)');
    }
    return new S3Storage(createS3Client(settings), settings.bucket);
  }

  /** Checks that the bucket answers, so that a wrong setting stops the start. */
  async init(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const reason = statusOf(error) ?? (error as Error).message;
      throw new Error(`The S3 bucket "${this.bucket}" cannot be reached (${reason})`, {
        cause: error,
      });
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  async stage(source: Readable): Promise<StagedFile> {
    const key = `${STAGING}${randomUUID()}`;
    const hash = createHash('sha256');
    let size = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    // The source's own failure (a client gone, a size cap) is the one to report, not the
    // premature close that a failed upload causes upstream: only the former finds the hashing
    // stream still open. Listening before the pipeline does puts this check first.
    let sourceError: unknown = null;
    source.once('error', (error) => {
      if (!hashing.destroyed) {
        sourceError = error;
      }
    });
    const body = pipeline(source, hashing, () => undefined);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: CONTENT_TYPE },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
    });
    try {
      // Nothing is stored under the key unless every byte arrived: a single PUT is sent after
      // the source ends, and parts of a failed multipart upload are aborted, never assembled.
      await upload.done();
    } catch (error) {
      body.destroy();
      throw sourceError ?? error;
    }
    return this.staged(key, hash.digest('hex'), size);
  }

  /**
   * The content, checked against its SHA-256. Refused at once when the object's `sha256` metadata
   * names other content. Up to 1 MiB (certificate PDFs, most documents) it is read whole and
   * checked before the first byte goes out, as on disk. Larger content streams as it is read,
   * hashed on the way, its last chunk held back until the hash matches: corrupt content fails
   * the stream before it ends, so it never reaches a reader whole (checking it before sending
   * would mean reading it twice, or holding it in memory).
   */
  async get(sha256: string): Promise<StoredFile> {
    const key = this.keyOf(sha256);
    const object = await this.client
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch((error: unknown) => {
        throw isNotFound(error) ? new StoredFileError(sha256, 'missing') : error;
      });
    const body = object.Body as Readable;
    const claimed = object.Metadata?.sha256;
    if (claimed !== undefined && claimed !== sha256) {
      body.destroy();
      this.logger.error(`Object ${key} is labelled as content ${claimed}`);
      throw new StoredFileError(sha256, 'corrupt');
    }
    const corrupt = (actual: string) => {
      this.logger.error(`Object ${key} holds content ${actual}`);
      return new StoredFileError(sha256, 'corrupt', actual);
    };
    const size = object.ContentLength;
    // (S3 always says the length; without it, the content is what this service accepted.)
    if (size === undefined || size <= CHECKED_WHOLE_BYTES) {
      const bytes = await buffer(body);
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== sha256) {
        throw corrupt(actual);
      }
      return { size: bytes.length, stream: Readable.from([bytes]) };
    }
    const stream = pipeline(body, new VerifyingStream(sha256, corrupt), () => undefined);
    return { size, stream };
  }

  async exists(sha256: string): Promise<boolean> {
    return (await this.head(this.keyOf(sha256))) !== null;
  }

  async delete(sha256: string, stillNeeded: () => Promise<boolean>): Promise<boolean> {
    const key = this.keyOf(sha256);
    if (await stillNeeded()) {
      return false;
    }
    const aside = `${TRASH}${sha256}.${randomUUID()}`;
    try {
      await this.copy(key, aside, sha256);
    } catch (error) {
      if (isNotFound(error)) {
        return false;
      }
      throw error;
    }
    await this.remove(key);
    // Out of view now: an upload of the same bytes that committed since the first question
    // either finds the content missing when it settles and puts its own copy, or is seen here
    // and gets it back.
    let needed = true;
    try {
      needed = await stillNeeded();
    } finally {
      if (needed) {
        await this.copy(aside, key, sha256);
      }
      await this.remove(aside);
    }
    return !needed;
  }

  async purgeStale(before: Date): Promise<number> {
    let cleared = 0;
    for await (const key of this.keysOlderThan(STAGING, before)) {
      await this.remove(key);
      cleared += 1;
    }
    for await (const key of this.keysOlderThan(TRASH, before)) {
      await this.restore(key);
      cleared += 1;
    }
    return cleared + (await this.abortStaleUploads(before));
  }

  private async *keysOlderThan(prefix: string, before: Date): AsyncGenerator<string> {
    const pages = paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: prefix },
    );
    for await (const page of pages) {
      for (const { Key, LastModified } of page.Contents ?? []) {
        if (Key && LastModified && LastModified < before) {
          yield Key;
        }
      }
    }
  }

  /** Multipart uploads a process started and never finished: their parts are billed. */
  private async abortStaleUploads(before: Date): Promise<number> {
    let aborted = 0;
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await this.client
        .send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: STAGING, ...markers }))
        .catch((error: unknown) => {
          // Not every server lists uploads (501), nor every policy lets us (403): the bucket's
          // lifecycle rule aborting incomplete uploads does the job then.
          if (statusOf(error) === 501 || statusOf(error) === 403) {
            return null;
          }
          throw error;
        });
      for (const { Key, UploadId, Initiated } of page?.Uploads ?? []) {
        if (Key && UploadId && Initiated && Initiated < before) {
          await this.client.send(
            new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }),
          );
          aborted += 1;
        }
      }
      if (!page?.IsTruncated) {
        return aborted;
      }
      markers = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
  }

  /** Taken out by a removal that never decided: back in place, unless already there. */
  private async restore(asideKey: string): Promise<void> {
    const sha256 = asideKey.slice(TRASH.length, TRASH.length + 64);
    if (SHA256_HEX.test(sha256)) {
      const key = this.keyOf(sha256);
      if (!(await this.head(key))) {
        await this.copy(asideKey, key, sha256);
      }
    }
    await this.remove(asideKey);
  }

  private keyOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) {
      throw new Error(`Not a SHA-256 in hex: ${JSON.stringify(sha256)}`);
    }
    return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  private async head(key: string): Promise<{ size: number; sha256?: string } | null> {
    try {
      const found = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return { size: found.ContentLength ?? 0, sha256: found.Metadata?.sha256 };
    } catch (error) {
      if (isNotFound(error)) {
        return null;
      }
      throw error;
    }
  }

  /** A server-side copy, labelled with the content's hash. Keys are hex, dots, dashes, slashes. */
  private async copy(from: string, to: string, sha256: string): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: to,
        CopySource: `${this.bucket}/${from}`,
        MetadataDirective: 'REPLACE',
        Metadata: { sha256 },
        ContentType: CONTENT_TYPE,
      }),
    );
  }

  private async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  private staged(key: string, sha256: string, size: number): StagedFile {
    const target = this.keyOf(sha256);
    let dropped = false;
    const drop = async () => {
      if (!dropped) {
        await this.remove(key);
        dropped = true;
      }
    };
    return {
      sha256,
      size,
      publish: async () => {
        const present = await this.head(target);
        // Identical content stays as is; an object that is plainly something else is replaced.
        const other = present && (present.size !== size || (present.sha256 ?? sha256) !== sha256);
        if (!present || other) {
          await this.copy(key, target, sha256);
        }
      },
      settle: async () => {
        // After the commit: a removal that took the content since `publish` either asks again
        // after this check and puts it back, or took it before, and the staged copy restores it.
        if (!(await this.head(target))) {
          await this.copy(key, target, sha256);
        }
        await drop();
      },
      discard: drop,
    };
  }
}

/** Passes bytes through, hashing them, and holds the last chunk back until the hash matches. */
class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private held: Buffer | null = null;

  constructor(
    private readonly sha256: string,
    private readonly corrupt: (actual: string) => StoredFileError,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    const previous = this.held;
    this.held = chunk;
    done(null, previous);
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (actual !== this.sha256) {
      done(this.corrupt(actual));
      return;
    }
    done(null, this.held);
  }
}
