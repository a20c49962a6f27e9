import { type KeyObject, sign, verify } from 'node:crypto';

/** What a certificate's token asserts; `iss` is added by the signer. */
export interface CertificateClaims {
  /** The certificate id. */
  readonly sub: string;
  /** The certificate number, `AMRC-2026-00001`. */
  readonly num: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  /** The charter version. */
  readonly v: string;
  /** `printedRecordHash(record)`. */
  readonly h: string;
}

export type SignedCertificateClaims = CertificateClaims & { readonly iss: string };

export type TokenVerdict =
  | { readonly valid: true; readonly kid: string; readonly claims: SignedCertificateClaims }
  | {
      readonly valid: false;
      readonly reason:
        | 'malformed'
        | 'unsupported_algorithm'
        | 'unknown_key'
        | 'bad_signature'
        | 'expired'
        | 'not_yet_valid'
        | 'wrong_issuer'
        | 'invalid_claims';
      readonly kid?: string;
    };

/** A token is a few hundred characters: anything much longer is refused before any work. */
export const MAX_TOKEN_LENGTH = 2048;
/** Clocks of the issuing and the verifying instance may differ by this much. */
export const NBF_LEEWAY_SECONDS = 60;

const SEGMENT = /^[A-Za-z0-9_-]*$/;
const HASH = /^[A-Za-z0-9_-]{43}$/;
const ED25519_SIGNATURE_BYTES = 64;

const encodeJson = (value: unknown) =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * The compact JWS (RFC 7515) of the claims, EdDSA over Ed25519 (RFC 8037), with the header
 * `{ alg: 'EdDSA', typ: 'JWT', kid }`. Only the known claims are signed, in a fixed order.
 */
export function signCertificateToken(
  claims: SignedCertificateClaims,
  kid: string,
  privateKey: KeyObject,
): string {
  const payload = readClaims({ ...claims });
  if (!payload) {
    throw new TypeError(`certificate claims of the wrong shape: ${JSON.stringify(claims)}`);
  }
  const input = `${encodeJson({ alg: 'EdDSA', typ: 'JWT', kid })}.${encodeJson(payload)}`;
  const signature = sign(null, Buffer.from(input, 'ascii'), privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * Checks a token against the given public keys, at the instant `at`. Never throws on any input:
 * each failure is a verdict with its reason. EdDSA is the only algorithm accepted, whatever the
 * header says, so neither `none` nor an HMAC keyed with a public key can pass.
 */
export function verifyCertificateToken(
  token: unknown,
  keys: ReadonlyMap<string, KeyObject>,
  expected: { readonly issuer: string; readonly at: Date },
): TokenVerdict {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) {
    return { valid: false, reason: 'malformed' };
  }
  const segments = token.split('.');
  if (segments.length !== 3 || !segments.every(isBase64Url)) {
    return { valid: false, reason: 'malformed' };
  }
  const [encodedHeader, encodedPayload, encodedSignature] = segments as [string, string, string];
  const header = decodeJsonObject(encodedHeader);
  if (!header) {
    return { valid: false, reason: 'malformed' };
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  if (header.alg !== 'EdDSA') {
    return { valid: false, reason: 'unsupported_algorithm', kid };
  }
  // Extensions the verifier would have to understand (RFC 7515 §4.1.11): none is used here.
  if (kid === undefined || 'crit' in header) {
    return { valid: false, reason: 'malformed', kid };
  }
  const key = keys.get(kid);
  if (!key) {
    return { valid: false, reason: 'unknown_key', kid };
  }
  if (!signatureMatches(`${encodedHeader}.${encodedPayload}`, encodedSignature, key)) {
    return { valid: false, reason: 'bad_signature', kid };
  }
  const claims = readClaims(decodeJsonObject(encodedPayload));
  if (!claims) {
    return { valid: false, reason: 'invalid_claims', kid };
  }
  if (claims.iss !== expected.issuer) {
    return { valid: false, reason: 'wrong_issuer', kid };
  }
  const now = Math.floor(expected.at.getTime() / 1000);
  if (now + NBF_LEEWAY_SECONDS < claims.nbf) {
    return { valid: false, reason: 'not_yet_valid', kid };
  }
  if (!(now < claims.exp)) {
    return { valid: false, reason: 'expired', kid };
  }
  return { valid: true, kid, claims };
}

/** Unpadded base64url, with no bits left over that another spelling could carry. */
function isBase64Url(segment: string): boolean {
  return SEGMENT.test(segment) && segment.length % 4 !== 1;
}

function signatureMatches(input: string, encodedSignature: string, key: KeyObject): boolean {
  const signature = Buffer.from(encodedSignature, 'base64url');
  // One signature, one spelling: no second token string for the same signature.
  if (
    signature.length !== ED25519_SIGNATURE_BYTES ||
    signature.toString('base64url') !== encodedSignature
  ) {
    return false;
  }
  try {
    return verify(null, Buffer.from(input, 'ascii'), key, signature);
  } catch {
    return false;
  }
}

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;
const isSeconds = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The known claims, checked for type, in signing order; undefined when any is amiss. */
function readClaims(
  value: Record<string, unknown> | undefined,
): SignedCertificateClaims | undefined {
  if (!value) {
    return undefined;
  }
  const { iss, sub, num, iat, nbf, exp, v, h } = value;
  if (
    !isText(iss, 2048) ||
    !isText(sub, 64) ||
    !isText(num, 32) ||
    !isSeconds(iat) ||
    !isSeconds(nbf) ||
    !isSeconds(exp) ||
    !isText(v, 32) ||
    typeof h !== 'string' ||
    !HASH.test(h) ||
    exp <= nbf
  ) {
    return undefined;
  }
  return { iss, sub, num, iat, nbf, exp, v, h };
}
