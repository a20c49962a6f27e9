import { ServiceUnavailableError } from 'src/common/service-unavailable.error';

/** What a client is told to wait before trying again when the file storage fails it. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * The file storage cannot be reached right now (connection refused or cut, no answer in time,
 * a 5xx from an S3 server): `503` with Retry-After, as when the database is unreachable.
 */
export class StorageUnavailableError extends ServiceUnavailableError {
  constructor(cause?: unknown) {
    super('SERVICE.STORAGE_UNAVAILABLE', 'The file storage does not answer; retry shortly', {
      retryAfter: STORAGE_RETRY_AFTER_SECONDS,
    });
    this.cause = cause;
  }
}

/** Every upload slot of this instance stayed taken for as long as an upload may wait for one. */
export class StorageBusyError extends ServiceUnavailableError {
  constructor() {
    super('SERVICE.STORAGE_BUSY', 'Too many uploads are in progress; retry shortly', {
      retryAfter: STORAGE_RETRY_AFTER_SECONDS,
    });
  }
}
