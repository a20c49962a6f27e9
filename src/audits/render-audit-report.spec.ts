import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditReportView } from 'src/audits/audit-report.view';
import { renderAuditReport } from 'src/audits/render-audit-report';
import type { StakeholderGroup } from 'src/charter/charter.types';
import { pdfPageCount, pdfText } from 'src/pdf/poppler.testing';

type Finding = AuditReportView['findings'][number];

// The commitments of charter 2020.1 (charter-v1.md): code, group, criticality.
const COMMITMENTS: readonly [string, StakeholderGroup, Finding['criticality']][] = [
  ['E01', 'employees', 'critical'],
  ['E02', 'employees', 'critical'],
  ['E03', 'employees', 'critical'],
  ['E04', 'employees', 'critical'],
  ['E05', 'employees', 'critical'],
  ['E06', 'employees', 'major'],
  ['E07', 'employees', 'major'],
  ['E08', 'employees', 'major'],
  ['E09', 'employees', 'critical'],
  ['E10', 'employees', 'standard'],
  ['E11', 'employees', 'major'],
  ['E12', 'employees', 'major'],
  ['E13', 'clients', 'standard'],
  ['E14', 'clients', 'major'],
  ['E15', 'clients', 'critical'],
  ['E16', 'providers', 'major'],
  ['E17', 'providers', 'major'],
  ['E18', 'providers', 'major'],
  ['E19', 'community', 'standard'],
  ['E20', 'community', 'standard'],
];

const RESULTS: Record<string, Finding['result']> = {
  E03: 'major_nc',
  E06: 'minor_nc',
  E08: 'observation',
  E10: 'not_applicable',
  E12: 'minor_nc',
  E15: 'major_nc',
  E17: 'observation',
  E19: 'minor_nc',
};

// French typography as auditors type it: narrow no-break spaces (U+202F) before ; ? ! and inside
// « », no-break spaces (U+00A0) before :, typographic apostrophes.
const NOTES: Record<string, string> = {
  E03:
    'Le gel hydroalcoolique manque à l’entrée du plateau\u202F2 depuis lundi\u202F; ' +
    'aucun registre de réassort n’est tenu («\u202Fon attend la livraison\u202F»).',
  E06: 'La distance de 1,5\u00A0m entre postes n’est pas respectée sur 4 positions du plateau nord.',
  E08: 'Affichage des consignes présent mais en français seulement\u202F: ajouter l’arabe.',
  E10: 'Le site n’a pas d’activité de back-office, vérifié sur le registre du site.',
  E12: 'Les casques ne sont pas nominatifs pour l’équipe de nuit ≥\u202F22\u00A0h.',
  E15: 'Le donneur d’ordre n’a pas été informé du cas contact du 3\u00A0mars\u202F!',
  E17: 'Le prestataire de nettoyage ne signe pas toujours la feuille de passage.',
  E19: 'Pas de référent désigné pour la collectivité\u202F; courrier au wali à envoyer.',
};

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function evidenceFor(code: string, index: number): Finding['evidence'] {
  if (index % 3 === 2) {
    return [];
  }
  return Array.from({ length: 1 + (index % 2) }, (_, k) => ({
    originalName: `${code.toLowerCase()}-constat-${k + 1}-plateau d’accueil.jpg`,
    mediaType: k === 0 ? 'image/jpeg' : 'application/pdf',
    sha256: sha(`${code}-${k}`),
    capturedAt: k === 0 ? new Date(Date.UTC(2026, 2, 10, 9, 15 + index)) : null,
  }));
}

const ARABIC_SITE = 'مركز النداء الدار البيضاء';

function findings(): Finding[] {
  return COMMITMENTS.map(([code, group, criticality], index) => ({
    code,
    group,
    criticality,
    title: {
      fr: `Engagement ${code} : mesure sanitaire`,
      en: `Commitment ${code}: health measure`,
    },
    result: RESULTS[code] ?? 'conform',
    note: NOTES[code] ?? null,
    evidence: evidenceFor(code, index),
  }));
}

