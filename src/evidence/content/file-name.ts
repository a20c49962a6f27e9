import type { EvidenceMediaType } from 'src/evidence/content/detect-media-type';

export const MAX_FILE_NAME_LENGTH = 200;

const EXTENSIONS: Record<EvidenceMediaType, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/heic': '.heic',
  'application/pdf': '.pdf',
};

// Control characters, and the bidirectional controls that make `photo\u202Egpj.exe` read as
// `photoexe.jpg`.
const UNWANTED = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/gu;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The name a client gave its file, fit to store and to show: no path, no control characters,
 * NFC, at most 200 characters (the extension kept when cut). Without a usable name:
 * `evidence.<ext>` after the detected type.
 */
export function sanitiseFileName(raw: string | undefined, mediaType: EvidenceMediaType): string {
  const base =
    (raw ?? '').replace(LONE_SURROGATE, '\uFFFD').normalize('NFC').split(/[\\/]/).pop() ?? '';
  const name = base.replace(UNWANTED, '').trim();
  if (name === '' || /^\.+$/.test(name)) {
    return `evidence${EXTENSIONS[mediaType]}`;
  }
  const chars = Array.from(name);
  if (chars.length <= MAX_FILE_NAME_LENGTH) {
    return name;
  }
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? Array.from(name.slice(dot)) : [];
  const keep = extension.length > 0 && extension.length <= 16 ? extension : [];
  const stem = chars.slice(0, MAX_FILE_NAME_LENGTH - keep.length);
  // Cutting may split a combining sequence: compose again, which never lengthens it.
  return (stem.join('').trimEnd() + keep.join('')).normalize('NFC');
}

/**
 * `Content-Disposition: attachment` for `name` (RFC 6266): an ASCII `filename` for old clients,
 * and the exact name as `filename*` in UTF-8 (RFC 8187).
 */
export function attachmentDisposition(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
