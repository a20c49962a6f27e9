import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type FileStorage,
  SHA256_HEX,
  type StagedFile,
  type StoredFile,
  StoredFileError,
} from 'src/storage/file-storage';
import { digestOf, hashingStream, removeUnlessNeeded } from 'src/storage/storage-steps';

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

  /** Whether the folders can still be written (a disk remounted read-only, a volume gone). */
  async ping(): Promise<void> {
    for (const dir of [this.staging, this.trash, join(this.root, 'sha256')]) {
      await access(dir, constants.W_OK);
    }
  }

  async stage(source: Readable): Promise<StagedFile> {
    const path = join(this.staging, `${randomUUID()}.part`);
    const hashing = hashingStream();
    try {
      // flush: the bytes reach the disk before the record that refers to them is committed.
      await pipeline(
        source,
        hashing.stream,
        createWriteStream(path, { flags: 'wx', mode: FILE_MODE, flush: true }),
      );
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return this.staged(path, hashing.sha256(), hashing.size());
  }

  async get(sha256: string): Promise<StoredFile> {
    const path = this.pathOf(sha256);
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw isCode(error, 'ENOENT') ? new StoredFileError(sha256, 'missing') : error;
    });
    try {
      // One descriptor for the check and the transfer: a file replaced in between (by a rename)
      // cannot slip other bytes in.
      const read = await digestOf(handle.createReadStream({ start: 0, autoClose: false }));
      if (read.sha256 !== sha256) {
        throw new StoredFileError(sha256, 'corrupt', read.sha256);
      }
      return { size: read.size, stream: handle.createReadStream({ start: 0, autoClose: true }) };
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

  delete(sha256: string, stillNeeded: () => Promise<boolean>): Promise<boolean> {
    const path = this.pathOf(sha256);
    const aside = join(this.trash, `${sha256}.${randomUUID()}`);
    return removeUnlessNeeded(
      {
        takeOut: () =>
          rename(path, aside).then(
            () => true,
            (error: unknown) => {
              if (isCode(error, 'ENOENT')) {
                return false;
              }
              throw error;
            },
          ),
        putBack: () => linkUnlessPresent(aside, path),
        drop: () => rm(aside, { force: true }),
      },
      stillNeeded,
    );
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