function givenView(overrides: Partial<AuditReportView> = {}): AuditReportView {
  return {
    audit: {
      id: '0b7c0f9e-3a55-4c1e-9a7e-5d2f2f1b8c11',
      type: 'surveillance',
      status: 'closed',
      plannedFor: '2026-03-09',
      visitedOn: '2026-03-10',
      submittedAt: new Date('2026-03-11T16:20:00Z'),
      closedAt: new Date('2026-03-12T10:05:00Z'),
      charterVersion: '2020.1',
      score: 81.23456,
      groupScores: { employees: 78.0549, clients: 66.666666, providers: 100, community: 50 },
    },
    organisation: { name: 'Atlas Relation Client SARL', ice: '001524875000093' },
    site: {
      name: ARABIC_SITE,
      address: 'Technopark, route de Nouaceur, bâtiment B, 3ᵉ étage',
      city: 'Casablanca',
    },
    auditor: { fullName: 'Salma El Idrissi', email: 'salma.elidrissi@association.example' },
    findings: findings(),
    correctiveActions: Object.entries(RESULTS)
      .filter(([, result]) => result === 'minor_nc' || result === 'major_nc')
      .map(([code, result], i) => ({
        code,
        grade: result as 'minor_nc' | 'major_nc',
        status: ['open', 'responded', 'verified', 'open'][i % 4],
        dueAt: new Date(Date.UTC(2026, 2, result === 'major_nc' ? 19 : 30 + i, 10, 5)),
      })),
    generatedAt: new Date('2026-03-12T10:30:00Z'),
    ...overrides,
  };
}

/** Whitespace (incl. U+00A0, U+202F) collapsed, and the page footers taken out. */
function bodyText(text: string): string {
  return text
    .split(/\r?\n|\f/)
    .filter((line) => !/^Rapport d’audit · Audit report — généré/.test(line))
    .filter((line) => !/^Page \d+ \/ \d+$/.test(line.trim()))
    .join(' ')
    .replace(/\s+/g, ' ');
}

const collapse = (text: string) => text.replace(/\s+/g, ' ');

describe('renderAuditReport', () => {
  let dir: string;
  const write = (name: string, pdf: Buffer) => {
    const file = join(dir, name);
    writeFileSync(file, pdf);
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-report-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives a complete PDF file', async () => {
    const pdf = await renderAuditReport(givenView());

    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-8).toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
  });

  it('prints the site, every commitment, every non-conformity note and the scores', async () => {
    const text = bodyText(pdfText(write('report.pdf', await renderAuditReport(givenView()))));

    expect(text).toContain(ARABIC_SITE);
    expect(text).toContain('Atlas Relation Client SARL');
    expect(text).toContain('001524875000093');
    for (const [code] of COMMITMENTS) {
      expect(text).toContain(code);
    }
    for (const [code, note] of Object.entries(NOTES)) {
      expect({ code, found: text.includes(collapse(note)) }).toEqual({ code, found: true });
    }
    expect(text).toContain('81,23'); // French
    expect(text).toContain('81.23'); // English
    expect(text).toContain('66,67');
    expect(text).toContain('100,00');
    expect(text).toContain(sha('E01-0')); // a SHA-256 in full
  });

  it('prints dates and instants in both languages, in Casablanca time', async () => {
    const text = bodyText(pdfText(write('dates.pdf', await renderAuditReport(givenView()))));

    expect(text).toContain('10 mars 2026');
    expect(text).toContain('10 March 2026');
    // 10:05 UTC on 12 March 2026 is 10:05 in Casablanca, which keeps UTC+0 during Ramadan
    expect(text).toContain('12/03/2026 10:05 UTC+0');
  });

  it('gives the same bytes for the same view, whatever was rendered before', async () => {
    const [first] = findings();
    const short = givenView({ findings: [{ ...first, evidence: [] }], correctiveActions: [] });

    const before = await renderAuditReport(short);
    await renderAuditReport(givenView()); // warms the shared fonts and width caches
    const after = await renderAuditReport(short);

    expect(after.equals(before)).toBe(true);
    expect(
      (await renderAuditReport(givenView())).equals(await renderAuditReport(givenView())),
    ).toBe(true);
  });

  it('runs a long note onto the following pages without losing any of it', async () => {
    const sentence =
      'Le protocole de désinfection des postes n’est pas appliqué entre deux équipes\u202F; ';
    const note = Array.from({ length: 90 }, (_, i) => `${sentence}constat n°\u00A0${i + 1}.`).join(
      ' ',
    );
    const [first] = findings();
    const view = givenView({
      findings: [{ ...first, result: 'major_nc', note }],
      correctiveActions: [],
    });

    const file = write('long.pdf', await renderAuditReport(view));

    expect(pdfPageCount(file)).toBeGreaterThan(1);
    expect(bodyText(pdfText(file))).toContain(collapse(note));
  });

  it('reports a submitted audit with no score and no corrective action yet', async () => {
    const view = givenView({
      audit: {
        ...givenView().audit,
        status: 'submitted',
        closedAt: null,
        score: null,
        groupScores: { employees: null, clients: null, providers: null, community: null },
      },
      correctiveActions: [],
    });

    const text = bodyText(pdfText(write('submitted.pdf', await renderAuditReport(view))));

    expect(text).toContain('Soumis, en attente de clôture');
    expect(text).toContain('— (non applicable)');
    expect(text).toContain('Ouvertes à la clôture de l’audit.');
  });
});
