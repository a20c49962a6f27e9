import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { COMMIT_IN_DOUBT } from 'src/database/commit-resolution';
import type { MultipartFingerprint } from 'src/idempotency/request-fingerprint';
import type { JobRun } from 'src/scheduler/scheduler.service';

/** How long a key and its answer are kept. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A key still in flight after this long belongs to a request whose process is gone (a crash
 * between the claim and the answer): the next request with it takes it over. Well beyond Node's
 * 5-minute request timeout, so a request still running is never taken over.
 */
export const IN_FLIGHT_LEASE_MS = 10 * 60 * 1000;
const PURGE_BATCH = 1000;
const PURGE_MAX_BATCHES = 10;

/** Which key: one caller's, on one route. */
export interface KeyScope {
  readonly userId: string;
  /** `POST /api/v1/sites/:id/certificates` */
  readonly route: string;
  readonly key: string;
}

/** An answer kept for replay. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type Claim =
  | { readonly kind: 'owner'; readonly id: string }
  | { readonly kind: 'in_flight'; readonly fingerprint: string | null }
  | { readonly kind: 'completed'; readonly fingerprint: string; readonly response: StoredResponse };

/** A request running under a key it claimed, until its answer is stored or the key released. */
export interface OwnedKey {
  readonly id: string;
  /** Known from the start for JSON; for multipart, once the body has streamed by. */
  readonly fingerprint: string | MultipartFingerprint;
}

interface KeyRow {
  id: string;
  state: 'in_flight' | 'completed';
  fingerprint: string | null;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  stale: boolean;
}

// Headers of an answer that are part of it; the rest (date, request id) belong to each response.
const KEPT_HEADERS = ['content-type', 'location', 'etag'];

/**
 * Status codes stored and replayed: every success, and the client errors, which are the
 * service's answer to that request (a validation failure, a rule, a conflict): a retry with the
 * same key gets the same answer, never a creation the client was told had been refused. Not
 * kept: 408 and 429, which say "try again", and server errors, after which the client may retry.
 */
export function isKeptStatus(status: number): boolean {
  return status >= 200 && status < 500 && status !== 408 && status !== 429;
}

/** Expired, or abandoned in flight; the parameters hold the lifetime and the lease in seconds. */
const stale = (lifetime: number, lease: number) =>
  `(created_at < now() - make_interval(secs => $${lifetime})
    OR (state = 'in_flight' AND created_at < now() - make_interval(secs => $${lease})))`;

