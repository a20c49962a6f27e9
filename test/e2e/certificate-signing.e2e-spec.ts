import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  jwtVerify,
} from 'jose';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateSigningService } from 'src/certificates/signing/certificate-signing.service';
import {
  type CertificateClaims,
  signCertificateToken,
} from 'src/certificates/signing/certificate-token';
import { registerSigningKey } from 'src/certificates/signing/register-signing-key';
import {
  rotateSigningKey,
  RotateSigningKeyError,
} from 'src/certificates/signing/rotate-signing-key';
import {
  keyFileName,
  readSigningKeyFile,
  type SigningKey,
  writeNewSigningKeyFile,
} from 'src/certificates/signing/signing-key-file';
import { ConfigurationError, validateEnvironment } from 'src/config/environment';
import { createTestApp, type TestApp } from '../app';
import { databaseUrl } from '../database';

const ISSUER = 'https://charte.example.ma';
const DAY = 86_400;
const nowSeconds = () => Math.floor(Date.now() / 1000);

const claimsFor = (sub: string, exp = nowSeconds() + 200 * DAY): CertificateClaims => ({
  sub,
  num: 'AMRC-2026-00001',
  iat: nowSeconds(),
  nbf: nowSeconds(),
  exp,
  v: '2020.1',
  h: 'q5bXl0Vt3JpB9n1m0cNnVd9c0m2Wk1oZ8wVt7PpX4aE',
});

interface KeyRow {
  kid: string;
  retired: boolean;
  neededUntil: Date | null;
}
const keyRows = (t: TestApp) =>
  t.db.query<KeyRow[]>(
    `SELECT kid, retired_at IS NOT NULL AS retired, needed_until AS "neededUntil"
       FROM certificate_signing_key ORDER BY created_at`,
  );

const signWith = (t: TestApp, claims: CertificateClaims) =>
  t.db.transaction((em) => t.app.get(CertificateSigningService).sign(em, claims));

async function jwksOf(t: TestApp) {
  const response = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
  expect(response.statusCode).toBe(200);
  return response.json<JSONWebKeySet>();
}

const verifyWithJose = async (token: string, jwks: JSONWebKeySet) =>
  (await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, algorithms: ['EdDSA'] }))
    .payload;

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'certificate-signing-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('certificate signing', () => {
  let t: TestApp;
  let keyFile: string;
  let kid: string;

  beforeAll(async () => {
    keyFile = join(folder, 'one.pem');
    ({ kid } = await writeNewSigningKeyFile(keyFile));
    t = await createTestApp({
      env: { CERT_SIGNING_KEY_FILE: keyFile, PUBLIC_BASE_URL: `${ISSUER}/` },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers its key at start-up, active and not yet needed', async () => {
    expect(await keyRows(t)).toEqual([{ kid, retired: false, neededUntil: null }]);
  });

  it('publishes the key at /.well-known/jwks.json, to anyone, cacheable for minutes', async () => {
    const response = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    const { keys } = response.json<JSONWebKeySet>();
    const { x } = (await readSigningKeyFile(keyFile)).publicJwk;
    expect(keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' }]);
    expect(await calculateJwkThumbprint(keys[0])).toBe(kid);
    const prefixed = await t.request({ method: 'GET', url: '/api/v1/.well-known/jwks.json' });
    expect(prefixed.statusCode).toBe(404);
  });

  it('signs a token that jose verifies against the JWKS the app serves', async () => {
    const claims = claimsFor('certificate-1');
    const signed = await signWith(t, claims);
    expect(signed.kid).toBe(kid);
    expect(await verifyWithJose(signed.token, await jwksOf(t))).toEqual({ ...claims, iss: ISSUER });

    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const remote = createRemoteJWKSet(new URL(`${await t.app.getUrl()}/.well-known/jwks.json`));
    const { protectedHeader } = await jwtVerify(signed.token, remote, { issuer: ISSUER });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'JWT', kid });

    expect(await t.app.get(CertificateSigningService).verify(signed.token)).toEqual({
      valid: true,
      kid,
      claims: { ...claims, iss: ISSUER },
    });
  });

  it('records in the issuing transaction how long the key is needed: the latest exp', async () => {
    const later = nowSeconds() + 400 * DAY;
    await signWith(t, claimsFor('certificate-2', later));
    await signWith(t, claimsFor('certificate-3', later - 100 * DAY));
    const [row] = await keyRows(t);
    expect(row.neededUntil).toEqual(new Date(later * 1000));

    await expect(
      t.db.transaction(async (em) => {
        await t.app.get(CertificateSigningService).sign(em, claimsFor('c', later + 50 * DAY));
        throw new Error('the issuance fails after signing');
      }),
    ).rejects.toThrow('the issuance fails');
    expect((await keyRows(t))[0].neededUntil).toEqual(new Date(later * 1000));
  });

  it('refuses claims of the wrong shape when signing', async () => {
    await expect(signWith(t, { ...claimsFor('c'), exp: Number.NaN })).rejects.toThrow(TypeError);
  });

  it('learns a key another instance registered when a token names it, at most every few seconds', async () => {
    const signing = t.app.get(CertificateSigningService);
    const tokenOf = (key: SigningKey, sub: string) =>
      signCertificateToken({ ...claimsFor(sub), iss: ISSUER }, key.kid, key.privateKey);
    // A kid the table does not know: each would cost a query if nothing held them back.
    const forged = await writeNewSigningKeyFile(join(folder, 'forged.pem'));
    expect(await signing.verify(tokenOf(forged, 'forged'))).toEqual({
      valid: false,
      reason: 'unknown_key',
      kid: forged.kid,
    });
    const newcomer = await writeNewSigningKeyFile(join(folder, 'newcomer.pem'));
    await t.db.transaction((em) => registerSigningKey(em, newcomer));
    const token = tokenOf(newcomer, 'by-the-newcomer');
    // The forged kid just re-read the table: the newcomer waits for the next window.
    expect(await signing.verify(token)).toMatchObject({ valid: false, reason: 'unknown_key' });
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 5_001);
    try {
      expect(await signing.verify(token)).toMatchObject({ valid: true, kid: newcomer.kid });
    } finally {
      clock.mockRestore();
    }
  });

  it.each([
    ['a forged string', 'forged'],
    ['an alg none token', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    ['a huge string', 'x'.repeat(5_000_000)],
  ])('answers %s with a verdict, never an exception', async (_, token) => {
    const verdict = await t.app.get(CertificateSigningService).verify(token);
    expect(verdict.valid).toBe(false);
  });
});

