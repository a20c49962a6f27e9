import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { StorageUnavailableError } from 'src/storage/storage.errors';

/** How to reach the bucket: the S3_* settings. */
export interface S3Settings {
  /** Unset for AWS S3 itself; the server's URL for any other S3-compatible service. */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket?: string;
  /** Unset, the AWS SDK's default chain (AWS_* variables, instance or task role). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** `bucket` in the path rather than in the host name: MinIO and most self-hosted servers. */
  readonly forcePathStyle: boolean;
  /** How long opening a connection may take (S3_CONNECT_TIMEOUT_MS). */
  readonly connectTimeoutMs?: number;
  /**
   * How long a call may wait for the server's answer, its body sent, and how long a connection
   * may then stay silent (S3_REQUEST_TIMEOUT_MS).
   */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
// Connections to the bucket per instance: a download holds one for as long as its client takes
// to read it, so the SDK's 50 would let 50 slow readers stall every other call.
const MAX_SOCKETS = 200;
const NETWORK_FAILURES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
];
// Also in the message: the SDK wraps an error from another realm (a test's sandbox) in a plain
// one that keeps only its text.
const NETWORK_FAILURE = new RegExp(`\\b(${NETWORK_FAILURES.join('|')})\\b`);

export const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

export const isNotFound = (error: unknown) =>
  statusOf(error) === 404 && (error as { name?: unknown }).name !== 'NoSuchBucket';

/**
 * Whether an error means "the store cannot be reached right now" rather than a refusal: the
 * network (refused, reset, unknown host), a timeout (the client's or ours), or a 5xx answer
 * (503 SlowDown included; not 501, which is a server lacking a feature for good).
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    if (current instanceof StorageUnavailableError) {
      return true;
    }
    if (typeof current !== 'object') {
      return false;
    }
    const { name, code, message } = current as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
    };
    const status = statusOf(current);
    if (
      name === 'TimeoutError' ||
      name === 'AbortError' ||
      (typeof code === 'string' && NETWORK_FAILURES.includes(code)) ||
      (typeof message === 'string' && NETWORK_FAILURE.test(message)) ||
      (status !== undefined && status >= 500 && status !== 501)
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The error a caller should see: {@link StorageUnavailableError} when the store is away. */
export function asStorageError(error: unknown): unknown {
  return isStoreUnavailable(error) && !(error instanceof StorageUnavailableError)
    ? new StorageUnavailableError(error)
    : error;
}

const summary = (error: unknown) =>
  [
    (error as { name?: unknown }).name,
    statusOf(error),
    (error as { code?: unknown }).code,
    (error as { message?: unknown }).message,
  ]
    .filter((part) => part !== undefined && part !== '')
    .join(' ');

/**
 * The S3 client for these settings.
 *
 * Checksums only where the API demands them: since v3.729 (January 2025) the SDK adds a CRC32
 * checksum to every upload, as a trailer of an `aws-chunked` body when streaming, which
 * S3-compatible servers refuse or mishandle (s3rver keeps the chunk framing as the content;
 * Cloudflare R2, Backblaze B2 and others refused it at the time). The content's integrity rests
 * on its SHA-256, computed here on the way in and checked on the way out.
 *
 * Timeouts, which the SDK leaves off: a bucket that accepts connections and never answers would
 * otherwise hold requests, the start-up and the purge job for good. A call is tried three times
 * (the SDK's standard retries); a store that cannot be reached fails it with
 * {@link StorageUnavailableError}, logged here with its cause.
 */
export function createS3Client(settings: S3Settings): S3Client {
  const { accessKeyId, secretAccessKey } = settings;
  const requestTimeout = settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const logger = new Logger('S3Client');
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // The options of the SDK's own NodeHttpHandler, which builds it from them.
    requestHandler: {
      connectionTimeout: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeout,
      throwOnRequestTimeout: true,
      socketTimeout: requestTimeout,
      httpAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
      httpsAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message: string) => logger.warn(message),
        error: (message: string) => logger.error(message),
      },
    },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isStoreUnavailable(error)) {
          throw error;
        }
        logger.warn(`${context.commandName ?? 'A call'} failed: ${summary(error)}`);
        throw asStorageError(error);
      }
    },
    { step: 'initialize', name: 'storageUnavailable', priority: 'high' },
  );
  return client;
}
