import { baseDirection, type Direction, hasRtl, type VisualRun, visualRuns } from 'src/pdf/bidi';
import { documentFonts, type PdfDocument } from 'src/pdf/pdf-document';
import type { FontFace } from 'src/pdf/pdf-fonts';

export const COLORS = {
  ink: '#1a1a1a',
  muted: '#5f6368',
  rule: '#c8ccd0',
  fill: '#eef1f4',
  accent: '#0b4f8a',
  good: '#1e7b34',
  warn: '#b26a00',
  bad: '#b3261e',
} as const;

export interface TextStyle {
  readonly face: FontFace;
  readonly size: number;
  readonly color?: string;
}

/**
 * `start` is left for a left-to-right line and right for a right-to-left one (a line whose first
 * letter is Arabic), like HTML's `dir="auto"`.
 */
export type Align = 'start' | 'left' | 'right' | 'center';

const PRESENTATION_FORMS = /[\uFB50-\uFDFF\uFE70-\uFEFF]/gu;

/**
 * Text as it is laid out: composed (NFC: a file name from macOS spells « é » as e + U+0301),
 * and Arabic presentation forms (from legacy systems) turned back into letters, which fontkit
 * then shapes and joins; a glyph is then always reached from the same characters, so what a
 * shared font has cached never changes what a document says its glyphs mean.
 */
export function printable(text: string): string {
  return text.normalize('NFC').replace(PRESENTATION_FORMS, (form) => form.normalize('NFKC'));
}

/** One line, already broken, in logical order. */
export interface TextLine {
  readonly text: string;
  readonly style: TextStyle;
  readonly direction: Direction;
  readonly height: number;
}

const LEADING = 0.18; // of the font size, added to the font's own line height

// Selecting a font writes nothing; a colour is written to the page at once. So measuring only
// selects the font, and what is written depends on what is drawn, not on what is cached.
function selectFont(doc: PdfDocument, style: TextStyle): void {
  doc.font(style.face).fontSize(style.size);
}

function applyStyle(doc: PdfDocument, style: TextStyle): void {
  selectFont(doc, style);
  doc.fillColor(style.color ?? COLORS.ink);
}

export function lineHeight(doc: PdfDocument, style: TextStyle): number {
  selectFont(doc, style);
  return doc.currentLineHeight(false) + style.size * LEADING;
}

// pdfkit lays text out word by word (for its cache) and puts the words side by side in logical
// order, which reverses the words of a right-to-left run; any `features` array, even empty,
// makes it lay the whole run out at once, and fontkit still applies the script's own features.
const WHOLE_RUN: PDFKit.Mixins.TextOptions = { features: [] };

// Widths by font, size and text, kept across documents: fontkit's shaping is most of the cost
// of a PDF, and pdfkit's own cache lives and dies with one document. The values are exactly
// what pdfkit computes for that size, so a warm or cold cache breaks lines the same way.
const widthCaches = new WeakMap<Buffer, Map<string, number>>();
const WIDTH_CACHE_LIMIT = 50_000;

function widthCache(doc: PdfDocument, style: TextStyle): Map<string, number> {
  const font = documentFonts(doc)[style.face];
  let cache = widthCaches.get(font);
  if (!cache || cache.size > WIDTH_CACHE_LIMIT) {
    cache = new Map();
    widthCaches.set(font, cache);
  }
  return cache;
}

function runWidth(doc: PdfDocument, style: TextStyle, run: VisualRun): number {
  const cache = widthCache(doc, style);
  const key = `${style.size}|${run.direction}|${run.text}`;
  let width = cache.get(key);
  if (width === undefined) {
    selectFont(doc, style);
    width =
      run.direction === 'rtl'
        ? doc.widthOfString(run.text, WHOLE_RUN)
        : doc.widthOfString(run.text);
    cache.set(key, width);
  }
  return width;
}

/** Width of a line as drawn: each run of one direction measured with its own shaping. */
export function measure(
  doc: PdfDocument,
  style: TextStyle,
  text: string,
  direction?: Direction,
): number {
  if (!hasRtl(text)) {
    return runWidth(doc, style, { text, direction: 'ltr' });
  }
  return visualRuns(text, direction).reduce((sum, run) => sum + runWidth(doc, style, run), 0);
}

/**
 * Cuts a word wider than the line into pieces that fit (hashes, long URLs), adding the widths
 * of its characters: kerning is ignored, and a word of thousands of characters stays cheap.
 */
