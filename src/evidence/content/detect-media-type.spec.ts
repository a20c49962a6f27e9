import fc from 'fast-check';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import {
  ContentSampler,
  contradictsDeclaredType,
  detectMediaType,
  EVIDENCE_MEDIA_TYPES,
  HEAD_BYTES,
  SamplingStream,
  sampleOf,
  TAIL_BYTES,
} from 'src/evidence/content/detect-media-type';
import * as corpus from '../../../test/fixtures/evidence-corpus';

const detect = (bytes: Buffer) => detectMediaType(sampleOf(bytes));
const typeOf = (bytes: Buffer) => {
  const detection = detect(bytes);
  return detection.accepted ? detection.mediaType : null;
};

const withExif = corpus.jpeg({ exif: corpus.exifSegment('2020:05:12 09:30:00') });

describe('detectMediaType', () => {
  it.each([
    ['a JPEG', corpus.jpeg(), 'image/jpeg'],
    ['a JPEG with Exif', withExif, 'image/jpeg'],
    ['a PNG', corpus.png(), 'image/png'],
    ['a WebP', corpus.webp(), 'image/webp'],
    ['a HEIC', corpus.heic(), 'image/heic'],
    [
      'a HEIF of brand mif1 with heic',
      corpus.heic({ major: 'mif1', compatible: ['heic'] }),
      'image/heic',
    ],
    ['a PDF', corpus.pdf(), 'application/pdf'],
  ])('accepts %s', (_, bytes, type) => {
    expect(typeOf(bytes)).toBe(type);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), /empty/],
    ['an ELF executable', corpus.elf(), /not a JPEG/],
    ['a PE executable', corpus.portableExecutable(), /not a JPEG/],
    ['a PHP script', corpus.php(), /not a JPEG/],
    ['an HTML page', corpus.html(), /not a JPEG/],
    ['an SVG image', corpus.svg(), /not a JPEG/],
    ['a JPEG without its end marker', corpus.truncated(corpus.jpeg(), 2), /JPEG is truncated/],
    ['a JPEG cut in its headers', corpus.jpeg().subarray(0, 30), /JPEG is truncated/],
    ['a PNG without IEND', corpus.truncated(corpus.png(), 12), /PNG is truncated/],
    ['a PNG cut by one byte', corpus.truncated(corpus.png(), 1), /PNG is truncated/],
    ['a PDF without %%EOF', corpus.truncated(corpus.pdf(), 7), /PDF is truncated/],
    ['a WebP cut short', corpus.truncated(corpus.webp(), 4), /WebP is truncated/],
    ['a WebP padded', Buffer.concat([corpus.webp(), Buffer.alloc(2)]), /WebP is truncated/],
    ['a HEIC cut short', corpus.truncated(corpus.heic(), 10), /HEIC is truncated/],
    ['a HEIC padded', Buffer.concat([corpus.heic(), Buffer.alloc(3)]), /HEIC is truncated/],
    ['an AVIF', corpus.heic({ major: 'mif1', compatible: ['avif'] }), /not a JPEG/],
    ['an MP4 video', corpus.heic({ major: 'isom', compatible: ['mp41'] }), /not a JPEG/],
  ])('refuses %s', (_, bytes, reason) => {
    const detection = detect(bytes);
    expect(detection.accepted).toBe(false);
    expect(detection.accepted ? '' : detection.reason).toMatch(reason);
  });

  it('refuses a JPEG whose image data comes before any frame header', () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9]);
    expect(detect(bytes)).toEqual({ accepted: false, reason: expect.stringMatching(/frame/) });
  });

  it('finds the Exif segment of a JPEG', () => {
    const detection = detect(withExif);
    expect(detection.accepted && detection.exif?.subarray(0, 2).toString('latin1')).toBe('II');
  });

  it('decides by the bytes, not by a PNG signature followed by a PHP script', () => {
    const fake = Buffer.concat([corpus.png().subarray(0, 8), corpus.php()]);
    expect(typeOf(fake)).toBeNull();
  });

  it('accepts a PDF whose %%EOF is followed by a few bytes, not one beyond its last KiB', () => {
    expect(typeOf(Buffer.concat([corpus.pdf(), Buffer.from('\r\n')]))).toBe('application/pdf');
    const far = Buffer.concat([corpus.pdf(), Buffer.alloc(TAIL_BYTES, 0x20)]);
    expect(typeOf(far)).toBeNull();
  });
});

