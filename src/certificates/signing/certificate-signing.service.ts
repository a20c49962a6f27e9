import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { JWK } from 'jose';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import { CertificateSigningKey } from 'src/certificates/signing/certificate-signing-key.entity';
import {
  type CertificateClaims,
  NBF_LEEWAY_SECONDS,
  type SignedCertificateClaims,
  signCertificateToken,
  type TokenVerdict,
  verifyCertificateToken,
} from 'src/certificates/signing/certificate-token';
import { registerSigningKey } from 'src/certificates/signing/register-signing-key';
import {
  isReadableByOthers,
  resolveSigningKey,
  type SigningKey,
} from 'src/certificates/signing/signing-key-file';
import { appConfig, type AppConfig } from 'src/config/app-config';

export type { CertificateClaims, TokenVerdict } from 'src/certificates/signing/certificate-token';

/** Public keys are re-read this often, so that a key deleted from the table stops verifying. */
const KEYS_MAX_AGE_MS = 5 * 60_000;
/** An unknown `kid` re-reads the table at most this often: forged kids cost no query each. */
const UNKNOWN_KID_REFRESH_MS = 5_000;
/**
 * Genuine tokens remembered: a few per certificate scanned in the last minutes. Only tokens whose
 * signature verified get in, so forgeries cannot crowd out the real ones.
 */
export const GENUINE_TOKENS_CACHED = 10_000;

interface GenuineToken {
  readonly kid: string;
  readonly claims: SignedCertificateClaims;
}

/**
 * Signs certificate tokens with this instance's key and verifies them against every public key
 * of the table. The key is read (or, outside production, generated) and registered at start-up.
 */
@Injectable()
export class CertificateSigningService implements OnModuleInit {
  private readonly logger = new Logger(CertificateSigningService.name);
  private key?: SigningKey;
  private publicKeys: ReadonlyMap<string, KeyObject> = new Map();
  /**
   * Tokens whose signature, key and claims checked out against `publicKeys`, by the token string,
   * least recently used first: the Ed25519 check is most of the cost of a verification, and its
   * outcome cannot change while the keys stay the same. Emptied whenever the keys are re-read.
   */
  private genuine = new LruMap<string, GenuineToken>(GENUINE_TOKENS_CACHED);
  private refreshDueAt = 0;
  private unknownKidRefreshAt = 0;
  private loading?: Promise<void>;
  private publishing?: Promise<{ keys: JWK[] }>;

  constructor(
    @Inject(appConfig.KEY) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    @InjectRepository(CertificateSigningKey)
    private readonly keys: Repository<CertificateSigningKey>,
  ) {}

  async onModuleInit(): Promise<void> {
    const { key, source } = await resolveSigningKey(this.config);
    if (source === 'generated') {
      this.logger.warn(
        `CERT_SIGNING_KEY_FILE is unset: generated a certificate signing key into ${key.file}`,
      );
    } else if (source === 'data-dir') {
      this.logger.warn(`CERT_SIGNING_KEY_FILE is unset: signing certificates with ${key.file}`);
    } else if (await isReadableByOthers(key.file)) {
      this.logger.warn(`${key.file} is readable by others than its owner: chmod 600 it`);
    }
    const registration = await this.dataSource.transaction((em) => registerSigningKey(em, key));
    if (registration.retired) {
      this.logger.warn(
        `Signing key ${key.kid} is retired: a newer key exists, start with it (keys:rotate)`,
      );
    }
    this.key = key;
    await this.refreshPublicKeys();
    this.logger.log(`Certificates are signed with key ${key.kid}`);
  }

  /** Signs with the active key inside the caller's transaction (records how long the key is needed). */
  async sign(
    em: EntityManager,
    claims: CertificateClaims,
  ): Promise<{ token: string; kid: string }> {
    const key = this.key;
    if (!key) {
      throw new Error('the certificate signing key is not loaded yet');
    }
    const token = signCertificateToken(
      { ...claims, iss: this.config.publicBaseUrl },
      key.kid,
      key.privateKey,
    );
    const { affected } = await em
      .createQueryBuilder()
      .update(CertificateSigningKey)
      .set({ neededUntil: () => 'GREATEST(needed_until, to_timestamp(:exp))' })
      .where('kid = :kid', { kid: key.kid, exp: claims.exp })
      .execute();
    if (affected !== 1) {
      throw new Error(`signing key ${key.kid} is no longer registered: restart the service`);
    }
    return { token, kid: key.kid };
  }

