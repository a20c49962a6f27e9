import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type FileStorage,
  SHA256_HEX,
  type StagedFile,
  type StoredFile,
  StoredFileError,
} from 'src/storage/file-storage';

const DIR_MODE = 0o750;
const FILE_MODE = 0o640;

const isCode = (error: unknown, code: string) => (error as { code?: unknown })?.code === code;

/**
 * Files under one root: `sha256/ab/cd/abcd…` for the content, `.staging/` for uploads in
 * progress and `.trash/` for removals in progress, all on one file system so that every move is
 * an atomic rename.
 */
export class LocalDiskStorage implements FileStorage {
  private readonly staging: string;
  private readonly trash: string;

  constructor(private readonly root: string) {
    this.staging = join(root, '.staging');
    this.trash = join(root, '.trash');
  }

  /** Creates the folders; call once before use. */
  async init(): Promise<void> {
    for (const dir of [this.staging, this.trash, join(this.root, 'sha256')]) {
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
    }
  }

  async stage(source: Readable): Promise<StagedFile> {
    const path = join(this.staging, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      // flush: the bytes reach the disk before the record that refers to them is committed.
      await pipeline(
        source,
        hashing,
        createWriteStream(path, { flags: 'wx', mode: FILE_MODE, flush: true }),
      );
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return this.staged(path, hash.digest('hex'), size);
  }

  async get(sha256: string): Promise<StoredFile> {
    const path = this.pathOf(sha256);
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw isCode(error, 'ENOENT') ? new StoredFileError(sha256, 'missing') : error;
    });
    try {
      // One descriptor for the check and the transfer: a file replaced in between (by a rename)
      // cannot slip other bytes in.
      const hash = createHash('sha256');
      for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) {
        hash.update(chunk as Buffer);
      }
      const actual = hash.digest('hex');
      if (actual !== sha256) {
        throw new StoredFileError(sha256, 'corrupt', actual);
      }
      const { size } = await handle.stat();
      return { size, stream: handle.createReadStream({ start: 0, autoClose: true }) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async exists(sha256: string): Promise<boolean> {
    return access(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  async delete(sha256: string, stillNeeded: () => Promise<boolean>): Promise<boolean> {
    const path = this.pathOf(sha256);
    if (await stillNeeded()) {
      return false;
    }
    const aside = join(this.trash, `${sha256}.${randomUUID()}`);
    try {
      await rename(path, aside);
    } catch (error) {
      if (isCode(error, 'ENOENT')) {
        return false;
      }
      throw error;
    }
    // Out of view now: an upload of the same bytes that committed since the first question
    // either finds the file missing and puts its own copy, or is seen here and gets it back.
    let needed = true;
    try {
      needed = await stillNeeded();
    } finally {
      if (needed) {
        await linkUnlessPresent(aside, path);
      }
      await rm(aside, { force: true });
    }
    return !needed;
  }

  async purgeStale(before: Date): Promise<number> {
    let cleared = 0;
    for (const dir of [this.staging, this.trash]) {
      for (const name of await readdir(dir)) {
        const path = join(dir, name);
        const info = await stat(path).catch(() => null);
        if (!info || info.mtime >= before) {
          continue;
        }
        const sha256 = name.slice(0, 64);
        if (dir === this.trash && SHA256_HEX.test(sha256)) {
          // Taken out by a removal that never decided: back in place, unless already there.
          await linkUnlessPresent(path, this.pathOf(sha256));
        }
        await rm(path, { force: true });
        cleared += 1;
      }
    }
    return cleared;
  }

  private pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) {
      throw new Error(`Not a SHA-256 in hex: ${JSON.stringify(sha256)}`);
    }
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  private staged(path: string, sha256: string, size: number): StagedFile {
    const target = this.pathOf(sha256);
    return {
      sha256,
      size,
      publish: () => linkUnlessPresent(path, target),
      async settle() {
        await mkdir(dirname(target), { recursive: true, mode: DIR_MODE });
        // Replaces the published file by the very same bytes, or restores it if it was removed.
        // Two links of one file: rename does nothing and leaves the staging link, hence rm.
        await rename(path, target);
        await rm(path, { force: true });
      },
      discard: () => rm(path, { force: true }),
    };
  }
}

async function linkUnlessPresent(existing: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true, mode: DIR_MODE });
  try {
    await link(existing, target);
  } catch (error) {
    if (!isCode(error, 'EEXIST')) {
      throw error;
    }
  }
}
