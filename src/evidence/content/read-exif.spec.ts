import fc from 'fast-check';
import { walkJpeg } from 'src/evidence/content/detect-media-type';
import { parseExifDateTime, readCapturedAt } from 'src/evidence/content/read-exif';
import * as corpus from '../../../test/fixtures/evidence-corpus';

/** The TIFF structure of a JPEG's Exif segment, as the detection hands it over. */
function tiffOf(jpeg: Buffer): Buffer {
  const walk = walkJpeg(jpeg, jpeg.length);
  if (typeof walk === 'string' || !walk.exif) {
    throw new Error('no Exif segment');
  }
  return walk.exif;
}

describe('readCapturedAt', () => {
  it('reads DateTimeOriginal as Moroccan time when the camera wrote no offset', () => {
    // Africa/Casablanca is UTC+1 outside Ramadan.
    const tiff = tiffOf(corpus.jpeg({ exif: corpus.exifSegment('2020:07:12 09:30:00') }));
    expect(readCapturedAt(tiff)?.toISOString()).toBe('2020-07-12T08:30:00.000Z');
  });

  it('uses OffsetTimeOriginal when present', () => {
    const tiff = tiffOf(corpus.jpeg({ exif: corpus.exifSegment('2020:05:12 09:30:00', '+02:00') }));
    expect(readCapturedAt(tiff)?.toISOString()).toBe('2020-05-12T07:30:00.000Z');
  });

  it('follows the zone’s own rules: UTC+0 during Ramadan 2020', () => {
    const tiff = tiffOf(corpus.jpeg({ exif: corpus.exifSegment('2020:05:01 12:00:00') }));
    expect(readCapturedAt(tiff)?.toISOString()).toBe('2020-05-01T12:00:00.000Z');
  });

  it('gives null for a JPEG without Exif', () => {
    expect(walkJpeg(corpus.jpeg(), corpus.jpeg().length)).toEqual({ exif: null });
  });

  it('never throws on arbitrary bytes after a TIFF header', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('II*\0', 'MM\0*'),
        fc.uint8Array({ maxLength: 200 }),
        (header, rest) => {
          const result = readCapturedAt(Buffer.concat([Buffer.from(header, 'latin1'), rest]));
          expect(result === null || !Number.isNaN(result.getTime())).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on a real Exif segment with bytes flipped', () => {
    const tiff = tiffOf(corpus.jpeg({ exif: corpus.exifSegment('2021:01:02 03:04:05') }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(tiff.length - 1), fc.integer({ min: 0, max: 255 }))),
        (flips) => {
          const copy = Buffer.from(tiff);
          for (const [at, value] of flips) {
            copy[at] = value;
          }
          expect(() => readCapturedAt(copy)).not.toThrow();
        },
      ),
    );
  });
});

describe('parseExifDateTime', () => {
  it.each([
    ['0000:00:00 00:00:00'],
    ['2020:02:30 10:00:00'],
    ['2020:13:01 10:00:00'],
    ['2020:01:01 24:00:00'],
    ['2020-01-01 10:00:00'],
    ['    :  :     :  :  '],
    ['1969:12:31 23:59:59'],
  ])('refuses %s', (value) => {
    expect(parseExifDateTime(value, null)).toBeNull();
  });

  it('ignores an offset it cannot read', () => {
    expect(parseExifDateTime('2020:12:01 10:00:00', 'Z', 'UTC')?.toISOString()).toBe(
      '2020-12-01T10:00:00.000Z',
    );
  });
});
