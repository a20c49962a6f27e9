/** Where the photos are taken: a camera's clock without an offset is read as this zone's time. */
export const DEFAULT_CAPTURE_TIME_ZONE = 'Africa/Casablanca';

const EXIF_IFD_POINTER = 0x8769;
const DATE_TIME_ORIGINAL = 0x9003;
const OFFSET_TIME_ORIGINAL = 0x9011;
const ASCII = 2;
const MAX_ENTRIES = 512;

/**
 * When the photo was taken, from the Exif `DateTimeOriginal` (with `OffsetTimeOriginal` when the
 * camera wrote one) of a TIFF structure, the content of a JPEG's APP1 Exif segment after its
 * `Exif\0\0`. Null when absent or unreadable: a bad Exif never refuses a photo.
 */
export function readCapturedAt(tiff: Buffer, timeZone = DEFAULT_CAPTURE_TIME_ZONE): Date | null {
  const reader = tiffReader(tiff);
  if (!reader) {
    return null;
  }
  const exifIfd = reader.findEntry(reader.u32(4), EXIF_IFD_POINTER);
  if (!exifIfd) {
    return null;
  }
  const offset = exifIfd.value;
  const dateTime = reader.ascii(reader.findEntry(offset, DATE_TIME_ORIGINAL));
  const zone = reader.ascii(reader.findEntry(offset, OFFSET_TIME_ORIGINAL));
  return dateTime ? parseExifDateTime(dateTime, zone, timeZone) : null;
}

interface Entry {
  readonly type: number;
  readonly count: number;
  /** The value itself when it fits in four bytes, else its offset. */
  readonly value: number;
  readonly at: number;
}

function tiffReader(tiff: Buffer) {
  const order = tiff.toString('latin1', 0, 2);
  if (tiff.length < 8 || (order !== 'II' && order !== 'MM')) {
    return null;
  }
  const little = order === 'II';
  const inside = (at: number, length: number) => at >= 0 && at + length <= tiff.length;
  const u16 = (at: number) =>
    inside(at, 2) ? (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at)) : -1;
  const u32 = (at: number) =>
    inside(at, 4) ? (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at)) : -1;
  if (u16(2) !== 42) {
    return null;
  }
  return {
    u32,
    findEntry(ifd: number, tag: number): Entry | null {
      const count = u16(ifd);
      if (count < 0 || count > MAX_ENTRIES) {
        return null;
      }
      for (let i = 0; i < count; i += 1) {
        const at = ifd + 2 + i * 12;
        if (!inside(at, 12)) {
          return null;
        }
        if (u16(at) === tag) {
          return { type: u16(at + 2), count: u32(at + 4), value: u32(at + 8), at };
        }
      }
      return null;
    },
    ascii(entry: Entry | null): string | null {
      if (!entry || entry.type !== ASCII || entry.count < 1 || entry.count > 64) {
        return null;
      }
      const start = entry.count <= 4 ? entry.at + 8 : entry.value;
      if (!inside(start, entry.count)) {
        return null;
      }
      return tiff.toString('latin1', start, start + entry.count).replace(/\0[\s\S]*$/, '');
    },
  };
}

/** `2020:05:12 09:30:00` with an optional `+01:00`, as an instant. */
export function parseExifDateTime(
  value: string,
  offset: string | null,
  timeZone = DEFAULT_CAPTURE_TIME_ZONE,
): Date | null {
  const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) {
    return null;
  }
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  if (
    year < 1970 ||
    year > 2100 ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return null;
  }
  const z = offset && /^([+-])(\d{2}):(\d{2})$/.exec(offset.trim());
  if (z) {
    const minutes = (Number(z[2]) * 60 + Number(z[3])) * (z[1] === '-' ? -1 : 1);
    return new Date(wall - minutes * 60_000);
  }
  return new Date(wall - zoneOffsetMs(wall, timeZone));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The offset of `timeZone` from UTC at the wall-clock time `wall` (given as if UTC): found by
 * formatting a guess in the zone and correcting once, which settles outside the hour of a change.
 */
function zoneOffsetMs(wall: number, timeZone: string): number {
  const offsetAt = (instant: number) => {
    let format = formatters.get(timeZone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
      formatters.set(timeZone, format);
    }
    const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
    const asWall = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    return asWall - Math.floor(instant / 1000) * 1000;
  };
  const first = offsetAt(wall);
  return offsetAt(wall - first);
}
