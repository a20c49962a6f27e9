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

// ---------------------------------------------------------------------------------------------
// Work shared by every document that uses a face
//
// pdfkit wraps a parsed font in one `EmbeddedFont` per document, which lays text out (shapes it
// with fontkit), measures it and at the end writes the subset of the glyphs used: every document
// redid all of it, and right-to-left runs were shaped anew at each measure. What depends on the
// face alone (shaped runs, widths, the glyphs' outlines) is now kept per parsed face, for every
// document of the process. fontkit gives the same run for the same text and features, and a
// glyph's outline never changes, so the bytes are those pdfkit would write with no cache; only
// what each document does with them (the subset's numbering, the page content) is its own.

/** A run laid out by pdfkit: positions in thousandths of the size. Never changed once made. */
interface LaidRun {
  readonly glyphs: readonly unknown[];
  readonly positions: readonly object[];
  readonly advanceWidth: number;
}

/** fontkit's TrueType subset (what pdfkit writes as the font file) as far as it is used here. */
interface TrueTypeSubset {
  /** The glyphs of the face in the subset's order, which the font file's bytes follow. */
  readonly glyphs: readonly number[];
  includeGlyph(gid: number): number;
  encode(): Uint8Array;
  glyf: Uint8Array[];
  loca: { offsets: number[] };
  hmtx: { metrics: { advance: number; bearing: number }[] };
  offset: number;
  _addGlyph(gid: number): number;
}

/** pdfkit's `EmbeddedFont`: the face of one document. */
interface DocumentFace {
  readonly font: Font;
  readonly subset: object;
  layoutRun(text: string, features?: unknown): LaidRun;
  layout(text: string, features?: unknown, onlyWidth?: boolean): LaidRun;
  widthOfString(text: string, size: number, features?: unknown): number;
}

/** The parts of a parsed TrueType face that subsetting reads (fontkit internals). */
interface TrueTypeFont {
  readonly loca: { readonly offsets: readonly number[] };
  readonly _variationProcessor?: unknown;
  _getTableStream(tag: 'glyf'): { pos: number; readBuffer(length: number): Uint8Array };
  getGlyph(gid: number): {
    readonly advanceWidth: number;
    _decode(): { numberOfContours: number; components?: { glyphID: number; pos: number }[] };
    _getMetrics(): { leftBearing: number };
  };
}

/** A glyph as a subset copies it: its bytes, the glyphs it is made of, its metrics. */
interface GlyphRecord {
  readonly bytes: Uint8Array;
  readonly components: readonly { readonly glyphID: number; readonly pos: number }[] | null;
  readonly advance: number;
  readonly bearing: number;
}

interface FaceWork {
  runs: Map<string, LaidRun>;
  lines: Map<string, LaidRun>;
  widths: Map<string, number>;
  readonly glyphs: Map<number, GlyphRecord>;
  files: Map<string, Uint8Array>;
}

/**
 * Past these many entries a cache starts afresh: member texts, notes and tokens differ every
 * time. A laid-out line holds some 80 bytes a glyph: a few tens of megabytes at worst.
 */
const RUNS_LIMIT = 10_000;
const LINES_LIMIT = 2_000;
const WIDTHS_LIMIT = 50_000;
const FILES_LIMIT = 64;

const faceWork = new WeakMap<Font, FaceWork>();

function workOf(font: Font): FaceWork {
  let work = faceWork.get(font);
  if (!work) {
    work = {
      runs: new Map(),
      lines: new Map(),
      widths: new Map(),
      glyphs: new Map(),
      files: new Map(),
    };
    faceWork.set(font, work);
  }
  return work;
}

const featuresKey = (features: unknown) => (features === undefined ? '' : JSON.stringify(features));

/**
 * Reads a glyph as fontkit's subset does (`TTFSubset._addGlyph`): its bytes in the `glyf`
 * table, the components of a compound glyph, its advance and left side bearing.
 */
