import { create as parseFont } from 'fontkit';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrintedRecord } from 'src/certificates/printed-record';
import { findQrInPdf, renderPdfPage, decodeQrFromPdf } from 'src/certificates/qr.testing';
import {
  type CertificateView,
  certificateContent,
  frenchTypography,
  readCertificateLayout,
  renderCertificatePdf,
} from 'src/certificates/render-certificate';
import { defaultFontSet, readFontSet } from 'src/pdf/pdf-fonts';
import { pdfInfo, pdfPageCount, pdfText } from 'src/pdf/poppler.testing';

const NNBSP = '\u202F';

const RECORD: PrintedRecord = {
  number: 'AMRC-2026-00042',
  company: { name: 'L’Atelier « Voix du Sud » SARL', ice: '001524875000093' },
  site: {
    name: 'Plateau Casa Nearshore 2',
    address: 'Casanearshore, shore 7, 1100 boulevard El Qods, Sidi Maârouf',
    city: 'Casablanca',
  },
  charterVersion: '2020.1',
  auditDate: '2026-04-28',
  score: 81.23,
  groupScores: { employees: 78.05, clients: 66.67, providers: 90.5, community: 100 },
  validFrom: '2026-05-04',
  validUntil: '2026-10-25',
};

// a token the size of a real one (EdDSA JWS with a kid and the claims): about 450 characters
const TOKEN = Array.from(
  { length: 450 },
  (_, i) => 'AbCdEfGhIjKlMnOpQrStUvWxYz-_0123456789'[(i * 7) % 38],
).join('');

function givenView(overrides: Partial<CertificateView> = {}): CertificateView {
  return {
    certificateId: '6f1c2a7e-5b0d-4c8e-9a11-2f3e4d5c6b7a',
    record: RECORD,
    verificationUrl: `https://charte.example.ma/verify/${RECORD.number}?t=${TOKEN}`,
    // 10:15 in Casablanca (UTC+1 outside Ramadan)
    issuedAt: new Date('2026-05-04T09:15:00Z'),
    ...overrides,
  };
}

interface WordBox {
  readonly text: string;
  readonly xMin: number;
  readonly yMin: number;
  readonly xMax: number;
  readonly yMax: number;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Every word of the first page with its box in points from the top left (`pdftotext -bbox`). */
function wordBoxes(file: string): WordBox[] {
  const result = spawnSync('pdftotext', ['-bbox', '-f', '1', '-l', '1', file, '-'], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`pdftotext -bbox failed: ${result.stderr}`);
  }
  const words: WordBox[] = [];
  const pattern =
    /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g;
  for (const match of result.stdout.matchAll(pattern)) {
    words.push({
      xMin: Number(match[1]),
      yMin: Number(match[2]),
      xMax: Number(match[3]),
      yMax: Number(match[4]),
      text: match[5].replace(/&(\w+);/g, (entity, name: string) => ENTITIES[name] ?? entity),
    });
  }
  return words;
}

const collapse = (text: string) => text.replace(/\s+/g, ' ');
const A4 = { width: 595.28, height: 841.89 };

