import type { FindingResult } from 'src/audits/audits.types';
import type { Answer } from 'src/self-assessments/self-assessments.types';

/**
 * The texts of the demo's activity sample (self-assessments, audits, corrective actions), in
 * French as members and auditors write them. Typography: ’ and a narrow no-break space before
 * : ; ! ?
 */

/** What a member writes on an answer, and an auditor on a finding, commitment by commitment. */
export interface CommitmentTexts {
  /** A member’s comment on an implemented commitment. */
  readonly implemented: string;
  /** A member’s comment on a partially implemented or missing commitment. */
  readonly gap: string;
  /** An auditor’s remark on a conform commitment (an observation). */
  readonly observation: string;
  /** An auditor’s description of a non-conformity. */
  readonly nonConformity: string;
}

export const COMMITMENT_TEXTS: Readonly<Record<string, CommitmentTexts>> = {
  E01: {
    implemented:
      'Référente COVID nommée par lettre du 4 mai ; la cellule de crise se réunit chaque lundi à 9 h.',
    gap: 'Référent nommé, mais la cellule de crise ne se réunit plus depuis l’été : à relancer.',
    observation: 'Comptes rendus de la cellule de crise tenus, mais non signés par la direction.',
    nonConformity:
      'Aucun compte rendu de la cellule de crise depuis six semaines ; le référent du site a quitté l’entreprise sans remplaçant.',
  },
  E02: {
    implemented:
      'Plan d’implantation revu : un poste sur deux neutralisé, écrans en plexiglas sur les îlots de 4.',
    gap: 'Distance respectée sur le plateau 1 ; le plateau 3 reste à réaménager (écrans commandés).',
    observation:
      'Distance respectée, mais le plan d’implantation affiché date d’avant le dernier réaménagement.',
    nonConformity:
      'Plateau 2 : postes occupés côte à côte à moins d’un mètre, sans écran, sur deux rangées.',
  },
  E03: {
    implemented:
      'Masques chirurgicaux remis à l’entrée, renouvelés à 13 h ; registre de stock tenu par les services généraux.',
    gap: 'Masques distribués, mais le renouvellement toutes les 4 heures n’est pas suivi sur l’équipe de nuit.',
    observation:
      'Port du masque constaté partout ; le registre de stock gagnerait à indiquer les numéros de lot.',
    nonConformity:
      'Plusieurs conseillers sans masque en production au plateau 2 ; pas de distribution tracée depuis le 12 du mois.',
  },
  E04: {
    implemented:
      'Distributeurs de gel à l’entrée, à chaque étage et dans les sanitaires ; relevé de recharge quotidien.',
    gap: 'Points de gel installés, mais le relevé de recharge n’est pas tenu le week-end.',
    observation:
      'Points d’hygiène présents ; un distributeur vide au 2e étage, rechargé pendant la visite.',
    nonConformity:
      'Aucun point d’hygiène des mains à l’entrée du plateau 3 ni dans la salle de pause.',
  },
  E05: {
    implemented:
      'Désinfection des postes, claviers et casques entre chaque vacation, consignée dans le registre de désinfection.',
    gap: 'Désinfection faite entre les vacations, mais le registre n’est signé que par intermittence.',
    observation:
      'Registre de désinfection tenu ; les fiches techniques des produits ne sont pas affichées dans le local ménage.',
    nonConformity:
      'Registre de désinfection du plateau 2 vide depuis dix jours ; claviers partagés entre équipes sans nettoyage constaté.',
  },
  E06: {
    implemented: 'Casque individuel attribué à chaque conseiller, registre d’attribution à jour.',
    gap: 'Casques individuels pour les CDI ; les intérimaires utilisent encore des casques partagés avec bonnettes.',
    observation: 'Casques individuels ; quelques bonnettes jetables stockées à découvert.',
    nonConformity:
      'Casques partagés entre la vacation du matin et celle de l’après-midi, sans bonnettes ni désinfection.',
  },
  E07: {
    implemented:
      'Centrale de traitement d’air entretenue en septembre, apport d’air neuf réglé à 100 %.',
    gap: 'Maintenance faite, mais le recyclage de l’air n’est pas encore coupé au sous-sol.',
    observation:
      'Rapport de maintenance présent ; prochaine intervention à programmer avant l’hiver.',
    nonConformity:
      'Pas de rapport de maintenance de la ventilation depuis plus d’un an ; air recyclé sans filtration au plateau 1.',
  },
  E08: {
    implemented:
      'Prise de température et questionnaire à l’entrée ; registre d’accès conservé 30 jours.',
    gap: 'Contrôle de température en place ; le registre d’accès n’est pas tenu pour l’équipe de nuit.',
    observation:
      'Filtrage effectif ; la procédure écrite ne mentionne pas la conduite à tenir au-delà de 38 °C.',
    nonConformity: 'Registre d’accès incomplet : les entrées après 20 h ne sont pas consignées.',
  },
  E09: {
    implemented:
      'Protocole cas suspect écrit, salle d’isolement équipée au rez-de-chaussée, contact avec la délégation de santé.',
    gap: 'Protocole écrit, mais la salle d’isolement sert encore de salle de réunion.',
    observation:
      'Protocole connu des managers ; le numéro de la délégation de santé n’est pas affiché dans la salle d’isolement.',
    nonConformity:
      'Aucune salle d’isolement identifiée ; le protocole ne prévoit ni la notification des autorités ni le traçage des contacts.',
  },
  E10: {
    implemented:
      'Télétravail pour tout le back-office (3 jours sur 5) et pour les salariés vulnérables.',
    gap: 'Télétravail possible pour le back-office, mais aucune liste des salariés vulnérables n’est tenue.',
    observation:
      'Politique de télétravail appliquée ; les effectifs en télétravail ne sont pas suivis chaque semaine.',
    nonConformity:
      'Back-office entièrement sur site, y compris deux salariés signalés vulnérables par la médecine du travail.',
  },
  E11: {
    implemented:
      'Pauses décalées par équipe, sens de circulation fléché, capacité des ascenseurs affichée.',
    gap: 'Sens de circulation fléché ; les pauses restent groupées à 10 h et 16 h.',
    observation:
      'Flux bien organisés ; l’affichage de capacité manque devant la salle de pause du 3e étage.',
    nonConformity:
      'Salle de pause occupée par une vingtaine de personnes à 13 h ; aucun décalage des horaires de pause.',
  },
  E12: {
    implemented:
      'Sensibilisation de 15 minutes pour chaque nouvel arrivant, feuilles d’émargement archivées ; affiches à chaque étage.',
    gap: 'Affiches en place ; la sensibilisation des intérimaires n’est pas tracée.',
    observation: 'Formation tracée ; certaines affiches sont décolorées et peu lisibles.',
    nonConformity:
      'Aucune feuille d’émargement pour les sessions de sensibilisation ; affichage absent au plateau 3.',
  },
  E13: {
    implemented:
      'Protocole sanitaire envoyé aux donneurs d’ordre ; notification sous 24 h prévue dans la procédure.',
    gap: 'Protocole envoyé aux principaux clients seulement ; le journal de notification reste à créer.',
    observation: 'Clients informés ; le journal de notification ne précise pas l’heure d’envoi.',
    nonConformity:
      'Un cas confirmé le mois dernier n’a été notifié au client concerné qu’après quatre jours.',
  },
  E14: {
    implemented:
      'Plan de continuité testé en mars : bascule de 40 % de la production en télétravail en 48 h.',
    gap: 'Plan de continuité rédigé, jamais testé.',
    observation:
      'Plan testé ; le compte rendu du test ne mentionne pas les actions d’amélioration.',
    nonConformity:
      'Pas de plan de continuité couvrant la production à distance ; aucun test réalisé.',
  },
  E15: {
    implemented:
      'Postes nomades gérés, VPN chiffré, charte de bureau propre signée par chaque télétravailleur.',
    gap: 'VPN en place ; la charte de bureau propre n’est pas encore signée par tous.',
    observation: 'Inventaire des postes nomades à jour ; deux chartes signées manquent au dossier.',
    nonConformity:
      'Des conseillers en télétravail utilisent leur ordinateur personnel, sans chiffrement, pour un client bancaire.',
  },
  E16: {
    implemented:
      'Clauses sanitaires ajoutées aux contrats de nettoyage, de sécurité et de restauration.',
    gap: 'Clauses ajoutées au contrat de nettoyage ; celui de la restauration est en renégociation.',
    observation:
      'Clauses présentes ; le contrat de maintenance ne prévoit pas de pénalité en cas de manquement.',
    nonConformity:
      'Aucune clause sanitaire dans les contrats des prestataires de sécurité et de restauration.',
  },
  E17: {
    implemented: 'Visiteurs et prestataires filtrés, masqués et inscrits au registre de l’accueil.',
    gap: 'Registre des visiteurs tenu ; les livreurs ne sont pas filtrés.',
    observation: 'Registre tenu ; l’heure de sortie n’est pas toujours renseignée.',
    nonConformity:
      'Prestataires de maintenance entrés sans filtrage ni inscription au registre lors de la visite.',
  },
  E18: {
    implemented:
      'Navettes sous contrat à 50 % de leur capacité, masque obligatoire, désinfection entre deux rotations.',
    gap: 'Capacité réduite respectée ; le registre de désinfection des navettes n’est pas transmis par le transporteur.',
    observation:
      'Navettes conformes ; le contrat de transport ne reprend pas les exigences sanitaires par écrit.',
    nonConformity:
      'Navette de 19 h remplie à pleine capacité ; pas de registre de désinfection chez le transporteur.',
  },
  E19: {
    implemented:
      'Poubelles fermées dédiées aux déchets sanitaires à chaque étage ; enlèvement par un prestataire agréé.',
    gap: 'Poubelles dédiées installées ; le contrat d’enlèvement séparé reste à signer.',
    observation: 'Collecte en place ; une poubelle à pédale défectueuse au 1er étage.',
    nonConformity: 'Masques usagés jetés avec les ordures ménagères, sans poubelle dédiée.',
  },
  E20: {
    implemented:
      'Indicateurs transmis chaque semaine à l’association ; campagne de vaccination relayée en interne.',
    gap: 'Cas déclarés aux autorités ; les indicateurs ne sont pas transmis à l’association.',
    observation:
      'Coopération effective ; le journal de déclaration ne mentionne pas les réponses reçues.',
    nonConformity: 'Aucune déclaration des cas à la délégation de santé depuis trois mois.',
  },
};