function splitWord(doc: PdfDocument, style: TextStyle, word: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let pieceWidth = 0;
  for (const char of word) {
    const charWidth = measure(doc, style, char);
    if (piece !== '' && pieceWidth + charWidth > width) {
      pieces.push(piece);
      [piece, pieceWidth] = ['', 0];
    }
    piece += char;
    pieceWidth += charWidth;
  }
  return piece === '' ? pieces : [...pieces, piece];
}

/**
 * Breaks one paragraph into lines of at most `width`, at spaces (U+00A0 and U+202F do not
 * break, so « 12 h 30 » and « : » stay together), in logical order.
 */
function wrapParagraph(
  doc: PdfDocument,
  style: TextStyle,
  paragraph: string,
  width: number,
): string[] {
  const direction = baseDirection(paragraph);
  const space = measure(doc, style, ' ');
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  for (const word of paragraph.split(/[ \t]+/).filter((w) => w !== '')) {
    const wordWidth = measure(doc, style, word, direction);
    if (line !== '' && lineWidth + space + wordWidth <= width) {
      line += ` ${word}`;
      lineWidth += space + wordWidth;
      continue;
    }
    if (line !== '') {
      lines.push(line);
    }
    const pieces = wordWidth > width ? splitWord(doc, style, word, width) : [word];
    lines.push(...pieces.slice(0, -1));
    line = pieces[pieces.length - 1];
    lineWidth = measure(doc, style, line, direction);
  }
  return [...lines, line];
}

/** Breaks text into lines of at most `width` points; a line feed starts a new paragraph. */
export function wrapText(
  doc: PdfDocument,
  text: string,
  style: TextStyle,
  width: number,
): TextLine[] {
  const height = lineHeight(doc, style);
  return printable(text)
    .split(/\r?\n/)
    .flatMap((paragraph) => {
      const direction = baseDirection(paragraph);
      return wrapParagraph(doc, style, paragraph, width).map((line) => ({
        text: line,
        style,
        direction,
        height,
      }));
    });
}

function startX(align: Align, direction: Direction, x: number, width: number, used: number) {
  switch (align) {
    case 'left':
      return x;
    case 'right':
      return x + width - used;
    case 'center':
      return x + (width - used) / 2;
    case 'start':
      return direction === 'rtl' ? x + width - used : x;
  }
}

/** Draws one line at (x, y), its runs in visual order; leaves `doc.y` untouched. */
export function drawLine(
  doc: PdfDocument,
  line: TextLine,
  x: number,
  y: number,
  width: number,
  align: Align = 'start',
): void {
  applyStyle(doc, line.style);
  const runs: VisualRun[] = hasRtl(line.text)
    ? visualRuns(line.text, line.direction)
    : [{ text: line.text, direction: 'ltr' }];
  const widths = runs.map((run) => runWidth(doc, line.style, run));
  let cursor = startX(
    align,
    line.direction,
    x,
    width,
    widths.reduce((a, b) => a + b, 0),
  );
  const [savedX, savedY] = [doc.x, doc.y]; // pdfkit moves them after each text
  runs.forEach((run, i) => {
    doc.text(run.text, cursor, y, {
      lineBreak: false,
      ...(run.direction === 'rtl' ? WHOLE_RUN : {}),
      // the width already measured, which pdfkit would otherwise measure again (its types
      // predate the option)
      ...({ textWidth: widths[i] } as PDFKit.Mixins.TextOptions),
    });
    cursor += widths[i];
  });
  [doc.x, doc.y] = [savedX, savedY];
}

/** Starts a new page unless `height` points are left above the bottom margin. */
export function ensureSpace(doc: PdfDocument, height: number): void {
  if (doc.y + height > doc.page.height - doc.page.margins.bottom) {
    doc.addPage();
  }
}

export interface ParagraphOptions {
  readonly x?: number;
  readonly width?: number;
  readonly align?: Align;
}

/** Writes wrapped text at `doc.y`, onto new pages as needed, and moves `doc.y` below it. */
export function writeText(
  doc: PdfDocument,
  text: string,
  style: TextStyle,
  options: ParagraphOptions = {},
): void {
  const x = options.x ?? doc.page.margins.left;
  const width = options.width ?? doc.page.width - doc.page.margins.right - x;
  for (const line of wrapText(doc, text, style, width)) {
    ensureSpace(doc, line.height);
    const y = doc.y;
    drawLine(doc, line, x, y, width, options.align);
    doc.y = y + line.height;
  }
  doc.x = doc.page.margins.left;
}