describe('renderCertificatePdf', () => {
  let dir: string;
  const write = (name: string, pdf: Buffer) => {
    const file = join(dir, name);
    writeFileSync(file, pdf);
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'certificate-pdf-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders one A4 page whose metadata name the certificate and its issuance', async () => {
    const file = write('meta.pdf', await renderCertificatePdf(givenView()));
    expect(pdfPageCount(file)).toBe(1);
    const info = pdfInfo(file);
    expect(info['Page size']).toMatch(/^595\.2\d* x 841\.8\d* pts \(A4\)/);
    expect(info.Title).toBe('Certificat de conformité AMRC-2026-00042 — Plateau Casa Nearshore 2');
    expect(info.Subject).toContain('6f1c2a7e-5b0d-4c8e-9a11-2f3e4d5c6b7a');
    expect(info.Keywords).toContain('AMRC-2026-00042');
    expect(info.CreationDate).toBe('2026-05-04T09:15:00Z');
  });

  it('prints the French text: title, company, site, number, scores and dates', async () => {
    const file = write('text.pdf', await renderCertificatePdf(givenView()));
    const text = collapse(pdfText(file));
    for (const expected of [
      'Certificat de conformité',
      'Certificate of compliance',
      'L’Atelier « Voix du Sud » SARL',
      'ICE : 001524875000093',
      'Plateau Casa Nearshore 2',
      'Casanearshore, shore 7, 1100 boulevard El Qods, Sidi Maârouf',
      'Casablanca',
      'AMRC-2026-00042',
      'Version de la charte',
      '2020.1',
      'Date de l’audit',
      '28 avril 2026',
      '81,23 sur 100',
      '81.23 out of 100',
      '78,05',
      '66,67',
      '90,50',
      '100,00',
      'du 4 mai 2026 au 25 octobre 2026 inclus',
      'from 4 May 2026 to 25 October 2026 inclusive',
      // issued at 09:15 UTC: 10:15 in Casablanca
      'émis le 04/05/2026 10:15 UTC+1',
      'Vérifier ce certificat',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('non applicable');
  });

  it('prints the verification URL in full, wrapped on several lines', async () => {
    const view = givenView();
    const file = write('url.pdf', await renderCertificatePdf(view));
    const lines = pdfText(file).split('\n');
    const first = lines.findIndex((line) => line.startsWith('https://charte.example.ma/verify/'));
    expect(first).toBeGreaterThanOrEqual(0);
    let url = '';
    for (let i = first; url.length < view.verificationUrl.length && i < lines.length; i++) {
      url += lines[i].trim();
    }
    expect(url).toBe(view.verificationUrl);
    expect(
      lines.slice(first).filter((line) => TOKEN.includes(line.trim().slice(-20))).length,
    ).toBeGreaterThan(1);
  });

  it('sets a narrow no-break space before the French colon', async () => {
    const file = write('nnbsp.pdf', await renderCertificatePdf(givenView()));
    const words = wordBoxes(file);
    const gapAfter = (text: string) => {
      const i = words.findIndex((word) => word.text === text);
      return words[i + 1].xMin - words[i].xMax;
    };
    expect(words[words.findIndex((word) => word.text === 'ICE') + 1].text).toBe(':');
    // both set in the same 10.5 pt: U+202F is 0.409 em wide, a space 0.651 em
    const ratio = gapAfter('ICE') / gapAfter('boulevard');
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(0.75);
  });

  it('holds the verification URL in the QR code, exactly', async () => {
    const view = givenView();
    expect(await decodeQrFromPdf(await renderCertificatePdf(view))).toBe(view.verificationUrl);
  });

  it('holds a short URL, and one with a 300-character token, in the QR code', async () => {
    const short = givenView({
      verificationUrl: 'https://charte.example.ma/verify/AMRC-2026-00042',
    });
    expect(await decodeQrFromPdf(await renderCertificatePdf(short))).toBe(short.verificationUrl);
    const long = givenView({
      verificationUrl: `https://charte.example.ma/verify/AMRC-2026-00042?t=${TOKEN.slice(0, 300)}`,
    });
    expect(await decodeQrFromPdf(await renderCertificatePdf(long))).toBe(long.verificationUrl);
  });

  it('draws the Arabic title, centred between the English title and the statement', async () => {
    const pdf = await renderCertificatePdf(givenView());
    const words = wordBoxes(write('arabic.pdf', pdf));
    const english = words.find((word) => word.text === 'compliance');
    const statement = words.find((word) => word.text === 'L’association');
    expect(english && statement).toBeTruthy();
    const [top, bottom] = [Math.ceil(english!.yMax) + 1, Math.floor(statement!.yMin) - 1];
    expect(bottom - top).toBeGreaterThan(15);

    const image = renderPdfPage(pdf, 1, 72); // one pixel a point
    let dark = 0;
    let [left, right] = [image.width, 0];
    for (let y = top; y < bottom; y++) {
      for (let x = 0; x < image.width; x++) {
        const i = (y * image.width + x) * 4;
        const luma = 0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2];
        if (luma < 160) {
          dark++;
          [left, right] = [Math.min(left, x), Math.max(right, x)];
        }
      }
    }
    // ink over a good part of the band, a line of about 250 pt, centred on the page
    expect(dark / ((bottom - top) * (right - left + 1))).toBeGreaterThan(0.05);
    expect(right - left).toBeGreaterThan(180);
    expect(Math.abs((left + right) / 2 - image.width / 2)).toBeLessThan(6);
  });

  it('extracts the Arabic title as text', async () => {
    const file = write('arabic-text.pdf', await renderCertificatePdf(givenView()));
    expect(pdfText(file)).toContain('شهادة المطابقة للميثاق الصحي');
  });

  it('gives the same bytes for the same view, whatever was rendered before', async () => {
    const [a, b] = await Promise.all([
      renderCertificatePdf(givenView()),
      renderCertificatePdf(givenView()),
    ]);
    expect(a.equals(b)).toBe(true);
    // after other certificates filled the shared caches…
    const other = givenView({
      record: { ...RECORD, site: { ...RECORD.site, name: 'Autre plateau' } },
    });
    await renderCertificatePdf(other);
    expect((await renderCertificatePdf(givenView())).equals(a)).toBe(true);
    // …and with faces read afresh, whose caches are empty
    expect((await renderCertificatePdf(givenView(), readFontSet())).equals(a)).toBe(true);
  });

  it('gives different bytes, and a different document ID, to another certificate id', async () => {
    const a = await renderCertificatePdf(givenView());
    const b = await renderCertificatePdf(
      givenView({ certificateId: '0d9a3b1c-7e2f-4a5b-8c6d-1e2f3a4b5c6d' }),
    );
    expect(a.equals(b)).toBe(false);
    const id = (pdf: Buffer) => /\/ID \[<([0-9a-f]+)>/.exec(pdf.toString('latin1'))?.[1];
    expect(id(a)).toBeDefined();
    expect(id(a)).not.toBe(id(b));
  });

  it('prints a dash, and "not applicable", for a group without a score', async () => {
    const view = givenView({
      record: { ...RECORD, groupScores: { ...RECORD.groupScores, providers: null, clients: null } },
    });
    const text = collapse(pdfText(write('null.pdf', await renderCertificatePdf(view))));
    expect(text.match(/non applicable · not applicable/g)).toHaveLength(2);
    expect(text.match(/—/g)).toHaveLength(2);
    expect(text).toContain('Prestataires sur site');
    expect(text).toContain('78,05');
    expect(text).not.toContain('66,67');
  });

  it('keeps the longest names and address on the page, in full, clear of the QR code', async () => {
    const words = (text: string, length: number) => {
      let out = '';
      for (let i = 0; out.length < length; i++) {
        out += `${i === 0 ? '' : ' '}${text}${i}`;
      }
      return out.slice(0, length).trim();
    };
    const record: PrintedRecord = {
      ...RECORD,
      company: { name: words('Entreprise', 200), ice: RECORD.company.ice },
      site: {
        name: words('Plateau', 200),
        address: words('Boulevard', 500),
        city: words('Ville', 100),
      },
    };
    const view = givenView({ record });
    const pdf = await renderCertificatePdf(view);
    const file = write('long.pdf', pdf);
    expect(pdfPageCount(file)).toBe(1);

    const text = collapse(pdfText(file));
    for (const value of [
      record.company.name,
      record.site.name,
      record.site.address,
      record.site.city,
    ]) {
      for (const word of value.split(' ')) {
        expect(text).toContain(word);
      }
    }
    expect(text).not.toContain('…');

    const qr = findQrInPdf(pdf);
    expect(qr.data).toBe(view.verificationUrl);
    const module = qr.box.width / (17 + 4 * qr.version);
    const quiet = {
      left: qr.box.x - 4 * module,
      top: qr.box.y - 4 * module,
      right: qr.box.x + qr.box.width + 4 * module,
      bottom: qr.box.y + qr.box.height + 4 * module,
    };
    for (const word of wordBoxes(file)) {
      expect(word.xMin).toBeGreaterThanOrEqual(40 - 0.5);
      expect(word.xMax).toBeLessThanOrEqual(A4.width - 40 + 0.5);
      expect(word.yMin).toBeGreaterThanOrEqual(40 - 0.5);
      expect(word.yMax).toBeLessThanOrEqual(A4.height - 40 + 0.5);
      const overlaps =
        word.xMin < quiet.right &&
        word.xMax > quiet.left &&
        word.yMin < quiet.bottom &&
        word.yMax > quiet.top;
      expect(overlaps ? word.text : null).toBeNull();
    }
  });
});

describe('the certificate layout', () => {
  const layout = readCertificateLayout();

  it('has every Arabic character it prints, joined forms included, in the regular and bold faces', () => {
    const content = certificateContent(givenView(), layout);
    const arabic = new Set<string>([
      content.issuer.ar,
      content.title.ar,
      content.statement.ar,
      content.verify.heading.ar,
      content.verify.text.ar,
      ...content.details.flatMap((row) => [row.label.ar, ...(row.arabic ? [row.arabic] : [])]),
      ...content.groups.map((group) => group.label.ar),
      layout.values.notApplicable.ar,
    ]);
    const fonts = defaultFontSet();
    for (const face of [fonts.regular, fonts.bold]) {
      const font = parseFont(face);
      for (const text of arabic) {
        const missing = Array.from(text.replace(/\n/g, '')).filter(
          (char) => !font.hasGlyphForCodePoint(char.codePointAt(0)!),
        );
        expect({ text, missing }).toEqual({ text, missing: [] });
        expect(
          font.layout(text.replace(/\n/g, ' ')).glyphs.filter((glyph) => glyph.id === 0),
        ).toHaveLength(0);
      }
    }
  });

  it('sets its French texts with narrow no-break spaces and typographic apostrophes', () => {
    expect(layout.statement.fr).toContain(`«${NNBSP}charte sanitaire${NNBSP}»`);
    expect(layout.labels.auditDate.fr).toBe('Date de l’audit');
    expect(layout.values.ice.fr).toBe(`ICE${NNBSP}: {ice}`);
    expect(layout.statement.en).not.toContain(NNBSP);
  });

  it('names the missing entry of a broken layout file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certificate-layout-'));
    try {
      const file = join(dir, 'layout.json');
      const { title: _title, ...rest } = JSON.parse(JSON.stringify(layout)) as Record<
        string,
        unknown
      >;
      writeFileSync(file, JSON.stringify(rest));
      expect(() => readCertificateLayout(file)).toThrow(/title\.fr must be a text/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('frenchTypography', () => {
  it.each([
    ['Numéro : 42', `Numéro${NNBSP}: 42`],
    ['Vraiment ? Oui ! Bon ; fin', `Vraiment${NNBSP}? Oui${NNBSP}! Bon${NNBSP}; fin`],
    ['la « charte »', `la «${NNBSP}charte${NNBSP}»`],
    ["l'audit d'aujourd'hui", 'l’audit d’aujourd’hui'],
    ['https://example.ma/a?b', 'https://example.ma/a?b'],
    ['score ≥ 75', 'score ≥ 75'],
  ])('sets %j as %j', (input, expected) => {
    expect(frenchTypography(input)).toBe(expected);
  });
});
