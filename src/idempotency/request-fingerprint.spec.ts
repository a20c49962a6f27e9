import fc from 'fast-check';
import { RequestValidationError } from 'src/common/errors';
import {
  jsonFingerprint,
  MultipartFingerprint,
  multipartBoundary,
  parseIdempotencyKey,
} from 'src/idempotency/request-fingerprint';

const form = (boundary: string, parts: readonly [string, string][]) =>
  Buffer.from(
    parts
      .map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      )
      .join('') + `--${boundary}--\r\n`,
  );

/** The fingerprint of a body cut into chunks at the given offsets. */
function fingerprintOf(body: Buffer, boundary: string, cuts: number[] = [], maxBytes = 1 << 20) {
  const fingerprint = new MultipartFingerprint('POST', '/api/v1/evidence', boundary, maxBytes);
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    fingerprint.update(body.subarray(from, cut));
    from = cut;
  }
  fingerprint.update(body.subarray(from));
  return fingerprint.digest();
}

describe('parseIdempotencyKey', () => {
  it.each([
    ['a UUID', '8d6f2c1e-4b0a-4f7e-9c3d-2a1b0c9d8e7f'],
    ['one character', 'k'],
    ['255 characters', 'x'.repeat(255)],
    ['printable punctuation and inner spaces', 'order 42: "retry" ~ #1'],
  ])('accepts %s', (_, key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it('is undefined without the header', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it.each([
    ['an empty value', ''],
    ['256 characters', 'x'.repeat(256)],
    ['a non-ASCII character', 'clé'],
    ['a control character', 'a\tb'],
    ['the header given twice', ['a', 'b']],
  ])('refuses %s, naming the header', (_, header) => {
    expect(() => parseIdempotencyKey(header)).toThrow(RequestValidationError);
    try {
      parseIdempotencyKey(header);
    } catch (error) {
      expect((error as RequestValidationError).errors).toEqual([
        { field: 'Idempotency-Key', message: expect.any(String) },
      ]);
    }
  });
});

describe('jsonFingerprint', () => {
  it('does not depend on the order of members', () => {
    expect(jsonFingerprint('POST', '/api/v1/users', { a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      jsonFingerprint('POST', '/api/v1/users', { b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
  });

  it.each([
    ['another body', 'POST', '/api/v1/users', { a: 2 }],
    ['another path', 'POST', '/api/v1/organisations', { a: 1 }],
    ['another method', 'PUT', '/api/v1/users', { a: 1 }],
    ['no body', 'POST', '/api/v1/users', undefined],
  ])('changes with %s', (_, method, url, body) => {
    expect(jsonFingerprint(method, url, body)).not.toBe(
      jsonFingerprint('POST', '/api/v1/users', { a: 1 }),
    );
  });

  it('tells apart numbers too large for JSON from null and from each sign', () => {
    const [plus, minus, none] = [Infinity, -Infinity, null].map((n) =>
      jsonFingerprint('POST', '/x', { n: [n] }),
    );
    expect(new Set([plus, minus, none]).size).toBe(3);
    expect(jsonFingerprint('POST', '/x', JSON.parse('{"n":[1e400]}'))).toBe(plus);
  });

  it('refuses a body nested too deeply to fingerprint, naming the body', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) {
      deep = [deep];
    }
    expect(() => jsonFingerprint('POST', '/x', deep)).toThrow(RequestValidationError);
  });

  it('tells a string body from the same text as JSON', () => {
    expect(jsonFingerprint('POST', '/x', '1')).not.toBe(jsonFingerprint('POST', '/x', 1));
  });
});

describe('multipartBoundary', () => {
  it.each([
    ['multipart/form-data; boundary=----abc123', '----abc123'],
    ['multipart/form-data; boundary="quoted boundary"', 'quoted boundary'],
    ['multipart/form-data;boundary=x; charset=utf-8', 'x'],
    ['multipart/form-data', undefined],
    [undefined, undefined],
  ])('of %s is %s', (contentType, boundary) => {
    expect(multipartBoundary(contentType)).toBe(boundary);
  });
});

describe('MultipartFingerprint', () => {
  const parts: [string, string][] = [
    ['siteId', '2b5d3f0e-8c1a-4d7e-9f60-000000000001'],
    ['file', 'the bytes of a photo'],
  ];

  it('is the same whatever boundary the client chose', () => {
    expect(fingerprintOf(form('----a1', parts), '----a1')).toBe(
      fingerprintOf(form('----another-boundary-99', parts), '----another-boundary-99'),
    );
  });

  it('changes with the content of a part, and with the order of the parts', () => {
    const base = fingerprintOf(form('b', parts), 'b');
    expect(fingerprintOf(form('b', [parts[0], ['file', 'other bytes']]), 'b')).not.toBe(base);
    expect(fingerprintOf(form('b', [parts[1], parts[0]]), 'b')).not.toBe(base);
  });

  it('does not depend on how the body is cut into chunks', () => {
    const boundary = '----evidence-boundary';
    const body = form(boundary, parts);
    const whole = fingerprintOf(body, boundary);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: body.length }), { maxLength: 12 }), (cuts) => {
        expect(fingerprintOf(body, boundary, cuts)).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('is refused past its byte limit', () => {
    const body = form('b', parts);
    expect(fingerprintOf(body, 'b', [], body.length)).toEqual(expect.any(String));
    expect(fingerprintOf(body, 'b', [10], body.length - 1)).toBeUndefined();
  });
});
