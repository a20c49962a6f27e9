import { Transform, type TransformCallback } from 'node:stream';

export const EVIDENCE_MEDIA_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/heic',
  'application/pdf',
] as const;
export type EvidenceMediaType = (typeof EVIDENCE_MEDIA_TYPES)[number];

/** Enough for the signatures and for a JPEG's Exif segment (at most 64 KiB, near the start). */
export const HEAD_BYTES = 128 * 1024;
/** A PDF's `%%EOF` must be in its last KiB. */
export const TAIL_BYTES = 1024;
// ISO-BMFF files have a handful of top-level boxes; thousands mean garbage.
const MAX_BOXES = 1024;

/** What the detection needs of a file, gathered while it streams: never the whole file. */
export interface ContentSample {
  readonly size: number;
  readonly head: Buffer;
  readonly tail: Buffer;
  /** Top-level ISO-BMFF boxes, or null when the bytes are not a sequence of boxes to the end. */
  readonly boxes: readonly string[] | null;
}

export type Detection =
  | { readonly accepted: true; readonly mediaType: EvidenceMediaType; readonly exif: Buffer | null }
  | { readonly accepted: false; readonly reason: string };

const refused = (reason: string): Detection => ({ accepted: false, reason });

/**
 * Decides the type of a file from its bytes alone, by a small table of signatures, and checks
 * that it is whole (a truncated upload is refused). Name and declared type play no part.
 */
export function detectMediaType(sample: ContentSample): Detection {
  if (sample.size === 0) {
    return refused('The file is empty');
  }
  const signature = SIGNATURES.find((s) => s.matches(sample.head));
  if (!signature) {
    return refused('The content is not a JPEG, PNG, WebP, HEIC image or a PDF document');
  }
  return signature.check(sample);
}

interface Signature {
  readonly matches: (head: Buffer) => boolean;
  readonly check: (sample: ContentSample) => Detection;
}

const startsWith = (head: Buffer, bytes: readonly number[] | string, at = 0) => {
  const expected = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return (
    head.length >= at + expected.length && head.subarray(at, at + expected.length).equals(expected)
  );
};

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
const HEVC_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'];
const HEIF_BRANDS = ['mif1', 'msf1'];

const SIGNATURES: readonly Signature[] = [
  { matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]), check: checkJpeg },
  { matches: (h) => startsWith(h, PNG_SIGNATURE), check: checkPng },
  { matches: (h) => startsWith(h, 'RIFF') && startsWith(h, 'WEBP', 8), check: checkWebp },
  { matches: (h) => startsWith(h, 'ftyp', 4) && heifBrands(h) !== null, check: checkHeic },
  { matches: (h) => startsWith(h, '%PDF-'), check: checkPdf },
];

function checkJpeg(sample: ContentSample): Detection {
  const { tail } = sample;
  if (sample.size < 4 || tail[tail.length - 2] !== 0xff || tail[tail.length - 1] !== 0xd9) {
    return refused('The JPEG is truncated: it does not end with its end-of-image marker');
  }
  const walk = walkJpeg(sample.head, sample.size);
  return typeof walk === 'string'
    ? refused(walk)
    : { accepted: true, mediaType: 'image/jpeg', exif: walk.exif };
}

/**
 * Follows the JPEG's marker segments from the start of the file to the start of the image data,
 * as far as the head shows them, and picks up the Exif segment on the way. A string: what is
 * wrong.
 */
