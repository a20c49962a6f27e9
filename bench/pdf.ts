import { createHash } from 'node:crypto';
import { qrMatrix, qrSvg } from 'src/certificates/qr-code';
import {
  type CertificateContent,
  type CertificateView,
  certificateContent,
  certificateLayout,
  type DetailValue,
  renderCertificatePdf,
  type Trilingual,
} from 'src/certificates/render-certificate';
import { defaultFontSet } from 'src/pdf/pdf-fonts';
import { launchChromium } from '../test/chromium';
import type { BenchOutcome } from './charter-read';
import { type BenchSettings, Cleanup, round } from './support';

/**
 * The certificate PDF, rendered one at a time as at issuance: pdfkit (the service) against the
 * same certificate written as HTML, same texts and an inline SVG QR code, printed to PDF by
 * headless Chromium (`page.setContent` then `page.pdf`), a page kept open between renders.
 */

const PDFKIT = { warmup: 20, renders: 200 } as const;
const CHROMIUM = { warmup: 5, renders: 30 } as const;
/** Median milliseconds per certificate PDF. */
const TARGET_MS = 15;

/** A realistic view: a 450-character token as in the QR codes issued. Each `i` differs. */
function benchView(i: number): CertificateView {
  const number = `AMRC-2026-${String(i + 1).padStart(5, '0')}`;
  let token = '';
  for (let k = 0; token.length < 450; k++) {
    token += createHash('sha256').update(`${i}:${k}`).digest('base64url');
  }
  return {
    certificateId: createHash('sha256').update(number).digest('hex').slice(0, 32),
    record: {
      number,
      company: { name: 'L’Atelier « Voix du Sud » SARL', ice: '001524875000093' },
      site: {
        name: `Plateau Casa Nearshore ${i + 1}`,
        address: 'Casanearshore, shore 7, 1100 boulevard El Qods, Sidi Maârouf',
        city: 'Casablanca',
      },
      charterVersion: '2020.1',
      auditDate: '2026-04-28',
      score: 81.23 + (i % 10),
      groupScores: { employees: 78.05, clients: 66.67, providers: null, community: 100 },
      validFrom: '2026-05-04',
      validUntil: '2026-10-25',
    },
    verificationUrl: `https://charte.example.ma/verify/${number}?t=${token.slice(0, 450)}`,
    issuedAt: new Date(Date.UTC(2026, 4, 4, 9, 15, i % 60)),
  };
}

// ---------------------------------------------------------------------------------------------
// The HTML peer