describe('ContentSampler', () => {
  it('gathers the same sample whatever the chunks', () => {
    const big = Buffer.concat([corpus.pdf(HEAD_BYTES), Buffer.alloc(10)]);
    fc.assert(
      fc.property(
        fc.constantFrom(corpus.jpeg(), corpus.png(), corpus.webp(), corpus.heic(), big),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { maxLength: 8 }),
        (bytes, cuts) => {
          const sampler = new ContentSampler();
          let at = 0;
          for (const cut of cuts) {
            sampler.update(bytes.subarray(at, at + cut));
            at += cut;
          }
          sampler.update(bytes.subarray(at));
          const [got, whole] = [sampler.sample(), sampleOf(bytes)];
          // Buffer.equals: Jest's deep equality walks 128 KiB byte by byte.
          expect(got.head.equals(whole.head) && got.tail.equals(whole.tail)).toBe(true);
          expect({ size: got.size, boxes: got.boxes }).toEqual({
            size: whole.size,
            boxes: whole.boxes,
          });
        },
      ),
    );
  });

  it('keeps only the head and the tail of a large file', () => {
    const sample = sampleOf(Buffer.alloc(HEAD_BYTES * 3));
    expect({ head: sample.head.length, tail: sample.tail.length }).toEqual({
      head: HEAD_BYTES,
      tail: TAIL_BYTES,
    });
  });
});

describe('detectMediaType on arbitrary bytes', () => {
  const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
    'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b.at(-2) === 0xff && b.at(-1) === 0xd9,
    'image/png': (b) =>
      b.subarray(0, 8).equals(corpus.png().subarray(0, 8)) &&
      b.subarray(-12).equals(corpus.png().subarray(-12)),
    'image/webp': (b) =>
      b.toString('latin1', 0, 4) === 'RIFF' && b.readUInt32LE(4) + 8 === b.length,
    'image/heic': (b) => b.toString('latin1', 4, 8) === 'ftyp',
    'application/pdf': (b) =>
      b.toString('latin1', 0, 5) === '%PDF-' && b.subarray(-TAIL_BYTES).includes('%%EOF'),
  };

  // Random bytes, some behind a real signature and before a real ending.
  const prefixes = fc.constantFrom(
    Buffer.alloc(0),
    Buffer.from([0xff, 0xd8, 0xff]),
    corpus.jpeg().subarray(0, 30),
    corpus.png().subarray(0, 33),
    corpus.webp().subarray(0, 16),
    corpus.heic().subarray(0, 24),
    Buffer.from('%PDF-1.7\n'),
  );
  const suffixes = fc.constantFrom(
    Buffer.alloc(0),
    Buffer.from([0xff, 0xd9]),
    corpus.png().subarray(-12),
    Buffer.from('%%EOF\n'),
  );
  const arbitraryFile = fc
    .tuple(prefixes, fc.uint8Array({ maxLength: 300 }), suffixes)
    .map(([head, middle, tail]) => Buffer.concat([head, Buffer.from(middle), tail]));

  it('never throws, and accepts only a known signature with its proper ending', () => {
    fc.assert(
      fc.property(arbitraryFile, (bytes) => {
        const detection = detect(bytes);
        if (detection.accepted) {
          expect(EVIDENCE_MEDIA_TYPES).toContain(detection.mediaType);
          expect(SIGNATURES[detection.mediaType](bytes)).toBe(true);
        } else {
          expect(detection.reason).toEqual(expect.any(String));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts a real file with random bytes appended only when the format allows it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(corpus.jpeg(), corpus.png(), corpus.webp(), corpus.heic()),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (file, extra) => {
          const bytes = Buffer.concat([file, Buffer.from(extra)]);
          const type = typeOf(bytes);
          if (type !== null) {
            expect(SIGNATURES[type](bytes)).toBe(true);
          }
        },
      ),
    );
  });
});

describe('contradictsDeclaredType', () => {
  it.each([
    ['image/png', 'image/jpeg', true],
    ['image/svg+xml', 'image/png', true],
    ['image/jpeg', 'image/jpeg', false],
    ['image/jpg', 'image/jpeg', false],
    ['image/heif', 'image/heic', false],
    ['application/octet-stream', 'application/pdf', false],
    ['', 'image/webp', false],
    ['text/plain', 'image/png', false],
  ] as const)('declared %s, detected %s: %s', (declared, detected, contradicts) => {
    expect(contradictsDeclaredType(declared, detected)).toBe(contradicts);
  });
});

describe('SamplingStream', () => {
  it('passes the bytes through and stops the stream past its limit', async () => {
    const fits = new SamplingStream(10, () => new Error('too large'));
    const out = buffer(fits);
    await pipeline(Readable.from([Buffer.from('12345'), Buffer.from('67890')]), fits);
    expect((await out).toString()).toBe('1234567890');
    expect(fits.sampler.sample().size).toBe(10);

    const over = new SamplingStream(10, () => new Error('too large'));
    over.resume();
    await expect(
      pipeline(Readable.from([Buffer.from('12345'), Buffer.from('678901')]), over),
    ).rejects.toThrow('too large');
  });
});
