import type { LocalisedText } from 'src/charter/charter.types';
import { formatCalendarDate, formatDecimal, formatInstantDate } from 'src/pdf/format';

/** The sentences of a status's reasons, in French and English, with their figures. */

// French typography: a narrow no-break space before : ; ! ? (and a decimal comma, from fr-FR).
const NNBSP = '\u202F';

type Grade = 'minor_nc' | 'major_nc';

const GRADE_TEXTS: Record<Grade, LocalisedText> = {
  minor_nc: { fr: 'mineure', en: 'minor' },
  major_nc: { fr: 'majeure', en: 'major' },
};

/** `1 non-conformité`, `2 non-conformités`: the count, then the singular or the plural form. */
function count(n: number, singular: string, plural: string): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

function list(items: readonly string[]): string {
  return items.join(', ');
}

export function siteSuspendedText(reason: string, since: Date): LocalisedText {
  return {
    fr: `Le site est suspendu par l’association depuis le ${formatInstantDate(since, 'fr')}. Motif${NNBSP}: ${reason}`,
    en: `The site has been suspended by the association since ${formatInstantDate(since, 'en')}. Reason: ${reason}`,
  };
}

export function noClosedAuditText(): LocalisedText {
  return {
    fr: `Aucun audit du site n’est clôturé${NNBSP}: le site n’est pas encore évalué.`,
    en: 'No audit of the site is closed: the site is not assessed yet.',
  };
}

export function auditExpiredText(
  visitedOn: string,
  validUntil: string,
  validityDays: number,
): LocalisedText {
  return {
    fr:
      `L’audit du ${formatCalendarDate(visitedOn, 'fr')} était valable ${validityDays} jours, ` +
      `jusqu’au ${formatCalendarDate(validUntil, 'fr')} inclus${NNBSP}; ` +
      'un audit de surveillance est nécessaire.',
    en:
      `The audit of ${formatCalendarDate(visitedOn, 'en')} was valid for ${validityDays} days, ` +
      `through ${formatCalendarDate(validUntil, 'en')}; a surveillance audit is needed.`,
  };
}

export function openMajorNcText(codes: readonly string[]): LocalisedText {
  return {
    fr: `${count(codes.length, 'non-conformité majeure ouverte', 'non-conformités majeures ouvertes')}${NNBSP}: ${list(codes)}.`,
    en: `${count(codes.length, 'open major non-conformity', 'open major non-conformities')}: ${list(codes)}.`,
  };
}

export function openNcOnCriticalText(
  items: readonly { readonly code: string; readonly grade: Grade }[],
): LocalisedText {
  const named = (locale: 'fr' | 'en') =>
    list(items.map((i) => `${i.code} (${GRADE_TEXTS[i.grade][locale]})`));
  return {
    fr: `${count(items.length, 'non-conformité ouverte', 'non-conformités ouvertes')} sur des engagements critiques${NNBSP}: ${named('fr')}.`,
    en: `${count(items.length, 'open non-conformity', 'open non-conformities')} on critical commitments: ${named('en')}.`,
  };
}

export function correctiveActionOverdueText(
  items: readonly { readonly code: string; readonly dueAt: Date }[],
): LocalisedText {
  const named = (locale: 'fr' | 'en', due: string) =>
    list(items.map((i) => `${i.code} (${due} ${formatInstantDate(i.dueAt, locale)})`));
  return {
    fr: `${count(items.length, 'action corrective en retard', 'actions correctives en retard')}, sans réponse acceptée à l’échéance${NNBSP}: ${named('fr', 'échéance le')}.`,
    en: `${count(items.length, 'overdue corrective action', 'overdue corrective actions')}, with no accepted response by the deadline: ${named('en', 'due')}.`,
  };
}

/**
 * The score with two decimals against the threshold. Compared unrounded: a score just under the
 * threshold (74.999 against 75) is shown as 74.99, never rounded up to the threshold it missed.
 */
export function scoreBelowThresholdText(
  score: number,
  threshold: number,
  shortfall: readonly string[],
): LocalisedText {
  const rounded = Math.round(score * 100) / 100;
  const shown = rounded >= threshold ? Math.ceil(threshold * 100 - 1) / 100 : rounded;
  const figures = (locale: 'fr' | 'en') => ({
    score: formatDecimal(shown, locale, 2),
    threshold: formatDecimal(threshold, locale, 2),
  });
  const fr = figures('fr');
  const en = figures('en');
  return {
    fr:
      `Score de ${fr.score} sur 100, sous le seuil de ${fr.threshold}. ` +
      `Engagements sans la note pleine${NNBSP}: ${list(shortfall)}.`,
    en:
      `Score ${en.score} out of 100, below the threshold of ${en.threshold}. ` +
      `Commitments short of full marks: ${list(shortfall)}.`,
  };
}

export function openMinorNcText(
  items: readonly { readonly code: string; readonly dueAt: Date | null }[],
): LocalisedText {
  const named = (locale: 'fr' | 'en', due: string) =>
    list(
      items.map((i) =>
        i.dueAt === null ? i.code : `${i.code} (${due} ${formatInstantDate(i.dueAt, locale)})`,
      ),
    );
  return {
    fr: `${count(items.length, 'non-conformité mineure ouverte', 'non-conformités mineures ouvertes')} sur des engagements non critiques, action corrective en cours${NNBSP}: ${named('fr', 'échéance le')}.`,
    en: `${count(items.length, 'open minor non-conformity', 'open minor non-conformities')} on non-critical commitments, corrective action under way: ${named('en', 'due')}.`,
  };
}
