import { baseDirection } from 'src/pdf/bidi';
import type { PdfDocument } from 'src/pdf/pdf-document';
import {
  type Align,
  COLORS,
  drawLine,
  ensureSpace,
  lineHeight,
  measure,
  printable,
  type TextLine,
  type TextStyle,
  wrapText,
} from 'src/pdf/pdf-text';

/** A bilingual label: French first, English under it or after it, in a muted colour. */
export interface Bilingual {
  readonly fr: string;
  readonly en: string;
}

/** A piece of text in a cell or a line, with its own style. */
export interface Span {
  readonly text: string;
  readonly style: TextStyle;
  readonly align?: Align;
}

/** A cell is a stack of paragraphs, each wrapped to the column. */
export type Cell = readonly Span[];

export interface Column {
  readonly width: number;
  readonly header?: Cell;
}

export const STYLES = {
  title: { face: 'bold', size: 18, color: COLORS.accent },
  subtitle: { face: 'regular', size: 12, color: COLORS.muted },
  h1: { face: 'bold', size: 12.5, color: COLORS.accent },
  h1en: { face: 'regular', size: 10.5, color: COLORS.muted },
  h2: { face: 'bold', size: 10, color: COLORS.ink },
  h2en: { face: 'regular', size: 8.5, color: COLORS.muted },
  body: { face: 'regular', size: 9, color: COLORS.ink },
  bodyBold: { face: 'bold', size: 9, color: COLORS.ink },
  label: { face: 'regular', size: 8, color: COLORS.ink },
  labelEn: { face: 'regular', size: 7.5, color: COLORS.muted },
  small: { face: 'regular', size: 7.5, color: COLORS.muted },
  mono: { face: 'mono', size: 6.5, color: COLORS.ink }, // 64 hex digits in 251 pt
  footer: { face: 'regular', size: 7, color: COLORS.muted },
} as const satisfies Record<string, TextStyle>;

const CELL_PADDING = { x: 4, y: 3 } as const;

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export function contentWidth(doc: PdfDocument): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function bottom(doc: PdfDocument): number {
  return doc.page.height - doc.page.margins.bottom;
}

/**
 * Draws spans one after the other on one line (short labels: no wrapping, each span laid out by
 * its own direction); leaves `doc.y` untouched.
 */
export function drawSpans(doc: PdfDocument, spans: readonly Span[], x: number, y: number): void {
  let cursor = x;
  for (const span of spans) {
    const text = printable(span.text);
    const line: TextLine = { text, style: span.style, direction: baseDirection(text), height: 0 };
    drawLine(doc, line, cursor, y, Infinity, 'left');
    cursor += measure(doc, span.style, text, line.direction);
  }
}

/**
 * A section heading, French in `style` then « / English » muted on the same line, kept on the
 * page with at least `keepWithNext` points of what follows.
 */
export function heading(
  doc: PdfDocument,
  text: Bilingual,
  level: 1 | 2 = 1,
  keepWithNext = 48,
): void {
  const [fr, en] = level === 1 ? [STYLES.h1, STYLES.h1en] : [STYLES.h2, STYLES.h2en];
  const height = Math.max(lineHeight(doc, fr), lineHeight(doc, en));
  const before = level === 1 ? 10 : 6;
  ensureSpace(doc, before + height + keepWithNext);
  if (doc.y > doc.page.margins.top) {
    doc.y += before;
  }
  const y = doc.y;
  drawSpans(
    doc,
    [
      { text: text.fr, style: fr },
      ...(text.en === text.fr ? [] : [{ text: `  /  ${text.en}`, style: en }]),
    ],
    doc.page.margins.left,
    y + (fr.size - en.size) * 0.8,
  );
  doc.y = y + height + (level === 1 ? 4 : 2);
  if (level === 1) {
    rule(doc, COLORS.accent, 0.8);
    doc.y += 4;
  }
}

/** A horizontal rule across the content width at `doc.y`. */
export function rule(doc: PdfDocument, color: string = COLORS.rule, width = 0.5, indent = 0): void {
  const left = doc.page.margins.left + indent;
  doc
    .save()
    .moveTo(left, doc.y)
    .lineTo(doc.page.margins.left + contentWidth(doc), doc.y)
    .lineWidth(width)
    .strokeColor(color)
    .stroke()
    .restore();
}

/** A bilingual label as a cell: French, then English muted under it. */
export function bilingualCell(label: Bilingual): Cell {
  return [
    { text: label.fr, style: STYLES.label },
    { text: label.en, style: STYLES.labelEn },
  ];
}

interface LaidCell {
  readonly lines: TextLine[];
  readonly aligns: Align[];
}

function layCell(doc: PdfDocument, cell: Cell, width: number): LaidCell {
  const lines: TextLine[] = [];
  const aligns: Align[] = [];
  for (const span of cell) {
    const wrapped = wrapText(doc, span.text, span.style, width - 2 * CELL_PADDING.x);
    lines.push(...wrapped);
    aligns.push(...wrapped.map(() => span.align ?? 'start'));
  }
  return { lines, aligns };
}

const cellHeight = (lines: readonly TextLine[]) =>
  sum(lines.map((line) => line.height)) + 2 * CELL_PADDING.y;