const escape = (text: string) =>
  text.replace(
    /[&<>"]/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char] ?? char,
  );

const lines = (text: string) => escape(text).replace(/\n/g, '<br>');

const label = (text: Trilingual) =>
  `<th><b>${escape(text.fr)}</b><small>${escape(text.en)}</small></th>`;

const value = (v: DetailValue) => `<div class="${v.kind}">${escape(v.text)}</div>`;

function certificateHtml(content: CertificateContent, qr: string): string {
  const rows = content.details
    .map(
      (row) =>
        `<tr>${label(row.label)}<td>${row.values.map(value).join('')}</td>` +
        `<td class="ar" dir="rtl"><b>${escape(row.label.ar)}</b>` +
        `${row.arabic ? `<small>${lines(row.arabic)}</small>` : ''}</td></tr>`,
    )
    .join('');
  const groups = content.groups
    .map(
      (group) =>
        `<div class="group"><b>${escape(group.label.fr)}</b><small>${escape(group.label.en)}</small>` +
        `<b dir="rtl">${escape(group.label.ar)}</b><div class="gs">${escape(group.fr)}</div>` +
        (group.notApplicable
          ? `<small>${escape(group.notApplicable.fr)} · ${escape(group.notApplicable.en)}</small>` +
            `<small dir="rtl">${escape(group.notApplicable.ar)}</small>`
          : `<small>${escape(group.en)}</small>`) +
        '</div>',
    )
    .join('');
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 0 }
body { margin: 0; font: 10.5pt 'DejaVu Sans', sans-serif; color: #1a1a1a }
.page { box-sizing: border-box; width: 210mm; height: 297mm; padding: 40pt; border: 1.2pt solid #0b4f8a }
small { display: block; color: #5f6368; font-size: 7pt }
.issuer { display: flex; justify-content: space-between; font-size: 7.5pt; color: #5f6368;
  border-bottom: 0.5pt solid #0b4f8a; padding-bottom: 4pt }
h1 { text-align: center; color: #0b4f8a; font-size: 24pt; margin: 12pt 0 0 }
h2 { text-align: center; color: #5f6368; font: 13pt 'DejaVu Sans'; margin: 0 }
h3 { text-align: center; color: #0b4f8a; font-size: 19pt; margin: 0 }
.statement { text-align: center; font-size: 9pt; margin: 8pt 24pt }
table { width: 100%; border-collapse: collapse }
tr { border-top: 0.5pt solid #c8ccd0 }
th { width: 108pt; text-align: left; vertical-align: top; font-size: 8pt; padding: 4pt 0 }
td { vertical-align: top; padding: 4pt 0 }
td.ar { width: 100pt; text-align: right; font-size: 8.5pt }
.strong { font-weight: bold; font-size: 11.5pt } .muted { color: #5f6368; font-size: 8pt }
.score { font-weight: bold; font-size: 20pt; color: #0b4f8a }
.groups { display: flex; gap: 6pt; margin-top: 6pt }
.group { flex: 1; background: #eef1f4; text-align: center; font-size: 8pt; padding: 5pt }
.gs { font-weight: bold; font-size: 13pt }
.verify { display: flex; gap: 12pt; margin-top: 20pt; font-size: 7.5pt }
.verify h4 { color: #0b4f8a; font-size: 10pt; margin: 0 }
.url { font: 7pt 'DejaVu Sans Mono', monospace; word-break: break-all }
footer { text-align: center; font-size: 7pt; color: #5f6368; margin-top: 8pt }
</style></head><body><div class="page">
<div class="issuer"><div>${escape(content.issuer.fr)}<br>${escape(content.issuer.en)}</div>
<div dir="rtl">${escape(content.issuer.ar)}</div></div>
<h1>${escape(content.title.fr)}</h1><h2>${escape(content.title.en)}</h2>
<h3 dir="rtl">${escape(content.title.ar)}</h3>
<div class="statement"><p>${escape(content.statement.fr)}</p><small>${escape(content.statement.en)}</small>
<p dir="rtl">${escape(content.statement.ar)}</p></div>
<table>${rows}</table><div class="groups">${groups}</div>
<div class="verify"><div>${qr}</div><div><h4>${escape(content.verify.heading.fr)}</h4>
<small>${escape(content.verify.heading.en)}</small><h4 dir="rtl">${escape(content.verify.heading.ar)}</h4>
<p>${escape(content.verify.text.fr)}</p><small>${escape(content.verify.text.en)}</small>
<p dir="rtl">${escape(content.verify.text.ar)}</p><div class="url">${escape(content.url)}</div></div></div>
<footer>${escape(content.footer.fr)}<br>${escape(content.footer.en)}</footer>
</div></body></html>`;
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Figures {
  readonly label: string;
  readonly renders: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly meanBytes: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Renders `warmup` then `renders` certificates one after the other, timing each. */
async function measureRenders(
  label: string,
  counts: { readonly warmup: number; readonly renders: number },
  render: (i: number) => Promise<Buffer>,
): Promise<Figures> {
  for (let i = 0; i < counts.warmup; i++) {
    checkPdf(label, await render(i));
  }
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < counts.renders; i++) {
    const start = performance.now();
    const pdf = await render(counts.warmup + i);
    times.push(performance.now() - start);
    checkPdf(label, pdf);
    bytes += pdf.length;
  }
  times.sort((a, b) => a - b);
  return {
    label,
    renders: counts.renders,
    medianMs: quantile(times, 0.5),
    p90Ms: quantile(times, 0.9),
    meanBytes: bytes / counts.renders,
  };
}

function checkPdf(label: string, pdf: Buffer): void {
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-' || pdf.length < 5_000) {
    throw new Error(`${label} did not give a PDF (${pdf.length} bytes)`);
  }
}

function printFigures(figures: Figures): void {
  console.log(
    [
      `  ${figures.label.padEnd(10)}`,
      `median ${figures.medianMs.toFixed(2)} ms`,
      `p90 ${figures.p90Ms.toFixed(2)} ms`,
      `${(figures.meanBytes / 1024).toFixed(1)} KB a PDF`,
      `${figures.renders} renders`,
    ].join(' | '),
  );
}

export async function pdf(_settings: BenchSettings): Promise<BenchOutcome> {
  const cleanup = new Cleanup();
  try {
    // what the service does once at start: fonts read and parsed, layout read
    const fonts = defaultFontSet();
    const layout = certificateLayout();

    const browser = await launchChromium();
    cleanup.add('close Chromium', () => browser.close());
    const page = await browser.newPage();

    console.log(
      `pdf: one certificate PDF at a time (a 450-character token in the QR code); pdfkit: ` +
        `${PDFKIT.warmup} warm-up then ${PDFKIT.renders} measured; Chromium ${browser.version()} ` +
        `(same texts as HTML, inline SVG QR code, setContent + pdf A4, one page reused): ` +
        `${CHROMIUM.warmup} warm-up then ${CHROMIUM.renders} measured`,
    );
    const pdfkit = await measureRenders('pdfkit', PDFKIT, (i) =>
      renderCertificatePdf(benchView(i), fonts),
    );
    printFigures(pdfkit);
    const chromium = await measureRenders('chromium', CHROMIUM, async (i) => {
      const view = benchView(i);
      const content = certificateContent(view, layout);
      const qr = qrSvg(qrMatrix(view.verificationUrl, layout.geometry.qrErrorCorrection), 190);
      await page.setContent(certificateHtml(content, qr));
      return page.pdf({ format: 'A4', printBackground: true });
    });
    printFigures(chromium);

    const ratio = chromium.medianMs / pdfkit.medianMs;
    const met = pdfkit.medianMs <= TARGET_MS;
    console.log(
      `  pdfkit median ${pdfkit.medianMs.toFixed(2)} ms (target ≤ ${TARGET_MS} ms): ` +
        `${met ? 'met' : 'NOT met'}; Chromium takes ${ratio.toFixed(1)} × as long`,
    );
    console.log(
      JSON.stringify({
        bench: 'pdf',
        pdfkitMedianMs: round(pdfkit.medianMs, 2),
        pdfkitP90Ms: round(pdfkit.p90Ms, 2),
        chromiumMedianMs: round(chromium.medianMs, 2),
        chromiumP90Ms: round(chromium.p90Ms, 2),
        ratio: round(ratio, 1),
        targetMs: TARGET_MS,
        met,
        pdfkitBytes: Math.round(pdfkit.meanBytes),
        chromiumBytes: Math.round(chromium.meanBytes),
      }),
    );
    return { name: 'pdf', failed: false };
  } finally {
    await cleanup.run();
  }
}
