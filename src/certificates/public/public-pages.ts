import type { CertificateVerification } from 'src/certificates/public/certificate-verification';
import type {
  RegistryEntry,
  RegistryQuery,
} from 'src/certificates/public/certificate-registry.service';
import { html, SafeHtml } from 'src/certificates/public/html';
import { PAGE_LANGUAGES, type PageLanguage } from 'src/certificates/public/page-language';
import { PAGE_TEXTS, type PageTexts } from 'src/certificates/public/public-page-texts';
import type { Page } from 'src/common/pagination';
import { formatCalendarDate, formatInstant, formatScore } from 'src/pdf/format';

/**
 * The public HTML pages: no script, one inline style sheet, every value escaped by `html` and
 * isolated with `<bdi>` so that Latin names read right inside Arabic sentences and the reverse.
 */

/** The pages' own Content-Security-Policy: nothing runs, nothing is fetched. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; " +
  "base-uri 'none'; frame-ancestors 'none'";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;background:#f3f4f6}
header,main,footer{max-width:44rem;margin:0 auto;padding:0 1rem}
header{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem;padding-top:.75rem;font-size:.9rem;color:#4b5563}
nav a{margin-inline-start:.75rem}
h1{font-size:1.35rem;margin:1rem 0 .75rem}
h2{font-size:1.1rem;margin:0 0 .5rem}
a{color:#1d4ed8}
.banner{border-radius:.75rem;padding:1rem 1.25rem;color:#fff;margin-bottom:1rem}
.banner .word{font-size:2rem;font-weight:700;margin:0;letter-spacing:.02em}
.banner .number{margin:0;font-size:1.05rem;opacity:.95}
.banner .holder{font-weight:600;margin:.35rem 0}
.banner p{margin:.25rem 0 0}
.s-valid{background:#0f7a3a}.s-suspended{background:#b45309}.s-revoked{background:#b91c1c}
.s-expired{background:#4b5563}.s-superseded{background:#1e40af}.s-unknown{background:#7f1d1d}
.note{border-radius:.75rem;padding:.75rem 1rem;margin-bottom:1rem;border:2px solid;background:#fff}
.note p{margin:0}.note p+p{margin-top:.25rem}
.ok{border-color:#0f7a3a;color:#0b5a2b}.bad{border-color:#b91c1c;color:#8b1414}
.plain{border-color:#d1d5db;color:#374151}
.bad strong{font-size:1.15rem}
.card{background:#fff;border-radius:.75rem;padding:1rem 1.25rem;margin-bottom:1rem;border:1px solid #e5e7eb}
.hint{color:#4b5563;font-size:.9rem;margin:0 0 .5rem}
dl{margin:0;display:grid;grid-template-columns:minmax(7rem,38%) 1fr;gap:.35rem 1rem}
dt{color:#4b5563}dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.button{display:inline-block;background:#1d4ed8;color:#fff;text-decoration:none;padding:.7rem 1.1rem;border-radius:.5rem;font-weight:600}
.small{font-size:.85rem;color:#4b5563;overflow-wrap:anywhere}
footer{padding-bottom:2rem;font-size:.9rem;color:#4b5563}
form{display:grid;grid-template-columns:1fr 1fr auto;gap:.5rem;align-items:end;margin-bottom:1rem}
label{display:block;font-size:.9rem;color:#4b5563}
input{width:100%;font:inherit;padding:.5rem;border:1px solid #9ca3af;border-radius:.4rem}
button{font:inherit;padding:.55rem 1rem;border:0;border-radius:.4rem;background:#1d4ed8;color:#fff}
ul.entries{list-style:none;margin:0;padding:0}
ul.entries li{background:#fff;border:1px solid #e5e7eb;border-radius:.75rem;padding:.75rem 1rem;margin-bottom:.5rem}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:1rem 0}
@media (max-width:30rem){dl{grid-template-columns:1fr}dd{margin-bottom:.4rem}form{grid-template-columns:1fr}}
`;

interface Layout {
  readonly lang: PageLanguage;
  readonly title: string;
  /** The page's path and query without `lang`, for the language links. */
  readonly path: string;
  readonly params: Readonly<Record<string, string | number | undefined>>;
  readonly body: SafeHtml;
  /** Verification pages stay out of search engines; the registry is meant to be found. */
  readonly indexable?: boolean;
}