@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);
  /** The requests of this instance that own a key and whose answer is not stored yet. */
  private readonly owned = new WeakMap<FastifyRequest, OwnedKey>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Takes the key for this request (a row inserted in its own statement, so that every
   * instance sees it at once), or says why not: another request holds it, or it has answered.
   * An expired key, or one abandoned in flight, is deleted and claimed anew.
   */
  async claim(scope: KeyScope, fingerprint: string | null): Promise<Claim> {
    const params = [scope.userId, scope.route, scope.key];
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.db.query<{ id: string }[]>(
        `INSERT INTO idempotency_key (user_id, route, key, fingerprint, state)
         VALUES ($1, $2, $3, $4, 'in_flight')
         ON CONFLICT ON CONSTRAINT idempotency_key_scope_uq DO NOTHING
         RETURNING id`,
        [...params, fingerprint],
      );
      if (inserted.length === 1) {
        return { kind: 'owner', id: inserted[0].id };
      }
      const [row] = await this.db.query<KeyRow[]>(
        `SELECT id, state, fingerprint, response_status, response_headers, response_body,
                ${stale(4, 5)} AS stale
           FROM idempotency_key WHERE user_id = $1 AND route = $2 AND key = $3`,
        [...params, IDEMPOTENCY_KEY_TTL_MS / 1000, IN_FLIGHT_LEASE_MS / 1000],
      );
      if (!row) {
        continue; // deleted meanwhile: try to insert again
      }
      if (row.stale) {
        await this.db.query(`DELETE FROM idempotency_key WHERE id = $1 AND ${stale(2, 3)}`, [
          row.id,
          IDEMPOTENCY_KEY_TTL_MS / 1000,
          IN_FLIGHT_LEASE_MS / 1000,
        ]);
        continue;
      }
      if (row.state === 'in_flight') {
        return { kind: 'in_flight', fingerprint: row.fingerprint };
      }
      return {
        kind: 'completed',
        fingerprint: row.fingerprint!,
        response: {
          status: row.response_status!,
          headers: row.response_headers!,
          body: row.response_body!,
        },
      };
    }
    // The row keeps appearing and vanishing: as good as in flight.
    return { kind: 'in_flight', fingerprint: null };
  }

  /** Remembers that this request owns a key, for {@link settleFromReply}. */
  own(request: FastifyRequest, key: OwnedKey): void {
    this.owned.set(request, key);
  }

  /**
   * Stores the answer of an owned key, or releases the key when the answer is not one to keep
   * or the request's fingerprint cannot be completed. Failures are logged, never thrown: the
   * work is done and its answer goes to the client either way.
   */
  async settle(
    request: FastifyRequest,
    fingerprint: string | undefined,
    response: StoredResponse | undefined,
  ): Promise<void> {
    const key = this.owned.get(request);
    if (!key) {
      return;
    }
    this.owned.delete(request);
    if (response?.status === 503 && response.body.includes(`"${COMMIT_IN_DOUBT}"`)) {
      // Whether the work was stored is not known: releasing the key would let a retry do it
      // twice. It stays in flight (409 to a retry) until its lease ends.
      this.logger.warn(
        `Idempotency key ${key.id}: commit in doubt; kept in flight for ${IN_FLIGHT_LEASE_MS / 60_000} minutes`,
      );
      return;
    }
    try {
      if (fingerprint !== undefined && response && isKeptStatus(response.status)) {
        await this.db.query(
          `UPDATE idempotency_key
              SET state = 'completed', fingerprint = $2, response_status = $3,
                  response_headers = $4::jsonb, response_body = $5, completed_at = now()
            WHERE id = $1 AND state = 'in_flight'`,
          [key.id, fingerprint, response.status, JSON.stringify(response.headers), response.body],
        );
      } else {
        await this.db.query(`DELETE FROM idempotency_key WHERE id = $1 AND state = 'in_flight'`, [
          key.id,
        ]);
      }
    } catch (error) {
      this.logger.warn(
        `Idempotency key ${key.id}: answer not recorded (${error instanceof Error ? error.message : String(error)}); it is released after ${IN_FLIGHT_LEASE_MS / 60_000} minutes`,
      );
    }
  }

  /**
   * The `onSend` hook: an owned key whose request failed gets the answer the error filter wrote
   * (successes are settled by the interceptor, before this).
   */
  async settleFromReply(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<void> {
    const key = this.owned.get(request);
    if (!key) {
      return;
    }
    const body =
      payload === undefined || payload === null
        ? ''
        : typeof payload === 'string'
          ? payload
          : Buffer.isBuffer(payload)
            ? payload.toString('utf8')
            : undefined;
    await this.settle(
      request,
      fingerprintOf(key, request),
      body === undefined
        ? undefined
        : { status: reply.statusCode, headers: keptHeaders(reply), body },
    );
  }

  /** The owned key of a request, if it has one not yet settled. */
  ownedBy(request: FastifyRequest): OwnedKey | undefined {
    return this.owned.get(request);
  }

  /** The scheduled purge: keys older than 24 hours, a few batches per run. */
  async purgeExpired({ em, at }: JobRun): Promise<number> {
    const cutoff = new Date(at.getTime() - IDEMPOTENCY_KEY_TTL_MS);
    let purged = 0;
    for (let batch = 0; batch < PURGE_MAX_BATCHES; batch++) {
      const [, count] = await em.query<[unknown, number]>(
        `DELETE FROM idempotency_key WHERE id IN (
           SELECT id FROM idempotency_key WHERE created_at < $1
            ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [cutoff, PURGE_BATCH],
      );
      purged += count;
      if (count < PURGE_BATCH) {
        break;
      }
    }
    if (purged > 0) {
      this.logger.log(`Purged ${purged} expired idempotency key(s)`);
    }
    return purged;
  }
}

/** The request's fingerprint, once complete: undefined while (or when) its body was not all read. */
export function fingerprintOf(key: OwnedKey, request: FastifyRequest): string | undefined {
  if (typeof key.fingerprint === 'string') {
    return key.fingerprint;
  }
  return request.raw.readableEnded ? key.fingerprint.digest() : undefined;
}

export function keptHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) {
      headers[name] = String(value);
    }
  }
  return headers;
}
