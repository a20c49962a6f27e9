import { Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { type FileStorage, StoredFileError } from 'src/storage/file-storage';

/** A storage driver on a fresh, empty store, with a look at what the store holds. */
export interface StorageUnderTest {
  readonly storage: FileStorage;
  /** Every name the store holds (`sha256/ab/cd/abcd…`, `.staging/…`), sorted. */
  names(): Promise<string[]>;
  /** Writes bytes under a name as another tool would: a copy from elsewhere, or damage. */
  write(name: string, bytes: Buffer): Promise<void>;
  /** Moves what a name holds to another name, as a removal cut short leaves it. */
  move(from: string, to: string): Promise<void>;
  close(): Promise<void>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const contentName = (hash: string) => `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
const needed = (answer: boolean) => () => Promise.resolve(answer);

/** Bytes in chunks of 64 KiB, as a network stream brings them. */
function chunked(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 64 * 1024) {
    chunks.push(bytes.subarray(at, at + 64 * 1024));
  }
  return Readable.from(chunks);
}

/** A source that sends `bytes` bytes, then fails as a client that goes away does. */
function failingAfter(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) {
        this.destroy(new Error('client went away'));
        return;
      }
      const chunk = Math.min(256 * 1024, bytes - sent);
      sent += chunk;
      this.push(randomBytes(chunk));
    },
  });
}

/**
 * What every {@link FileStorage} driver must do, run against each: content-addressed writes in
 * three steps, reads, removal with its re-check, and the clearing of leftovers.
 */
export function describeFileStorageContract(
  driver: string,
  open: () => Promise<StorageUnderTest>,
): void {
  describe(`${driver} keeps the FileStorage contract`, () => {
    let t: StorageUnderTest;
    let storage: FileStorage;
    const content = Buffer.from('evidence bytes');
    const hash = sha256(content);

    beforeEach(async () => {
      t = await open();
      storage = t.storage;
      // What the drivers log about damage and leftovers is theirs to test.
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    });

    afterEach(async () => {
      jest.restoreAllMocks();
      await t.close();
    });

    const store = async (bytes: Buffer) => {
      const staged = await storage.stage(Readable.from([bytes]));
      await staged.publish();
      await staged.settle();
      return staged.sha256;
    };
    const read = async (hashed: string) => buffer((await storage.get(hashed)).stream);

    it('makes staged content addressable by its SHA-256 once published, and keeps it once settled', async () => {
      const staged = await storage.stage(
        Readable.from([content.subarray(0, 3), content.subarray(3)]),
      );
      expect({ sha256: staged.sha256, size: staged.size }).toEqual({
        sha256: hash,
        size: content.length,
      });
      expect(await storage.exists(hash)).toBe(false);
      await expect(storage.get(hash)).rejects.toEqual(new StoredFileError(hash, 'missing'));

      await staged.publish();
      expect(await storage.exists(hash)).toBe(true);
      expect(await read(hash)).toEqual(content);

      await staged.settle();
      await staged.discard();
      expect(await t.names()).toEqual([contentName(hash)]);
      const stored = await storage.get(hash);
      expect(stored.size).toBe(content.length);
      expect(await buffer(stored.stream)).toEqual(content);
    });

    it('streams content larger than an upload part, hashing it on the way', async () => {
      const large = randomBytes(6 * 1024 * 1024 + 17);
      const staged = await storage.stage(chunked(large));
      expect({ sha256: staged.sha256, size: staged.size }).toEqual({
        sha256: sha256(large),
        size: large.length,
      });
      await staged.publish();
      await staged.settle();
      expect((await read(staged.sha256)).equals(large)).toBe(true);
      expect(await t.names()).toEqual([contentName(staged.sha256)]);
    });

    it('stores identical content once', async () => {
      const first = await storage.stage(Readable.from([content]));
      const second = await storage.stage(Readable.from([content]));
      await first.publish();
      await second.publish();
      await second.settle();
      await first.settle();
      await store(content);
      expect(await t.names()).toEqual([contentName(hash)]);
      expect(await read(hash)).toEqual(content);
    });

    it('serves content already in place, put there by another tool, and stores it once', async () => {
      await t.write(contentName(hash), content);
      expect(await storage.exists(hash)).toBe(true);
      await store(content);
      expect(await t.names()).toEqual([contentName(hash)]);
      expect(await read(hash)).toEqual(content);
    });

    it('leaves nothing behind a discarded upload, even discarded twice', async () => {
      const staged = await storage.stage(Readable.from([content]));
      await staged.discard();
      await staged.discard();
      expect(await t.names()).toEqual([]);
      expect(await storage.exists(hash)).toBe(false);
    });

    it.each([
      ['within its first kilobytes', 1000],
      ['after more than an upload part', 6 * 1024 * 1024],
    ])(
      'never shows an upload whose source fails %s, and reports the source’s error',
      async (_when, bytes) => {
        await expect(storage.stage(failingAfter(bytes))).rejects.toThrow('client went away');
        expect(await t.names()).toEqual([]);
      },
    );

    it('answers the health check', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });

    it('answers missing content as not found', async () => {
      expect(await storage.exists(hash)).toBe(false);
      const error = await storage.get(hash).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoredFileError);
      expect(error).toMatchObject({ sha256: hash, reason: 'missing' });
    });

    it('refuses a name that is not a SHA-256', async () => {
      await expect(storage.get('../../etc/passwd')).rejects.toThrow(/Not a SHA-256/);
      await expect(storage.exists('ABC')).rejects.toThrow(/Not a SHA-256/);
    });

    it.each([
      ['small', content],
      ['larger than what a driver may read whole', randomBytes(2 * 1024 * 1024)],
    ])('refuses damaged %s content before sending a byte', async (_size, bytes) => {
      const hashed = await store(bytes);
      const damaged = Buffer.from(bytes);
      damaged[damaged.length - 1] ^= 1;
      await t.write(contentName(hashed), damaged);
      const error = await storage.get(hashed).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoredFileError);
      expect(error).toMatchObject({ reason: 'corrupt', actualSha256: sha256(damaged) });
    });

    describe('delete', () => {
      beforeEach(() => store(content));

      it('keeps content still needed', async () => {
        expect(await storage.delete(hash, needed(true))).toBe(false);
        expect(await read(hash)).toEqual(content);
      });

      it('removes content no longer needed, leaving no trace', async () => {
        expect(await storage.delete(hash, needed(false))).toBe(true);
        expect(await t.names()).toEqual([]);
        expect(await storage.exists(hash)).toBe(false);
        expect(await storage.delete(hash, needed(false))).toBe(false);
      });

      it('puts the content back when an identical upload committed while it was taken out', async () => {
        const answers = [false, true];
        expect(await storage.delete(hash, () => Promise.resolve(answers.shift()!))).toBe(false);
        expect(await read(hash)).toEqual(content);
        expect(await t.names()).toEqual([contentName(hash)]);
      });

      it('puts the content back when the question fails', async () => {
        const answers = [() => Promise.resolve(false), () => Promise.reject(new Error('db down'))];
        await expect(storage.delete(hash, () => answers.shift()!())).rejects.toThrow('db down');
        expect(await t.names()).toEqual([contentName(hash)]);
      });

      it('cannot take content from an upload that settles after it', async () => {
        const staged = await storage.stage(Readable.from([content]));
        await staged.publish();
        // A removal that saw no record yet, before the upload's record commits...
        await storage.delete(hash, needed(false));
        // ...and the upload settling after its commit restores it.
        await staged.settle();
        expect(await read(hash)).toEqual(content);
        expect(await t.names()).toEqual([contentName(hash)]);
      });
    });

    describe('purgeStale', () => {
      it('clears staged uploads older than the date, not the recent ones', async () => {
        const stale = await storage.stage(Readable.from([Buffer.from('stale')]));
        // Object stores date to the second: the cut-off falls on a second after the stale one.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const cutoff = new Date(Math.floor(Date.now() / 1000) * 1000);
        const fresh = await storage.stage(Readable.from([content]));
        expect(await storage.purgeStale(cutoff)).toBe(1);
        expect((await t.names()).filter((name) => name.startsWith('.staging/'))).toHaveLength(1);
        await fresh.publish();
        await fresh.settle();
        await stale.discard();
        expect(await t.names()).toEqual([contentName(hash)]);
      });

      it('puts back the content of a removal that never decided', async () => {
        await store(content);
        await t.move(contentName(hash), `.trash/${hash}.interrupted`);
        expect(await storage.exists(hash)).toBe(false);
        expect(await storage.purgeStale(new Date(Date.now() + 1000))).toBe(1);
        expect(await t.names()).toEqual([contentName(hash)]);
        expect(await read(hash)).toEqual(content);
      });
    });
  });
}
