import { calculateJwkThumbprint } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  keyFileName,
  readSigningKeyFile,
  resolveSigningKey,
  SigningKeyError,
  writeNewSigningKeyFile,
  writeNextKeyFile,
} from 'src/certificates/signing/signing-key-file';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signing-key-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe('writeNewSigningKeyFile', () => {
  it('writes an Ed25519 PKCS#8 key, mode 0600, whose kid is the RFC 7638 thumbprint', async () => {
    const file = join(dir, 'nested', 'key.pem');
    const written = await writeNewSigningKeyFile(file);
    expect(await modeOf(file)).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const read = await readSigningKeyFile(file);
    expect(read.kid).toBe(written.kid);
    expect(read.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(read.kid).toBe(await calculateJwkThumbprint(read.publicJwk));
    expect(read.publicJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String) });
    expect(read.publicJwk).not.toHaveProperty('d');
  });

  it('never replaces an existing file, and leaves no temporary file', async () => {
    const file = join(dir, 'key.pem');
    const first = await writeNewSigningKeyFile(file);
    await expect(writeNewSigningKeyFile(file)).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await readSigningKeyFile(file)).kid).toBe(first.kid);
    expect(await readdir(dir)).toEqual(['key.pem']);
  });
});

describe('readSigningKeyFile', () => {
  it.each([
    ['an RSA key', () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey],
    ['a P-256 key', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey],
    ['an X25519 key', () => generateKeyPairSync('x25519').privateKey],
  ])('refuses %s, in one line', async (_, make) => {
    const file = join(dir, 'key.pem');
    await writeFile(file, make().export({ type: 'pkcs8', format: 'pem' }));
    const attempt = readSigningKeyFile(file);
    await expect(attempt).rejects.toThrow(SigningKeyError);
    await expect(readSigningKeyFile(file)).rejects.toThrow(
      /^Certificate signing key .* is not an Ed25519 private key in PKCS#8 PEM/,
    );
  });

  it.each([
    [
      'a public key',
      () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
    ],
    ['text', () => 'not a key'],
    ['an empty file', () => ''],
    [
      'an encrypted key',
      () =>
        generateKeyPairSync('ed25519').privateKey.export({
          type: 'pkcs8',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase: 'secret',
        }),
    ],
  ])('refuses %s', async (_, content) => {
    const file = join(dir, 'key.pem');
    await writeFile(file, content());
    await expect(readSigningKeyFile(file)).rejects.toThrow(SigningKeyError);
  });

  it('says which file is missing', async () => {
    const file = join(dir, 'missing.pem');
    await expect(readSigningKeyFile(file)).rejects.toThrow(
      new RegExp(`^Certificate signing key ${file} cannot be read: ENOENT`),
    );
  });
});

describe('resolveSigningKey', () => {
  const development = () => ({ dataDir: dir, production: false });

  it('generates the first key into DATA_DIR/keys, then keeps using it', async () => {
    const first = await resolveSigningKey(development());
    expect(first.source).toBe('generated');
    expect(first.key.file).toBe(join(dir, 'keys', keyFileName(1)));
    expect(await modeOf(first.key.file)).toBe(0o600);
    expect(await modeOf(join(dir, 'keys'))).toBe(0o700);
    const again = await resolveSigningKey(development());
    expect(again).toMatchObject({ source: 'data-dir', key: { kid: first.key.kid } });
  });

  it('ends with one key when many instances start at once on an empty folder', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, () => resolveSigningKey(development())),
    );
    expect(new Set(results.map(({ key }) => key.kid)).size).toBe(1);
    expect(results.filter(({ source }) => source === 'generated')).toHaveLength(1);
    expect(await readdir(join(dir, 'keys'))).toEqual([keyFileName(1)]);
  });

  it('takes the newest key of the folder', async () => {
    await resolveSigningKey(development());
    const second = await writeNextKeyFile(join(dir, 'keys'));
    expect(second.file).toBe(join(dir, 'keys', 'signing-key-0002.pem'));
    await writeFile(join(dir, 'keys', 'notes.pem'), 'not a key file name');
    expect((await resolveSigningKey(development())).key.kid).toBe(second.kid);
  });

  it('numbers keys written at once one after the other', async () => {
    const written = await Promise.all(
      Array.from({ length: 4 }, () => writeNextKeyFile(join(dir, 'keys'))),
    );
    expect(written.map(({ file }) => file).sort()).toEqual(
      [1, 2, 3, 4].map((n) => join(dir, 'keys', keyFileName(n))),
    );
  });

  it('reads CERT_SIGNING_KEY_FILE when set, and never writes into DATA_DIR', async () => {
    const file = join(dir, 'configured.pem');
    const { kid } = await writeNewSigningKeyFile(file);
    const resolved = await resolveSigningKey({ ...development(), certSigningKeyFile: file });
    expect(resolved).toMatchObject({ source: 'configured', key: { kid, file } });
    expect(await readdir(dir)).toEqual(['configured.pem']);
  });

  it('refuses to start in production without CERT_SIGNING_KEY_FILE', async () => {
    await expect(resolveSigningKey({ dataDir: dir, production: true })).rejects.toThrow(
      'CERT_SIGNING_KEY_FILE is required in production',
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
