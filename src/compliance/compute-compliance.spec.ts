import fc from 'fast-check';
import type { Criticality, StakeholderGroup } from 'src/charter/charter.types';
import type {
  ComplianceInput,
  ComplianceRule,
  ComplianceRules,
  ComplianceStatus,
  FindingResult,
} from 'src/compliance/compliance.types';
import { COMPLIANCE_RULES } from 'src/compliance/compliance.types';
import { computeCompliance } from 'src/compliance/compute-compliance';

type Audit = NonNullable<ComplianceInput['latestAudit']>;
type ActionStatus = Audit['correctiveActions'][number]['status'];

// Charter 2020.1 (charter-v1.md): weights critical 3, major 2, standard 1, 43 in all.
const CHARTER_2020_1: Audit['commitments'] = (
  [
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
  ] as const
).map(([code, group, criticality]: readonly [string, StakeholderGroup, Criticality]) => ({
  code,
  group,
  criticality,
}));
const CODES = CHARTER_2020_1.map((c) => c.code);
const WEIGHT: Record<string, number> = Object.fromEntries(
  CHARTER_2020_1.map((c) => [c.code, { critical: 3, major: 2, standard: 1 }[c.criticality]]),
);
const MAY_BE_NA = ['E10', 'E15', 'E18'];

const RULES_2020_1: ComplianceRules = {
  weights: { critical: 3, major: 2, standard: 1 },
  findingValues: { conform: 1, observation: 1, minor_nc: 0.5, major_nc: 0 },
  scoreThreshold: 75,
  auditValidityDays: 180,
};

const VISITED_ON = '2026-03-02';
const CLOSED_AT = new Date('2026-03-05T10:00:00Z');
// Well within validity, during Morocco's UTC+1.
const AT = new Date('2026-04-15T12:00:00Z');
const NNBSP = '\u202F';

interface ActionSpec {
  readonly status?: ActionStatus;
  readonly overdue?: boolean;
}

/**
 * The latest closed audit of 2020.1: every commitment conform unless named; each NC gets a
 * corrective action `ca-<code>` (open, within deadline unless told).
 */
function givenAudit(
  results: Partial<Record<string, FindingResult>> = {},
  actions: Partial<Record<string, ActionSpec>> = {},
  visitedOn = VISITED_ON,
): Audit {
  const findings = CODES.map((code) => ({
    id: `f-${code}`,
    code,
    result: results[code] ?? 'conform',
  }));
  const correctiveActions = findings.flatMap((f) => {
    if (f.result !== 'minor_nc' && f.result !== 'major_nc') {
      return [];
    }
    const days = f.result === 'major_nc' ? 7 : 30;
    return [
      {
        id: `ca-${f.code}`,
        findingId: f.id,
        code: f.code,
        grade: f.result,
        status: actions[f.code]?.status ?? ('open' as const),
        dueAt: new Date(CLOSED_AT.getTime() + days * 86_400_000),
        overdue: actions[f.code]?.overdue ?? false,
      },
    ];
  });
  return {
    id: 'audit-1',
    visitedOn,
    closedAt: CLOSED_AT,
    charterVersion: '2020.1',
    commitments: CHARTER_2020_1,
    findings,
    correctiveActions,
  };
}

function givenSite(
  audit: Audit | null = givenAudit(),
  suspension: ComplianceInput['suspension'] = null,
): ComplianceInput {
  return { siteId: 'site-1', suspension, latestAudit: audit };
}

const SUSPENSION = {
  reason: 'Cas groupés signalés par l’ARS',
  since: new Date('2026-04-01T08:00:00Z'),
};

/** 100 × Σ(weight × value) / Σ(weight) by hand, over the codes given. */
function weightedMean(values: Record<string, number>): number {
  let weighted = 0;
  let total = 0;
  for (const [code, value] of Object.entries(values)) {
    weighted += WEIGHT[code] * value;
    total += WEIGHT[code];
  }
  return (100 * weighted) / total;
}

const rulesOf = (input: ComplianceInput, at = AT) =>
  computeCompliance(input, RULES_2020_1, at).reasons.map((r) => r.rule);

