export const STAKEHOLDER_GROUPS = ['employees', 'clients', 'providers', 'community'] as const;
export type StakeholderGroup = (typeof STAKEHOLDER_GROUPS)[number];

export const CRITICALITIES = ['critical', 'major', 'standard'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/** The site facts under which a commitment may be judged not applicable. */
export const NOT_APPLICABLE_CONDITIONS = [
  'no_back_office',
  'no_remote_work',
  'no_staff_transport',
] as const;
export type NotApplicableCondition = (typeof NOT_APPLICABLE_CONDITIONS)[number];

export const CHARTER_STATUSES = ['draft', 'published'] as const;
export type CharterStatus = (typeof CHARTER_STATUSES)[number];

export interface LocalisedText {
  readonly fr: string;
  readonly en: string;
}

export const STAKEHOLDER_GROUP_TITLES: Record<StakeholderGroup, LocalisedText> = {
  employees: { fr: 'Salariés', en: 'Employees' },
  clients: { fr: 'Donneurs d’ordre', en: 'Client companies' },
  providers: { fr: 'Prestataires sur site', en: 'On-site providers' },
  community: { fr: 'Collectivité', en: 'Community' },
};

export const NOT_APPLICABLE_CONDITION_TEXTS: Record<NotApplicableCondition, LocalisedText> = {
  no_back_office: {
    fr: 'le site n’a pas d’activité de back-office',
    en: 'the site has no back-office activity',
  },
  no_remote_work: {
    fr: 'le site n’a aucun salarié en travail à distance',
    en: 'the site has no remote workers',
  },
  no_staff_transport: {
    fr: 'le site n’assure pas de transport du personnel',
    en: 'the site provides no staff transport',
  },
};

/** Orders versions such as `2020.9` and `2020.10` by year, then by minor number, numerically. */
export function compareCharterVersions(a: string, b: string): number {
  const [yearA, minorA] = a.split('.').map(Number);
  const [yearB, minorB] = b.split('.').map(Number);
  return yearA - yearB || minorA - minorB;
}
