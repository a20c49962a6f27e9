import type { Multipart, MultipartFile, MultipartValue } from '@fastify/multipart';
import { Readable } from 'node:stream';
import { crc32, deflateSync } from 'node:zlib';
import type { Actor } from 'src/auth/request-context';
import { PDF_LINES, PDF_TITLES } from 'src/demo/demo-activity-data';
import { contextOf } from 'src/demo/demo-members';
import { type EvidenceService } from 'src/evidence/evidence.service';
import { createDocument, documentToBuffer } from 'src/pdf/pdf-document';
import { STYLES } from 'src/pdf/pdf-layout';
import { writeText } from 'src/pdf/pdf-text';

/** A generated evidence file, as a client would send it. */
export interface DemoFile {
  readonly name: string;
  readonly mediaType: 'image/png' | 'image/jpeg' | 'application/pdf';
  readonly bytes: Buffer;
}

/**
 * Uploads a file through {@link EvidenceService.upload}, the very method behind `POST
 * /evidence`: its input is the request's multipart parts, which the demo builds itself (a
 * `siteId` field, then a `file` part streaming the bytes). The service then does what it does
 * for any client: authorises the site for the actor, streams the file into the storage, detects
 * the type by content, records and journals it. The id of the new evidence.
 */
export async function uploadEvidence(
  evidence: EvidenceService,
  actor: Actor,
  siteId: string,
  file: DemoFile,
): Promise<string> {
  const uploaded = await evidence.upload(contextOf(actor), actor, formParts(siteId, file));
  return uploaded.id;
}

function formParts(siteId: string, file: DemoFile): AsyncIterable<Multipart> {
  const common = { encoding: '7bit', fields: {} };
  const site: MultipartValue<string> = {
    ...common,
    type: 'field',
    fieldname: 'siteId',
    value: siteId,
    mimetype: 'text/plain',
    fieldnameTruncated: false,
    valueTruncated: false,
  };
  // What the multipart parser hands over: a stream that says whether it hit the size limit.
  const stream = Object.assign(Readable.from([file.bytes]), {
    truncated: false,
    bytesRead: file.bytes.length,
  });
  const part: MultipartFile = {
    ...common,
    type: 'file',
    fieldname: 'file',
    filename: file.name,
    mimetype: file.mediaType,
    file: stream,
    toBuffer: () => Promise.resolve(file.bytes),
  };
  // The siteId first: a refusal comes before the file is read, as for a well-behaved client.
  const parts = [site, part].values();
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(parts.next()) }) };
}

/** A one-page PDF with the service's own fonts (French text prints as it should). */
export async function demoPdf(name: string, title: string, site: string): Promise<DemoFile> {
  const doc = createDocument({
    title,
    author: site,
    subject: `${title} — ${site}`,
    createdAt: new Date(),
  });
  writeText(doc, title, STYLES.title);
  writeText(doc, site, STYLES.subtitle);
  doc.moveDown();
  for (const line of PDF_LINES) {
    writeText(doc, line, STYLES.body);
  }
  return { name, mediaType: 'application/pdf', bytes: await documentToBuffer(doc) };
}

/**
 * A 16 × 12 PNG photo stand-in: a two-colour gradient, RGB, 8 bits, each row filtered with
 * "none", deflated into one IDAT; every chunk with its CRC-32.
 */
export function demoPng(name: string, from: RGB, to: RGB): DemoFile {
  const [width, height] = [16, 12];
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0, then the pixels
    for (let x = 0; x < width; x++) {
      const t = (x + y) / (width + height - 2);
      for (let c = 0; c < 3; c++) {
        row[1 + x * 3 + c] = Math.round(from[c] + (to[c] - from[c]) * t);
      }
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, adaptive filtering, no interlace
  const bytes = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  return { name, mediaType: 'image/png', bytes };
}

export type RGB = readonly [number, number, number];

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A baseline JPEG of one 8 × 8 grey block (JFIF, one component, one quantisation table of 8s,
 * a DC table whose only code `0` means category 6 and an AC table whose only code `0` is the end
 * of block). The scan is one byte: `0` (category 6), `101000` (DC difference 40, so a level of
 * 128 + 40 × 8 / 8 = 168), `0` (end of block). A comment segment carries the caption, so that
 * two photos are two contents.
 */
export function demoJpeg(name: string, caption: string): DemoFile {
  const segment = (marker: number, data: Buffer) => {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(data.length + 2);
    return Buffer.concat([Buffer.from([0xff, marker]), length, data]);
  };
  const huffman = (tableClass: number, symbol: number) =>
    segment(0xc4, Buffer.from([tableClass << 4, 1, ...new Array<number>(15).fill(0), symbol]));
  const bytes = Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0])),
    segment(0xfe, Buffer.from(caption, 'utf8')),
    segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 8)])),
    segment(0xc0, Buffer.from([8, 0, 8, 0, 8, 1, 1, 0x11, 0])),
    huffman(0, 6),
    huffman(1, 0),
    segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
    Buffer.from([0x50]),
    Buffer.from([0xff, 0xd9]),
  ]);
  return { name, mediaType: 'image/jpeg', bytes };
}

/** What a member sends for a commitment: the document when there is one, else a photo. */
export async function memberEvidence(code: string, site: string): Promise<DemoFile> {
  const title = PDF_TITLES[code];
  if (title) {
    return demoPdf(`${code}-${slug(title)}.pdf`, title, site);
  }
  // A colour of its own per commitment, so that two photos are two contents.
  const n = Number(code.slice(1));
  return demoPng(`${code}-photo-${slug(site)}.png`, [40 + n * 9, 139, 87], [245, 245, 220]);
}

/** What an auditor takes during a visit: a photo, captioned with the site and the commitment. */
export function auditorPhoto(code: string, site: string): DemoFile {
  return demoJpeg(`${code}-constat-${slug(site)}.jpg`, `${code} — ${site}`);
}

/** A file name of the title: lower case ASCII, words joined by hyphens. */
function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
