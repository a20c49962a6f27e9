import type { AuditReportView } from 'src/audits/audit-report.view';
import {
  STAKEHOLDER_GROUP_TITLES,
  STAKEHOLDER_GROUPS,
  type StakeholderGroup,
} from 'src/charter/charter.types';
import { formatCalendarDate, formatInstant, formatScore } from 'src/pdf/format';
import { createDocument, documentToBuffer, type PdfDocument } from 'src/pdf/pdf-document';
import type { FontSet } from 'src/pdf/pdf-fonts';
import {
  type Bilingual,
  bilingualCell,
  type Cell,
  contentWidth,
  drawFooters,
  drawSpans,
  heading,
  keyValueTable,
  rule,
  type Span,
  STYLES,
  table,
} from 'src/pdf/pdf-layout';
import {
  COLORS,
  ensureSpace,
  lineHeight,
  measure,
  type TextStyle,
  writeText,
} from 'src/pdf/pdf-text';

type Finding = AuditReportView['findings'][number];
type Result = Finding['result'];
type Evidence = Finding['evidence'][number];

const NBSP = '\u00A0';

const TITLE: Bilingual = { fr: 'Rapport d’audit', en: 'Audit report' };

const AUDIT_TYPES: Record<AuditReportView['audit']['type'], Bilingual> = {
  initial: { fr: 'Audit initial', en: 'Initial audit' },
  surveillance: { fr: 'Audit de surveillance', en: 'Surveillance audit' },
  follow_up: { fr: 'Audit de suivi', en: 'Follow-up audit' },
};

const AUDIT_STATUSES: Record<AuditReportView['audit']['status'], Bilingual> = {
  submitted: { fr: 'Soumis, en attente de clôture', en: 'Submitted, awaiting closure' },
  closed: { fr: 'Clôturé', en: 'Closed' },
};

const CRITICALITIES: Record<Finding['criticality'], Bilingual> = {
  critical: { fr: 'critique', en: 'critical' },
  major: { fr: 'majeure', en: 'major' },
  standard: { fr: 'standard', en: 'standard' },
};

const RESULTS: Record<Result, Bilingual & { mark: string; color: string }> = {
  conform: { fr: 'Conforme', en: 'Conforming', mark: '✔', color: COLORS.good },
  observation: { fr: 'Observation', en: 'Observation', mark: '•', color: COLORS.warn },
  minor_nc: {
    fr: 'Non-conformité mineure',
    en: 'Minor non-conformity',
    mark: '✘',
    color: COLORS.warn,
  },
  major_nc: {
    fr: 'Non-conformité majeure',
    en: 'Major non-conformity',
    mark: '✘',
    color: COLORS.bad,
  },
  not_applicable: { fr: 'Non applicable', en: 'Not applicable', mark: '–', color: COLORS.muted },
};

const CORRECTIVE_ACTION_STATUSES: Readonly<Record<string, Bilingual>> = {
  open: { fr: 'Ouverte', en: 'Open' },
  responded: { fr: 'Réponse reçue', en: 'Responded' },
  verified: { fr: 'Vérifiée', en: 'Verified' },
  rejected: { fr: 'Réponse rejetée', en: 'Response rejected' },
  overdue: { fr: 'En retard', en: 'Overdue' },
  superseded: { fr: 'Remplacée', en: 'Superseded' },
  cancelled: { fr: 'Annulée', en: 'Cancelled' },
};

const SECTIONS = {
  audit: { fr: 'Audit', en: 'Audit' },
  scores: { fr: 'Score', en: 'Score' },
  findings: { fr: 'Constats', en: 'Findings' },
  actions: { fr: 'Actions correctives', en: 'Corrective actions' },
} satisfies Record<string, Bilingual>;

/** A value that reads differently in each language: French, then English muted. */
function bilingualValue(value: Bilingual, style: TextStyle = STYLES.body): Cell {
  return [
    { text: value.fr, style },
    { text: value.en, style: STYLES.small },
  ];
}

const plain = (text: string, style: TextStyle = STYLES.body): Cell => [{ text, style }];

const dateValue = (date: string | null): Cell =>
  date === null
    ? plain('—')
    : bilingualValue({ fr: formatCalendarDate(date, 'fr'), en: formatCalendarDate(date, 'en') });

const instantValue = (instant: Date | null, style: TextStyle = STYLES.body): Cell =>
  instant === null
    ? plain('—')
    : bilingualValue({ fr: formatInstant(instant, 'fr'), en: formatInstant(instant, 'en') }, style);

// no score: every commitment of the audit (or of the group) was judged not applicable
const scoreValue = (score: number | null): Cell =>
  score === null
    ? bilingualValue({ fr: '— (non applicable)', en: '— (not applicable)' })
    : bilingualValue({ fr: formatScore(score, 'fr'), en: formatScore(score, 'en') });

function writeTitle(doc: PdfDocument, view: AuditReportView): void {
  writeText(doc, TITLE.fr, STYLES.title);
  writeText(doc, TITLE.en, STYLES.subtitle);
  doc.y += 2;
  writeText(doc, view.site.name, { face: 'bold', size: 12 });
  writeText(doc, `${view.organisation.name} · ${view.site.city}`, STYLES.body);
  doc.y += 4;
}

