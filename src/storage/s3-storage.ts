import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  type FileStorage,
  SHA256_HEX,
  type StagedFile,
  type StoredFile,
  StoredFileError,
} from 'src/storage/file-storage';
import { S3Bucket } from 'src/storage/s3-bucket';
import {
  asStorageError,
  createS3Client,
  isNotFound,
  type S3Settings,
  statusOf,
} from 'src/storage/s3-client';
import { abortStaleUploads, uploadStreamed } from 'src/storage/s3-multipart';
import {
  digestOf,
  hashingStream,
  removeUnlessNeeded,
  VerifyingStream,
} from 'src/storage/storage-steps';
import { StorageUnavailableError } from 'src/storage/storage.errors';
import { UploadSlots } from 'src/storage/upload-slots';

// Where the e2e specs and the test server have always found them.
export { createS3Client, type S3Settings } from 'src/storage/s3-client';

/** What bounds the driver's use of memory. */
export interface S3StorageLimits {
  /** Uploads at a time in this instance (S3_MAX_UPLOADS); the others wait their turn. */
  readonly maxUploads: number;
  /** How long an upload waits for its turn before it is refused (503 `SERVICE.STORAGE_BUSY`). */
  readonly uploadWaitMs: number;
}

const DEFAULT_LIMITS: S3StorageLimits = { maxUploads: 8, uploadWaitMs: 30_000 };
const STAGING = '.staging/';
const TRASH = '.trash/';
// Content up to this size is read once, whole, and checked before it is served.
const CHECKED_WHOLE_BYTES = 1024 * 1024;
// How long the start-up check and the health check wait for the bucket.
const INIT_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 2_000;

/**
 * Content in an S3-compatible bucket, laid out as on disk: `sha256/ab/cd/abcd…` for the content
 * (with its hash in the `sha256` metadata), `.staging/` for uploads not yet published and
 * `.trash/` for removals in progress. S3 has no rename: every move is a server-side copy.
 */
export class S3Storage implements FileStorage {
  private readonly logger = new Logger(S3Storage.name);
  private readonly bucket: S3Bucket;
  private readonly slots: UploadSlots;
  private listsUploads = true;

  constructor(client: S3Client, bucket: string, limits: Partial<S3StorageLimits> = {}) {
    const { maxUploads, uploadWaitMs } = { ...DEFAULT_LIMITS, ...limits };
    this.bucket = new S3Bucket(client, bucket);
    this.slots = new UploadSlots(maxUploads, uploadWaitMs);
  }

  static fromSettings(settings: S3Settings & { readonly maxUploads?: number }): S3Storage {
    if (!settings.bucket) {
      throw new Error('The S3 storage needs a bucket (S3_BUCKET)');
    }
    const { maxUploads } = settings;
    return new S3Storage(createS3Client(settings), settings.bucket, { maxUploads });
  }

  /** Checks that the bucket answers, so that a wrong setting stops the start. */
  async init(): Promise<void> {
    try {
      await this.bucket.answers(INIT_TIMEOUT_MS);
    } catch (error) {
      const cause = error instanceof StorageUnavailableError ? error.cause : error;
      const reason =
        (cause as Error).name === 'AbortError'
          ? `no answer within ${INIT_TIMEOUT_MS / 1000} s`
          : (statusOf(cause) ?? (cause as Error).message);
      throw new Error(`The S3 bucket "${this.bucket.name}" cannot be reached (${reason})`, {
        cause: error,
      });
    }
  }

  ping(): Promise<void> {
    return this.bucket.answers(PING_TIMEOUT_MS);
  }

  /** Closes the client's connections. */
  close(): void {
    this.bucket.client.destroy();
  }

  async stage(source: Readable): Promise<StagedFile> {
    const key = `${STAGING}${randomUUID()}`;
    const hashing = hashingStream();
    // The source's own failure (a client gone, a size cap) is the one to report, not the
    // premature close that a failed upload causes upstream: only the former finds the hashing
    // stream still open. Listening before the pipeline does puts this check first.
    let sourceError: unknown = null;
    source.once('error', (error) => {
      if (!hashing.stream.destroyed) {
        sourceError = error;
      }
    });
    const release = await this.slots.take().catch((error: unknown) => {
      source.destroy();
      throw error;
    });
    const body = pipeline(source, hashing.stream, () => undefined);
    try {
      await uploadStreamed(this.bucket.client, this.bucket.name, key, body);
    } catch (error) {
      body.destroy();
      throw sourceError ?? error;
    } finally {
      release();
    }
    return this.staged(key, hashing.sha256(), hashing.size());
  }

