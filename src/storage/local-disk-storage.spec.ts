import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { StoredFileError } from 'src/storage/file-storage';
import { LocalDiskStorage } from 'src/storage/local-disk-storage';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

describe('LocalDiskStorage', () => {
  let root: string;
  let storage: LocalDiskStorage;
  const content = Buffer.from('evidence bytes');
  const hash = sha256(content);
  const contentPath = `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'storage-'));
    storage = new LocalDiskStorage(root);
    await storage.init();
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores content under its SHA-256, in folders by prefix, once staged, published and settled', async () => {
    const staged = await storage.stage(
      Readable.from([content.subarray(0, 3), content.subarray(3)]),
    );
    expect({ sha256: staged.sha256, size: staged.size }).toEqual({
      sha256: hash,
      size: content.length,
    });
    expect(await storage.exists(hash)).toBe(false);
    await staged.publish();
    expect(await storage.exists(hash)).toBe(true);
    await staged.settle();
    expect(await filesUnder(root)).toEqual([contentPath]);
    const stored = await storage.get(hash);
    expect(stored.size).toBe(content.length);
    expect(await buffer(stored.stream)).toEqual(content);
  });

  it('keeps identical content once', async () => {
    for (let i = 0; i < 2; i += 1) {
      const staged = await storage.stage(Readable.from([content]));
      await staged.publish();
      await staged.settle();
    }
    expect(await filesUnder(root)).toEqual([contentPath]);
  });

  it('leaves nothing behind a discarded upload, nor a failed stream', async () => {
    const staged = await storage.stage(Readable.from([content]));
    await staged.discard();
    await staged.discard();
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(storage.stage(failing)).rejects.toThrow('client went away');
    expect(await filesUnder(root)).toEqual([]);
  });

  it('refuses to serve missing or corrupt content', async () => {
    await expect(storage.get(hash)).rejects.toEqual(new StoredFileError(hash, 'missing'));
    const staged = await storage.stage(Readable.from([content]));
    await staged.publish();
    await staged.settle();
    await writeFile(join(root, contentPath), 'other bytes');
    const error = await storage.get(hash).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoredFileError);
    expect(error).toMatchObject({
      reason: 'corrupt',
      actualSha256: sha256(Buffer.from('other bytes')),
    });
  });

  it('refuses a name that is not a SHA-256', async () => {
    await expect(storage.get('../../etc/passwd')).rejects.toThrow(/Not a SHA-256/);
  });

  describe('purgeStale', () => {
    const old = new Date(Date.now() - 48 * 3600 * 1000);

    it('clears staged files older than the date, not the recent ones', async () => {
      const stale = await storage.stage(Readable.from([Buffer.from('stale')]));
      const [stalePath] = await filesUnder(root);
      await utimes(join(root, stalePath), old, old);
      const fresh = await storage.stage(Readable.from([content]));
      expect(await storage.purgeStale(new Date(Date.now() - 24 * 3600 * 1000))).toBe(1);
      expect(await filesUnder(root)).toHaveLength(1);
      await fresh.discard();
      await stale.discard();
    });

    it('puts back the content of a removal that never decided', async () => {
      const staged = await storage.stage(Readable.from([content]));
      await staged.publish();
      await staged.settle();
      const aside = join(root, '.trash', `${hash}.interrupted`);
      await rename(join(root, contentPath), aside);
      await utimes(aside, old, old);
      expect(await storage.purgeStale(new Date())).toBe(1);
      expect(await filesUnder(root)).toEqual([contentPath]);
    });
  });

  describe('delete', () => {
    beforeEach(async () => {
      const staged = await storage.stage(Readable.from([content]));
      await staged.publish();
      await staged.settle();
    });

    it('keeps content still needed', async () => {
      expect(await storage.delete(hash, () => Promise.resolve(true))).toBe(false);
      expect(await storage.exists(hash)).toBe(true);
    });

    it('removes content no longer needed, leaving no trace', async () => {
      expect(await storage.delete(hash, () => Promise.resolve(false))).toBe(true);
      expect(await filesUnder(root)).toEqual([]);
      expect(await storage.delete(hash, () => Promise.resolve(false))).toBe(false);
    });

    it('puts the content back when an identical upload committed while it was taken out', async () => {
      const answers = [false, true];
      expect(await storage.delete(hash, () => Promise.resolve(answers.shift()!))).toBe(false);
      expect(await readFile(join(root, contentPath))).toEqual(content);
      expect(await filesUnder(root)).toEqual([contentPath]);
    });

    it('puts the content back when the question fails', async () => {
      const answers = [() => Promise.resolve(false), () => Promise.reject(new Error('db down'))];
      await expect(storage.delete(hash, () => answers.shift()!())).rejects.toThrow('db down');
      expect(await filesUnder(root)).toEqual([contentPath]);
    });

    it('cannot take content from an upload that settles after it', async () => {
      const staged = await storage.stage(Readable.from([content]));
      await staged.publish();
      // A removal that saw no record yet, before the upload's record commits...
      await storage.delete(hash, () => Promise.resolve(false));
      // ...and the upload settling after its commit restores it.
      await staged.settle();
      expect(await buffer((await storage.get(hash)).stream)).toEqual(content);
      expect(await filesUnder(root)).toEqual([contentPath]);
    });
  });
});