function writeDetails(doc: PdfDocument, view: AuditReportView): void {
  const { audit, organisation, site, auditor } = view;
  heading(doc, SECTIONS.audit);
  keyValueTable(doc, [
    { label: { fr: 'Site', en: 'Site' }, value: plain(site.name, STYLES.bodyBold) },
    { label: { fr: 'Adresse', en: 'Address' }, value: plain(`${site.address}\n${site.city}`) },
    { label: { fr: 'Entreprise', en: 'Company' }, value: plain(organisation.name) },
    { label: { fr: 'ICE', en: 'ICE (company identifier)' }, value: plain(organisation.ice) },
    {
      label: { fr: 'Auditeur', en: 'Auditor' },
      value: [
        { text: auditor.fullName, style: STYLES.body },
        { text: auditor.email, style: STYLES.small },
      ],
    },
    {
      label: { fr: 'Type d’audit', en: 'Audit type' },
      value: bilingualValue(AUDIT_TYPES[audit.type]),
    },
    { label: { fr: 'Statut', en: 'Status' }, value: bilingualValue(AUDIT_STATUSES[audit.status]) },
    { label: { fr: 'Date prévue', en: 'Planned for' }, value: dateValue(audit.plannedFor) },
    { label: { fr: 'Date de visite', en: 'Visited on' }, value: dateValue(audit.visitedOn) },
    { label: { fr: 'Soumis le', en: 'Submitted at' }, value: instantValue(audit.submittedAt) },
    { label: { fr: 'Clôturé le', en: 'Closed at' }, value: instantValue(audit.closedAt) },
    {
      label: { fr: 'Version de la charte', en: 'Charter version' },
      value: plain(audit.charterVersion),
    },
    {
      label: { fr: 'Référence de l’audit', en: 'Audit reference' },
      value: plain(audit.id, STYLES.mono),
    },
  ]);
}

function resultCounts(view: AuditReportView): Bilingual {
  const count = (result: Result) => view.findings.filter((f) => f.result === result).length;
  const parts = (Object.keys(RESULTS) as Result[])
    .filter((result) => count(result) > 0)
    .map((result) => ({ n: count(result), label: RESULTS[result] }));
  return {
    fr: parts.map((p) => `${p.label.fr}${NBSP}: ${p.n}`).join(' · ') || '—',
    en: parts.map((p) => `${p.label.en}: ${p.n}`).join(' · ') || '—',
  };
}

function writeScores(doc: PdfDocument, view: AuditReportView): void {
  heading(doc, SECTIONS.scores);
  keyValueTable(doc, [
    {
      label: { fr: 'Score global (sur 100)', en: 'Overall score (out of 100)' },
      value: scoreValue(view.audit.score),
    },
    ...STAKEHOLDER_GROUPS.map((group) => ({
      label: STAKEHOLDER_GROUP_TITLES[group],
      value: scoreValue(view.audit.groupScores[group]),
    })),
    { label: { fr: 'Constats', en: 'Findings' }, value: bilingualValue(resultCounts(view)) },
  ]);
}

const CODE_WIDTH = 38;

/** The result in its colour, then the criticality, on one line when they fit, else on two. */
function writeResultLine(doc: PdfDocument, finding: Finding, x: number): void {
  const result = RESULTS[finding.result];
  const criticality = CRITICALITIES[finding.criticality];
  const first: Span[] = [
    {
      text: `${result.mark} ${result.fr} / ${result.en}`,
      style: { face: 'bold', size: 8.5, color: result.color },
    },
  ];
  const second: Span = {
    text: `Criticité${NBSP}: ${criticality.fr} · Criticality: ${criticality.en}`,
    style: STYLES.small,
  };
  const width = (spans: readonly Span[]) =>
    spans.reduce((sum, span) => sum + measure(doc, span.style, span.text), 0);
  const height = lineHeight(doc, first[0].style);
  const spacer: Span = { text: '     ', style: STYLES.small };
  const oneLine = width([...first, spacer, second]) <= contentWidth(doc) - CODE_WIDTH;
  for (const spans of oneLine ? [[...first, spacer, second]] : [first, [second]]) {
    ensureSpace(doc, height);
    drawSpans(doc, spans, x, doc.y);
    doc.y += height;
  }
}

function writeEvidence(doc: PdfDocument, evidence: readonly Evidence[], x: number): void {
  const indent = x - doc.page.margins.left;
  if (evidence.length === 0) {
    writeText(doc, 'Aucune preuve jointe · No evidence attached', STYLES.small, { x });
    return;
  }
  doc.y += 2;
  const rest = contentWidth(doc) - indent;
  table(
    doc,
    [
      {
        width: rest - 182,
        header: bilingualCell({
          fr: 'Preuve et empreinte SHA-256',
          en: 'Evidence and SHA-256 digest',
        }),
      },
      { width: 70, header: bilingualCell({ fr: 'Type', en: 'Media type' }) },
      { width: 112, header: bilingualCell({ fr: 'Capturée le', en: 'Captured at' }) },
    ],
    evidence.map((item) => [
      [
        { text: item.originalName, style: STYLES.body },
        { text: item.sha256, style: STYLES.mono },
      ],
      plain(item.mediaType, STYLES.small),
      instantValue(item.capturedAt, STYLES.small),
    ]),
    { indent, rules: false }, // the finding's own rule closes the table
  );
}

