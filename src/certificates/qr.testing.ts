import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';

/*
 * For tests only: reads a PDF page back as a reader would, rendered by Debian's poppler-utils
 * (`pdftoppm`, which `.ci/run` installs when missing), decoded with pngjs and scanned with jsQR.
 * A missing tool fails the test with a message saying so, never skips it.
 */

/** One page of a PDF as PNG bytes, from `pdftoppm -png` at `dpi`. */
function pagePng(pdf: Buffer, page: number, dpi: number): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'pdf-page-'));
  try {
    const file = join(dir, 'document.pdf');
    writeFileSync(file, pdf);
    const args = ['-png', '-r', `${dpi}`, '-f', `${page}`, '-l', `${page}`, '-singlefile', file];
    const result = spawnSync('pdftoppm', args, { maxBuffer: 64 * 1024 * 1024 });
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'pdftoppm is not installed: the tests that read PDFs back need Debian’s poppler-utils ' +
          '(apt-get install -y --no-install-recommends poppler-utils; .ci/run installs it)',
      );
    }
    if (result.error) {
      throw result.error;
    }
    if (result.status !== 0 || result.stdout.length === 0) {
      throw new Error(
        `pdftoppm ${args.join(' ')} exited with ${result.status}: ${result.stderr.toString()}`,
      );
    }
    return result.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One page of a PDF rendered to an RGBA image by `pdftoppm -png` at `dpi`. */
export function renderPdfPage(pdf: Buffer, page = 1, dpi = 150): PNG {
  return PNG.sync.read(pagePng(pdf, page, dpi));
}

// pngjs and jsQR loop over millions of pixels, which Jest's module sandbox slows down tenfold:
// they run in a plain Node process, fed the PNG on stdin, answering in JSON.
const SCANNER = `
const [jsqrPath, pngjsPath] = process.argv.slice(1);
const jsqr = require(jsqrPath);
const jsQR = jsqr.default || jsqr;
const { PNG } = require(pngjsPath);
const png = PNG.sync.read(require('node:fs').readFileSync(0));
const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length);
const code = jsQR(pixels, png.width, png.height, { inversionAttempts: 'dontInvert' });
process.stdout.write(JSON.stringify(code && { data: code.data, version: code.version, location: code.location }));
`;

interface Point {
  readonly x: number;
  readonly y: number;
}

interface ScannedCode {
  readonly data: string;
  readonly version: number;
  readonly location: Readonly<
    Record<'topLeftCorner' | 'topRightCorner' | 'bottomLeftCorner' | 'bottomRightCorner', Point>
  >;
}

export interface FoundQrCode {
  readonly data: string;
  readonly version: number;
  /** The symbol's bounds on the page in points from the top left, quiet zone excluded. */
  readonly box: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  };
}

/** Finds and decodes the QR code on a page rendered at `dpi`; throws when there is none. */
export function findQrInPdf(pdf: Buffer, page = 1, dpi = 150): FoundQrCode {
  const png = pagePng(pdf, page, dpi);
  const scan = spawnSync(
    process.execPath,
    ['-e', SCANNER, require.resolve('jsqr'), require.resolve('pngjs')],
    { input: png, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (scan.status !== 0) {
    throw new Error(`The QR scanner failed: ${scan.stderr}`);
  }
  const code = JSON.parse(scan.stdout) as ScannedCode | null;
  if (!code) {
    throw new Error(`No QR code found on page ${page} of the PDF`);
  }
  const corners = [
    code.location.topLeftCorner,
    code.location.topRightCorner,
    code.location.bottomLeftCorner,
    code.location.bottomRightCorner,
  ];
  const toPoints = (pixels: number) => (pixels * 72) / dpi;
  const [xs, ys] = [corners.map((c) => c.x), corners.map((c) => c.y)];
  return {
    data: code.data,
    version: code.version,
    box: {
      x: toPoints(Math.min(...xs)),
      y: toPoints(Math.min(...ys)),
      width: toPoints(Math.max(...xs) - Math.min(...xs)),
      height: toPoints(Math.max(...ys) - Math.min(...ys)),
    },
  };
}

/** The text of the QR code on a page of the PDF, rendered at 150 dpi; rejects when none is found. */
export function decodeQrFromPdf(pdf: Buffer, page = 1): Promise<string> {
  try {
    return Promise.resolve(findQrInPdf(pdf, page).data);
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