/** Why a commitment the charter lets go does not apply to a site (≥ 20 characters). */
export const NOT_APPLICABLE_JUSTIFICATIONS: Readonly<Record<string, string>> = {
  E10: 'Le site n’a aucune activité de back-office : toute la production est en front-office, sans salarié vulnérable recensé.',
  E15: 'Aucun salarié du site ne travaille à distance : tous les conseillers produisent sur site.',
  E18: 'Le site n’organise aucun transport du personnel : les salariés viennent par leurs propres moyens.',
};

/** The answers of a member’s self-assessment that differ from `implemented`. */
export interface AssessmentProfile {
  readonly site: string;
  /** Submitted (every commitment answered) or left open after the first answers. */
  readonly state: 'submitted' | 'open';
  readonly answers: Readonly<Record<string, Exclude<Answer, 'not_applicable'>>>;
  /** Commitments the member judges not applicable (only where the site’s record allows it). */
  readonly notApplicable: readonly string[];
  /** For an open one: how many commitments are answered so far. */
  readonly answered?: number;
  /** Commitments whose answer carries evidence. */
  readonly evidence: readonly string[];
}

export const ASSESSMENT_PROFILES: readonly AssessmentProfile[] = [
  {
    site: 'Casablanca Sidi Maârouf',
    state: 'submitted',
    answers: { E05: 'partially_implemented', E06: 'partially_implemented', E11: 'not_implemented' },
    notApplicable: [],
    evidence: ['E02', 'E05'],
  },
  {
    site: 'Rabat Hay Riad',
    state: 'submitted',
    answers: { E03: 'partially_implemented', E17: 'partially_implemented' },
    notApplicable: ['E10', 'E15', 'E18'],
    evidence: ['E04'],
  },
  {
    site: 'Marrakech Targa',
    state: 'submitted',
    answers: { E08: 'partially_implemented', E14: 'not_implemented', E18: 'partially_implemented' },
    notApplicable: [],
    evidence: ['E18'],
  },
  {
    site: 'Agadir Founty',
    state: 'open',
    answers: { E03: 'partially_implemented' },
    notApplicable: ['E18'],
    answered: 7,
    evidence: ['E05'],
  },
  {
    site: 'Fès Saïss',
    state: 'submitted',
    answers: { E12: 'partially_implemented', E16: 'not_implemented', E07: 'partially_implemented' },
    notApplicable: [],
    evidence: ['E09'],
  },
  {
    site: 'Meknès Hamria',
    state: 'submitted',
    answers: { E13: 'partially_implemented' },
    notApplicable: ['E10', 'E15'],
    evidence: [],
  },
  {
    site: 'Tanger Free Zone',
    state: 'submitted',
    answers: {
      E02: 'partially_implemented',
      E15: 'partially_implemented',
      E19: 'not_implemented',
      E20: 'partially_implemented',
    },
    notApplicable: [],
    evidence: ['E02'],
  },
  {
    site: 'Tétouan Centre',
    state: 'open',
    answers: { E01: 'partially_implemented' },
    notApplicable: ['E18'],
    answered: 4,
    evidence: [],
  },
  {
    site: 'Oujda Technopole',
    state: 'open',
    answers: { E07: 'not_implemented' },
    notApplicable: [],
    answered: 12,
    evidence: ['E04'],
  },
  {
    site: 'Kénitra Atlantic Free Zone',
    state: 'open',
    answers: {},
    notApplicable: [],
    answered: 2,
    evidence: [],
  },
  {
    site: 'Laâyoune Al Wahda',
    state: 'submitted',
    answers: { E14: 'partially_implemented' },
    notApplicable: ['E10', 'E15', 'E18'],
    evidence: [],
  },
];

