import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PrintedRecord } from 'src/certificates/printed-record';
import { drawQrCode, type QrErrorCorrection, qrMatrix } from 'src/certificates/qr-code';
import { STAKEHOLDER_GROUPS, type StakeholderGroup } from 'src/charter/charter.types';
import { formatCalendarDate, formatInstant, formatScore } from 'src/pdf/format';
import {
  createDocument,
  documentFonts,
  documentToBuffer,
  type PdfDocument,
} from 'src/pdf/pdf-document';
import { defaultFontSet, type FontSet } from 'src/pdf/pdf-fonts';
import {
  type Align,
  COLORS,
  drawLine,
  measure,
  type TextLine,
  type TextStyle,
  wrapText,
} from 'src/pdf/pdf-text';

export interface CertificateView {
  /** Put in the PDF's metadata: two certificates never share a document ID. */
  readonly certificateId: string;
  readonly record: PrintedRecord;
  /** `PUBLIC_BASE_URL/verify/<number>?t=<token>`: the QR code's content, also printed. */
  readonly verificationUrl: string;
  /** The PDF's creation date: the same view gives the same bytes. */
  readonly issuedAt: Date;
}

// ---------------------------------------------------------------------------------------------
// The layout file

export interface Trilingual {
  readonly fr: string;
  readonly en: string;
  readonly ar: string;
}

export interface Bilingual {
  readonly fr: string;
  readonly en: string;
}

const SIZE_NAMES = [
  'issuer',
  'titleFr',
  'titleEn',
  'titleAr',
  'statement',
  'statementEn',
  'label',
  'labelEn',
  'labelAr',
  'value',
  'valueStrong',
  'valueEn',
  'score',
  'groupScore',
  'verifyHeading',
  'verifyText',
  'url',
  'footer',
] as const;

const GEOMETRY_NAMES = [
  'margin',
  'labelWidth',
  'arabicWidth',
  'columnGap',
  'rowPadding',
  'qrSize',
  'qrQuietZone',
  'minValueScale',
  'valueScaleStep',
] as const;

type LabelName =
  'company' | 'site' | 'charterVersion' | 'auditDate' | 'validity' | 'number' | 'score';

/** `templates/certificate/layout.json`, French typography applied. */
export interface CertificateLayout {
  readonly geometry: Readonly<Record<(typeof GEOMETRY_NAMES)[number], number>> & {
    readonly qrErrorCorrection: QrErrorCorrection;
  };
  readonly sizes: Readonly<Record<(typeof SIZE_NAMES)[number], number>>;
  readonly issuer: Trilingual;
  readonly title: Trilingual;
  readonly statement: Trilingual;
  readonly labels: Readonly<Record<LabelName, Trilingual>>;
  readonly values: {
    readonly ice: { readonly fr: string };
    readonly validity: Trilingual;
    readonly score: Bilingual;
    readonly notApplicable: Trilingual;
  };
  readonly groups: Readonly<Record<StakeholderGroup, Trilingual>>;
  readonly verify: { readonly heading: Trilingual; readonly text: Trilingual };
  readonly footer: Bilingual;
}

const LAYOUT_FILE = join('templates', 'certificate', 'layout.json');

/** The layout file, found by walking up from `start` (`src/…` under Jest, `dist/src/…` built). */
export function findCertificateLayout(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, LAYOUT_FILE);
    if (existsSync(candidate)) {
      return candidate;
    }
    if (dirname(dir) === dir) {
      throw new Error(`Certificate layout not found: no ${LAYOUT_FILE} above ${start}`);
    }
  }
}

/**
 * French spacing as typeset: a narrow no-break space before `: ; ! ?` and inside « », and the
 * typographic apostrophe. Applied to the layout's fixed texts only, never to a member's data,
 * which is printed as recorded.
 */
export function frenchTypography(text: string): string {
  return text
    .replace(/'/g, '’')
    .replace(/[ \u00A0]+([:;!?»])/g, '\u202F$1')
    .replace(/«[ \u00A0]*/g, '«\u202F');
}

function typeset(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    return key === 'fr' ? frenchTypography(value) : value;
  }
  if (Array.isArray(value)) {
    return value.map((item) => typeset(item));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeset(v, k)]));
  }
  return value;
}

