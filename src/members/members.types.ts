export const REGIONS = [
  'tanger_tetouan_al_hoceima',
  'oriental',
  'fes_meknes',
  'rabat_sale_kenitra',
  'beni_mellal_khenifra',
  'casablanca_settat',
  'marrakech_safi',
  'draa_tafilalet',
  'souss_massa',
  'guelmim_oued_noun',
  'laayoune_sakia_el_hamra',
  'dakhla_oued_ed_dahab',
] as const;
export type Region = (typeof REGIONS)[number];

export const ACTIVITIES = ['front_office', 'back_office'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export const LANGUAGES = ['fr', 'en', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

export const ORGANISATION_STATUSES = ['active', 'ended'] as const;
export type OrganisationStatus = (typeof ORGANISATION_STATUSES)[number];