export function walkJpeg(head: Buffer, size: number): string | { exif: Buffer | null } {
  let exif: Buffer | null = null;
  let frame = false;
  let at = 2;
  for (;;) {
    if (at + 4 > size) {
      return 'The JPEG is truncated before its image data';
    }
    if (at + 4 > head.length) {
      return { exif }; // further than the sample: what was seen is sound
    }
    if (head[at] !== 0xff) {
      return 'The JPEG is malformed: a marker was expected';
    }
    const marker = head[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xda) {
      return frame
        ? { exif }
        : 'The JPEG is malformed: its image data comes before its frame header';
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const length = head.readUInt16BE(at + 2);
    if (marker < 0xc0 || marker === 0xd8 || marker === 0xd9 || length < 2) {
      return 'The JPEG is malformed: an invalid marker segment precedes its image data';
    }
    // SOF0 to SOF15, but for DHT, JPG and DAC, which share the range.
    frame ||= marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    const end = at + 2 + length;
    if (marker === 0xe1 && !exif && end <= head.length && startsWith(head, 'Exif\0\0', at + 4)) {
      exif = head.subarray(at + 10, end);
    }
    at = end;
  }
}

function checkPng({ head, tail, size }: ContentSample): Detection {
  // The first chunk must be IHDR, of 13 bytes.
  if (size < 8 + 25 + 12 || !startsWith(head, [0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52], 8)) {
    return refused('The PNG is malformed: it does not start with its header chunk');
  }
  if (!startsWith(tail, PNG_IEND, tail.length - PNG_IEND.length)) {
    return refused('The PNG is truncated: it does not end with its IEND chunk');
  }
  return { accepted: true, mediaType: 'image/png', exif: null };
}

function checkWebp({ head, size }: ContentSample): Detection {
  if (head.length < 16 || head.readUInt32LE(4) + 8 !== size) {
    return refused('The WebP is truncated or padded: its RIFF size does not match the file');
  }
  if (!['VP8 ', 'VP8L', 'VP8X'].includes(head.toString('latin1', 12, 16))) {
    return refused('The WebP is malformed: no VP8, VP8L or VP8X chunk');
  }
  return { accepted: true, mediaType: 'image/webp', exif: null };
}

/** The brands of the leading `ftyp` box when they name a HEIC image, otherwise null. */
function heifBrands(head: Buffer): string[] | null {
  if (head.length < 16) {
    return null;
  }
  const boxSize = head.readUInt32BE(0);
  if (boxSize < 16 || boxSize % 4 !== 0 || boxSize > Math.min(head.length, 4096)) {
    return null;
  }
  const brands = [head.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) {
    brands.push(head.toString('latin1', at, at + 4));
  }
  const hevc = brands.some((b) => HEVC_BRANDS.includes(b));
  // A bare HEIF brand with AVIF inside is an AVIF image: not one of ours.
  const heif = HEIF_BRANDS.includes(brands[0]) && !brands.some((b) => b === 'avif' || b === 'avis');
  return hevc || heif ? brands : null;
}

function checkHeic({ boxes }: ContentSample): Detection {
  if (!boxes || boxes[0] !== 'ftyp') {
    return refused('The HEIC is truncated or malformed: its boxes do not reach the end exactly');
  }
  if (!boxes.includes('meta')) {
    return refused('The HEIC is malformed: it has no meta box');
  }
  return { accepted: true, mediaType: 'image/heic', exif: null };
}

function checkPdf({ head, tail }: ContentSample): Detection {
  if (!/^%PDF-[12]\.\d/.test(head.toString('latin1', 0, 8))) {
    return refused('The PDF is malformed: its header has no version');
  }
  if (!tail.toString('latin1').includes('%%EOF')) {
    return refused('The PDF is truncated: no %%EOF in its last KiB');
  }
  return { accepted: true, mediaType: 'application/pdf', exif: null };
}

/**
 * Walks the top-level boxes of an ISO-BMFF file as its bytes go by, keeping only their types:
 * a truncated or padded file ends elsewhere than on a box boundary.
 */
class IsoBoxWalker {
  private next = 0;
  private header: number[] = [];
  private toEnd = false;
  private failed = false;
  private readonly types: string[] = [];

  update(chunk: Buffer, offset: number): void {
    let i = this.header.length > 0 ? 0 : this.next - offset;
    while (!this.failed && !this.toEnd && i < chunk.length) {
      this.header.push(chunk[i]);
      i += 1;
      const header = Buffer.from(this.header);
      if (header.length < 8) {
        continue;
      }
      const size32 = header.readUInt32BE(0);
      if (size32 === 1 && header.length < 16) {
        continue; // a 64-bit size follows the type
      }
      this.types.push(header.toString('latin1', 4, 8));
      const size = size32 === 1 ? Number(header.readBigUInt64BE(8)) : size32;
      if (size32 === 0) {
        this.toEnd = true; // the last box, to the end of the file
      } else if (size < header.length || this.types.length > MAX_BOXES) {
        this.failed = true;
      }
      this.next += size;
      this.header = [];
      i = this.next - offset;
    }
  }

  result(size: number): string[] | null {
    const whole = this.toEnd || (this.header.length === 0 && this.next === size);
    return !this.failed && whole && this.types.length > 0 ? this.types : null;
  }
}

/** Gathers the {@link ContentSample} of a stream of chunks. */
export class ContentSampler {
  private size = 0;
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  private tail = Buffer.alloc(0);
  private readonly boxes = new IsoBoxWalker();

  update(chunk: Buffer): void {
    if (this.headLength < HEAD_BYTES) {
      const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headLength));
      this.headChunks.push(part);
      this.headLength += part.length;
    }
    // Copies, so that no chunk of the stream is kept alive.
    this.tail =
      chunk.length >= TAIL_BYTES
        ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES))
        : Buffer.concat([this.tail, chunk]).subarray(-TAIL_BYTES);
    this.boxes.update(chunk, this.size);
    this.size += chunk.length;
  }

  get bytesSeen(): number {
    return this.size;
  }

  sample(): ContentSample {
    return {
      size: this.size,
      head: Buffer.concat(this.headChunks),
      tail: this.tail,
      boxes: this.boxes.result(this.size),
    };
  }
}

/** The sample of bytes held whole (tests, small files). */
export function sampleOf(bytes: Buffer): ContentSample {
  const sampler = new ContentSampler();
  sampler.update(bytes);
  return sampler.sample();
}

/**
 * A pass-through stream that samples what goes by and stops the stream with `tooLarge()` past
 * `maxBytes`.
 */
export class SamplingStream extends Transform {
  readonly sampler = new ContentSampler();

  constructor(
    private readonly maxBytes: number,
    private readonly tooLarge: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.sampler.bytesSeen + chunk.length > this.maxBytes) {
      done(this.tooLarge());
      return;
    }
    this.sampler.update(chunk);
    done(null, chunk);
  }
}

// What declares nothing: no Content-Type (which the multipart parser reads as text/plain) or
// the generic binary type.
const UNDECLARED = new Set(['', 'application/octet-stream', 'text/plain']);
const ALIASES: Readonly<Record<string, EvidenceMediaType>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/heif': 'image/heic',
  'application/x-pdf': 'application/pdf',
};

/** Whether a part's declared type (lower case, no parameters) says otherwise than its content. */
export function contradictsDeclaredType(declared: string, detected: EvidenceMediaType): boolean {
  return !UNDECLARED.has(declared) && (ALIASES[declared] ?? declared) !== detected;
}