/** Draws the lines of a cell from `y`; returns how many fit above `limit`. */
function drawCellLines(
  doc: PdfDocument,
  cell: LaidCell,
  from: number,
  x: number,
  width: number,
  y: number,
  limit: number,
): number {
  let cursor = y + CELL_PADDING.y;
  let drawn = 0;
  for (let i = from; i < cell.lines.length; i++) {
    const line = cell.lines[i];
    if (drawn > 0 && cursor + line.height > limit) {
      break;
    }
    drawLine(doc, line, x + CELL_PADDING.x, cursor, width - 2 * CELL_PADDING.x, cell.aligns[i]);
    cursor += line.height;
    drawn++;
  }
  return drawn;
}

export interface TableOptions {
  /** Indent from the left margin, in points. */
  readonly indent?: number;
  /** Fill behind the header row, repeated at the top of every page the table runs onto. */
  readonly headerFill?: string;
  /** A rule under every row. */
  readonly rules?: boolean;
}

function drawHeader(
  doc: PdfDocument,
  columns: readonly Column[],
  options: TableOptions,
  keepWithNext: number,
): void {
  if (!columns.some((c) => c.header)) {
    return;
  }
  const laid = columns.map((c) => layCell(doc, c.header ?? [], c.width));
  const height = Math.max(...laid.map((cell) => cellHeight(cell.lines)));
  const fresh = bottom(doc) - doc.page.margins.top;
  ensureSpace(doc, Math.min(height + keepWithNext, fresh)); // never a header alone at the bottom
  const left = doc.page.margins.left + (options.indent ?? 0);
  doc
    .save()
    .rect(left, doc.y, sum(columns.map((c) => c.width)), height)
    .fill(options.headerFill ?? COLORS.fill)
    .restore();
  const top = doc.y;
  let x = left;
  laid.forEach((cell, i) => {
    drawCellLines(doc, cell, 0, x, columns[i].width, top, Infinity);
    x += columns[i].width;
  });
  doc.y = top + height;
}

/**
 * A table whose cells wrap; a row that does not fit on the page goes to the next one, with the
 * header again, and a row taller than a page is split between pages line by line.
 */
export function table(
  doc: PdfDocument,
  columns: readonly Column[],
  rows: readonly (readonly Cell[])[],
  options: TableOptions = {},
): void {
  const laidRows = rows.map((row) => row.map((cell, i) => layCell(doc, cell, columns[i].width)));
  const fresh = bottom(doc) - doc.page.margins.top;
  // the room a row needs to start: all of it, or for a row taller than a page the first line
  // of each cell
  const needs = laidRows.map((laid) => {
    const height = Math.max(...laid.map((cell) => cellHeight(cell.lines)));
    return height <= fresh
      ? height
      : Math.max(...laid.map((cell) => cellHeight(cell.lines.slice(0, 1))));
  });
  drawHeader(doc, columns, options, needs[0] ?? 0);
  laidRows.forEach((laid, r) => {
    if (doc.y + needs[r] > bottom(doc)) {
      doc.addPage();
      drawHeader(doc, columns, options, needs[r]);
    }
    drawRow(doc, columns, laid, options);
  });
}

function drawRow(
  doc: PdfDocument,
  columns: readonly Column[],
  laid: readonly LaidCell[],
  options: TableOptions,
): void {
  const next = laid.map(() => 0);
  for (;;) {
    const top = doc.y;
    let lowest = top;
    let x = doc.page.margins.left + (options.indent ?? 0);
    laid.forEach((cell, i) => {
      const drawn = drawCellLines(doc, cell, next[i], x, columns[i].width, top, bottom(doc));
      const used = cell.lines.slice(next[i], next[i] + drawn);
      lowest = Math.max(lowest, top + cellHeight(used));
      next[i] += drawn;
      x += columns[i].width;
    });
    doc.y = lowest;
    if (laid.every((cell, i) => next[i] >= cell.lines.length)) {
      break;
    }
    doc.addPage();
    drawHeader(doc, columns, options, 0);
  }
  if (options.rules !== false) {
    rule(doc, COLORS.rule, 0.5, options.indent);
  }
}

/** Label and value rows: a bilingual label on the left, the value wrapped on the right. */
export function keyValueTable(
  doc: PdfDocument,
  rows: readonly { readonly label: Bilingual; readonly value: Cell }[],
  labelWidth = 150,
): void {
  table(
    doc,
    [{ width: labelWidth }, { width: contentWidth(doc) - labelWidth }],
    rows.map((row) => [bilingualCell(row.label), row.value]),
  );
}

/**
 * Writes a footer on every page, inside the bottom margin: `left` text and, on the right,
 * what `right` returns for the page (1-based) and the page count (« Page 2 / 5 »).
 */
export function drawFooters(
  doc: PdfDocument,
  left: string,
  right: (page: number, count: number) => string,
): void {
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    const margins = doc.page.margins;
    const y = doc.page.height - margins.bottom + 18;
    const width = doc.page.width - margins.left - margins.right;
    const line = (text: string): TextLine => ({
      text: printable(text),
      style: STYLES.footer,
      direction: 'ltr',
      height: lineHeight(doc, STYLES.footer),
    });
    doc.y = y - 6;
    rule(doc);
    drawLine(doc, line(left), margins.left, y, width, 'left');
    drawLine(doc, line(right(i - start + 1, count)), margins.left, y, width, 'right');
  }
}
