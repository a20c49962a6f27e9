import type { Activity, Region } from 'src/members/members.types';

export interface DemoSite {
  readonly name: string;
  readonly address: string;
  readonly city: string;
  readonly region: Region;
  readonly headcountOnSite: number;
  readonly headcountRemote: number;
  readonly activities: readonly Activity[];
  readonly providesStaffTransport: boolean;
}

export interface DemoOrganisation {
  readonly name: string;
  readonly ice: string;
  readonly membershipNumber: string;
  readonly contactEmail: string;
  readonly members: readonly { readonly fullName: string; readonly email: string }[];
  readonly sites: readonly DemoSite[];
}

/** Fictitious member companies of the association, their sites and their staff. */
export const DEMO_ORGANISATIONS: readonly DemoOrganisation[] = [
  {
    name: 'Atlas Relation Client',
    ice: '001524789000041',
    membershipNumber: 'AMRC-2020-014',
    contactEmail: 'conformite@atlas-relation.ma',
    members: [
      { fullName: 'Nadia El Amrani', email: 'nadia.elamrani@atlas-relation.ma' },
      { fullName: 'Youssef Berrada', email: 'youssef.berrada@atlas-relation.ma' },
    ],
    sites: [
      {
        name: 'Casablanca Sidi Maârouf',
        address: 'Lotissement Attawfiq, Sidi Maârouf, 20270 Casablanca',
        city: 'Casablanca',
        region: 'casablanca_settat',
        headcountOnSite: 640,
        headcountRemote: 180,
        activities: ['front_office', 'back_office'],
        providesStaffTransport: true,
      },
      {
        name: 'Rabat Hay Riad',
        address: 'Avenue Annakhil, Hay Riad, 10100 Rabat',
        city: 'Rabat',
        region: 'rabat_sale_kenitra',
        headcountOnSite: 310,
        headcountRemote: 0,
        activities: ['front_office'],
        providesStaffTransport: false,
      },
    ],
  },
  {
    name: 'Sahara Contact Services',
    ice: '002145630000087',
    membershipNumber: 'AMRC-2020-027',
    contactEmail: 'qualite@saharacontact.ma',
    members: [{ fullName: 'Karim Ouazzani', email: 'karim.ouazzani@saharacontact.ma' }],
    sites: [
      {
        name: 'Marrakech Targa',
        address: 'Route de Targa, Zone Industrielle, 40000 Marrakech',
        city: 'Marrakech',
        region: 'marrakech_safi',
        headcountOnSite: 420,
        headcountRemote: 60,
        activities: ['front_office', 'back_office'],
        providesStaffTransport: true,
      },
      {
        name: 'Agadir Founty',
        address: 'Boulevard du 20 Août, Founty, 80000 Agadir',
        city: 'Agadir',
        region: 'souss_massa',
        headcountOnSite: 150,
        headcountRemote: 25,
        activities: ['back_office'],
        providesStaffTransport: false,
      },
    ],
  },
  {
    name: 'Médina Outsourcing',
    ice: '001987456000012',
    membershipNumber: 'AMRC-2020-031',
    contactEmail: 'direction@medina-outsourcing.ma',
    members: [
      { fullName: 'Salma Tazi', email: 'salma.tazi@medina-outsourcing.ma' },
      { fullName: 'Omar Benjelloun', email: 'omar.benjelloun@medina-outsourcing.ma' },
    ],
    sites: [
      {
        name: 'Fès Saïss',
        address: 'Technopark Fès Shore, Route d’Imouzzer, 30000 Fès',
        city: 'Fès',
        region: 'fes_meknes',
        headcountOnSite: 520,
        headcountRemote: 90,
        activities: ['front_office', 'back_office'],
        providesStaffTransport: true,
      },
      {
        name: 'Meknès Hamria',
        address: 'Avenue des FAR, Hamria, 50000 Meknès',
        city: 'Meknès',
        region: 'fes_meknes',
        headcountOnSite: 180,
        headcountRemote: 0,
        activities: ['front_office'],
        providesStaffTransport: true,
      },
    ],
  },
  {
    name: 'Détroit Call Solutions',
    ice: '003320145000063',
    membershipNumber: 'AMRC-2021-005',
    contactEmail: 'contact@detroit-calls.ma',
    members: [{ fullName: 'Imane Chraïbi', email: 'imane.chraibi@detroit-calls.ma' }],
    sites: [
      {
        name: 'Tanger Free Zone',
        address: 'Tanger Free Zone, Lot 52, 90100 Tanger',
        city: 'Tanger',
        region: 'tanger_tetouan_al_hoceima',
        headcountOnSite: 880,
        headcountRemote: 140,
        activities: ['front_office', 'back_office'],
        providesStaffTransport: true,
      },
      {
        name: 'Tétouan Centre',
        address: 'Avenue Mohammed V, 93000 Tétouan',
        city: 'Tétouan',
        region: 'tanger_tetouan_al_hoceima',
        headcountOnSite: 95,
        headcountRemote: 10,
        activities: ['back_office'],
        providesStaffTransport: false,
      },
    ],
  },
  {
    name: 'Oriental Télé-Services',
    ice: '002789654000035',
    membershipNumber: 'AMRC-2021-018',
    contactEmail: 'rh@oriental-teleservices.ma',
    members: [{ fullName: 'Hamza Alaoui', email: 'hamza.alaoui@oriental-teleservices.ma' }],
    sites: [
      {
        name: 'Oujda Technopole',
        address: 'Technopole d’Oujda, Route de l’Aéroport, 60000 Oujda',
        city: 'Oujda',
        region: 'oriental',
        headcountOnSite: 260,
        headcountRemote: 40,
        activities: ['front_office', 'back_office'],
        providesStaffTransport: true,
      },
    ],
  },
  {
    name: 'Kénitra Back Office Partners',
    ice: '004102587000019',
    membershipNumber: 'AMRC-2022-002',
    contactEmail: 'operations@kbop.ma',
    members: [{ fullName: 'Zineb Fassi Fihri', email: 'zineb.fassifihri@kbop.ma' }],
    sites: [
      {
        name: 'Kénitra Atlantic Free Zone',
        address: 'Atlantic Free Zone, Lot 18, 14000 Kénitra',
        city: 'Kénitra',
        region: 'rabat_sale_kenitra',
        headcountOnSite: 340,
        headcountRemote: 120,
        activities: ['back_office'],
        providesStaffTransport: true,
      },
      {
        name: 'Laâyoune Al Wahda',
        address: 'Boulevard Mekka, Al Wahda, 70000 Laâyoune',
        city: 'Laâyoune',
        region: 'laayoune_sakia_el_hamra',
        headcountOnSite: 70,
        headcountRemote: 0,
        activities: ['front_office'],
        providesStaffTransport: false,
      },
    ],
  },
];

export const DEMO_AUDITORS: readonly { readonly fullName: string; readonly email: string }[] = [
  { fullName: 'Rachid Bennis', email: 'rachid.bennis@amrc-charte.ma' },
  { fullName: 'Leïla Sqalli', email: 'leila.sqalli@amrc-charte.ma' },
  { fullName: 'Mehdi Lahlou', email: 'mehdi.lahlou@amrc-charte.ma' },
];

/**
 * The association's charter coordinator, who plans the sample audits and closes them (an
 * administrator: the demo acts through the services as the people who would).
 */
export const DEMO_ADMIN: { readonly fullName: string; readonly email: string } = {
  fullName: 'Samira Kettani',
  email: 'coordination@amrc-charte.ma',
};
