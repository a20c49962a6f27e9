import type { PrintLocale } from 'src/pdf/format';

export type PageLanguage = PrintLocale;
export const PAGE_LANGUAGES: readonly PageLanguage[] = ['fr', 'en', 'ar'];
export const DEFAULT_PAGE_LANGUAGE: PageLanguage = 'fr';

const isPageLanguage = (tag: string): tag is PageLanguage =>
  (PAGE_LANGUAGES as readonly string[]).includes(tag);

/**
 * The page's language: `?lang=` when given, otherwise the first language of `Accept-Language`
 * (by weight, then order) that the pages are written in, otherwise French.
 */
export function negotiateLanguage(
  requested: PageLanguage | undefined,
  acceptLanguage: string | string[] | undefined,
): PageLanguage {
  if (requested) {
    return requested;
  }
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage;
  if (!header) {
    return DEFAULT_PAGE_LANGUAGE;
  }
  const ranges = header
    .slice(0, 1000)
    .split(',')
    .slice(0, 30)
    .map((entry, index) => {
      const [range, ...params] = entry.trim().split(';');
      const q = params
        .map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p))
        .find((m) => m !== null);
      return {
        primary: range.trim().toLowerCase().split('-')[0],
        weight: q ? Number(q[1]) : 1,
        index,
      };
    })
    .filter((r) => r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranges.map((r) => r.primary).find(isPageLanguage) ?? DEFAULT_PAGE_LANGUAGE;
}
