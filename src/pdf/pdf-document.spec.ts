import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDocument, documentToBuffer, type PdfDocument } from 'src/pdf/pdf-document';
import {
  type Cell,
  contentWidth,
  drawFooters,
  heading,
  keyValueTable,
  STYLES,
  table,
} from 'src/pdf/pdf-layout';
import { measure, printable, wrapText, writeText } from 'src/pdf/pdf-text';
import { inkRatio, pdfInfo, pdfPageCount, pdfPageImage, pdfText } from 'src/pdf/poppler.testing';

const CREATED_AT = new Date('2026-03-12T10:30:00Z');
// No lam-alef (لا) here: pdftotext gives that ligature's two letters the wrong way round.
const ARABIC_TITLE = 'شهادة المطابقة الصحية';

function sampleDocument(rows = 3): PdfDocument {
  const doc = createDocument({
    title: 'Certificat / Certificate',
    author: 'Association',
    subject: 'AMRC-2026-00042',
    createdAt: CREATED_AT,
  });
  heading(doc, { fr: 'Certificat de conformité', en: 'Compliance certificate' });
  writeText(doc, ARABIC_TITLE, { face: 'bold', size: 16 }, { align: 'right' });
  writeText(doc, 'Score\u00A0: 81,23\u202F% — « conforme » ≥ 80 ✔', STYLES.body);
  keyValueTable(doc, [
    { label: { fr: 'Site', en: 'Site' }, value: [{ text: 'مركز النداء', style: STYLES.body }] },
    { label: { fr: 'Ville', en: 'City' }, value: [{ text: 'Casablanca', style: STYLES.body }] },
  ]);
  const cell = (text: string): Cell => [{ text, style: STYLES.body }];
  table(
    doc,
    [
      { width: 60, header: cell('N°') },
      { width: contentWidth(doc) - 60, header: cell('Texte / Text') },
    ],
    Array.from({ length: rows }, (_, i) => [cell(`${i + 1}`), cell(`Ligne ${i + 1} `.repeat(20))]),
  );
  drawFooters(doc, 'Pied de page', (page, count) => `Page ${page} / ${count}`);
  return doc;
}

describe('createDocument and the layout helpers', () => {
  let dir: string;
  const write = async (name: string, doc: PdfDocument) => {
    const file = join(dir, name);
    writeFileSync(file, await documentToBuffer(doc));
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-helpers-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the metadata, dated by the given instant', async () => {
    const info = pdfInfo(await write('meta.pdf', sampleDocument()));

    expect(info).toMatchObject({
      Title: 'Certificat / Certificate',
      Author: 'Association',
      Subject: 'AMRC-2026-00042',
      Creator: 'Charte sanitaire / Sanitary charter service',
      CreationDate: '2026-03-12T10:30:00Z',
      'Page size': '595.28 x 841.89 pts (A4)',
    });
  });

  it('gives the same bytes for the same content and instant', async () => {
    const [a, b] = await Promise.all([
      documentToBuffer(sampleDocument()),
      documentToBuffer(sampleDocument()),
    ]);

    expect(a.equals(b)).toBe(true);
  });

  it('prints French typography and Arabic, which reads back in logical order', async () => {
    const text = pdfText(await write('text.pdf', sampleDocument())).replace(/[\u202A-\u202E]/g, '');

    expect(text).toContain(ARABIC_TITLE);
    expect(text).toContain('مركز النداء');
    // pdftotext gives U+00A0 and U+202F as plain spaces
    expect(text).toContain('Score : 81,23 % — « conforme » ≥ 80 ✔');
  });

  it('draws the Arabic title, right-aligned', async () => {
    const file = await write('image.pdf', sampleDocument());
    const image = pdfPageImage(file, 1); // 72 dpi: one pixel a point
    const line = { y: 78, height: 18, width: 150 };

    expect(inkRatio(image, { ...line, x: 595 - 50 - 150 })).toBeGreaterThan(0.05);
    expect(inkRatio(image, { ...line, x: 50 })).toBe(0);
  });

  it('runs a long table onto new pages, with footers numbering them', async () => {
    const file = await write('long.pdf', sampleDocument(40));
    const pages = pdfPageCount(file);

    expect(pages).toBeGreaterThan(1);
    const last = pdfText(file, { page: pages });
    expect(last).toContain('Texte / Text'); // the header again
    expect(last).toContain(`Page ${pages} / ${pages}`);
    expect(pdfText(file)).toContain('Ligne 40');
  });
  it('splits a row taller than a page between pages, never writing over the footer', async () => {
    const doc = createDocument({ title: 't', author: 'a', createdAt: CREATED_AT });
    writeText(doc, 'Avant le tableau\n'.repeat(59), STYLES.body); // the page all but full
    const words = Array.from({ length: 1500 }, (_, i) => `mot${i + 1}`).join(' ');
    const cell = (text: string): Cell => [{ text, style: STYLES.body }];
    table(doc, [{ width: 100 }, { width: contentWidth(doc) - 100 }], [[cell('E01'), cell(words)]]);
    drawFooters(doc, 'Pied de page', (page, count) => `Page ${page} / ${count}`);
    const file = await write('tall-row.pdf', doc);

    const pages = pdfPageCount(file);
    expect(pages).toBeGreaterThan(2);
    expect(pdfText(file).replace(/\s+/g, ' ')).toContain('mot1499 mot1500');
    for (let page = 1; page <= pages; page++) {
      const image = pdfPageImage(file, page);
      // between the bottom margin (62 pt) and the footer's rule, 12 pt below it
      expect(inkRatio(image, { x: 0, y: 842 - 62 + 1, width: 595, height: 10 })).toBe(0);
    }
  });
});

describe('printable', () => {
  it.each([
    ['composes accents', 'e\u0301tage', 'étage'],
    ['turns Arabic presentation forms back into letters', 'ﻣﺮﻛﺰ ﻻ', 'مركز لا'],
    ['keeps no-break spaces and superscripts', '3ᵉ\u00A0étage\u202F;', '3ᵉ\u00A0étage\u202F;'],
  ])('%s', (_, text, expected) => {
    expect(printable(text)).toBe(expected);
  });
});

describe('wrapText', () => {
  const doc = createDocument({ title: 't', author: 'a', createdAt: CREATED_AT });

  it('keeps every line within the width, breaking at spaces only', () => {
    const text = 'Le gel manque à l’entrée du plateau\u202F2\u00A0; registre absent. '.repeat(8);
    const lines = wrapText(doc, text, STYLES.body, 200);

    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(measure(doc, STYLES.body, line.text)).toBeLessThanOrEqual(200);
    }
    expect(lines.map((l) => l.text).join(' ')).toBe(text.trim());
    expect(lines.every((l) => !/^\u00A0|\u00A0$|^\u202F|\u202F$/.test(l.text))).toBe(true);
  });

  it('cuts a word longer than the line', () => {
    const hash = 'a'.repeat(300);
    const lines = wrapText(doc, hash, STYLES.mono, 100);

    expect(lines.length).toBeGreaterThan(2);
    expect(lines.map((l) => l.text).join('')).toBe(hash);
  });

  it('keeps line feeds and reads each paragraph’s direction', () => {
    const lines = wrapText(doc, 'Casablanca\nالدار البيضاء', STYLES.body, 400);

    expect(lines.map((l) => [l.text, l.direction])).toEqual([
      ['Casablanca', 'ltr'],
      ['الدار البيضاء', 'rtl'],
    ]);
  });
});