/** Fails at once, naming the entry, on a layout file that lacks a text or a size. */
function checkLayout(raw: unknown, file: string): CertificateLayout {
  const at = (path: string): unknown =>
    path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], raw);
  const fail = (path: string, what: string) => {
    throw new Error(`Certificate layout ${file}: ${path} must be ${what}`);
  };
  const numbers = [
    ...GEOMETRY_NAMES.map((name) => `geometry.${name}`),
    ...SIZE_NAMES.map((name) => `sizes.${name}`),
  ];
  for (const path of numbers) {
    const value = at(path);
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      fail(path, 'a positive number');
    }
  }
  if (!['L', 'M', 'Q', 'H'].includes(at('geometry.qrErrorCorrection') as string)) {
    fail('geometry.qrErrorCorrection', 'L, M, Q or H');
  }
  const trilingual = [
    'issuer',
    'title',
    'statement',
    ...['company', 'site', 'charterVersion', 'auditDate', 'validity', 'number', 'score'].map(
      (name) => `labels.${name}`,
    ),
    ...STAKEHOLDER_GROUPS.map((group) => `groups.${group}`),
    'values.validity',
    'values.notApplicable',
    'verify.heading',
    'verify.text',
  ];
  const texts = [
    ...trilingual.flatMap((path) => ['fr', 'en', 'ar'].map((lang) => `${path}.${lang}`)),
    ...['values.score', 'footer'].flatMap((path) => [`${path}.fr`, `${path}.en`]),
    'values.ice.fr',
  ];
  for (const path of texts) {
    const value = at(path);
    if (typeof value !== 'string' || value.trim() === '') {
      fail(path, 'a text');
    }
  }
  return typeset(raw) as CertificateLayout;
}

/** Reads and checks a layout file, with no cache. */
export function readCertificateLayout(file: string = findCertificateLayout()): CertificateLayout {
  return checkLayout(JSON.parse(readFileSync(file, 'utf8')), file);
}

let sharedLayout: CertificateLayout | undefined;

/** The layout of `templates/certificate`, read on first use and kept for the process's life. */
export function certificateLayout(): CertificateLayout {
  sharedLayout ??= readCertificateLayout();
  return sharedLayout;
}

function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Error(`Certificate layout: unknown placeholder ${placeholder} in "${template}"`);
    }
    return value;
  });
}

// ---------------------------------------------------------------------------------------------
// What is printed

export type ValueKind = 'strong' | 'body' | 'muted' | 'score';

export interface DetailValue {
  readonly text: string;
  readonly kind: ValueKind;
  /** A member's free text (names, address): made smaller when the page would overflow. */
  readonly shrinks?: boolean;
}

export interface DetailRow {
  readonly label: Trilingual;
  readonly values: readonly DetailValue[];
  /** Printed under the Arabic label (dates in Arabic). */
  readonly arabic?: string;
}

export interface GroupScore {
  readonly label: Trilingual;
  /** The score in French and English notation, or `—`. */
  readonly fr: string;
  readonly en: string;
  /** Set when the group has no score: every commitment of it was not applicable. */
  readonly notApplicable?: Trilingual;
}

/**
 * Every text of a certificate in the order printed: the PDF draws it, and the benchmark's
 * HTML peer prints the very same texts.
 */
export interface CertificateContent {
  readonly issuer: Trilingual;
  readonly title: Trilingual;
  readonly statement: Trilingual;
  readonly details: readonly DetailRow[];
  readonly groups: readonly GroupScore[];
  readonly verify: { readonly heading: Trilingual; readonly text: Trilingual };
  readonly url: string;
  readonly footer: Bilingual;
}