function hrefOf(path: string, params: Layout['params'], lang?: PageLanguage): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      query.set(name, String(value));
    }
  }
  if (lang) {
    query.set('lang', lang);
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

function layout({ lang, title, path, params, body, indexable }: Layout): string {
  const t = PAGE_TEXTS[lang];
  const languages = PAGE_LANGUAGES.filter((other) => other !== lang).map(
    (other) =>
      html`<a href="${hrefOf(path, params, other)}" hreflang="${other}" lang="${other}"
        >${PAGE_TEXTS[other].languageName}</a
      >`,
  );
  return html`<!doctype html>
    <html lang="${lang}" dir="${t.dir}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${indexable ? null : html`<meta name="robots" content="noindex" />`}
        <title>${title}</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <span>${t.brand}</span>
          <nav>${languages}</nav>
        </header>
        <main>${body}</main>
        <footer><a href="${hrefOf('/registry', {}, lang)}">${t.registryLink}</a></footer>
      </body>
    </html> `.value;
}

const bdi = (value: string) => html`<bdi>${value}</bdi>`;

function row(label: string, value: SafeHtml | string | null): SafeHtml | null {
  return value === null
    ? null
    : html`<dt>${label}</dt>
        <dd>${value}</dd>`;
}

export interface VerificationPageInput {
  readonly verification: CertificateVerification;
  readonly lang: PageLanguage;
  readonly token?: string;
}

/** `/verify/:number`: the live status, the token's check, the printed record, the dates. */
export function renderVerificationPage({
  verification,
  lang,
  token,
}: VerificationPageInput): string {
  const t = PAGE_TEXTS[lang];
  const { certificate: c, status } = verification;
  const body = html` <h1>${t.verifyTitle}</h1>
    <section class="banner s-${status}" role="status">
      <p class="word">${t.status[status]}</p>
      <p class="number">${t.certificate} ${bdi(c.number)}</p>
      <p class="holder">
        ${bdi(c.printed.company.name)}<br />${bdi(c.printed.site.name)} ·
        ${bdi(c.printed.site.city)}
      </p>
      <p>${t.statusMeaning[status]}</p>
    </section>
    ${tokenNote(verification, t)} ${prerequisiteNote(verification, t, lang)}
    ${status === 'valid' ? html`<p><a class="button" href="/api/v1/public/certificates/${c.number}/pdf">${t.downloadPdf}</a></p>` : null}
    ${printedCard(verification, t, lang)} ${datesCard(verification, t, lang)}
    <p class="small">
      ${t.checkedAt} ${bdi(formatInstant(verification.checkedAt, lang))}
      ${
        verification.token.checked && verification.token.kid
          ? html`<br />${t.keyId} <bdi>${verification.token.kid}</bdi>`
          : null
      }
    </p>`;
  return layout({
    lang,
    title: `${t.certificate} ${c.number} — ${t.status[status]}`,
    path: `/verify/${c.number}`,
    params: { t: token },
    body,
  });
}

function tokenNote({ token }: CertificateVerification, t: PageTexts): SafeHtml {
  if (!token.checked) {
    return html`<section class="note plain"><p>${t.tokenNotChecked}</p></section>`;
  }
  if (token.valid) {
    return html`<section class="note ok"><p>✓ ${t.tokenValid}</p></section>`;
  }
  return html`<section class="note bad" role="alert">
    <p><strong>✕ ${t.tokenInvalid}</strong></p>
    <p>${t.tokenReason[token.reason]}</p>
    <p>${t.tokenInvalidAdvice}</p>
  </section>`;
}

function prerequisiteNote(
  { prerequisite, certificate }: CertificateVerification,
  t: PageTexts,
  lang: PageLanguage,
): SafeHtml {
  if (!prerequisite.met) {
    return html`<section class="note bad"><p>✕ ${t.prerequisiteNotMet}</p></section>`;
  }
  if (prerequisite.certificateNumber === certificate.number || !prerequisite.certificateNumber) {
    return html`<section class="note ok"><p>✓ ${t.prerequisiteMet}</p></section>`;
  }
  const other = prerequisite.certificateNumber;
  return html`<section class="note ok">
    <p>
      ✓ ${t.prerequisiteMetThrough}
      <a href="${hrefOf(`/verify/${other}`, {}, lang)}"><bdi>${other}</bdi></a>
    </p>
  </section>`;
}

function printedCard(
  { certificate: c }: CertificateVerification,
  t: PageTexts,
  lang: PageLanguage,
) {
  const p = c.printed;
  const groups = (['employees', 'clients', 'providers', 'community'] as const)
    .filter((group) => p.groupScores[group] !== null)
    .map((group) => `${t.groups[group]} ${formatScore(p.groupScores[group], lang)}`)
    .join(' · ');
  return html`<section class="card">
    <h2>${t.printedTitle}</h2>
    <p class="hint">${t.printedHint}</p>
    <dl>
      ${row(t.fields.number, bdi(p.number))} ${row(t.fields.company, bdi(p.company.name))}
      ${row(t.fields.ice, bdi(p.company.ice))} ${row(t.fields.site, bdi(p.site.name))}
      ${row(t.fields.address, bdi(p.site.address))} ${row(t.fields.city, bdi(p.site.city))}
      ${row(t.fields.charterVersion, bdi(p.charterVersion))}
      ${row(t.fields.auditDate, formatCalendarDate(p.auditDate, lang))}
      ${row(t.fields.score, html`<bdi>${formatScore(p.score, lang)} / 100</bdi>`)}
      ${groups ? row(t.fields.groupScores, groups) : null}
      ${row(t.fields.validity, t.validityRange(formatCalendarDate(p.validFrom, lang), formatCalendarDate(p.validUntil, lang)))}
    </dl>
  </section>`;
}

function datesCard(v: CertificateVerification, t: PageTexts, lang: PageLanguage) {
  const c = v.certificate;
  const when = (instant: Date | null) => (instant ? bdi(formatInstant(instant, lang)) : null);
  const successor = v.successorNumber
    ? html`<a href="${hrefOf(`/verify/${v.successorNumber}`, {}, lang)}"
        ><bdi>${v.successorNumber}</bdi></a
      >`
    : null;
  return html`<section class="card">
    <h2>${t.datesTitle}</h2>
    <dl>
      ${row(t.fields.issuedAt, when(c.issuedAt))}
      ${row(t.fields.validity, t.validityRange(formatCalendarDate(c.validFrom, lang), formatCalendarDate(c.validUntil, lang)))}
      ${v.status === 'suspended' ? row(t.fields.suspendedAt, when(c.suspendedAt)) : null}
      ${row(t.fields.revokedAt, when(c.revokedAt))}
      ${row(t.fields.revocationReason, c.revocationReason ? bdi(c.revocationReason) : null)}
      ${row(t.fields.supersededAt, when(c.supersededAt))} ${row(t.fields.successor, successor)}
    </dl>
  </section>`;
}

/** `/verify/:number` for a number no certificate bears, or that is not a number at all. */
export function renderUnknownPage(input: {
  readonly number: string;
  readonly malformed: boolean;
  readonly lang: PageLanguage;
  readonly token?: string;
}): string {
  const t = PAGE_TEXTS[input.lang];
  const shown = input.number.slice(0, 60);
  const body = html` <h1>${t.verifyTitle}</h1>
    <section class="banner s-unknown" role="status">
      <p class="word">${t.status.unknown}</p>
      <p class="number">${t.certificate} ${bdi(shown)}</p>
      <p>${t.statusMeaning.unknown}</p>
      ${input.malformed ? html`<p>${t.malformedNumber}</p>` : null}
    </section>
    <section class="note bad"><p>✕ ${t.prerequisiteNotMet}</p></section>`;
  return layout({
    lang: input.lang,
    title: `${t.certificate} ${shown} — ${t.status.unknown}`,
    path: `/verify/${encodeURIComponent(input.number)}`,
    params: { t: input.token },
    body,
  });
}

/** `/registry`: the certified sites, a search by company and city, and pages. */
export function renderRegistryPage(
  page: Page<RegistryEntry>,
  query: RegistryQuery,
  lang: PageLanguage,
): string {
  const t = PAGE_TEXTS[lang];
  const filters = {
    q: query.q,
    city: query.city,
    pageSize: query.pageSize === 20 ? undefined : query.pageSize,
  };
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const entries = page.items.map(
    (entry) =>
      html`<li>
        <strong><bdi>${entry.company}</bdi></strong
        ><br />
        <bdi>${entry.site}</bdi> · <bdi>${entry.city}</bdi><br />
        <span class="small"
          >${t.certificate} <bdi>${entry.number}</bdi> —
          ${t.validUntil(formatCalendarDate(entry.validUntil, lang))}</span
        ><br />
        <a href="${hrefOf(`/verify/${entry.number}`, {}, lang)}">${t.verifyLink}</a> ·
        <a href="/api/v1/public/certificates/${entry.number}/pdf">PDF</a>
      </li>`,
  );
  const link = (target: number, label: string) =>
    html`<a href="${hrefOf('/registry', { ...filters, page: target }, lang)}">${label}</a>`;
  const body = html` <h1>${t.registryTitle}</h1>
    <p>${t.registryIntro}</p>
    <form method="get" action="/registry" role="search">
      <input type="hidden" name="lang" value="${lang}" />
      <div>
        <label for="q">${t.searchCompany}</label
        ><input id="q" name="q" maxlength="100" value="${query.q ?? ''}" />
      </div>
      <div>
        <label for="city">${t.searchCity}</label
        ><input id="city" name="city" maxlength="100" value="${query.city ?? ''}" />
      </div>
      <div><button type="submit">${t.search}</button></div>
    </form>
    <p><strong>${t.results(page.total)}</strong></p>
    ${
      entries.length > 0
        ? html`<ul class="entries">
            ${entries}
          </ul>`
        : html`<p>${t.noResults}</p>`
    }
    <nav class="pager">
      <span>${page.page > 1 ? link(page.page - 1, t.previous) : null}</span>
      <span>${t.pageOf(page.page, pages)}</span>
      <span>${page.page < pages ? link(page.page + 1, t.next) : null}</span>
    </nav>`;
  return layout({
    lang,
    title: t.registryTitle,
    path: '/registry',
    params: { ...filters, page: page.page > 1 ? page.page : undefined },
    body,
    indexable: true,
  });
}
