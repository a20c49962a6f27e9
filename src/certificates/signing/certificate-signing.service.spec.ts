import { generateKeyPairSync } from 'node:crypto';
import type { DataSource, Repository } from 'typeorm';
import type { CertificateSigningKey } from 'src/certificates/signing/certificate-signing-key.entity';
import {
  CertificateSigningService,
  LruMap,
} from 'src/certificates/signing/certificate-signing.service';
import {
  type CertificateClaims,
  NBF_LEEWAY_SECONDS,
  signCertificateToken,
  verifyCertificateToken,
} from 'src/certificates/signing/certificate-token';
import type { AppConfig } from 'src/config/app-config';

jest.mock('src/certificates/signing/certificate-token', () => {
  const actual = jest.requireActual<typeof import('src/certificates/signing/certificate-token')>(
    'src/certificates/signing/certificate-token',
  );
  return { ...actual, verifyCertificateToken: jest.fn(actual.verifyCertificateToken) };
});

const signatureChecks = jest.mocked(verifyCertificateToken);

const ISSUER = 'https://charte.example.ma';
const ISSUED = Date.UTC(2026, 9, 10, 9, 30) / 1000;
const EXPIRES = Date.UTC(2027, 2, 31, 23) / 1000;
const claims: CertificateClaims = {
  sub: '0b6f3a4e-52c1-4f7e-9d38-1f0a6c2b7e11',
  num: 'AMRC-2026-00042',
  iat: ISSUED,
  nbf: ISSUED,
  exp: EXPIRES,
  v: '2020.1',
  h: 'q5bXl0Vt3JpB9n1m0cNnVd9c0m2Wk1oZ8wVt7PpX4aE',
};
const KID = 'key-1';
const key = generateKeyPairSync('ed25519');
const at = (seconds: number) => new Date(seconds * 1000);
const during = at(ISSUED + 3600);

const issue = (overrides: Partial<CertificateClaims> = {}) =>
  signCertificateToken({ ...claims, ...overrides, iss: ISSUER }, KID, key.privateKey);

/** The service over a key table holding `rows` (changed by the test as it goes). */
function givenService() {
  const rows = [{ kid: KID, publicJwk: key.publicKey.export({ format: 'jwk' }) }];
  const table = { find: jest.fn(() => Promise.resolve(rows)) };
  const service = new CertificateSigningService(
    { publicBaseUrl: ISSUER } as AppConfig,
    {} as DataSource,
    table as unknown as Repository<CertificateSigningKey>,
  );
  return { service, rows, table };
}

describe('CertificateSigningService.verify', () => {
  beforeEach(() => signatureChecks.mockClear());
  afterEach(() => jest.restoreAllMocks());

  it('checks the signature of a genuine token once, then answers from memory', async () => {
    const { service } = givenService();
    const token = issue();
    const first = await service.verify(token, during);
    const checks = signatureChecks.mock.calls.length;
    expect(first).toEqual({ valid: true, kid: KID, claims: { ...claims, iss: ISSUER } });
    expect(await service.verify(token, during)).toEqual(first);
    expect(await service.verify(token, at(ISSUED + 7200))).toEqual(first);
    expect(signatureChecks.mock.calls.length).toBe(checks);
  });

  it.each([
    ['expired at exp', EXPIRES, 'expired'],
    ['expired past exp', EXPIRES + 86400, 'expired'],
    ['not yet valid before nbf less the leeway', ISSUED - NBF_LEEWAY_SECONDS - 1, 'not_yet_valid'],
  ] as const)('still checks the dates of a remembered token: %s', async (_, seconds, reason) => {
    const { service } = givenService();
    const token = issue();
    await service.verify(token, during);
    const uncached = verifyCertificateToken(token, new Map([[KID, key.publicKey]]), {
      issuer: ISSUER,
      at: at(seconds),
    });
    expect(uncached).toEqual({ valid: false, reason, kid: KID });
    expect(await service.verify(token, at(seconds))).toEqual(uncached);
  });

  it('remembers only genuine tokens: a forgery is checked every time', async () => {
    const { service } = givenService();
    const genuine = issue();
    await service.verify(genuine, during);
    const [header, payload] = genuine.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;
    signatureChecks.mockClear();
    for (let i = 0; i < 3; i += 1) {
      expect(await service.verify(forged, during)).toEqual({
        valid: false,
        reason: 'bad_signature',
        kid: KID,
      });
    }
    expect(signatureChecks).toHaveBeenCalledTimes(3);
  });

  it('forgets what it remembered when the keys are re-read: a deleted key stops verifying', async () => {
    const { service, rows, table } = givenService();
    const token = issue();
    expect((await service.verify(token, during)).valid).toBe(true);
    rows.length = 0;
    // Past the keys' maximum age, and past the pause between two look-ups for an unknown kid.
    const later = Date.now() + 6 * 60_000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    const reads = table.find.mock.calls.length;
    await service.verify(token, during);
    await new Promise((resolve) => setImmediate(resolve));
    expect(table.find.mock.calls.length).toBeGreaterThan(reads);
    expect(await service.verify(token, during)).toEqual({
      valid: false,
      reason: 'unknown_key',
      kid: KID,
    });
  });
});

describe('LruMap', () => {
  it('keeps at most its capacity, forgetting the least recently used entry first', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect(map.size).toBe(2);
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([1, undefined, 3]);
  });

  it('replaces the value of a key it holds without evicting another', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10);
    expect([map.get('a'), map.get('b'), map.size]).toEqual([10, 2, 2]);
  });

  it('empties on clear', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.clear();
    expect([map.get('a'), map.size]).toEqual([undefined, 0]);
  });

  it.each([0, -1, Number.NaN])('refuses a capacity of %p', (capacity) => {
    expect(() => new LruMap(capacity)).toThrow(RangeError);
  });
});
