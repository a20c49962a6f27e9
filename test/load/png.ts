import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';

/**
 * Photos for the upload load: one real PNG of noise (~2 MB, incompressible), encoded once by
 * pngjs; each upload gets its own copy with a `tEXt` chunk naming it inserted before `IEND`, so
 * that every file is a valid PNG with its own SHA-256.
 */

const IEND_LENGTH = 12;

export function noisePng(targetBytes: number): Buffer {
  const side = Math.ceil(Math.sqrt(targetBytes / 4));
  const png = new PNG({ width: side, height: side });
  randomBytes(side * side * 4).copy(png.data);
  return PNG.sync.write(png);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export interface Photo {
  readonly bytes: Buffer;
  readonly sha256: string;
}

/** `base` with a `tEXt` chunk `Comment: <label>` before its `IEND`. */
export function photoVariant(base: Buffer, label: string): Photo {
  const text = chunk('tEXt', Buffer.from(`Comment\0${label}`, 'latin1'));
  const at = base.length - IEND_LENGTH;
  const bytes = Buffer.concat([base.subarray(0, at), text, base.subarray(at)]);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A multipart/form-data body with `siteId` then `file`. */
export function evidenceForm(
  siteId: string,
  fileName: string,
  photo: Photo,
): { body: Buffer; contentType: string } {
  const boundary = `----load${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="siteId"\r\n\r\n${siteId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
      'Content-Type: image/png\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    body: Buffer.concat([head, photo.bytes, tail]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}
