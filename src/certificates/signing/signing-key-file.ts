import { calculateJwkThumbprint } from 'jose';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { link, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Ed25519PublicJwk } from 'src/certificates/signing/certificate-signing-key.entity';
import { ConfigurationError } from 'src/config/environment';

/** A private signing key read from its file, with its public half and key id. */
export interface SigningKey {
  /** RFC 7638 thumbprint (SHA-256) of the public JWK. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: Ed25519PublicJwk;
  readonly file: string;
}

/** A key file that cannot serve, said in one line: a configuration error like any other. */
export class SigningKeyError extends ConfigurationError {}

/** Key files of DATA_DIR/keys: `signing-key-0001.pem`, `signing-key-0002.pem`, ... newest last. */
const KEY_FILE = /^signing-key-(\d{4,9})\.pem$/;
export const keyFileName = (sequence: number) =>
  `signing-key-${String(sequence).padStart(4, '0')}.pem`;
export const keysDirOf = (dataDir: string) => join(dataDir, 'keys');

export async function publicJwkOf(
  privateKey: KeyObject,
): Promise<{ kid: string; jwk: Ed25519PublicJwk }> {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  const jwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: x! };
  return { kid: await calculateJwkThumbprint(jwk, 'sha256'), jwk };
}

/** Reads an Ed25519 private key in PKCS#8 PEM. */
export async function readSigningKeyFile(file: string): Promise<SigningKey> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new SigningKeyError(
      `Certificate signing key ${file} cannot be read: ${(error as Error).message}`,
    );
  }
  const privateKey = parsePrivateKey(pem);
  if (!pem.includes('-----BEGIN PRIVATE KEY-----') || privateKey?.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(
      `Certificate signing key ${file} is not an Ed25519 private key in PKCS#8 PEM ` +
        '(make one with `npm run keys:rotate` or `openssl genpkey -algorithm ed25519`)',
    );
  }
  const { kid, jwk } = await publicJwkOf(privateKey);
  return { kid, privateKey, publicJwk: jwk, file };
}

function parsePrivateKey(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return undefined;
  }
}

/** Whether group or others may read the file: a private key should be its owner's alone. */
export async function isReadableByOthers(file: string): Promise<boolean> {
  return ((await stat(file)).mode & 0o077) !== 0;
}

/**
 * Writes a new key to `file`, mode 0600, never over an existing file: the key is written whole
 * to a temporary file, then linked to its name, which fails with EEXIST when the name is taken.
 * Processes racing for one name thus all end up with the one key that won.
 */
export async function writeNewSigningKeyFile(file: string): Promise<SigningKey> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const temp = join(
    dirname(file),
    `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}`,
  );
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(pem, 'utf8');
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const { kid, jwk } = await publicJwkOf(privateKey);
  return { kid, privateKey, publicJwk: jwk, file };
}

/** The sequence numbers of the key files in `dir`, ascending. */
async function keyFileSequences(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  return names
    .map((name) => KEY_FILE.exec(name)?.[1])
    .filter((sequence) => sequence !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The newest key file of `dir` (highest sequence), if any. */
export async function newestKeyFile(dir: string): Promise<string | undefined> {
  const last = (await keyFileSequences(dir)).at(-1);
  return last === undefined ? undefined : join(dir, keyFileName(last));
}

/** Writes a key under the next free sequence of `dir`; a racing writer makes it take the next. */
export async function writeNextKeyFile(dir: string): Promise<SigningKey> {
  for (let attempt = 0; ; attempt++) {
    const next = ((await keyFileSequences(dir)).at(-1) ?? 0) + 1;
    try {
      return await writeNewSigningKeyFile(join(dir, keyFileName(next)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) {
        throw error;
      }
    }
  }
}

/** Named by CERT_SIGNING_KEY_FILE, generated now into DATA_DIR/keys, or found there. */
export type SigningKeySource = 'configured' | 'generated' | 'data-dir';

/**
 * The key this instance signs with: CERT_SIGNING_KEY_FILE when set; otherwise (never in
 * production) the newest key of DATA_DIR/keys, the first one generated at first start. Several
 * instances starting at once on an empty folder all end with the same key.
 */
export async function resolveSigningKey(config: {
  readonly certSigningKeyFile?: string;
  readonly dataDir: string;
  readonly production: boolean;
}): Promise<{ key: SigningKey; source: SigningKeySource }> {
  if (config.certSigningKeyFile) {
    return { key: await readSigningKeyFile(config.certSigningKeyFile), source: 'configured' };
  }
  if (config.production) {
    throw new SigningKeyError('CERT_SIGNING_KEY_FILE is required in production');
  }
  const dir = keysDirOf(config.dataDir);
  const newest = await newestKeyFile(dir);
  if (newest) {
    return { key: await readSigningKeyFile(newest), source: 'data-dir' };
  }
  const first = join(dir, keyFileName(1));
  try {
    await writeNewSigningKeyFile(first);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
    // Another instance wrote it first: use theirs.
    return { key: await readSigningKeyFile(first), source: 'data-dir' };
  }
  return { key: await readSigningKeyFile(first), source: 'generated' };
}
