import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalDiskStorage } from 'src/storage/local-disk-storage';

// What only the disk does; the behaviour both drivers share is test/storage-contract.ts.
describe('LocalDiskStorage, beyond the contract', () => {
  let root: string;
  let storage: LocalDiskStorage;
  const content = Buffer.from('evidence bytes');
  const hash = createHash('sha256').update(content).digest('hex');

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'storage-'));
    storage = new LocalDiskStorage(root);
    await storage.init();
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const modeOf = async (path: string) => (await stat(join(root, path))).mode & 0o777;

  it('keeps files and folders from other users: folders 0750, files 0640, staged ones included', async () => {
    const staged = await storage.stage(Readable.from([content]));
    const [part] = await readdir(join(root, '.staging'));
    expect(part).toMatch(/^[0-9a-f-]{36}\.part$/);
    expect(await modeOf(`.staging/${part}`)).toBe(0o640);
    await staged.publish();
    await staged.settle();
    for (const dir of ['.staging', '.trash', 'sha256', `sha256/${hash.slice(0, 2)}`]) {
      expect(await modeOf(dir)).toBe(0o750);
    }
    expect(await modeOf(`sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`)).toBe(0o640);
  });

  it('answers the health check while its folders are there to write to, not once they are gone', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
    await rm(join(root, '.staging'), { recursive: true });
    await expect(storage.ping()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