function readGlyph(font: TrueTypeFont, gid: number): GlyphRecord {
  const glyph = font.getGlyph(gid);
  const glyf = glyph._decode();
  const start = font.loca.offsets[gid];
  const stream = font._getTableStream('glyf');
  stream.pos += start;
  const bytes = Uint8Array.from(stream.readBuffer(font.loca.offsets[gid + 1] - start));
  const compound = glyf !== null && glyf !== undefined && glyf.numberOfContours < 0;
  return {
    bytes,
    components: compound
      ? (glyf.components ?? []).map(({ glyphID, pos }) => ({ glyphID, pos }))
      : null,
    advance: glyph.advanceWidth,
    bearing: glyph._getMetrics().leftBearing,
  };
}

/** `TTFSubset._addGlyph` with the glyph read once per face. */
function addKeptGlyph(subset: TrueTypeSubset, record: GlyphRecord): number {
  let bytes = record.bytes;
  if (record.components) {
    bytes = Uint8Array.from(record.bytes);
    const view = new DataView(bytes.buffer);
    for (const component of record.components) {
      view.setUint16(component.pos, subset.includeGlyph(component.glyphID));
    }
  }
  subset.glyf.push(bytes);
  subset.loca.offsets.push(subset.offset);
  subset.hmtx.metrics.push({ advance: record.advance, bearing: record.bearing });
  subset.offset += bytes.length;
  return subset.glyf.length - 1;
}

/**
 * Makes a document's face (pdfkit's `EmbeddedFont`, as `doc._font` right after it is first
 * selected) draw on the work kept for its parsed face: shaped runs, laid-out lines, widths and
 * the glyphs its subset copies.
 */
export function shareFaceWork(embedded: unknown): void {
  const face = embedded as DocumentFace;
  if (face.font === undefined || typeof face.layoutRun !== 'function') {
    return; // a standard PDF font: nothing is shaped
  }
  const work = workOf(face.font);
  const layoutRun = face.layoutRun.bind(face);
  const layout = face.layout.bind(face);
  const widthOfString = face.widthOfString.bind(face);

  // pdfkit scales the positions of a run in place once shaped, and only reads them afterwards
  face.layoutRun = (text, features) => {
    const key = `${featuresKey(features)}|${text}`;
    let run = work.runs.get(key);
    if (!run) {
      if (work.runs.size >= RUNS_LIMIT) {
        work.runs = new Map();
      }
      run = layoutRun(text, features);
      work.runs.set(key, run);
    }
    return run;
  };
  face.layout = (text, features, onlyWidth) => {
    if (onlyWidth) {
      return layout(text, features, onlyWidth);
    }
    const key = `${featuresKey(features)}|${text}`;
    let line = work.lines.get(key);
    if (!line) {
      if (work.lines.size >= LINES_LIMIT) {
        work.lines = new Map();
      }
      line = layout(text, features);
      work.lines.set(key, line);
    }
    return line;
  };
  face.widthOfString = (text, size, features) => {
    const key = `${size}|${featuresKey(features)}|${text}`;
    let width = work.widths.get(key);
    if (width === undefined) {
      if (work.widths.size >= WIDTHS_LIMIT) {
        work.widths = new Map();
      }
      width = widthOfString(text, size, features);
      work.widths.set(key, width);
    }
    return width;
  };

  const font = face.font as unknown as TrueTypeFont;
  const subset = face.subset as TrueTypeSubset;
  if (typeof subset._addGlyph !== 'function' || font._variationProcessor || !font.loca) {
    return; // not a plain TrueType subset: fontkit's own way
  }
  subset._addGlyph = (gid) => {
    let record = work.glyphs.get(gid);
    if (!record) {
      record = readGlyph(font, gid);
      work.glyphs.set(gid, record);
    }
    return addKeptGlyph(subset, record);
  };
  // the font file is made of the glyphs in the subset's order and nothing else: documents that
  // use the same glyphs in the same order (every certificate's bold face) share its bytes
  const encode = subset.encode.bind(subset);
  subset.encode = () => {
    const key = subset.glyphs.join(',');
    let file = work.files.get(key);
    if (!file) {
      if (work.files.size >= FILES_LIMIT) {
        work.files = new Map();
      }
      file = encode();
      work.files.set(key, file);
    }
    return file;
  };
}
