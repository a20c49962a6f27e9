import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from 'src/common/canonical-json';
import { RequestValidationError } from 'src/common/errors';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

// Printable US-ASCII, space included (RFC 9110 field values may hold it inside).
const KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The request's idempotency key: undefined without the header; otherwise 1 to 255 printable
 * ASCII characters, or a 400 naming the header.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new RequestValidationError([
      {
        field: IDEMPOTENCY_KEY_HEADER,
        message: 'must be given once, as 1 to 255 printable ASCII characters',
      },
    ]);
  }
  return header;
}

/** What a request is, besides its body: a change of any of these is another request. */
const requestLine = (method: string, url: string, form: string) =>
  `${JSON.stringify([method.toUpperCase(), url, form])}\n`;

/**
 * SHA-256 (hex) over the method, the path with its query, and the JSON body in canonical form:
 * the order of members and the white space do not matter, any value does.
 */
export function jsonFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(requestLine(method, url, 'json'))
    .update(body === undefined ? '' : canonicalBody(body))
    .digest('hex');
}

function canonicalBody(body: unknown): string {
  try {
    try {
      return canonicalJson(body);
    } catch (error) {
      // A number too large for a double (`1e400`) is parsed as Infinity, which JSON cannot write.
      if (error instanceof TypeError) {
        return canonicalJson(withNonFiniteNumbersNamed(body));
      }
      throw error;
    }
  } catch (error) {
    if (error instanceof RangeError) {
      throw new RequestValidationError([{ field: 'body', message: 'is nested too deeply' }]);
    }
    throw error;
  }
}

function withNonFiniteNumbersNamed(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return `\u0000number:${value}`;
  }
  if (Array.isArray(value)) {
    return value.map(withNonFiniteNumbersNamed);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([name, member]) => [name, withNonFiniteNumbersNamed(member)]),
    );
  }
  return value;
}

/** The boundary parameter of a multipart Content-Type, if any. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^";\s]{1,70}))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * SHA-256 (hex) over the method, the path with its query, and a multipart body as it streams by.
 * The boundary is the client's random choice, different on each retry: every delimiter is hashed
 * as one fixed token instead, so the same parts in the same order give the same fingerprint. The
 * body is counted: past `maxBytes` the fingerprint is refused ({@link digest} gives undefined).
 */
export class MultipartFingerprint {
  private readonly hash: Hash;
  private readonly delimiter: Buffer | undefined;
  private carry = Buffer.alloc(0);
  private bytes = 0;
  private overflowed = false;

  constructor(
    method: string,
    url: string,
    boundary: string | undefined,
    private readonly maxBytes: number,
  ) {
    this.hash = createHash('sha256').update(requestLine(method, url, 'multipart'));
    this.delimiter = boundary === undefined ? undefined : Buffer.from(`--${boundary}`, 'latin1');
  }

  get overflow(): boolean {
    return this.overflowed;
  }

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.overflowed = true;
    }
    if (this.overflowed) {
      return;
    }
    if (!this.delimiter) {
      this.hash.update(chunk);
      return;
    }
    const buffer = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let from = 0;
    for (let at = buffer.indexOf(this.delimiter, from); at >= 0;) {
      this.hash.update(buffer.subarray(from, at)).update('\0delimiter\0');
      from = at + this.delimiter.length;
      at = buffer.indexOf(this.delimiter, from);
    }
    // A delimiter may straddle this chunk and the next: keep back what could be its beginning.
    const safe = Math.max(from, buffer.length - (this.delimiter.length - 1));
    this.hash.update(buffer.subarray(from, safe));
    this.carry = Buffer.from(buffer.subarray(safe));
  }

  /** The fingerprint of what was read, once the body has ended; undefined past the limit. */
  digest(): string | undefined {
    if (this.overflowed) {
      return undefined;
    }
    return this.hash.update(this.carry).digest('hex');
  }
}
