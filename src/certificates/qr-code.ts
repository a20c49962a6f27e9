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
 */
export function qrMatrix(text: string, errorCorrection: QrErrorCorrection = 'M'): boolean[][] {
  const { modules } = createQrCode([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], {
    errorCorrectionLevel: errorCorrection,
  });
  const { size, data } = modules;
  return Array.from({ length: size }, (_, row) =>
    Array.from({ length: size }, (_, column) => data[row * size + column] === 1),
  );
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
