import { create as createQrCode } from 'qrcode';
import type { PdfDocument } from 'src/pdf/pdf-document';

/** Share of codewords a QR code can lose and still read: L 7 %, M 15 %, Q 25 %, H 30 %. */
export type QrErrorCorrection = 'L' | 'M' | 'Q' | 'H';

/** The blank margin a reader needs around the symbol, in modules (ISO/IEC 18004). */
export const QR_QUIET_ZONE = 4;

/**
 * The modules of the QR code of `text` (UTF-8, byte mode), row by row, `true` for dark; no quiet
 * zone. One byte segment: a URL with a base64url token gains nothing from mixed modes, and
 * searching for the best split costs more than the rest of the code.
 *
 * The mask is the one `qrcode` would choose (the lowest penalty, the first of equals), found here
 * rather than by `qrcode`, whose search reads the matrix module by module through method calls
 * and took nine tenths of the time of the whole code.
 */
export function qrMatrix(text: string, errorCorrection: QrErrorCorrection = 'M'): boolean[][] {
  const { modules } = createQrCode([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], {
    errorCorrectionLevel: errorCorrection,
    maskPattern: 0,
  });
  const { size } = modules;
  const data = bestMasked(modules, errorCorrection);
  const matrix: boolean[][] = [];
  for (let row = 0; row < size; row++) {
    const cells: boolean[] = [];
    for (let column = 0; column < size; column++) {
      cells.push(data[row * size + column] === 1);
    }
    matrix.push(cells);
  }
  return matrix;
}

/** `qrcode`'s matrix: 1 for dark, and which modules are function patterns or format bits. */
interface Modules {
  readonly size: number;
  readonly data: Uint8Array;
  readonly reservedBit: Uint8Array;
}

/** The eight masks of ISO/IEC 18004 (7.8.2), by row and column. */
const MASKS: readonly ((row: number, column: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
];

const LEVEL_BITS: Readonly<Record<QrErrorCorrection, number>> = { L: 1, M: 0, Q: 3, H: 2 };

/** The 15 bits of format information (7.9): level and mask, BCH (15, 5) coded, then masked. */
function formatBits(errorCorrection: QrErrorCorrection, mask: number): number {
  const data = (LEVEL_BITS[errorCorrection] << 3) | mask;
  let remainder = data << 10;
  for (let bit = 14; bit >= 10; bit--) {
    if (remainder & (1 << bit)) {
      remainder ^= 0x537 << (bit - 10);
    }
  }
  return ((data << 10) | remainder) ^ 0x5412;
}

/** Writes the format information where `qrcode` writes it, both copies. */
function writeFormat(data: Uint8Array, size: number, bits: number): void {
  for (let i = 0; i < 15; i++) {
    const bit = (bits >> i) & 1;
    const row = i < 6 ? i : i < 8 ? i + 1 : size - 15 + i;
    data[row * size + 8] = bit;
    const column = i < 8 ? size - i - 1 : i < 9 ? 15 - i : 14 - i;
    data[8 * size + column] = bit;
  }
  data[(size - 8) * size + 8] = 1;
}

/** XORs the mask onto every module that is neither a function pattern nor format information. */
function applyMask(data: Uint8Array, reserved: Uint8Array, size: number, mask: number): void {
  const dark = MASKS[mask];
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      const at = row * size + column;
      if (!reserved[at] && dark(row, column)) {
        data[at] ^= 1;
      }
    }
  }
}

// The penalty rules read as lookups on the last modules of a row or column (the newest in the
// lowest bit), with no branch on the modules themselves: they are as good as random, and
// mispredicted branches were most of the cost.
const UNIFORM5 = (w: number) => (w & 0x1f) === 0 || (w & 0x1f) === 0x1f;

/** N1 from the sixth module on: a run of five or more scores 3, and 1 a module past five. */
const RUN_POINTS = Uint8Array.from({ length: 64 }, (_, w) =>
  UNIFORM5(w) ? (((w >> 5) & 1) !== ((w >> 4) & 1) ? 3 : 1) : 0,
);

/** N1 as in RUN_POINTS, and N3 (40) for 1:1:3:1:1 beside four light modules, either side. */
const LINE_POINTS = Uint8Array.from(
  { length: 0x800 },
  (_, w) => RUN_POINTS[w & 0x3f] + (w === 0x5d0 || w === 0x05d ? 40 : 0),
);

/** N2 by the number of dark modules in a 2 × 2 block. */
const BLOCK_POINTS = Uint8Array.of(3, 0, 0, 0, 3);