  /**
   * The content, checked against its SHA-256 before the first byte goes out, as on disk. Refused
   * at once when the object's `sha256` metadata names other content. Up to 1 MiB (certificate
   * PDFs, most documents) it is read once, whole. Larger content is read twice, so that memory
   * stays flat: hashed and dropped, then, if it matched, read again to be sent, the same version
   * only (`If-Match` its ETag), hashed again on the way with its last chunk held back.
   */
  async get(sha256: string): Promise<StoredFile> {
    const key = this.keyOf(sha256);
    for (let attempt = 1; ; attempt++) {
      const first = await this.read(key, sha256);
      const length = first.ContentLength;
      if (length !== undefined && length <= CHECKED_WHOLE_BYTES) {
        const bytes = await buffer(first.Body as Readable).catch(rethrowAsStorageError);
        this.check(key, sha256, createHash('sha256').update(bytes).digest('hex'));
        return { size: bytes.length, stream: Readable.from([bytes]) };
      }
      const read = await digestOf(first.Body as Readable).catch(rethrowAsStorageError);
      this.check(key, sha256, read.sha256);
      const again = await this.read(key, sha256, first.ETag).catch((error: unknown) => {
        if (statusOf(error) === 412) {
          return null;
        }
        throw error;
      });
      if (again && (!first.ETag || again.ETag === first.ETag)) {
        const verifying = new VerifyingStream(sha256, (actual) =>
          this.corrupt(key, sha256, actual),
        );
        const stream = pipeline(again.Body as Readable, verifying, () => undefined);
        return { size: again.ContentLength ?? read.size, stream };
      }
      // Replaced between the two reads (put right by an upload, or restored): read it anew.
      (again?.Body as Readable | undefined)?.destroy();
      if (attempt === 2) {
        throw new StorageUnavailableError(new Error(`Object ${key} changed while being read`));
      }
    }
  }

  async exists(sha256: string): Promise<boolean> {
    return (await this.bucket.head(this.keyOf(sha256))) !== null;
  }

  delete(sha256: string, stillNeeded: () => Promise<boolean>): Promise<boolean> {
    const key = this.keyOf(sha256);
    const aside = `${TRASH}${sha256}.${randomUUID()}`;
    return removeUnlessNeeded(
      {
        takeOut: async () => {
          try {
            await this.bucket.copy(key, aside, sha256);
          } catch (error) {
            if (isNotFound(error)) {
              return false;
            }
            throw error;
          }
          await this.bucket.remove(key);
          return true;
        },
        putBack: () => this.bucket.copy(aside, key, sha256),
        drop: () => this.bucket.remove(aside),
      },
      stillNeeded,
    );
  }

  async purgeStale(before: Date): Promise<number> {
    let cleared = 0;
    for await (const key of this.bucket.olderThan(STAGING, before)) {
      await this.bucket.remove(key);
      cleared += 1;
    }
    for await (const key of this.bucket.olderThan(TRASH, before)) {
      await this.restore(key);
      cleared += 1;
    }
    const { client, name } = this.bucket;
    const aborted = await abortStaleUploads(client, name, STAGING, before);
    if (aborted === null && this.listsUploads) {
      this.listsUploads = false;
      this.logger.warn(
        "Unfinished multipart uploads cannot be listed here: the bucket's lifecycle rule or the server's own expiry must clear them",
      );
    }
    return cleared + (aborted ?? 0);
  }

  /** Opens the object; refused at once when labelled as other content. */
  private async read(
    key: string,
    sha256: string,
    ifMatch?: string,
  ): Promise<GetObjectCommandOutput> {
    const object = await this.bucket.get(key, ifMatch);
    if (!object) {
      throw new StoredFileError(sha256, 'missing');
    }
    const claimed = object.Metadata?.sha256;
    if (claimed !== undefined && claimed !== sha256) {
      (object.Body as Readable).destroy();
      this.logger.error(`Object ${key} is labelled as content ${claimed}`);
      throw new StoredFileError(sha256, 'corrupt');
    }
    return object;
  }

  private check(key: string, sha256: string, actual: string): void {
    if (actual !== sha256) {
      throw this.corrupt(key, sha256, actual);
    }
  }

  private corrupt(key: string, sha256: string, actual: string): StoredFileError {
    this.logger.error(`Object ${key} holds content ${actual}`);
    return new StoredFileError(sha256, 'corrupt', actual);
  }

  /** Taken out by a removal that never decided: back in place, unless already there. */
  private async restore(asideKey: string): Promise<void> {
    const sha256 = asideKey.slice(TRASH.length, TRASH.length + 64);
    if (SHA256_HEX.test(sha256)) {
      const key = this.keyOf(sha256);
      if (!(await this.bucket.head(key))) {
        await this.bucket.copy(asideKey, key, sha256);
      }
    }
    await this.bucket.remove(asideKey);
  }

  private keyOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) {
      throw new Error(`Not a SHA-256 in hex: ${JSON.stringify(sha256)}`);
    }
    return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  private staged(key: string, sha256: string, size: number): StagedFile {
    const target = this.keyOf(sha256);
    let dropped = false;
    const drop = async () => {
      if (!dropped) {
        await this.bucket.remove(key);
        dropped = true;
      }
    };
    return {
      sha256,
      size,
      publish: async () => {
        const present = await this.bucket.head(target);
        // Identical content stays as is; an object that is plainly something else is replaced.
        const other = present && (present.size !== size || (present.sha256 ?? sha256) !== sha256);
        if (!present || other) {
          await this.bucket.copy(key, target, sha256);
        }
      },
      settle: async () => {
        // After the commit: a removal that took the content since `publish` either asks again
        // after this check and puts it back, or took it before, and the staged copy restores it.
        if (!(await this.bucket.head(target))) {
          await this.bucket.copy(key, target, sha256);
        }
        await drop();
      },
      discard: drop,
    };
  }
}

/** A body that fails while it is read: a store that went away mid-transfer is unavailable. */
function rethrowAsStorageError(error: unknown): never {
  throw asStorageError(error);
}
