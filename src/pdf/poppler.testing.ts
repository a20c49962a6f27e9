import { spawnSync } from 'node:child_process';

/*
 * For tests only: reads PDFs back with Debian's poppler-utils (`pdftotext`, `pdfinfo`,
 * `pdftoppm`), which `.ci/run` installs when missing. A missing tool fails the test that needs
 * it with a message saying so: a PDF test is never skipped silently.
 */

function run(tool: string, args: readonly string[], encoding: 'utf8' | 'buffer' = 'utf8') {
  const result = spawnSync(tool, args, { encoding, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `${tool} is not installed: the tests that read PDFs back need Debian's poppler-utils ` +
          '(apt-get install -y --no-install-recommends poppler-utils; .ci/run installs it)',
      );
    }
    throw result.error;
  }
  if (result.status !== 0) {
    throw new Error(
      `${tool} ${args.join(' ')} exited with ${result.status}: ${String(result.stderr)}`,
    );
  }
  return result.stdout;
}

/** The text of a PDF file in reading order, pages separated by form feeds. */
export function pdfText(file: string, options: { page?: number } = {}): string {
  const pages =
    options.page === undefined ? [] : ['-f', `${options.page}`, '-l', `${options.page}`];
  return run('pdftotext', ['-enc', 'UTF-8', ...pages, file, '-']) as string;
}

/** The number of pages, as `pdfinfo` counts them. */
export function pdfPageCount(file: string): number {
  const info = run('pdfinfo', [file]) as string;
  const match = /^Pages:\s+(\d+)$/m.exec(info);
  if (!match) {
    throw new Error(`pdfinfo gave no page count for ${file}:\n${info}`);
  }
  return Number(match[1]);
}

/** The `pdfinfo` fields (Title, Author, Creator, CreationDate…), as printed. */
export function pdfInfo(file: string): Record<string, string> {
  const info = run('pdfinfo', ['-isodates', file]) as string;
  return Object.fromEntries(
    info
      .split('\n')
      .map((line) => /^([^:]+):\s*(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1], match[2]]),
  );
}

/** A page rendered in shades of grey, one byte a pixel, 0 black and 255 white. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Buffer;
}

/** One page rendered at `dpi` (72 gives one pixel a point), grey, read from pdftoppm's PGM. */
export function pdfPageImage(file: string, page: number, dpi = 72): GrayImage {
  const args = ['-gray', '-r', `${dpi}`, '-f', `${page}`, '-l', `${page}`, '-singlefile', file];
  const pgm = run('pdftoppm', args, 'buffer') as Buffer;
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 32).toString('latin1'));
  if (!header) {
    throw new Error('pdftoppm did not give a PGM image');
  }
  const [width, height] = [Number(header[1]), Number(header[2])];
  return {
    width,
    height,
    pixels: pgm.subarray(header[0].length, header[0].length + width * height),
  };
}

/** The share (0–1) of dark pixels (below 128) in a rectangle of the image, in pixels. */
export function inkRatio(
  image: GrayImage,
  box: { x: number; y: number; width: number; height: number },
): number {
  let dark = 0;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      if (image.pixels[y * image.width + x] < 128) {
        dark++;
      }
    }
  }
  return dark / (box.width * box.height);
}