/** N1 and N3 of one row or column: runs of five or more, and 1:1:3:1:1 beside four light. */
function linePoints(data: Uint8Array, start: number, step: number, size: number): number {
  let bits = 0;
  let at = start;
  for (let i = 0; i < 5; i++, at += step) {
    bits = (bits << 1) | data[at];
  }
  let points = UNIFORM5(bits) ? 3 : 0;
  for (let i = 5; i < 10; i++, at += step) {
    bits = ((bits << 1) & 0x7ff) | data[at];
    points += RUN_POINTS[bits & 0x3f];
  }
  for (let i = 10; i < size; i++, at += step) {
    bits = ((bits << 1) & 0x7ff) | data[at];
    points += LINE_POINTS[bits];
  }
  return points;
}

/**
 * The penalty of a masked symbol (7.8.3) as `qrcode` computes it, or any number not below
 * `bound` once it is sure to reach it: the rules only add points.
 */
function penalty(data: Uint8Array, size: number, bound: number): number {
  // N4: how far the share of dark modules is from half, by steps of 5 %
  let dark = 0;
  for (let i = 0; i < data.length; i++) {
    dark += data[i];
  }
  let points = 10 * Math.abs(Math.ceil((dark * 100) / data.length / 5) - 10);
  // N2: 2 × 2 blocks of one colour
  for (let row = 0; row < size - 1; row++) {
    let at = row * size;
    let left = data[at] + data[at + size];
    for (let column = 1; column < size; column++) {
      at++;
      const right = data[at] + data[at + size];
      points += BLOCK_POINTS[left + right];
      left = right;
    }
  }
  // N1 and N3, row by row and column by column
  for (let i = 0; i < size && points < bound; i++) {
    points += linePoints(data, i * size, 1, size) + linePoints(data, i, size, size);
  }
  return points;
}

/**
 * The modules under the mask of lowest penalty, the first of equals, with its format
 * information: `modules` as `qrcode` gives it under mask 0.
 */
function bestMasked(modules: Modules, errorCorrection: QrErrorCorrection): Uint8Array {
  const { size, reservedBit } = modules;
  const unmasked = Uint8Array.from(modules.data);
  applyMask(unmasked, reservedBit, size, 0);
  let best = modules.data;
  let lowest = Infinity;
  for (let mask = 0; mask < MASKS.length; mask++) {
    const data = Uint8Array.from(unmasked);
    applyMask(data, reservedBit, size, mask);
    writeFormat(data, size, formatBits(errorCorrection, mask));
    const points = penalty(data, size, lowest);
    if (points < lowest) {
      [best, lowest] = [data, points];
    }
  }
  return best;
}

/** The dark modules of each row merged into runs: fewer, wider rectangles and no seams. */
function darkRuns(
  matrix: readonly (readonly boolean[])[],
): { row: number; start: number; length: number }[] {
  const runs: { row: number; start: number; length: number }[] = [];
  matrix.forEach((cells, row) => {
    for (let column = 0; column < cells.length; column++) {
      if (!cells[column]) {
        continue;
      }
      const start = column;
      while (column + 1 < cells.length && cells[column + 1]) {
        column++;
      }
      runs.push({ row, start, length: column - start + 1 });
    }
  });
  return runs;
}

export interface QrPlacement {
  /** Top-left corner of the square, quiet zone included, in points. */
  readonly x: number;
  readonly y: number;
  /** Side of the square, quiet zone included. */
  readonly size: number;
  readonly color?: string;
  readonly quietZone?: number;
}

/**
 * Draws the code as vector squares, one filled path, so that it stays sharp at any zoom and on
 * any printer. The path is written in modules, scaled by the transformation matrix, and in one
 * piece: pdfkit turns each drawing call into its own buffer, a thousand of them for a long URL.
 * The quiet zone is left blank: nothing else may be drawn in the square.
 */
export function drawQrCode(
  doc: PdfDocument,
  matrix: readonly (readonly boolean[])[],
  placement: QrPlacement,
): void {
  const quietZone = placement.quietZone ?? QR_QUIET_ZONE;
  const module = placement.size / (matrix.length + 2 * quietZone);
  const path = darkRuns(matrix).map(
    (run) => `${run.start + quietZone} ${run.row + quietZone} ${run.length} 1 re`,
  );
  doc.save();
  doc.transform(module, 0, 0, module, placement.x, placement.y);
  doc.addContent(path.join('\n'));
  doc.fill(placement.color ?? '#000000');
  doc.restore();
}

/** The same code as an SVG image (one path), `size` pixels wide quiet zone included. */
export function qrSvg(
  matrix: readonly (readonly boolean[])[],
  size: number,
  quietZone = QR_QUIET_ZONE,
): string {
  const side = matrix.length + 2 * quietZone;
  const path = darkRuns(matrix)
    .map(
      (run) => `M${run.start + quietZone} ${run.row + quietZone}h${run.length}v1h-${run.length}z`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" ` +
    `viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">` +
    `<rect width="${side}" height="${side}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`
  );
}
