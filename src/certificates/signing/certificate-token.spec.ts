import fc from 'fast-check';
import { calculateJwkThumbprint, importJWK, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import {
  type CertificateClaims,
  MAX_TOKEN_LENGTH,
  NBF_LEEWAY_SECONDS,
  signCertificateToken,
  verifyCertificateToken,
} from 'src/certificates/signing/certificate-token';

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
const during = new Date((ISSUED + 3600) * 1000);

function newKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey };
}
const key = newKey();
const other = newKey();
const KID = 'key-1';
const keys: ReadonlyMap<string, KeyObject> = new Map([
  [KID, key.publicKey],
  ['key-2', other.publicKey],
]);

const issue = (overrides: Partial<CertificateClaims> = {}) =>
  signCertificateToken({ ...claims, ...overrides, iss: ISSUER }, KID, key.privateKey);
const check = (token: unknown, at = during) =>
  verifyCertificateToken(token, keys, { issuer: ISSUER, at });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token signed by `privateKey` over any header and payload, as a forger with the key would. */
function rawToken(header: unknown, payload: unknown, privateKey = key.privateKey) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}
const parts = (token: string) => token.split('.') as [string, string, string];

describe('signCertificateToken', () => {
  it('makes a compact JWS with the EdDSA header, the kid, the claims and the issuer', () => {
    const [header, payload] = parts(issue());
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'EdDSA',
      typ: 'JWT',
      kid: KID,
    });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({
      ...claims,
      iss: ISSUER,
    });
  });

  it('signs only the known claims', () => {
    const token = signCertificateToken(
      { ...claims, iss: ISSUER, extra: 'x' } as CertificateClaims & { iss: string },
      KID,
      key.privateKey,
    );
    expect(JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString())).not.toHaveProperty(
      'extra',
    );
  });

  it.each([
    ['a fractional exp', { exp: EXPIRES + 0.5 }],
    ['an empty sub', { sub: '' }],
    ['a short h', { h: 'abc' }],
    ['an exp before nbf', { exp: ISSUED - 1 }],
  ])('refuses %s', (_, overrides) => {
    expect(() => issue(overrides)).toThrow(TypeError);
  });

  it('is verified by jose against the public JWK, with the kid its RFC 7638 thumbprint', async () => {
    const jwk = createPublicKey(key.privateKey).export({ format: 'jwk' });
    const kid = await calculateJwkThumbprint(jwk);
    const token = signCertificateToken({ ...claims, iss: ISSUER }, kid, key.privateKey);
    const { payload, protectedHeader } = await jwtVerify(token, await importJWK(jwk, 'EdDSA'), {
      issuer: ISSUER,
      algorithms: ['EdDSA'],
      currentDate: during,
    });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'JWT', kid });
    expect(payload).toEqual({ ...claims, iss: ISSUER });
  });
});