describe('computeCompliance', () => {
  describe('status and the rules that hold', () => {
    it.each<[string, ComplianceInput, ComplianceStatus, ComplianceRule[]]>([
      ['a site with every commitment conform is compliant', givenSite(), 'compliant', []],
      [
        'observations count as conform',
        givenSite(givenAudit({ E01: 'observation', E13: 'observation' })),
        'compliant',
        [],
      ],
      [
        'a site without a closed audit is not assessed',
        givenSite(null),
        'not_assessed',
        ['no_closed_audit'],
      ],
      [
        'a suspended site without an audit is suspended and also not assessed',
        givenSite(null, SUSPENSION),
        'suspended',
        ['site_suspended', 'no_closed_audit'],
      ],
      [
        'suspension overrides a compliant audit',
        givenSite(givenAudit(), SUSPENSION),
        'suspended',
        ['site_suspended'],
      ],
      [
        'suspension overrides, and the audit’s rules are still listed',
        givenSite(givenAudit({ E06: 'major_nc' }), SUSPENSION),
        'suspended',
        ['site_suspended', 'open_major_nc'],
      ],
      [
        'an open major NC on a major commitment makes the site non-compliant',
        givenSite(givenAudit({ E06: 'major_nc' })),
        'non_compliant',
        ['open_major_nc'],
      ],
      [
        'a major NC whose corrective action is responded to is still open',
        givenSite(givenAudit({ E06: 'major_nc' }, { E06: { status: 'responded' } })),
        'non_compliant',
        ['open_major_nc'],
      ],
      [
        'an open major NC on a critical commitment holds two rules',
        givenSite(givenAudit({ E01: 'major_nc' })),
        'non_compliant',
        ['open_major_nc', 'open_nc_on_critical'],
      ],
      [
        'a minor NC on a critical commitment makes the site non-compliant',
        givenSite(givenAudit({ E15: 'minor_nc' })),
        'non_compliant',
        ['open_nc_on_critical'],
      ],
      [
        'a minor NC on a non-critical commitment makes the site conditionally compliant',
        givenSite(givenAudit({ E13: 'minor_nc' })),
        'conditionally_compliant',
        ['open_minor_nc'],
      ],
      [
        'minor NCs on a major and a standard commitment, within deadline, are conditional',
        givenSite(givenAudit({ E07: 'minor_nc', E20: 'minor_nc' })),
        'conditionally_compliant',
        ['open_minor_nc'],
      ],
      [
        'an overdue corrective action of a minor NC makes the site non-compliant',
        givenSite(givenAudit({ E13: 'minor_nc' }, { E13: { overdue: true } })),
        'non_compliant',
        ['corrective_action_overdue', 'open_minor_nc'],
      ],
      [
        'a verified NC counts as conform and closes it',
        givenSite(givenAudit({ E01: 'major_nc' }, { E01: { status: 'verified' } })),
        'compliant',
        [],
      ],
      [
        'a superseded corrective action leaves no open NC',
        givenSite(givenAudit({ E13: 'minor_nc' }, { E13: { status: 'superseded' } })),
        'compliant',
        [],
      ],
      [
        'a verified action is never overdue, whatever the caller says',
        givenSite(givenAudit({ E13: 'minor_nc' }, { E13: { status: 'verified', overdue: true } })),
        'compliant',
        [],
      ],
      [
        'a score under 75 without any open NC makes the site non-compliant',
        givenSite(
          givenAudit(
            {
              E06: 'major_nc',
              E07: 'major_nc',
              E08: 'major_nc',
              E11: 'major_nc',
              E12: 'major_nc',
              E14: 'major_nc',
            },
            {
              E06: { status: 'superseded' },
              E07: { status: 'superseded' },
              E08: { status: 'superseded' },
              E11: { status: 'superseded' },
              E12: { status: 'superseded' },
              E14: { status: 'superseded' },
            },
          ),
        ),
        'non_compliant',
        ['score_below_threshold'],
      ],
      [
        'every rule of the audit at once, listed in rule order',
        givenSite(
          givenAudit(
            { E01: 'major_nc', E02: 'major_nc', E03: 'major_nc', E04: 'major_nc', E13: 'minor_nc' },
            { E02: { overdue: true } },
            '2025-06-01',
          ),
          SUSPENSION,
        ),
        'suspended',
        [
          'site_suspended',
          'audit_expired',
          'open_major_nc',
          'open_nc_on_critical',
          'corrective_action_overdue',
          'score_below_threshold',
          'open_minor_nc',
        ],
      ],
      [
        'an expired audit with open NCs is expired, and lists them',
        givenSite(givenAudit({ E06: 'major_nc' }, {}, '2025-06-01')),
        'expired',
        ['audit_expired', 'open_major_nc'],
      ],
    ])('%s', (_name, input, status, rules) => {
      const result = computeCompliance(input, RULES_2020_1, AT);
      expect(result.status).toBe(status);
      expect(result.reasons.map((r) => r.rule)).toEqual(rules);
    });

    it('lists the reasons in the order of COMPLIANCE_RULES', () => {
      const rules = rulesOf(
        givenSite(
          givenAudit(
            { E01: 'major_nc', E13: 'minor_nc' },
            { E01: { overdue: true } },
            '2025-01-01',
          ),
          SUSPENSION,
        ),
      );
      const positions = rules.map((r) => COMPLIANCE_RULES.indexOf(r));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    });
  });

  describe('score threshold, compared unrounded', () => {
    const withThreshold = (threshold: number) => ({ ...RULES_2020_1, scoreThreshold: threshold });
    // Three major NCs whose actions were superseded: not open, still scored 0.
    const input = givenSite(
      givenAudit(
        { E06: 'major_nc', E07: 'major_nc', E08: 'major_nc' },
        {
          E06: { status: 'superseded' },
          E07: { status: 'superseded' },
          E08: { status: 'superseded' },
        },
      ),
    );
    const score = (100 * (43 - 6)) / 43; // 86.046…

    it.each<[string, number, boolean]>([
      ['a score exactly at the threshold is not below it', score, false],
      ['a score a hair under the threshold is below it', score + 1e-9, true],
      ['a score above the threshold is not below it', 80, false],
    ])('%s', (_name, threshold, below) => {
      const result = computeCompliance(input, withThreshold(threshold), AT);
      expect(result.score).toBe(score);
      expect(result.reasons.some((r) => r.rule === 'score_below_threshold')).toBe(below);
    });

    it.each<[string, number, ComplianceStatus]>([
      ['exactly 75 is not below 75', 75, 'compliant'],
      ['74.999 is below 75', 74.999, 'non_compliant'],
    ])('every commitment an observation worth the target: %s', (_name, target, status) => {
      // Every commitment an observation worth v gives a score of 100 v.
      const rules = {
        ...RULES_2020_1,
        findingValues: { ...RULES_2020_1.findingValues, observation: target / 100 },
      };
      const all = Object.fromEntries(CODES.map((c) => [c, 'observation' as const]));
      const result = computeCompliance(givenSite(givenAudit(all)), rules, AT);
      expect(result.score).toBeCloseTo(target, 9);
      expect(result.status).toBe(status);
    });

    it('shows a score just under the threshold as 74,99, never rounded up to 75', () => {
      const rules = {
        ...RULES_2020_1,
        findingValues: { ...RULES_2020_1.findingValues, observation: 0.74999 },
      };
      const all = Object.fromEntries(CODES.map((c) => [c, 'observation' as const]));
      const [reason] = computeCompliance(givenSite(givenAudit(all)), rules, AT).reasons;
      expect(reason.rule).toBe('score_below_threshold');
      expect(reason.detail.fr).toContain('Score de 74,99 sur 100, sous le seuil de 75,00.');
      expect(reason.detail.en).toContain('Score 74.99 out of 100, below the threshold of 75.00.');
    });
  });

  describe('score', () => {
    it.each<
      [string, Partial<Record<string, FindingResult>>, Partial<Record<string, ActionSpec>>, number]
    >([
      ['every commitment conform scores 100', {}, {}, 100],
      [
        'a major NC on a critical commitment loses its full weight',
        { E01: 'major_nc' },
        {},
        (100 * 40) / 43,
      ],
      [
        'a minor NC on a standard commitment loses half its weight',
        { E13: 'minor_nc' },
        {},
        (100 * 42.5) / 43,
      ],
      [
        'a verified NC counts as conform and raises the score',
        { E01: 'major_nc', E13: 'minor_nc' },
        { E01: { status: 'verified' } },
        (100 * 42.5) / 43,
      ],
      [
        'N/A is left out of both sums',
        { E10: 'not_applicable', E15: 'not_applicable', E18: 'not_applicable', E02: 'major_nc' },
        {},
        (100 * (37 - 3)) / 37,
      ],
    ])('%s', (_name, results, actions, score) => {
      const result = computeCompliance(givenSite(givenAudit(results, actions)), RULES_2020_1, AT);
      expect(result.score).toBeCloseTo(score, 10);
    });

    it('gives the four group scores, N/A left out of their sums too', () => {
      const result = computeCompliance(
        givenSite(givenAudit({ E15: 'not_applicable', E14: 'minor_nc', E20: 'major_nc' })),
        RULES_2020_1,
        AT,
      );
      expect(result.groupScores.employees).toBe(100);
      expect(result.groupScores.clients).toBeCloseTo((100 * (1 + 1)) / 3, 10);
      expect(result.groupScores.providers).toBe(100);
      expect(result.groupScores.community).toBe(50);
    });

    it('gives no score and no group score before any closed audit', () => {
      const result = computeCompliance(givenSite(null), RULES_2020_1, AT);
      expect(result.score).toBeNull();
      expect(result.groupScores).toEqual({
        employees: null,
        clients: null,
        providers: null,
        community: null,
      });
      expect(result.validUntil).toBeNull();
    });
  });

  describe('audit validity, a Casablanca calendar date, inclusive', () => {
    it.each<[string, string, string, boolean]>([
      // 2026-03-02 + 180 days = 2026-08-29; Morocco is at UTC+1 in August.
      [
        'the last day is still valid at its last local minute',
        VISITED_ON,
        '2026-08-29T22:59:59.999Z',
        false,
      ],
      [
        'the next local day is expired, while UTC is still on the last day',
        VISITED_ON,
        '2026-08-29T23:00:00Z',
        true,
      ],
      [
        'the next local day is expired at midnight UTC too',
        VISITED_ON,
        '2026-08-30T00:00:00Z',
        true,
      ],
      ['the day of the visit is valid', VISITED_ON, '2026-03-01T23:30:00Z', false],
      // 2026-08-24 + 180 days = 2027-02-20, during Ramadan: Morocco is at UTC+0.
      [
        'during Ramadan the last day ends at midnight UTC',
        '2026-08-24',
        '2027-02-20T23:59:59.999Z',
        false,
      ],
      [
        'during Ramadan the next day starts at midnight UTC',
        '2026-08-24',
        '2027-02-21T00:00:00Z',
        true,
      ],
    ])('%s', (_name, visitedOn, at, expired) => {
      const result = computeCompliance(
        givenSite(givenAudit({}, {}, visitedOn)),
        RULES_2020_1,
        new Date(at),
      );
      expect(result.status).toBe(expired ? 'expired' : 'compliant');
      expect(result.reasons.some((r) => r.rule === 'audit_expired')).toBe(expired);
    });

    it('gives the last valid day as validUntil', () => {
      const result = computeCompliance(givenSite(), RULES_2020_1, AT);
      expect(result.validUntil).toBe('2026-08-29');
      expect(result.evaluatedAt).toBe(AT);
    });
  });

  describe('reasons', () => {
    it('name the commitments, findings and corrective actions behind each rule, sorted', () => {
      const input = givenSite(
        givenAudit(
          { E13: 'minor_nc', E01: 'minor_nc', E06: 'major_nc', E02: 'major_nc', E20: 'minor_nc' },
          { E06: { overdue: true }, E02: { overdue: true } },
        ),
      );
      const reasons = computeCompliance(input, RULES_2020_1, AT).reasons;
      expect(reasons.map((r) => [r.rule, r.refs])).toEqual([
        [
          'open_major_nc',
          {
            commitments: ['E02', 'E06'],
            findingIds: ['f-E02', 'f-E06'],
            correctiveActionIds: ['ca-E02', 'ca-E06'],
          },
        ],
        [
          'open_nc_on_critical',
          {
            commitments: ['E01', 'E02'],
            findingIds: ['f-E01', 'f-E02'],
            correctiveActionIds: ['ca-E01', 'ca-E02'],
          },
        ],
        [
          'corrective_action_overdue',
          {
            commitments: ['E02', 'E06'],
            findingIds: ['f-E02', 'f-E06'],
            correctiveActionIds: ['ca-E02', 'ca-E06'],
          },
        ],
        [
          'open_minor_nc',
          {
            commitments: ['E13', 'E20'],
            findingIds: ['f-E13', 'f-E20'],
            correctiveActionIds: ['ca-E13', 'ca-E20'],
          },
        ],
      ]);
    });

    it('word each rule in French and English with its figures', () => {
      const input = givenSite(
        givenAudit(
          {
            E01: 'minor_nc',
            E02: 'major_nc',
            E03: 'major_nc',
            E04: 'major_nc',
            E06: 'major_nc',
            E13: 'minor_nc',
          },
          { E06: { overdue: true } },
          '2025-06-01',
        ),
        SUSPENSION,
      );
      const details = Object.fromEntries(
        computeCompliance(input, RULES_2020_1, AT).reasons.map((r) => [r.rule, r.detail]),
      );
      expect(details).toEqual({
        site_suspended: {
          fr: `Le site est suspendu par l’association depuis le 1 avril 2026. Motif${NNBSP}: Cas groupés signalés par l’ARS`,
          en: 'The site has been suspended by the association since 1 April 2026. Reason: Cas groupés signalés par l’ARS',
        },
        audit_expired: {
          fr: `L’audit du 1 juin 2025 était valable 180 jours, jusqu’au 28 novembre 2025 inclus${NNBSP}; un audit de surveillance est nécessaire.`,
          en: 'The audit of 1 June 2025 was valid for 180 days, through 28 November 2025; a surveillance audit is needed.',
        },
        open_major_nc: {
          fr: `4 non-conformités majeures ouvertes${NNBSP}: E02, E03, E04, E06.`,
          en: '4 open major non-conformities: E02, E03, E04, E06.',
        },
        open_nc_on_critical: {
          fr: `4 non-conformités ouvertes sur des engagements critiques${NNBSP}: E01 (mineure), E02 (majeure), E03 (majeure), E04 (majeure).`,
          en: '4 open non-conformities on critical commitments: E01 (minor), E02 (major), E03 (major), E04 (major).',
        },
        corrective_action_overdue: {
          fr: `1 action corrective en retard, sans réponse acceptée à l’échéance${NNBSP}: E06 (échéance le 12 mars 2026).`,
          en: '1 overdue corrective action, with no accepted response by the deadline: E06 (due 12 March 2026).',
        },
        score_below_threshold: {
          // (43 − 1.5 − 3 × 3 − 2 − 0.5) / 43 = 30 / 43
          fr: `Score de 69,77 sur 100, sous le seuil de 75,00. Engagements sans la note pleine${NNBSP}: E01, E02, E03, E04, E06, E13.`,
          en: 'Score 69.77 out of 100, below the threshold of 75.00. Commitments short of full marks: E01, E02, E03, E04, E06, E13.',
        },
        open_minor_nc: {
          fr: `1 non-conformité mineure ouverte sur des engagements non critiques, action corrective en cours${NNBSP}: E13 (échéance le 4 avril 2026).`,
          en: '1 open minor non-conformity on non-critical commitments, corrective action under way: E13 (due 4 April 2026).',
        },
      });
    });

    it('word the absence of a closed audit', () => {
      const [reason] = computeCompliance(givenSite(null), RULES_2020_1, AT).reasons;
      expect(reason.detail).toEqual({
        fr: `Aucun audit du site n’est clôturé${NNBSP}: le site n’est pas encore évalué.`,
        en: 'No audit of the site is closed: the site is not assessed yet.',
      });
    });

    it('put a narrow no-break space before every : ; ! ? of the French texts', () => {
      const input = givenSite(
        givenAudit({ E01: 'major_nc', E13: 'minor_nc' }, { E01: { overdue: true } }, '2025-01-01'),
        SUSPENSION,
      );
      for (const { detail } of computeCompliance(input, RULES_2020_1, AT).reasons) {
        expect(detail.fr).not.toMatch(/[^\u202F][:;!?]/);
      }
    });
  });

  describe('determinism', () => {
    it('gives the same answer whatever the order of commitments, findings and actions', () => {
      const audit = givenAudit(
        {
          E01: 'minor_nc',
          E06: 'major_nc',
          E13: 'minor_nc',
          E20: 'minor_nc',
          E10: 'not_applicable',
        },
        { E06: { overdue: true }, E20: { status: 'responded' } },
      );
      const expected = computeCompliance(givenSite(audit), RULES_2020_1, AT);
      fc.assert(
        fc.property(
          fc.shuffledSubarray([...audit.commitments], { minLength: 20, maxLength: 20 }),
          fc.shuffledSubarray([...audit.findings], { minLength: 20, maxLength: 20 }),
          fc.shuffledSubarray([...audit.correctiveActions], {
            minLength: audit.correctiveActions.length,
            maxLength: audit.correctiveActions.length,
          }),
          (commitments, findings, correctiveActions) => {
            const shuffled = { ...audit, commitments, findings, correctiveActions };
            expect(computeCompliance(givenSite(shuffled), RULES_2020_1, AT)).toEqual(expected);
          },
        ),
      );
    });
  });

  describe('mistakes of the caller', () => {
    it.each<[string, (audit: Audit) => Audit]>([
      ['a commitment without a finding', (a) => ({ ...a, findings: a.findings.slice(1) })],
      [
        'a commitment with two findings',
        (a) => ({ ...a, findings: [...a.findings, { ...a.findings[0], id: 'f-dup' }] }),
      ],
      [
        'a corrective action of an unknown finding',
        (a) => ({ ...a, correctiveActions: [{ ...a.correctiveActions[0], findingId: 'f-none' }] }),
      ],
    ])('throw a RangeError on %s', (_name, spoil) => {
      const audit = spoil(givenAudit({ E13: 'minor_nc' }));
      expect(() => computeCompliance(givenSite(audit), RULES_2020_1, AT)).toThrow(RangeError);
    });
  });

  describe('properties', () => {
    const STATUS_RANK: Partial<Record<ComplianceStatus, number>> = {
      non_compliant: 0,
      conditionally_compliant: 1,
      compliant: 2,
    };
    const RESULT_RANK: Record<Exclude<FindingResult, 'not_applicable'>, number> = {
      conform: 0,
      observation: 1,
      minor_nc: 2,
      major_nc: 3,
    };
    const WORSE: readonly Exclude<FindingResult, 'not_applicable'>[] = [
      'conform',
      'observation',
      'minor_nc',
      'major_nc',
    ];

    /** A whole 2020.1 audit within its validity: results, and the state of each NC's action. */
    const anAudit = fc
      .tuple(
        ...CODES.map((code) =>
          fc.record({
            result: fc.constantFrom<FindingResult>(
              ...WORSE,
              ...(MAY_BE_NA.includes(code) ? (['not_applicable'] as const) : []),
            ),
            status: fc.constantFrom<ActionStatus>('open', 'responded', 'verified'),
            overdue: fc.boolean(),
          }),
        ),
      )
      .map((cells) => {
        const results: Record<string, FindingResult> = {};
        const actions: Record<string, ActionSpec> = {};
        cells.forEach((cell, i) => {
          results[CODES[i]] = cell.result;
          actions[CODES[i]] = {
            status: cell.status,
            overdue: cell.status === 'open' && cell.overdue,
          };
        });
        return { results, actions };
      });

    const evaluate = (spec: {
      results: Record<string, FindingResult>;
      actions: Record<string, ActionSpec>;
    }) => computeCompliance(givenSite(givenAudit(spec.results, spec.actions)), RULES_2020_1, AT);

    it('worsening any one finding never raises the status nor the score', () => {
      fc.assert(
        fc.property(anAudit, fc.nat(19), fc.nat(3), (spec, index, to) => {
          const code = CODES[index];
          const from = spec.results[code];
          fc.pre(from !== 'not_applicable' && RESULT_RANK[WORSE[to]] > RESULT_RANK[from]);
          const worse = { ...spec, results: { ...spec.results, [code]: WORSE[to] } };
          const before = evaluate(spec);
          const after = evaluate(worse);
          expect(after.score!).toBeLessThanOrEqual(before.score!);
          expect(STATUS_RANK[after.status]!).toBeLessThanOrEqual(STATUS_RANK[before.status]!);
        }),
      );
    });

    it('verifying a corrective action never lowers the status nor the score', () => {
      fc.assert(
        fc.property(anAudit, fc.nat(19), (spec, index) => {
          const code = CODES[index];
          const result = spec.results[code];
          fc.pre(result === 'minor_nc' || result === 'major_nc');
          fc.pre(spec.actions[code].status !== 'verified');
          const verified = {
            ...spec,
            actions: { ...spec.actions, [code]: { status: 'verified' as const, overdue: false } },
          };
          const before = evaluate(spec);
          const after = evaluate(verified);
          expect(after.score!).toBeGreaterThanOrEqual(before.score!);
          expect(STATUS_RANK[after.status]!).toBeGreaterThanOrEqual(STATUS_RANK[before.status]!);
        }),
      );
    });

    it('keeps the score within 0–100, whatever the weights and values', () => {
      const weight = fc.double({ min: 0.1, max: 100, noNaN: true });
      const value = fc.double({ min: 0, max: 1, noNaN: true });
      fc.assert(
        fc.property(
          anAudit,
          fc.record({ critical: weight, major: weight, standard: weight }),
          fc.record({ conform: value, observation: value, minor_nc: value, major_nc: value }),
          (spec, weights, findingValues) => {
            const rules = { ...RULES_2020_1, weights, findingValues };
            const result = computeCompliance(
              givenSite(givenAudit(spec.results, spec.actions)),
              rules,
              AT,
            );
            expect(result.score).not.toBeNull();
            expect(result.score!).toBeGreaterThanOrEqual(0);
            expect(result.score!).toBeLessThanOrEqual(100);
          },
        ),
      );
    });

    it('not_applicable on every allowed commitment leaves the others’ weights intact', () => {
      const applicableResult = fc.constantFrom<FindingResult>(...WORSE);
      fc.assert(
        fc.property(
          fc.tuple(...CODES.map(() => applicableResult)),
          fc.subarray(MAY_BE_NA, { minLength: 1 }),
          (cells, notApplicable) => {
            const results: Record<string, FindingResult> = {};
            CODES.forEach((code, i) => (results[code] = cells[i]));
            notApplicable.forEach((code) => (results[code] = 'not_applicable'));
            // every NC verified-free and not counted as conform: superseded actions
            const actions = Object.fromEntries(
              CODES.map((c) => [c, { status: 'superseded' as const }]),
            );
            const result = computeCompliance(
              givenSite(givenAudit(results, actions)),
              RULES_2020_1,
              AT,
            );
            const rest = Object.fromEntries(
              CODES.filter((c) => !notApplicable.includes(c)).map((c) => [
                c,
                RULES_2020_1.findingValues[
                  cells[CODES.indexOf(c)] as keyof ComplianceRules['findingValues']
                ],
              ]),
            );
            expect(result.score!).toBeCloseTo(weightedMean(rest), 10);
          },
        ),
      );
    });
  });
});
