import { create as parseFont, type Font } from 'fontkit';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The faces every PDF of the service uses, subsets of DejaVu Sans made by
 * `scripts/subset-fonts.sh`: Latin with French typography, and Arabic with its shaping tables.
 * Helvetica, pdfkit's default, garbles U+202F, `≥`, `✔` and has no Arabic.
 */
export const FONT_FILES = {
  regular: 'DejaVuSans-Subset.ttf',
  bold: 'DejaVuSans-Bold-Subset.ttf',
  mono: 'DejaVuSansMono-Subset.ttf', // ASCII only: hashes and identifiers
} as const;

export type FontFace = keyof typeof FONT_FILES;

/** The bytes of each face, read once and shared by every document. */
export type FontSet = Readonly<Record<FontFace, Buffer>>;

const FONTS_FOLDER = join('templates', 'fonts');

/**
 * The `templates/fonts` folder, found by walking up from `start`: the code runs from `src/pdf`
 * under Jest and from `dist/src/pdf` once built, and `templates/` sits at the project root.
 */
export function findFontsDir(start: string = __dirname): string {
  const searched: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, FONTS_FOLDER);
    if (existsSync(join(candidate, FONT_FILES.regular))) {
      return candidate;
    }
    searched.push(candidate);
    if (dirname(dir) === dir) {
      break;
    }
  }
  throw new Error(
    `PDF fonts not found: no ${FONT_FILES.regular} in ${searched.join(', ')} ` +
      '(run scripts/subset-fonts.sh, and ship templates/ beside dist/)',
  );
}

/** Reads the faces of `dir` (or of `files` named there), with no cache. */
export function readFontSet(
  dir: string = findFontsDir(),
  files: Readonly<Record<FontFace, string>> = FONT_FILES,
): FontSet {
  return {
    regular: readFileSync(join(dir, files.regular)),
    bold: readFileSync(join(dir, files.bold)),
    mono: readFileSync(join(dir, files.mono)),
  };
}

let shared: FontSet | undefined;

/** The faces of `templates/fonts`, read on first use and kept for the life of the process. */
export function defaultFontSet(): FontSet {
  shared ??= readFontSet();
  return shared;
}

const parsed = new WeakMap<Buffer, Font>();

/**
 * The face parsed by fontkit, once per process: pdfkit (0.20+) takes a parsed font, and sharing
 * it spares every document the decoding of the font's tables, which is half the cost of a
 * one-page PDF. fontkit only adds to its caches, so the output does not depend on what was
 * rendered before.
 */
export function parsedFont(bytes: Buffer): Font {
  let font = parsed.get(bytes);
  if (!font) {
    font = parseFont(bytes);
    parsed.set(bytes, font);
  }
  return font;
}
