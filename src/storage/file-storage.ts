import type { Readable } from 'node:stream';

/** Injection token of the {@link FileStorage}: local disk by default, or S3-compatible. */
export const FILE_STORAGE = Symbol('FILE_STORAGE');

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Content-addressed file storage (evidence, certificate PDFs): a file is named by the SHA-256 of
 * its bytes, so identical content is stored once.
 *
 * Writing takes three steps, so that the slow part happens before the caller's transaction and
 * a file shared by several records is never lost to a concurrent removal:
 * `stage` (stream, hash) → `publish` (addressable) → caller commits → `settle`, or `discard`.
 */
export interface FileStorage {
  /** Streams `source` into a staging area, hashing it on the way. Nothing is addressable yet. */
  stage(source: Readable): Promise<StagedFile>;

  /**
   * The content stored under `sha256`, after checking that its bytes still hash to it (a stream
   * cannot be unsent: corruption is caught before the first byte goes out).
   * @throws StoredFileError when it is missing or corrupt
   * @throws StorageUnavailableError when the store cannot be reached (as every method may)
   */
  get(sha256: string): Promise<StoredFile>;

  exists(sha256: string): Promise<boolean>;

  /**
   * Removes the content unless `stillNeeded()` says a record refers to it. The question is asked
   * again once the content is out of view, and the content put back if an upload of identical
   * bytes committed meanwhile. True when the content was removed.
   */
  delete(sha256: string, stillNeeded: () => Promise<boolean>): Promise<boolean>;

  /**
   * Clears what an interrupted process left behind (staged uploads, removals half done) that is
   * older than `before`; a removal half done puts its content back rather than lose it. The
   * number of leftovers cleared.
   */
  purgeStale(before: Date): Promise<number>;

  /** Resolves when the store answers and takes writes, within about two seconds; throws when not. */
  ping(): Promise<void>;

  /** Lets go of what the store holds open (connections to a bucket), at shutdown. */
  close?(): void;
}

export interface StagedFile {
  readonly sha256: string;
  readonly size: number;
  /** Makes the content readable under its hash; identical content already stored stays as is. */
  publish(): Promise<void>;
  /**
   * After the records referring to the content are committed: puts the staged copy in place
   * (restoring the content should a concurrent removal have taken it) and drops the staging.
   */
  settle(): Promise<void>;
  /** Drops the staged copy (a refused upload, a failed transaction). Safe to call twice. */
  discard(): Promise<void>;
}

export interface StoredFile {
  readonly size: number;
  readonly stream: Readable;
}

export class StoredFileError extends Error {
  constructor(
    readonly sha256: string,
    readonly reason: 'missing' | 'corrupt',
    /** The hash of the bytes actually found, when they were read. */
    readonly actualSha256: string | null = null,
  ) {
    super(`Stored file ${sha256} is ${reason}`);
    this.name = 'StoredFileError';
  }
}