export function certificateContent(
  view: CertificateView,
  layout: CertificateLayout = certificateLayout(),
): CertificateContent {
  const { record } = view;
  const { labels, values } = layout;
  const validity = (lang: 'fr' | 'en' | 'ar') =>
    fill(values.validity[lang], {
      from: formatCalendarDate(record.validFrom, lang),
      until: formatCalendarDate(record.validUntil, lang),
    });
  return {
    issuer: layout.issuer,
    title: layout.title,
    statement: layout.statement,
    details: [
      {
        label: labels.company,
        values: [
          { text: record.company.name, kind: 'strong', shrinks: true },
          { text: fill(values.ice.fr, { ice: record.company.ice }), kind: 'body' },
        ],
      },
      {
        label: labels.site,
        values: [
          { text: record.site.name, kind: 'strong', shrinks: true },
          { text: record.site.address, kind: 'body', shrinks: true },
          { text: record.site.city, kind: 'body', shrinks: true },
        ],
      },
      { label: labels.charterVersion, values: [{ text: record.charterVersion, kind: 'body' }] },
      {
        label: labels.auditDate,
        values: [
          { text: formatCalendarDate(record.auditDate, 'fr'), kind: 'body' },
          { text: formatCalendarDate(record.auditDate, 'en'), kind: 'muted' },
        ],
        arabic: formatCalendarDate(record.auditDate, 'ar'),
      },
      {
        label: labels.validity,
        values: [
          { text: validity('fr'), kind: 'body' },
          { text: validity('en'), kind: 'muted' },
        ],
        arabic: validity('ar'),
      },
      { label: labels.number, values: [{ text: record.number, kind: 'strong' }] },
      {
        label: labels.score,
        values: [
          {
            text: fill(values.score.fr, { score: formatScore(record.score, 'fr') }),
            kind: 'score',
          },
          {
            text: fill(values.score.en, { score: formatScore(record.score, 'en') }),
            kind: 'muted',
          },
        ],
      },
    ],
    groups: STAKEHOLDER_GROUPS.map((group) => {
      const score = record.groupScores[group];
      return {
        label: layout.groups[group],
        fr: formatScore(score, 'fr'),
        en: formatScore(score, 'en'),
        ...(score === null ? { notApplicable: values.notApplicable } : {}),
      };
    }),
    verify: layout.verify,
    url: view.verificationUrl,
    footer: {
      fr: fill(layout.footer.fr, {
        number: record.number,
        issuedAt: formatInstant(view.issuedAt, 'fr'),
      }),
      en: fill(layout.footer.en, {
        number: record.number,
        issuedAt: formatInstant(view.issuedAt, 'en'),
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Drawing

/** Lines laid out for one box, drawn top-down. */
interface Block {
  readonly lines: readonly TextLine[];
  readonly aligns: readonly Align[];
  readonly height: number;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

const WRAPPED_LIMIT = 5_000;
const wrappedTexts = new WeakMap<FontSet, Map<string, TextLine[]>>();

/**
 * `wrapText`, kept across certificates for the same faces: most texts of a certificate are the
 * layout's own. Lines are plain data; wrapping only selects fonts, which the renderer selects
 * beforehand in a fixed order anyway.
 */
function wrapped(doc: PdfDocument, text: string, style: TextStyle, width: number): TextLine[] {
  const fonts = documentFonts(doc);
  let cache = wrappedTexts.get(fonts);
  if (!cache || cache.size >= WRAPPED_LIMIT) {
    cache = new Map();
    wrappedTexts.set(fonts, cache);
  }
  const key = `${style.face}|${style.size}|${style.color ?? ''}|${width}|${text}`;
  let lines = cache.get(key);
  if (!lines) {
    lines = wrapText(doc, text, style, width);
    cache.set(key, lines);
  }
  return lines;
}

function block(
  doc: PdfDocument,
  parts: readonly { text: string; style: TextStyle; align?: Align }[],
  width: number,
): Block {
  const lines: TextLine[] = [];
  const aligns: Align[] = [];
  for (const part of parts) {
    const partLines = wrapped(doc, part.text, part.style, width);
    lines.push(...partLines);
    aligns.push(...partLines.map(() => part.align ?? 'start'));
  }
  return { lines, aligns, height: sum(lines.map((line) => line.height)) };
}

/** Draws the lines from `y` down; returns the y below them. */
function drawBlock(doc: PdfDocument, laid: Block, x: number, y: number, width: number): number {
  let cursor = y;
  laid.lines.forEach((line, i) => {
    drawLine(doc, line, x, cursor, width, laid.aligns[i]);
    cursor += line.height;
  });
  return cursor;
}

interface Frame {
  readonly left: number;
  readonly width: number;
  readonly top: number;
  readonly bottom: number;
}

function styles(layout: CertificateLayout) {
  const s = layout.sizes;
  const { ink, muted, accent } = COLORS;
  return {
    issuer: { face: 'regular', size: s.issuer, color: muted },
    titleFr: { face: 'bold', size: s.titleFr, color: accent },
    titleEn: { face: 'regular', size: s.titleEn, color: muted },
    titleAr: { face: 'bold', size: s.titleAr, color: accent },
    statement: { face: 'regular', size: s.statement, color: ink },
    statementEn: { face: 'regular', size: s.statementEn, color: muted },
    label: { face: 'bold', size: s.label, color: ink },
    labelEn: { face: 'regular', size: s.labelEn, color: muted },
    labelAr: { face: 'bold', size: s.labelAr, color: ink },
    valueAr: { face: 'regular', size: s.labelAr, color: muted },
    groupScore: { face: 'bold', size: s.groupScore, color: ink },
    verifyHeading: { face: 'bold', size: s.verifyHeading, color: accent },
    verifyHeadingEn: { face: 'regular', size: s.verifyText + 1, color: muted },
    verifyText: { face: 'regular', size: s.verifyText, color: ink },
    verifyTextEn: { face: 'regular', size: s.verifyText, color: muted },
    url: { face: 'mono', size: s.url, color: ink },
    footer: { face: 'regular', size: s.footer, color: muted },
  } satisfies Record<string, TextStyle>;
}

type Styles = ReturnType<typeof styles>;

function valueStyle(layout: CertificateLayout, kind: ValueKind, scale: number): TextStyle {
  const s = layout.sizes;
  switch (kind) {
    case 'strong':
      return { face: 'bold', size: s.valueStrong * scale, color: COLORS.ink };
    case 'body':
      return { face: 'regular', size: s.value * scale, color: COLORS.ink };
    case 'muted':
      return { face: 'regular', size: s.valueEn * scale, color: COLORS.muted };
    case 'score':
      return { face: 'bold', size: s.score * scale, color: COLORS.accent };
  }
}

function hairline(doc: PdfDocument, frame: Frame, y: number, color: string = COLORS.rule): void {
  doc
    .save()
    .moveTo(frame.left, y)
    .lineTo(frame.left + frame.width, y)
    .lineWidth(0.5)
    .strokeColor(color)
    .stroke()
    .restore();
}

const STATEMENT_INSET = 24;

/** Issuer, title and statement; returns the y below them. */
function drawHead(doc: PdfDocument, content: CertificateContent, st: Styles, frame: Frame): number {
  const half = frame.width / 2;
  const issuer = block(
    doc,
    [
      { text: content.issuer.fr, style: st.issuer },
      { text: content.issuer.en, style: st.issuer },
    ],
    half,
  );
  const issuerAr = block(
    doc,
    [{ text: content.issuer.ar, style: st.issuer, align: 'right' }],
    half,
  );
  drawBlock(doc, issuer, frame.left, frame.top, half);
  drawBlock(doc, issuerAr, frame.left + half, frame.top, half);
  let y = frame.top + Math.max(issuer.height, issuerAr.height) + 4;
  hairline(doc, frame, y, COLORS.accent);
  y += 12;

  // Arabic on lines of its own: pdfkit shapes a wholly Arabic run and lays it right to left
  const title = block(
    doc,
    [
      { text: content.title.fr, style: st.titleFr, align: 'center' },
      { text: content.title.en, style: st.titleEn, align: 'center' },
      { text: content.title.ar, style: st.titleAr, align: 'center' },
    ],
    frame.width,
  );
  y = drawBlock(doc, title, frame.left, y, frame.width) + 8;

  const width = frame.width - 2 * STATEMENT_INSET;
  const statement = block(
    doc,
    [
      { text: content.statement.fr, style: st.statement, align: 'center' },
      { text: content.statement.en, style: st.statementEn, align: 'center' },
      { text: content.statement.ar, style: st.statement, align: 'center' },
    ],
    width,
  );
  return drawBlock(doc, statement, frame.left + STATEMENT_INSET, y, width) + 8;
}

interface PlannedValue {
  readonly block: Block;
  readonly shrinks: boolean;
}

interface PlannedRow {
  readonly label: Block;
  readonly values: readonly PlannedValue[];
  readonly arabic: Block;
}

interface Columns {
  readonly label: number;
  readonly value: number;
  readonly arabic: number;
  readonly gap: number;
}

function columnsOf(layout: CertificateLayout, frame: Frame): Columns {
  const g = layout.geometry;
  return {
    label: g.labelWidth,
    arabic: g.arabicWidth,
    gap: g.columnGap,
    value: frame.width - g.labelWidth - g.arabicWidth - 2 * g.columnGap,
  };
}

function rowHeight(row: PlannedRow, padding: number): number {
  const values = sum(row.values.map((value) => value.block.height));
  return Math.max(row.label.height, values, row.arabic.height) + 2 * padding;
}

function rowsHeight(rows: readonly PlannedRow[], padding: number): number {
  return sum(rows.map((row) => rowHeight(row, padding)));
}

function planRow(
  doc: PdfDocument,
  row: DetailRow,
  layout: CertificateLayout,
  st: Styles,
  columns: Columns,
  scale: number,
): PlannedRow {
  return {
    label: block(
      doc,
      [
        { text: row.label.fr, style: st.label },
        { text: row.label.en, style: st.labelEn },
      ],
      columns.label,
    ),
    values: row.values.map((value) => ({
      block: block(
        doc,
        [{ text: value.text, style: valueStyle(layout, value.kind, value.shrinks ? scale : 1) }],
        columns.value,
      ),
      shrinks: value.shrinks === true,
    })),
    arabic: block(
      doc,
      [
        { text: row.label.ar, style: st.labelAr, align: 'right' },
        ...(row.arabic === undefined
          ? []
          : [{ text: row.arabic, style: st.valueAr, align: 'right' as const }]),
      ],
      columns.arabic,
    ),
  };
}

/**
 * Drops the last line of the member's text that has the most lines and ends the one before it
 * with an ellipsis: a last resort when even the smallest size does not fit, so that the page
 * never runs into the QR code. Returns false when nothing is left to shorten.
 */
function shortenLongest(doc: PdfDocument, rows: PlannedRow[], width: number): boolean {
  let longest: { row: number; value: number; lines: number } | undefined;
  rows.forEach((row, r) =>
    row.values.forEach((value, v) => {
      const lines = value.block.lines.length;
      if (value.shrinks && lines > 1 && (!longest || lines > longest.lines)) {
        longest = { row: r, value: v, lines };
      }
    }),
  );
  if (!longest) {
    return false;
  }
  const row = rows[longest.row];
  const old = row.values[longest.value].block;
  const lines = old.lines.slice(0, -1);
  const last = lines[lines.length - 1];
  let text = last.text;
  while (text !== '' && measure(doc, last.style, `${text}…`, last.direction) > width) {
    text = Array.from(text).slice(0, -1).join('');
  }
  lines[lines.length - 1] = { ...last, text: `${text}…` };
  const shortened: Block = {
    lines,
    aligns: old.aligns.slice(0, lines.length),
    height: sum(lines.map((line) => line.height)),
  };
  rows[longest.row] = {
    ...row,
    values: row.values.map((value, v) =>
      v === longest?.value ? { block: shortened, shrinks: true } : value,
    ),
  };
  return true;
}

/**
 * Lays the detail rows out in `available` points: at full size when they fit, else with the
 * member's texts made smaller step by step, and at the smallest size shortened.
 */
function planDetails(
  doc: PdfDocument,
  content: CertificateContent,
  layout: CertificateLayout,
  st: Styles,
  columns: Columns,
  available: number,
): PlannedRow[] {
  const { minValueScale, valueScaleStep, rowPadding } = layout.geometry;
  let rows: PlannedRow[] = [];
  for (let scale = 1; ; scale = Math.max(minValueScale, scale - valueScaleStep)) {
    rows = content.details.map((row) => planRow(doc, row, layout, st, columns, scale));
    if (rowsHeight(rows, rowPadding) <= available || scale <= minValueScale) {
      break;
    }
  }
  while (rowsHeight(rows, rowPadding) > available && shortenLongest(doc, rows, columns.value)) {
    // one line shorter
  }
  return rows;
}

/** Draws the rows between hairlines from `top`; returns the y below the last. */
function drawDetails(
  doc: PdfDocument,
  rows: readonly PlannedRow[],
  layout: CertificateLayout,
  columns: Columns,
  frame: Frame,
  top: number,
): number {
  const padding = layout.geometry.rowPadding;
  let y = top;
  hairline(doc, frame, y);
  for (const row of rows) {
    let x = frame.left;
    drawBlock(doc, row.label, x, y + padding, columns.label);
    x += columns.label + columns.gap;
    let valueY = y + padding;
    for (const value of row.values) {
      valueY = drawBlock(doc, value.block, x, valueY, columns.value);
    }
    x += columns.value + columns.gap;
    drawBlock(doc, row.arabic, x, y + padding, columns.arabic);
    y += rowHeight(row, padding);
    hairline(doc, frame, y);
  }
  return y;
}

const CELL_GAP = 6;
const CELL_PADDING = 5;

interface PlannedGroups {
  readonly cells: readonly Block[];
  readonly cellWidth: number;
  readonly height: number;
}

/** The four group scores side by side, each in a tinted cell. */
function planGroups(
  doc: PdfDocument,
  content: CertificateContent,
  st: Styles,
  frame: Frame,
): PlannedGroups {
  const cellWidth = (frame.width - 3 * CELL_GAP) / 4;
  const cells = content.groups.map((group) =>
    block(
      doc,
      [
        { text: group.label.fr, style: st.label, align: 'center' },
        { text: group.label.en, style: st.labelEn, align: 'center' },
        { text: group.label.ar, style: st.labelAr, align: 'center' },
        { text: group.fr, style: st.groupScore, align: 'center' },
        ...(group.notApplicable
          ? [
              {
                text: `${group.notApplicable.fr} · ${group.notApplicable.en}`,
                style: st.labelEn,
                align: 'center' as const,
              },
              { text: group.notApplicable.ar, style: st.valueAr, align: 'center' as const },
            ]
          : [{ text: group.en, style: st.labelEn, align: 'center' as const }]),
      ],
      cellWidth - 2 * CELL_PADDING,
    ),
  );
  const height = Math.max(...cells.map((cell) => cell.height)) + 2 * CELL_PADDING;
  return { cells, cellWidth, height };
}

function drawGroups(doc: PdfDocument, groups: PlannedGroups, frame: Frame, top: number): void {
  groups.cells.forEach((cell, i) => {
    const x = frame.left + i * (groups.cellWidth + CELL_GAP);
    doc.save().rect(x, top, groups.cellWidth, groups.height).fill(COLORS.fill).restore();
    drawBlock(doc, cell, x + CELL_PADDING, top + CELL_PADDING, groups.cellWidth - 2 * CELL_PADDING);
  });
}

const QR_TEXT_GAP = 12;

/** The QR code and, beside it, how to verify and the URL; returns the y of its top. */
function drawVerification(
  doc: PdfDocument,
  content: CertificateContent,
  layout: CertificateLayout,
  qr: readonly (readonly boolean[])[],
  st: Styles,
  frame: Frame,
  bottom: number,
): number {
  const { qrSize, qrQuietZone } = layout.geometry;
  const textLeft = frame.left + qrSize + QR_TEXT_GAP;
  const width = frame.left + frame.width - textLeft;
  const { heading, text } = content.verify;
  const laid = block(
    doc,
    [
      { text: heading.fr, style: st.verifyHeading },
      { text: heading.en, style: st.verifyHeadingEn },
      { text: heading.ar, style: st.verifyHeading, align: 'right' },
      { text: text.fr, style: st.verifyText },
      { text: text.en, style: st.verifyTextEn },
      { text: text.ar, style: st.verifyText, align: 'right' },
      { text: monospacedLines(doc, content.url, st.url, width), style: st.url },
    ],
    width,
  );
  // the text starts level with the symbol, inside the QR code's quiet zone
  const inset = (qrSize / (qr.length + 2 * qrQuietZone)) * qrQuietZone;
  const top = bottom - Math.max(qrSize, laid.height + inset);
  drawQrCode(doc, qr, { x: frame.left, y: top, size: qrSize, quietZone: qrQuietZone });
  drawBlock(doc, laid, textLeft, top + inset, width);
  return top;
}

/**
 * Long text in the monospaced face cut into lines by count, every character having the same
 * advance: the URL is then shaped line by line, not whole and again character by character.
 */
function monospacedLines(doc: PdfDocument, text: string, style: TextStyle, width: number): string {
  const perLine = Math.max(1, Math.floor((width - 0.01) / measure(doc, style, '0')));
  const chars = Array.from(text);
  const lines: string[] = [];
  for (let i = 0; i < chars.length; i += perLine) {
    lines.push(chars.slice(i, i + perLine).join(''));
  }
  return lines.join('\n');
}

function drawBorder(doc: PdfDocument, layout: CertificateLayout): void {
  const inset = layout.geometry.margin / 2;
  const [width, height] = [doc.page.width - 2 * inset, doc.page.height - 2 * inset];
  doc.save().rect(inset, inset, width, height).lineWidth(1.2).stroke(COLORS.accent).restore();
  doc
    .save()
    .rect(inset + 3, inset + 3, width - 6, height - 6)
    .lineWidth(0.4)
    .stroke(COLORS.accent)
    .restore();
}

const GROUPS_GAP = 6;

function drawCertificate(
  doc: PdfDocument,
  content: CertificateContent,
  layout: CertificateLayout,
  qr: readonly (readonly boolean[])[],
): void {
  const g = layout.geometry;
  const st = styles(layout);
  const frame: Frame = {
    left: g.margin,
    width: doc.page.width - 2 * g.margin,
    top: g.margin,
    bottom: doc.page.height - g.margin,
  };
  drawBorder(doc, layout);

  // The foot first (footer, then the verification block above it), then the head; the details
  // and the group scores take the room between, made smaller if they need to.
  const footer = block(
    doc,
    [
      { text: content.footer.fr, style: st.footer, align: 'center' },
      { text: content.footer.en, style: st.footer, align: 'center' },
    ],
    frame.width,
  );
  const footerTop = frame.bottom - footer.height;
  drawBlock(doc, footer, frame.left, footerTop, frame.width);
  const verificationTop = drawVerification(doc, content, layout, qr, st, frame, footerTop - 8);

  const detailsTop = drawHead(doc, content, st, frame);
  const columns = columnsOf(layout, frame);
  const groups = planGroups(doc, content, st, frame);
  const available = verificationTop - 10 - groups.height - GROUPS_GAP - detailsTop;
  const rows = planDetails(doc, content, layout, st, columns, available);
  const groupsTop = drawDetails(doc, rows, layout, columns, frame, detailsTop) + GROUPS_GAP;
  drawGroups(doc, groups, frame, groupsTop);
}

/**
 * The certificate as a one-page A4 PDF in French, English and Arabic: the company and its ICE,
 * the site and its address, the charter version, the audit date, the scores, the validity, the
 * number, and the QR code of the verification URL, also printed. The same view gives the same
 * bytes (the only date is `issuedAt`); the certificate's id in the metadata keeps document IDs
 * distinct.
 */
export async function renderCertificatePdf(
  view: CertificateView,
  fonts: FontSet = defaultFontSet(),
): Promise<Buffer> {
  const layout = certificateLayout();
  const content = certificateContent(view, layout);
  const { record } = view;
  const doc = createDocument(
    {
      title: `${layout.title.fr} ${record.number} — ${record.site.name}`,
      author: layout.issuer.fr,
      subject: `${layout.title.fr} / ${layout.title.en} ${record.number} (${view.certificateId})`,
      keywords: [
        'charte sanitaire',
        'certificat',
        record.number,
        view.certificateId,
        record.charterVersion,
      ].join(', '),
      createdAt: view.issuedAt,
      lang: 'fr',
    },
    fonts,
  );
  const qr = qrMatrix(view.verificationUrl, layout.geometry.qrErrorCorrection);
  drawCertificate(doc, content, layout, qr);
  return documentToBuffer(doc);
}