describe('key rotation', () => {
  let first: TestApp;
  let second: TestApp | undefined;
  let again: TestApp | undefined;
  let oldFile: string;
  let oldKid: string;

  beforeAll(async () => {
    oldFile = join(folder, 'old.pem');
    ({ kid: oldKid } = await writeNewSigningKeyFile(oldFile));
    first = await createTestApp({
      env: { CERT_SIGNING_KEY_FILE: oldFile, PUBLIC_BASE_URL: ISSUER },
    });
  });
  afterAll(async () => {
    await again?.close();
    await second?.close();
    await first.close();
  });

  const rotationEnv = (overrides: Record<string, string> = {}) => ({
    ...process.env,
    DATABASE_URL: databaseUrl(first.databaseName),
    CERT_SIGNING_KEY_FILE: oldFile,
    LOG_LEVEL: 'silent',
    ...overrides,
  });

  it('keeps old certificates verifying and publishes both keys', async () => {
    const oldClaims = claimsFor('before-rotation', nowSeconds() + 300 * DAY);
    const before = await signWith(first, oldClaims);

    const newFile = join(folder, 'rotated', 'new.pem');
    const message = await rotateSigningKey(['--out', newFile], rotationEnv());
    const { kid: newKid } = await readSigningKeyFile(newFile);
    expect(message).toContain(`New certificate signing key ${newKid} written to ${newFile}`);
    expect(message).toContain('1 older key(s) retired');
    expect(message).toContain(`Set CERT_SIGNING_KEY_FILE=${newFile}`);
    expect((await stat(newFile)).mode & 0o777).toBe(0o600);
    expect(await keyRows(first)).toEqual([
      { kid: oldKid, retired: true, neededUntil: new Date(oldClaims.exp * 1000) },
      { kid: newKid, retired: false, neededUntil: null },
    ]);
    // Published before it signs anything, beside the retired key that signed a valid certificate.
    expect((await jwksOf(first)).keys.map((key) => key.kid)).toEqual([newKid, oldKid]);

    second = await createTestApp({
      database: first.databaseName,
      env: { CERT_SIGNING_KEY_FILE: newFile, PUBLIC_BASE_URL: ISSUER },
    });
    const after = await signWith(second, claimsFor('after-rotation'));
    expect(after.kid).toBe(newKid);
    const jwks = await jwksOf(second);
    expect(jwks.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    expect(await verifyWithJose(before.token, jwks)).toMatchObject({ sub: 'before-rotation' });
    expect(await verifyWithJose(after.token, jwks)).toMatchObject({ sub: 'after-rotation' });
    for (const app of [first, second]) {
      const signing = app.app.get(CertificateSigningService);
      expect(await signing.verify(before.token)).toMatchObject({ valid: true, kid: oldKid });
      expect(await signing.verify(after.token)).toMatchObject({ valid: true, kid: newKid });
    }
  });

  it('lets an instance still on the old key sign, keeping that key published, without retiring the new one', async () => {
    again = await createTestApp({
      database: first.databaseName,
      env: { CERT_SIGNING_KEY_FILE: oldFile, PUBLIC_BASE_URL: ISSUER },
    });
    const exp = nowSeconds() + 500 * DAY;
    expect((await signWith(again, claimsFor('late', exp))).kid).toBe(oldKid);
    const rows = await keyRows(first);
    expect(rows.map(({ retired }) => retired)).toEqual([true, false]);
    expect(rows[0].neededUntil).toEqual(new Date(exp * 1000));
  });

  it('drops a retired key from the JWKS once its certificates have expired, and still knows it', async () => {
    const token = (await signWith(first, claimsFor('expiring', nowSeconds() + 10))).token;
    await first.db.query(
      `UPDATE certificate_signing_key SET needed_until = now() - interval '1 second' WHERE kid = $1`,
      [oldKid],
    );
    const { keys } = await jwksOf(second!);
    expect(keys.map((key) => key.kid)).toEqual([(await keyRows(first))[1].kid]);
    // The service itself still tells an old token's expiry from a forgery.
    const later = new Date(Date.now() + 60_000);
    expect(await second!.app.get(CertificateSigningService).verify(token, later)).toEqual({
      valid: false,
      reason: 'expired',
      kid: oldKid,
    });
  });

  it('never publishes a retired key that signed nothing', async () => {
    const unused = await writeNewSigningKeyFile(join(folder, 'unused.pem'));
    expect(await first.db.transaction((em) => registerSigningKey(em, unused))).toEqual({
      retiredOthers: 1,
      retired: false,
    });
    const newest = await writeNewSigningKeyFile(join(folder, 'newest.pem'));
    const registration = await first.db.transaction((em) => registerSigningKey(em, newest));
    expect(registration).toEqual({ retiredOthers: 1, retired: false });
    const kids = (await jwksOf(first)).keys.map((key) => key.kid);
    expect(kids).toContain(newest.kid);
    expect(kids).not.toContain(unused.kid);
  });

  it('refuses to overwrite a key file, or to guess where the new key goes', async () => {
    await expect(rotateSigningKey(['--out', oldFile], rotationEnv())).rejects.toThrow(
      new RotateSigningKeyError(`${oldFile} exists already: name a new file`),
    );
    await expect(rotateSigningKey([], rotationEnv())).rejects.toThrow(
      /^CERT_SIGNING_KEY_FILE names the key in use .*: give the new key's file with --out/,
    );
    await expect(rotateSigningKey(['--force'], rotationEnv())).rejects.toThrow(
      /Unknown option '--force'.*usage: npm run keys:rotate/,
    );
  });

  it('says so when the new key could not be registered, and keeps its file', async () => {
    const newFile = join(folder, 'unregistered.pem');
    const env = rotationEnv({ DATABASE_URL: databaseUrl('test_no_such_database') });
    await expect(rotateSigningKey(['--out', newFile], env)).rejects.toThrow(
      /^New certificate signing key \S+ written to .*, but not registered \(.*does not exist\): the service registers it when it starts with it$/,
    );
    expect((await stat(newFile)).mode & 0o777).toBe(0o600);
  });

  it('without a key file, writes the next key of DATA_DIR/keys, for the service to take at its next start', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'certificate-rotation-'));
    try {
      const env = rotationEnv({ DATA_DIR: dataDir, CERT_SIGNING_KEY_FILE: '', DATABASE_URL: '' });
      const firstMessage = await rotateSigningKey([], env);
      expect(firstMessage).toContain(join(dataDir, 'keys', keyFileName(1)));
      expect(firstMessage).toContain('published when the service starts with it');
      const message = await rotateSigningKey([], env);
      const file = join(dataDir, 'keys', keyFileName(2));
      expect(message).toContain(`written to ${file} (mode 0600)`);
      expect(message).toContain('takes the newest key of the folder');
      const app = await createTestApp({
        env: { CERT_SIGNING_KEY_FILE: '', DATA_DIR: dataDir, PUBLIC_BASE_URL: ISSUER },
      });
      try {
        const { kid } = await readSigningKeyFile(file);
        expect((await keyRows(app)).map((row) => row.kid)).toEqual([kid]);
        expect((await signWith(app, claimsFor('x'))).kid).toBe(kid);
      } finally {
        await app.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the key outside production', () => {
  it('is generated at first start into DATA_DIR/keys, mode 0600, and published', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'certificate-keys-'));
    const t = await createTestApp({ env: { CERT_SIGNING_KEY_FILE: '', DATA_DIR: dataDir } });
    try {
      const file = join(dataDir, 'keys', keyFileName(1));
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const { kid } = await readSigningKeyFile(file);
      expect((await jwksOf(t)).keys.map((key) => key.kid)).toEqual([kid]);
    } finally {
      await t.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('in production', () => {
  const production = {
    NODE_ENV: 'production',
    JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
    PUBLIC_BASE_URL: 'https://charte.example.ma',
    SMTP_URL: 'smtp://mail.example.ma:587',
  };

  it('refuses to start without CERT_SIGNING_KEY_FILE, in one line', () => {
    const attempt = () => validateEnvironment(production);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(
      /^Invalid configuration: CERT_SIGNING_KEY_FILE is required in production$/,
    );
    expect(() => validateEnvironment({ ...production, CERT_SIGNING_KEY_FILE: '' })).toThrow(
      'CERT_SIGNING_KEY_FILE is required in production',
    );
  });

  it('starts with it', () => {
    expect(
      validateEnvironment({ ...production, CERT_SIGNING_KEY_FILE: '/run/secrets/signing.pem' })
        .CERT_SIGNING_KEY_FILE,
    ).toBe('/run/secrets/signing.pem');
  });
});