describe('verifyCertificateToken', () => {
  it('accepts its own token and gives back the claims and the kid', () => {
    expect(check(issue())).toEqual({ valid: true, kid: KID, claims: { ...claims, iss: ISSUER } });
  });

  it("accepts another certificate's token: the caller compares sub and num", () => {
    const verdict = check(issue({ sub: 'another-id', num: 'AMRC-2026-00043' }));
    expect(verdict).toMatchObject({ valid: true, claims: { sub: 'another-id' } });
  });

  it('is expired from exp on, and valid the second before', () => {
    expect(check(issue(), new Date(EXPIRES * 1000))).toEqual({
      valid: false,
      reason: 'expired',
      kid: KID,
    });
    expect(check(issue(), new Date((EXPIRES - 1) * 1000)).valid).toBe(true);
  });

  it('is not yet valid before nbf, past a minute of clock skew', () => {
    const early = (seconds: number) => new Date((ISSUED - seconds) * 1000);
    expect(check(issue(), early(NBF_LEEWAY_SECONDS)).valid).toBe(true);
    expect(check(issue(), early(NBF_LEEWAY_SECONDS + 1))).toEqual({
      valid: false,
      reason: 'not_yet_valid',
      kid: KID,
    });
    expect(check(issue({ nbf: ISSUED + 86_400 }))).toMatchObject({ reason: 'not_yet_valid' });
  });

  it('refuses a token of another issuer', () => {
    const token = signCertificateToken(
      { ...claims, iss: 'https://evil.example' },
      KID,
      key.privateKey,
    );
    expect(check(token)).toEqual({ valid: false, reason: 'wrong_issuer', kid: KID });
  });

  it('refuses a changed payload', () => {
    const [header, , signature] = parts(issue());
    const forged = `${header}.${b64({ ...claims, iss: ISSUER, exp: EXPIRES + 10 * 365 * 86_400 })}.${signature}`;
    expect(check(forged)).toEqual({ valid: false, reason: 'bad_signature', kid: KID });
  });

  it('refuses a changed header, even one that says the same', () => {
    const [, payload, signature] = parts(issue());
    const header = b64({ typ: 'JWT', alg: 'EdDSA', kid: KID });
    expect(check(`${header}.${payload}.${signature}`)).toMatchObject({ reason: 'bad_signature' });
  });

  it("refuses a token signed by another key under this key's kid", () => {
    const token = rawToken(
      { alg: 'EdDSA', kid: KID },
      { ...claims, iss: ISSUER },
      other.privateKey,
    );
    expect(check(token)).toEqual({ valid: false, reason: 'bad_signature', kid: KID });
  });

  it('refuses an unknown kid, naming it', () => {
    const token = signCertificateToken({ ...claims, iss: ISSUER }, 'nobody', key.privateKey);
    expect(check(token)).toEqual({ valid: false, reason: 'unknown_key', kid: 'nobody' });
  });

  it('refuses alg none, with or without a signature', () => {
    const unsecured = new UnsecuredJWT({ ...claims, iss: ISSUER }).encode();
    expect(check(unsecured)).toMatchObject({ valid: false, reason: 'unsupported_algorithm' });
    const [, payload] = parts(issue());
    const withKid = `${b64({ alg: 'none', kid: KID })}.${payload}.`;
    expect(check(withKid)).toEqual({ valid: false, reason: 'unsupported_algorithm', kid: KID });
    const signed = `${b64({ alg: 'none', kid: KID })}.${payload}.${parts(issue())[2]}`;
    expect(check(signed)).toMatchObject({ reason: 'unsupported_algorithm' });
  });

  it('refuses HS256 keyed with the public key, in any of its spellings', async () => {
    const jwk = createPublicKey(key.privateKey).export({ format: 'jwk' });
    const spellings = [
      Buffer.from(key.publicKey.export({ type: 'spki', format: 'pem' }) as string),
      key.publicKey.export({ type: 'spki', format: 'der' }),
      Buffer.from(jwk.x!, 'base64url'),
      Buffer.from(JSON.stringify(jwk)),
    ];
    for (const secret of spellings) {
      const token = await new SignJWT({ ...claims, iss: ISSUER })
        .setProtectedHeader({ alg: 'HS256', kid: KID })
        .sign(new Uint8Array(secret));
      expect(check(token)).toEqual({ valid: false, reason: 'unsupported_algorithm', kid: KID });
    }
  });

  it.each(['ES256', 'RS256', 'eddsa', 'EdDSA ', 'Ed25519', '', null, 1])(
    'refuses alg %p',
    (alg) => {
      const token = rawToken({ alg, kid: KID }, { ...claims, iss: ISSUER });
      expect(check(token)).toMatchObject({ valid: false, reason: 'unsupported_algorithm' });
    },
  );

  it('refuses critical header extensions it does not know', () => {
    const token = rawToken({ alg: 'EdDSA', kid: KID, crit: ['b64'], b64: false }, claims);
    expect(check(token)).toMatchObject({ valid: false, reason: 'malformed' });
  });

  it.each([
    ['exp as a string', { exp: String(EXPIRES) }],
    ['exp in milliseconds, fractional', { exp: EXPIRES * 1000 + 0.5 }],
    ['nbf missing', { nbf: undefined }],
    ['sub as a number', { sub: 42 }],
    ['num missing', { num: undefined }],
    ['h too long', { h: `${claims.h}A` }],
    ['v as an object', { v: { version: '2020.1' } }],
    ['iss missing', { iss: undefined }],
    ['exp before nbf', { exp: ISSUED - 1 }],
  ])('refuses claims of the wrong type: %s', (_, overrides) => {
    const token = rawToken({ alg: 'EdDSA', kid: KID }, { ...claims, iss: ISSUER, ...overrides });
    expect(check(token)).toEqual({ valid: false, reason: 'invalid_claims', kid: KID });
  });

  it.each([
    ['a payload that is not JSON', Buffer.from('{"sub":').toString('base64url')],
    ['a payload that is an array', b64([claims])],
    ['a payload that is null', b64(null)],
  ])('refuses %s even when signed', (_, payload) => {
    const input = `${b64({ alg: 'EdDSA', kid: KID })}.${payload}`;
    const token = `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
    expect(check(token)).toEqual({ valid: false, reason: 'invalid_claims', kid: KID });
  });

  it('refuses a second spelling of the same signature', () => {
    const [header, payload, signature] = parts(issue());
    // 64 bytes take 86 characters: the last one carries 4 spare bits.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    const respelled = `${signature.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    expect(check(`${header}.${payload}.${respelled}`)).toMatchObject({ reason: 'bad_signature' });
  });

  it.each([
    ['an empty string', ''],
    ['a word', 'certificate'],
    ['two segments', 'abc.def'],
    ['four segments', `${issue()}.abc`],
    ['base64 with + and /', issue().replace(/-/g, '+').replace(/_/g, '/') + '+/'],
    ['padding', `${issue()}==`],
    ['white space', ` ${issue()}`],
    ['a line break inside', issue().replace('.', '.\n')],
    ['non-ASCII letters', `é${issue()}`],
    ['a header that is not JSON', `${Buffer.from('{alg').toString('base64url')}.e30.AA`],
    ['a header that is an array', `${b64(['EdDSA'])}.${b64(claims)}.AA`],
    ['a header without kid', rawToken({ alg: 'EdDSA' }, { ...claims, iss: ISSUER })],
    ['a kid that is a number', rawToken({ alg: 'EdDSA', kid: 1 }, { ...claims, iss: ISSUER })],
    ['an impossible base64 length', 'abcde.abcde.abcde'],
  ])('refuses %s as malformed', (_, token) => {
    expect(check(token)).toMatchObject({ valid: false, reason: 'malformed' });
  });

  it.each([
    ['a huge string', 'a'.repeat(10_000_000)],
    ['a huge token', `${issue()}${'A'.repeat(MAX_TOKEN_LENGTH)}`],
    ['a huge dotted string', '.'.repeat(1_000_000)],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { token: issue() }],
  ])('refuses %s at once, as malformed', (_, token) => {
    expect(check(token)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('never throws on any string, and never accepts one that is not a signed token', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600, unit: 'binary' }), (token) => {
        expect(check(token).valid).toBe(false);
      }),
    );
  });

  it('refuses every one-character change of a valid token', () => {
    const token = issue();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        (index, char) => {
          fc.pre(token[index] !== char);
          const changed = `${token.slice(0, index)}${char}${token.slice(index + 1)}`;
          expect(check(changed).valid).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