  /** Never throws on bad input; fast (public keys cached in memory). `at` defaults to now. */
  async verify(token: string, at: Date = new Date()): Promise<TokenVerdict> {
    if (Date.now() > this.refreshDueAt) {
      this.refreshPublicKeys().catch((error: unknown) => this.logRefreshFailure(error));
    }
    const known = this.genuine.get(token);
    if (known) {
      return verdictAt(known, at);
    }
    const verdict = this.verifySignature(token, at);
    if (
      verdict.valid ||
      verdict.reason !== 'unknown_key' ||
      Date.now() - this.unknownKidRefreshAt < UNKNOWN_KID_REFRESH_MS
    ) {
      return verdict;
    }
    // Perhaps a key another instance registered since: look once.
    this.unknownKidRefreshAt = Date.now();
    try {
      await this.refreshPublicKeys();
    } catch (error) {
      this.logRefreshFailure(error);
      return verdict;
    }
    return this.verifySignature(token, at);
  }

  private verifySignature(token: string, at: Date): TokenVerdict {
    const verdict = verifyCertificateToken(token, this.publicKeys, {
      issuer: this.config.publicBaseUrl,
      at,
    });
    // A genuine token outside its dates is not remembered: rare, and its claims are not at hand.
    if (verdict.valid) {
      this.genuine.set(token, { kid: verdict.kid, claims: verdict.claims });
    }
    return verdict;
  }

  /** Every key that signs or may still have to be checked: active, or retired with tokens unexpired. */
  jwks(): Promise<{ keys: JWK[] }> {
    // Concurrent requests share one query.
    this.publishing ??= this.publishedKeys().finally(() => (this.publishing = undefined));
    return this.publishing;
  }

  private async publishedKeys(): Promise<{ keys: JWK[] }> {
    const rows = await this.keys
      .createQueryBuilder('key')
      .where('key.retired_at IS NULL OR key.needed_until > now()')
      .orderBy('key.created_at', 'DESC')
      .addOrderBy('key.kid')
      .getMany();
    return {
      keys: rows.map(({ kid, publicJwk: { kty, crv, x } }) => ({
        kty,
        crv,
        x,
        kid,
        alg: 'EdDSA',
        use: 'sig',
      })),
    };
  }

  /** Every key of the table, retired or not: an old certificate still says who signed it. */
  private refreshPublicKeys(): Promise<void> {
    this.loading ??= this.loadPublicKeys().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async loadPublicKeys(): Promise<void> {
    const rows = await this.keys.find({ select: { kid: true, publicJwk: true } });
    const keys = new Map<string, KeyObject>();
    for (const { kid, publicJwk } of rows) {
      keys.set(kid, createPublicKey({ key: { ...publicJwk }, format: 'jwk' }));
    }
    this.publicKeys = keys;
    this.genuine.clear();
    this.refreshDueAt = Date.now() + KEYS_MAX_AGE_MS;
  }

  private logRefreshFailure(error: unknown) {
    this.refreshDueAt = Date.now() + UNKNOWN_KID_REFRESH_MS;
    this.logger.warn(
      `Public signing keys could not be re-read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** A genuine token's verdict at `at`: its dates, checked as `verifyCertificateToken` checks them. */
function verdictAt({ kid, claims }: GenuineToken, at: Date): TokenVerdict {
  const now = Math.floor(at.getTime() / 1000);
  if (now + NBF_LEEWAY_SECONDS < claims.nbf) {
    return { valid: false, reason: 'not_yet_valid', kid };
  }
  if (!(now < claims.exp)) {
    return { valid: false, reason: 'expired', kid };
  }
  return { valid: true, kid, claims };
}

/** A map of at most `capacity` entries that forgets the least recently used one first. */
export class LruMap<K, V> {
  // A Map iterates in insertion order: an entry read is moved to the end, the first is the oldest.
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) {
      throw new RangeError('capacity must be at least 1');
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const [oldest] = this.entries.keys();
      this.entries.delete(oldest);
    }
    this.entries.set(key, value);
  }

  clear(): void {
    this.entries.clear();
  }
}