type Grade = Exclude<FindingResult, 'conform' | 'not_applicable'>;

/** What happens to a corrective action after its audit closes. */
export type ActionScenario =
  | { readonly kind: 'left_open' }
  | { readonly kind: 'responded'; readonly response: string }
  | { readonly kind: 'verified'; readonly response: string; readonly comment: string }
  | {
      readonly kind: 'rejected';
      readonly response: string;
      readonly comment: string;
    };

/** One audit of the sample, carried as far as `to`. */
export interface AuditScenario {
  readonly site: string;
  readonly type: 'initial' | 'surveillance' | 'follow_up';
  readonly auditor: number;
  readonly to: 'planned' | 'in_progress' | 'submitted' | 'closed' | 'cancelled';
  /** Days from today, for an audit left planned. */
  readonly inDays?: number;
  /** Findings other than `conform`; not-applicable ones are taken where the site allows. */
  readonly findings?: Readonly<Record<string, Grade>>;
  readonly notApplicable?: readonly string[];
  /** For an audit left in progress: how many findings are recorded. */
  readonly recorded?: number;
  /** Findings whose record carries the auditor’s photos. */
  readonly evidence?: readonly string[];
  readonly cancelAfterStart?: boolean;
  readonly cancelReason?: string;
  /** Sent back once to the auditor with this comment, then submitted again ... */
  readonly returnComment?: string;
  /** ... once the auditor has added this to the note of the first non-conformity. */
  readonly returnFix?: string;
  readonly actions?: Readonly<Record<string, ActionScenario>>;
}