function writeFinding(doc: PdfDocument, finding: Finding): void {
  const left = doc.page.margins.left;
  const x = left + CODE_WIDTH;
  ensureSpace(doc, 70); // code, titles and result stay together
  const top = doc.y + 4;
  doc.y = top;
  drawSpans(
    doc,
    [{ text: finding.code, style: { face: 'bold', size: 10, color: COLORS.accent } }],
    left,
    top,
  );
  writeText(doc, finding.title.fr, STYLES.bodyBold, { x });
  writeText(doc, finding.title.en, STYLES.small, { x });
  writeResultLine(doc, finding, x);
  if (finding.note !== null && finding.note.trim() !== '') {
    doc.y += 2;
    writeText(doc, 'Note de l’auditeur · Auditor’s note', STYLES.small, { x });
    writeText(doc, finding.note, STYLES.body, { x });
  }
  writeEvidence(doc, finding.evidence, x);
  doc.y += 4;
  rule(doc);
}

const byCode = (a: Finding, b: Finding) => a.code.localeCompare(b.code, 'en', { numeric: true });

function writeFindings(doc: PdfDocument, view: AuditReportView): void {
  const groups = STAKEHOLDER_GROUPS.map((group): [StakeholderGroup, Finding[]] => [
    group,
    view.findings.filter((f) => f.group === group).sort(byCode),
  ]).filter(([, findings]) => findings.length > 0);
  for (const [group, findings] of groups) {
    const title = STAKEHOLDER_GROUP_TITLES[group];
    heading(doc, {
      fr: `${SECTIONS.findings.fr}${NBSP}: ${title.fr}`,
      en: `${SECTIONS.findings.en}: ${title.en}`,
    });
    findings.forEach((finding) => writeFinding(doc, finding));
  }
}

function writeCorrectiveActions(doc: PdfDocument, view: AuditReportView): void {
  heading(doc, SECTIONS.actions);
  if (view.correctiveActions.length === 0) {
    const why =
      view.audit.status === 'closed'
        ? { fr: `Aucune${NBSP}: pas de non-conformité.`, en: 'None: no non-conformity.' }
        : { fr: 'Ouvertes à la clôture de l’audit.', en: 'Opened when the audit is closed.' };
    writeText(doc, why.fr, STYLES.body);
    writeText(doc, why.en, STYLES.small);
    return;
  }
  const status = (value: string): Bilingual =>
    CORRECTIVE_ACTION_STATUSES[value] ?? { fr: value, en: value };
  const width = contentWidth(doc);
  table(
    doc,
    [
      { width: 70, header: bilingualCell({ fr: 'Engagement', en: 'Commitment' }) },
      { width: 150, header: bilingualCell({ fr: 'Écart', en: 'Grade' }) },
      { width: 120, header: bilingualCell({ fr: 'Statut', en: 'Status' }) },
      { width: width - 340, header: bilingualCell({ fr: 'Échéance', en: 'Due at' }) },
    ],
    [...view.correctiveActions]
      .sort(
        (a, b) =>
          a.code.localeCompare(b.code, 'en', { numeric: true }) ||
          a.dueAt.getTime() - b.dueAt.getTime(),
      )
      .map((action) => [
        plain(action.code, STYLES.bodyBold),
        bilingualValue(RESULTS[action.grade]),
        bilingualValue(status(action.status)),
        instantValue(action.dueAt),
      ]),
  );
}

function writeFooters(doc: PdfDocument, view: AuditReportView): void {
  const at = view.generatedAt;
  drawFooters(
    doc,
    `${TITLE.fr} · ${TITLE.en} — généré le ${formatInstant(at, 'fr')} · generated ${formatInstant(at, 'en')}`,
    (page, count) => `Page ${page} / ${count}`,
  );
}

/**
 * The audit report as a PDF (A4, French and English): the audit's particulars, its scores, every
 * finding with its note and evidence by stakeholder group, and the corrective actions. The same
 * view gives the same bytes: the only clock read is `view.generatedAt`.
 */
export async function renderAuditReport(
  view: AuditReportView,
  options: { readonly fonts?: FontSet } = {},
): Promise<Buffer> {
  const doc = createDocument(
    {
      title: `${TITLE.fr} / ${TITLE.en} — ${view.site.name}`,
      author: view.auditor.fullName,
      subject: `Audit ${view.audit.id}`,
      keywords: `charte sanitaire, audit, ${view.audit.charterVersion}`,
      createdAt: view.generatedAt,
      lang: 'fr',
    },
    options.fonts,
  );
  writeTitle(doc, view);
  writeDetails(doc, view);
  writeScores(doc, view);
  writeFindings(doc, view);
  writeCorrectiveActions(doc, view);
  writeFooters(doc, view);
  return documentToBuffer(doc);
}