export const AUDIT_SCENARIOS: readonly AuditScenario[] = [
  {
    site: 'Casablanca Sidi Maârouf',
    type: 'initial',
    auditor: 0,
    to: 'closed',
    findings: {
      E05: 'major_nc',
      E06: 'minor_nc',
      E11: 'minor_nc',
      E12: 'minor_nc',
      E07: 'observation',
      E19: 'observation',
    },
    evidence: ['E05', 'E02'],
    actions: {
      E05: {
        kind: 'responded',
        response:
          'Registre de désinfection remis en place au plateau 2, signé à chaque vacation par le chef d’équipe ; audit interne hebdomadaire par la référente COVID. Registre des deux dernières semaines joint.',
      },
      E06: {
        kind: 'verified',
        response:
          'Casques individuels commandés et remis aux 85 intérimaires ; registre d’attribution mis à jour (photo jointe).',
        comment: 'Registre d’attribution vérifié : chaque intérimaire a son casque. Action soldée.',
      },
      E11: {
        kind: 'rejected',
        response: 'Note de service diffusée pour décaler les pauses.',
        comment:
          'Une note de service ne suffit pas : merci de joindre les plannings de pause par équipe et une photo de l’affichage.',
      },
      E12: { kind: 'left_open' },
    },
  },
  {
    site: 'Rabat Hay Riad',
    type: 'initial',
    auditor: 1,
    to: 'closed',
    findings: { E03: 'major_nc', E17: 'minor_nc', E20: 'observation', E04: 'observation' },
    notApplicable: ['E10', 'E15', 'E18'],
    evidence: ['E03'],
    actions: { E03: { kind: 'left_open' }, E17: { kind: 'left_open' } },
  },
  {
    site: 'Marrakech Targa',
    type: 'initial',
    auditor: 2,
    to: 'closed',
    findings: { E08: 'minor_nc', E14: 'major_nc', E18: 'observation' },
  },
  {
    site: 'Marrakech Targa',
    type: 'follow_up',
    auditor: 2,
    to: 'closed',
    findings: { E08: 'observation' },
  },
  {
    site: 'Agadir Founty',
    type: 'initial',
    auditor: 0,
    to: 'in_progress',
    findings: { E03: 'minor_nc', E04: 'observation' },
    notApplicable: ['E18'],
    recorded: 8,
    evidence: ['E04'],
  },
  {
    site: 'Fès Saïss',
    type: 'initial',
    auditor: 1,
    to: 'submitted',
    findings: { E16: 'major_nc', E12: 'minor_nc', E07: 'observation' },
    evidence: ['E09'],
  },
  {
    site: 'Meknès Hamria',
    type: 'initial',
    auditor: 2,
    to: 'submitted',
    findings: { E13: 'minor_nc' },
    notApplicable: ['E10', 'E15'],
    returnComment:
      'La constatation sur E13 ne précise pas quel client n’a pas été notifié ni à quelle date : merci de compléter avant clôture.',
    returnFix:
      'Client concerné : un assureur (campagne sinistres) ; cas confirmé le 5, notification envoyée le 9.',
  },
  {
    site: 'Tanger Free Zone',
    type: 'initial',
    auditor: 0,
    to: 'cancelled',
    cancelReason:
      'Visite annulée à la demande du site : déménagement du plateau 2 en cours, audit à replanifier le mois prochain.',
  },
  { site: 'Tétouan Centre', type: 'initial', auditor: 1, to: 'planned', inDays: 12 },
  {
    site: 'Oujda Technopole',
    type: 'initial',
    auditor: 2,
    to: 'cancelled',
    cancelAfterStart: true,
    cancelReason:
      'Visite interrompue : coupure d’électricité sur tout le site, les plateaux ont été évacués.',
  },
  { site: 'Kénitra Atlantic Free Zone', type: 'initial', auditor: 0, to: 'planned', inDays: 21 },
  {
    site: 'Laâyoune Al Wahda',
    type: 'initial',
    auditor: 1,
    to: 'closed',
    findings: { E12: 'observation' },
    notApplicable: ['E10', 'E15', 'E18'],
  },
  { site: 'Casablanca Sidi Maârouf', type: 'surveillance', auditor: 1, to: 'planned', inDays: 45 },
];

/** The documents a member sends as evidence, by commitment: the title printed on the PDF. */
export const PDF_TITLES: Readonly<Record<string, string>> = {
  E01: 'Compte rendu de la cellule de crise — semaine 18',
  E02: 'Plan d’implantation des postes — plateau 2',
  E04: 'Relevé de recharge des distributeurs de gel',
  E05: 'Registre de désinfection — plateau 2',
  E09: 'Protocole cas suspect et salle d’isolement',
  E18: 'Registre de désinfection des navettes',
};

export const PDF_LINES: readonly string[] = [
  'Document établi par le site pour la charte sanitaire de l’association.',
  'Contrôle : référente COVID du site ; visa : direction des opérations.',
  'Pièce générée par npm run demo : données fictives.',
];
