export type StakeholderGroup = 'employees' | 'clients' | 'providers' | 'community';
export type Criticality = 'critical' | 'major' | 'standard';
export type NotApplicableCondition = 'no_back_office' | 'no_remote_work' | 'no_staff_transport';

export interface LocalisedText {
  readonly fr: string;
  readonly en: string;
}

export interface CommitmentSeed {
  readonly code: string; // 'E01'..'E20'
  readonly group: StakeholderGroup;
  readonly criticality: Criticality;
  /** null: never N/A. */
  readonly notApplicableWhen: NotApplicableCondition | null;
  readonly title: LocalisedText;
  readonly description: LocalisedText;
  readonly evidenceExpected: LocalisedText;
  /** 2 to 4 concrete points an auditor checks on site. */
  readonly verificationPoints: readonly LocalisedText[];
}

/** Charter 2020.1 as published: the 20 commitments, frozen. */
export const CHARTER_2020_1_COMMITMENTS: readonly CommitmentSeed[] = [
  {
    code: 'E01',
    group: 'employees',
    criticality: 'critical',
    notApplicableWhen: null,
    title: {
      fr: 'Un référent COVID-19 désigné par site et une cellule de crise réunie chaque semaine',
      en: 'A designated COVID-19 referent per site and a crisis cell meeting every week',
    },
    description: {
      fr: 'Chaque site désigne par écrit un référent COVID-19, joignable pendant toutes les plages de production, qui coordonne l’application des mesures sanitaires sur les plateaux. Une cellule de crise composée de la direction du site, des ressources humaines, des services généraux et du référent se réunit au moins une fois par semaine et consigne ses décisions.',
      en: 'Each site appoints a COVID-19 referent in writing, reachable during all production hours, who coordinates the sanitary measures on the floors. A crisis cell bringing together site management, human resources, facilities and the referent meets at least once a week and records its decisions.',
    },
    evidenceExpected: {
      fr: 'Lettre de désignation du référent signée par la direction et comptes rendus des réunions de la cellule de crise',
      en: 'Referent appointment letter signed by management and minutes of the crisis cell meetings',
    },
    verificationPoints: [
      {
        fr: 'La lettre de désignation est signée, datée et nomme un suppléant pour les absences du référent.',
        en: 'The appointment letter is signed, dated and names a deputy for when the referent is absent.',
      },
      {
        fr: 'Les comptes rendus couvrent chaque semaine des deux derniers mois, avec les participants et les décisions prises.',
        en: 'Minutes exist for every week of the last two months, listing attendees and decisions taken.',
      },
      {
        fr: 'Le nom et les coordonnées du référent sont affichés à l’entrée et sur chaque plateau.',
        en: 'The referent’s name and contact details are posted at the entrance and on every floor.',
      },
    ],
  },
  {
    code: 'E02',
    group: 'employees',
    criticality: 'critical',
    notApplicableWhen: null,
    title: {
      fr: 'Distance ≥ 1 m entre les postes occupés, plan de placement et écrans de séparation',
      en: 'At least 1 m between occupied workstations, a seating plan and separation screens',
    },
    description: {
      fr: 'Sur les plateaux de production, les postes occupés en même temps sont espacés d’au moins 1 m, au besoin en neutralisant un poste sur deux. Un plan de placement à jour indique les postes utilisables à chaque vacation. Là où cette distance ne peut être tenue, des écrans de séparation sont installés entre les agents.',
      en: 'On production floors, workstations in use at the same time are at least 1 m apart, taking every other position out of service where needed. An up-to-date seating plan shows which positions may be used on each shift. Where this distance cannot be held, separation screens are fitted between agents.',
    },
    evidenceExpected: {
      fr: 'Photos datées des plateaux et plan de placement en vigueur',
      en: 'Dated photos of the floors and the seating plan in force',
    },
    verificationPoints: [
      {
        fr: 'Un mesurage effectué sur un échantillon de postes occupés relève une distance ≥ 1 m entre agents voisins.',
        en: 'A tape-measure check on a sample of occupied workstations shows ≥ 1 m between neighbouring agents.',
      },
      {
        fr: 'Les postes neutralisés sont signalés physiquement (ruban, affichette) et ne sont pas occupés.',
        en: 'Positions taken out of service are physically marked (tape, notice) and are not occupied.',
      },
      {
        fr: 'Le plan de placement affiché correspond à l’occupation réelle du plateau lors de la visite.',
        en: 'The posted seating plan matches the actual occupation of the floor during the visit.',
      },
      {
        fr: 'Des écrans sont en place partout où la distance de 1 m n’est pas respectée.',
        en: 'Screens are in place wherever the 1 m distance is not achieved.',
      },
    ],
  },
  {
    code: 'E03',
    group: 'employees',
    criticality: 'critical',
    notApplicableWhen: null,
    title: {
      fr: 'Masques gratuits, portés en permanence sur les plateaux et changés toutes les 4 h',
      en: 'Free masks for everyone on site, worn at all times on floors and changed every 4 h',
    },
    description: {
      fr: 'L’adhérent fournit gratuitement des masques à toute personne présente sur le site, y compris les intérimaires et le personnel des prestataires. Le masque est porté en permanence sur les plateaux, y compris pendant les appels au casque, et renouvelé au moins toutes les 4 h. Un stock suffisant est tenu et suivi.',
      en: 'The member supplies masks free of charge to every person on site, including temporary staff and provider personnel. Masks are worn at all times on the floors, including during calls on a headset, and replaced at least every 4 h. A sufficient stock is kept and tracked.',
    },
    evidenceExpected: {
      fr: 'Registre des entrées et sorties du stock de masques et photos des plateaux',
      en: 'Register of mask stock movements and photos of the floors',
    },
    verificationPoints: [
      {
        fr: 'Le stock disponible et le registre montrent une distribution compatible avec un renouvellement toutes les 4 h.',
        en: 'The stock on hand and the register show a distribution consistent with a change every 4 h.',
      },
      {
        fr: 'Lors du passage sur les plateaux, toutes les personnes présentes portent un masque couvrant le nez et la bouche.',
        en: 'During the walk through the floors, everyone present wears a mask covering nose and mouth.',
      },
      {
        fr: 'Les masques sont remis sans frais, y compris aux intérimaires et au personnel des prestataires.',
        en: 'Masks are handed out at no charge, including to temporary staff and provider personnel.',
      },
    ],
  },
  {
    code: 'E04',
    group: 'employees',
    criticality: 'critical',
    notApplicableWhen: null,
    title: {
      fr: 'Points d’hygiène des mains à l’entrée, à chaque étage et dans les sanitaires',
      en: 'Hand-hygiene points at the entrance, on every floor and in washrooms',
    },
    description: {
      fr: 'Des points d’hygiène des mains, avec solution hydroalcoolique ou eau et savon, sont installés à l’entrée du site, à chaque étage et dans les espaces sanitaires. Ils sont réapprovisionnés selon un calendrier suivi, afin qu’aucun point ne soit vide pendant les vacations. Les sanitaires disposent d’essuie-mains à usage unique.',
      en: 'Hand-hygiene points, with alcohol-based rub or soap and water, are installed at the site entrance, on every floor and in the washrooms. They are refilled on a tracked schedule so that no point runs empty during shifts. Washrooms provide single-use hand towels.',
    },
    evidenceExpected: {
      fr: 'Photos des points d’hygiène et registre de réapprovisionnement',
      en: 'Photos of the hand-hygiene points and the refill log',
    },
    verificationPoints: [
      {
        fr: 'Chaque point prévu est en place et approvisionné lors de la visite, à l’entrée comme à chaque étage.',
        en: 'Every planned point is in place and stocked at the time of the visit, at the entrance and on every floor.',
      },
      {
        fr: 'La solution hydroalcoolique contient ≥ 60 % d’alcool, d’après son étiquette ou sa fiche technique.',
        en: 'The alcohol-based rub contains ≥ 60% alcohol, according to its label or data sheet.',
      },
      {
        fr: 'Le registre de réapprovisionnement est tenu à jour, sans interruption sur le dernier mois.',
        en: 'The refill log is up to date, with no gap over the last month.',
      },
    ],
  },
  {
    code: 'E05',
    group: 'employees',
    criticality: 'critical',
    notApplicableWhen: null,
    title: {
      fr: 'Désinfection des postes, claviers, casques et surfaces de contact entre les vacations',
      en: 'Workstations, keyboards, headsets and touch surfaces disinfected between shifts',
    },
    description: {
      fr: 'Les postes de travail, claviers, souris, casques et surfaces fréquemment touchées (poignées, boutons d’ascenseur, interrupteurs, distributeurs) sont nettoyés puis désinfectés entre deux vacations. Les interventions suivent un planning écrit et sont consignées dans un registre. Les produits employés sont virucides et compatibles avec le matériel informatique.',
      en: 'Workstations, keyboards, mice, headsets and frequently touched surfaces (door handles, lift buttons, switches, vending machines) are cleaned and then disinfected between shifts. This work follows a written schedule and is recorded in a log. The products used are virucidal and safe for IT equipment.',
    },
    evidenceExpected: {
      fr: 'Registre de nettoyage signé par les intervenants et fiches techniques des produits utilisés',
      en: 'Cleaning log signed by the cleaning staff and data sheets of the products used',
    },
    verificationPoints: [
      {
        fr: 'Le registre mentionne, pour chaque plateau et chaque changement de vacation, la date, l’heure et l’intervenant.',
        en: 'The log shows, for each floor and each shift change, the date, time and person who did the work.',
      },
      {
        fr: 'Les fiches techniques attestent l’action virucide des produits utilisés.',
        en: 'The data sheets show that the products used are virucidal.',
      },
      {
        fr: 'Les produits et lingettes trouvés sur les plateaux correspondent à ceux des fiches techniques.',
        en: 'The products and wipes found on the floors match those in the data sheets.',
      },
      {
        fr: 'Un changement de vacation observé confirme que les postes sont désinfectés avant l’arrivée de l’équipe suivante.',
        en: 'An observed shift change confirms that workstations are disinfected before the next team arrives.',
      },
    ],
  },
  {
    code: 'E06',
    group: 'employees',
    criticality: 'major',
    notApplicableWhen: null,
    title: {
      fr: 'Casques individuels ou bonnettes à usage unique, aucun poste partagé sans désinfection',
      en: 'Individual headsets or single-use covers; no shared workstation without disinfection',
    },
    description: {
      fr: 'Chaque agent dispose d’un casque attribué nominativement ou, à défaut, de bonnettes à usage unique pour les écouteurs et le micro, changées à chaque prise de poste. Un poste n’est partagé entre deux agents qu’après désinfection complète du clavier, de la souris et du plan de travail.',
      en: 'Each agent has a headset assigned by name or, failing that, single-use covers for the ear pads and microphone, changed at every shift start. A workstation is shared between two agents only after its keyboard, mouse and desk have been fully disinfected.',
    },
    evidenceExpected: {
      fr: 'Registre d’attribution des casques et photos des postes',
      en: 'Headset assignment register and photos of workstations',
    },
    verificationPoints: [
      {
        fr: 'Sur un échantillon de postes, chaque casque porte le nom de l’agent qui l’utilise, conformément au registre.',
        en: 'On a sample of workstations, each headset bears the name of the agent using it, as per the register.',
      },
      {
        fr: 'Entre deux vacations, les casques sont rangés dans un casier ou une pochette individuels, et non laissés sur les postes.',
        en: 'Between shifts, headsets are kept in an individual locker or pouch, not left on the desks.',
      },
    ],
  },
  {
    code: 'E07',
    group: 'employees',
    criticality: 'major',
    notApplicableWhen: null,
    title: {
      fr: 'Renouvellement de l’air des plateaux et entretien des installations de ventilation',
      en: 'Fresh-air renewal on the floors and maintenance of ventilation systems',
    },
    description: {
      fr: 'Les plateaux sont alimentés en air neuf, par ventilation mécanique ou par ouverture régulière des fenêtres. Les centrales de traitement d’air sont entretenues et leurs filtres remplacés selon le calendrier du mainteneur. L’air n’est pas recyclé sans une filtration adaptée.',
      en: 'Floors are supplied with fresh outdoor air, through mechanical ventilation or by opening windows regularly. Air-handling units are serviced and their filters replaced on the maintenance contractor’s schedule. Air is not recirculated without suitable filtration.',
    },
    evidenceExpected: {
      fr: 'Rapport d’intervention récent du mainteneur de la ventilation et de la climatisation',
      en: 'Recent report from the ventilation and air-conditioning maintenance contractor',
    },
    verificationPoints: [
      {
        fr: 'Le dernier rapport de maintenance respecte la périodicité prévue au contrat et indique l’état ou le remplacement des filtres.',
        en: 'The latest maintenance report is within the interval set in the contract and records the condition or replacement of filters.',
      },
      {
        fr: 'Les réglages de la centrale montrent un apport d’air neuf ; tout mode de recyclage s’accompagne d’une filtration documentée.',
        en: 'The air-handling settings show a fresh-air intake; any recirculation mode comes with documented filtration.',
      },
      {
        fr: 'Les bouches de soufflage et de reprise des plateaux ne sont ni obstruées ni encrassées.',
        en: 'Supply and return vents on the floors are neither blocked nor dirty.',
      },
    ],
  },
  {
    code: 'E08',
    group: 'employees',
    criticality: 'major',
    notApplicableWhen: null,
    title: {
      fr: 'Contrôle à l’entrée et registre des accès pour le traçage des contacts',
      en: 'Entry screening and an access register for contact tracing',
    },
    description: {
      fr: 'Toute personne est interrogée sur ses symptômes et sa température est prise à l’entrée du site ; une personne fiévreuse ou présentant des symptômes n’est pas admise et est informée de la conduite à tenir. Un registre des accès indique qui était présent, quand et sur quel plateau, afin de permettre le traçage des contacts.',
      en: 'Everyone entering the site is asked about symptoms and has their temperature taken; a person with fever or symptoms is not admitted and is told what to do. An access register records who was present, when and on which floor, so that contacts can be traced.',
    },
    evidenceExpected: {
      fr: 'Extrait du registre des accès et procédure écrite de contrôle à l’entrée',
      en: 'Extract of the access register and the written entry-screening procedure',
    },
    verificationPoints: [
      {
        fr: 'Le poste de contrôle est tenu à chaque prise de poste, y compris tôt le matin et en soirée.',
        en: 'The screening point is staffed at every shift start, including early morning and evening shifts.',
      },
      {
        fr: 'La procédure fixe le seuil de température et la conduite à tenir en cas de refus d’accès.',
        en: 'The procedure sets the temperature threshold and what to do when entry is refused.',
      },
      {
        fr: 'Pour un jour tiré au hasard, le registre permet de retrouver les personnes présentes sur un plateau donné.',
        en: 'For a day picked at random, the register shows who was present on a given floor.',
      },
    ],
  },
  {
    code: 'E09',
    group: 'employees',
    criticality: 'critical',
    notApplicableWhen: null,
    title: {
      fr: 'Protocole de prise en charge d’un cas suspect ou confirmé',
      en: 'Protocol for handling a suspected or confirmed case',
    },
    description: {
      fr: 'Un protocole écrit décrit la prise en charge d’une personne présentant des symptômes sur le site : isolement immédiat dans une pièce dédiée, port du masque, retour à domicile ou orientation médicale sans transport collectif. Il prévoit le signalement aux autorités sanitaires, l’identification des contacts à partir du registre des accès et du plan de placement, ainsi que la désinfection ciblée des zones concernées.',
      en: 'A written protocol sets out how a person who develops symptoms on site is handled: immediate isolation in a dedicated room, a mask, and a return home or referral for medical care without public transport. It provides for notifying the health authorities, identifying contacts from the access register and the seating plan, and targeted disinfection of the areas concerned.',
    },
    evidenceExpected: {
      fr: 'Protocole écrit et photos de la salle d’isolement',
      en: 'Written protocol and photos of the isolation room',
    },
    verificationPoints: [
      {
        fr: 'Une salle d’isolement identifiée et aérable est disponible, équipée de masques, de solution hydroalcoolique et d’une poubelle fermée.',
        en: 'An identified isolation room that can be aired is available, stocked with masks, alcohol-based rub and a closed bin.',
      },
      {
        fr: 'Le protocole indique les numéros des autorités sanitaires à prévenir et la personne chargée du signalement.',
        en: 'The protocol gives the health-authority numbers to call and the person in charge of reporting.',
      },
      {
        fr: 'Le référent COVID-19 sait décrire les étapes du protocole sans avoir à le consulter.',
        en: 'The COVID-19 referent can describe the steps of the protocol without having to look it up.',
      },
      {
        fr: 'Pour chaque cas survenu, un enregistrement montre la liste des contacts établie et la désinfection réalisée.',
        en: 'For each case that has occurred, a record shows the list of contacts drawn up and the disinfection carried out.',
      },
    ],
  },
  {
    code: 'E10',
    group: 'employees',
    criticality: 'standard',
    notApplicableWhen: 'no_back_office',
    title: {
      fr: 'Télétravail privilégié pour le back-office et pour le personnel vulnérable',
      en: 'Telework preferred for back-office work and for vulnerable staff',
    },
    description: {
      fr: 'Les activités de back-office qui peuvent être exercées à distance sont organisées en télétravail, de même que le travail des salariés vulnérables (maladie chronique, grossesse, âge) lorsque leur poste le permet. La politique de télétravail précise les critères retenus et le suivi des effectifs concernés.',
      en: 'Back-office activities that can be done remotely are organised as telework, as is the work of vulnerable employees (chronic illness, pregnancy, age) where their job allows. The telework policy states the criteria used and how the numbers concerned are tracked.',
    },
    evidenceExpected: {
      fr: 'Politique de télétravail et effectifs en télétravail, par activité',
      en: 'Telework policy and headcount working remotely, by activity',
    },
    verificationPoints: [
      {
        fr: 'Les effectifs de back-office en télétravail sont cohérents avec la politique et avec l’occupation constatée sur site.',
        en: 'The back-office headcount working remotely matches the policy and the occupancy seen on site.',
      },
      {
        fr: 'Les salariés vulnérables qui en ont fait la demande ont reçu une réponse écrite : télétravail ou aménagement de poste.',
        en: 'Vulnerable employees who asked have received a written answer: telework or an adapted workstation.',
      },
    ],
  },
  {
    code: 'E11',
    group: 'employees',
    criticality: 'major',
    notApplicableWhen: null,
    title: {
      fr: 'Gestion des flux : horaires et pauses décalés, sens de circulation, jauges affichées',
      en: 'Flow management: staggered shifts and breaks, one-way routes, posted capacities',
    },
    description: {
      fr: 'Les prises de poste et les pauses sont décalées entre équipes afin d’éviter les regroupements à l’entrée, dans les ascenseurs, les salles de pause et les espaces fumeurs. Un sens de circulation est matérialisé dans les couloirs et les escaliers lorsque la configuration le permet. La capacité maximale des ascenseurs, des salles de pause et des espaces communs est affichée à leur entrée.',
      en: 'Shift starts and breaks are staggered between teams to avoid crowding at the entrance, in lifts, break rooms and smoking areas. One-way circulation is marked in corridors and stairways wherever the layout allows. The maximum capacity of lifts, break rooms and common areas is posted at their entrance.',
    },
    evidenceExpected: {
      fr: 'Plannings des équipes et des pauses, photos de la signalétique',
      en: 'Team and break schedules, photos of the signage',
    },
    verificationPoints: [
      {
        fr: 'Les plannings montrent un décalage des prises de poste et des pauses entre les équipes d’un même plateau.',
        en: 'Schedules show staggered shift starts and breaks between teams on the same floor.',
      },
      {
        fr: 'La capacité maximale est affichée à chaque ascenseur, salle de pause et espace commun, et respectée lors de la visite.',
        en: 'Maximum capacity is posted at each lift, break room and common area, and is respected during the visit.',
      },
      {
        fr: 'Le marquage au sol du sens de circulation est visible et en bon état.',
        en: 'Floor markings for one-way circulation are visible and in good condition.',
      },
    ],
  },
  {
    code: 'E12',
    group: 'employees',
    criticality: 'major',
    notApplicableWhen: null,
    title: {
      fr: 'Formation de chacun aux gestes barrières et signalétique sur chaque plateau',
      en: 'Barrier-measure training for everyone and signage on every floor',
    },
    description: {
      fr: 'Toute personne travaillant sur le site, y compris les nouveaux arrivants et les intérimaires, est formée aux gestes barrières avant sa première prise de poste : hygiène des mains, port du masque, distance, conduite à tenir en cas de symptômes. Des affiches rappellent ces gestes sur chaque plateau, dans les salles de pause et dans les sanitaires.',
      en: 'Everyone working on site, including new starters and temporary staff, is trained in barrier measures before their first shift: hand hygiene, mask wearing, distancing and what to do if symptoms appear. Posters recall these measures on every floor, in break rooms and in washrooms.',
    },
    evidenceExpected: {
      fr: 'Feuilles d’émargement des sessions de sensibilisation et photos de la signalétique',
      en: 'Signed attendance sheets of the awareness sessions and photos of the signage',
    },
    verificationPoints: [
      {
        fr: 'Les feuilles d’émargement couvrent l’ensemble de l’effectif, y compris les embauches récentes et les intérimaires.',
        en: 'Attendance sheets cover the entire workforce, including recent hires and temporary staff.',
      },
      {
        fr: 'Des agents interrogés au hasard sur le plateau savent citer les gestes barrières et la conduite à tenir en cas de symptômes.',
        en: 'Agents asked at random on the floor can name the barrier measures and what to do if symptoms appear.',
      },
      {
        fr: 'Les affiches sont présentes et lisibles sur chaque plateau, dans une langue comprise par tous.',
        en: 'Posters are present and legible on every floor, in a language everyone understands.',
      },
    ],
  },
  {
    code: 'E13',
    group: 'clients',
    criticality: 'standard',
    notApplicableWhen: null,
    title: {
      fr: 'Information des donneurs d’ordre et notification de tout cas sous 24 h',
      en: 'Client companies kept informed and notified of any case within 24 h',
    },
    description: {
      fr: 'Les entreprises clientes reçoivent le protocole sanitaire du site et chacune de ses mises à jour. Tout cas touchant une équipe affectée à leurs opérations leur est notifié dans les 24 h, avec son effet prévisible sur la production, dans le respect du secret médical.',
      en: 'Client companies receive the site’s sanitary protocol and each of its updates. Any case affecting a team assigned to their operations is notified to them within 24 h, with its expected effect on production, while respecting medical confidentiality.',
    },
    evidenceExpected: {
      fr: 'Communication adressée aux clients et journal des notifications de cas',
      en: 'Communication sent to clients and the log of case notifications',
    },
    verificationPoints: [
      {
        fr: 'Chaque client actif a reçu la version en vigueur du protocole sanitaire, preuve d’envoi à l’appui.',
        en: 'Every active client has received the current version of the sanitary protocol, with proof of sending.',
      },
      {
        fr: 'Pour chaque cas enregistré, le journal montre une notification aux clients concernés dans les 24 h, sans donnée nominative.',
        en: 'For each recorded case, the log shows the clients concerned were notified within 24 h, with no personal data.',
      },
    ],
  },
  {
    code: 'E14',
    group: 'clients',
    criticality: 'major',
    notApplicableWhen: null,
    title: {
      fr: 'Plan de continuité d’activité testé, couvrant la production sur site et à distance',
      en: 'Tested business continuity plan covering on-site and remote production',
    },
    description: {
      fr: 'Le site dispose d’un plan de continuité d’activité qui assure la poursuite des opérations de chaque client en cas de fermeture partielle ou totale d’un plateau, par bascule vers un autre site ou vers le travail à distance. Le plan est testé et les enseignements de chaque test sont intégrés à sa mise à jour.',
      en: 'The site has a business continuity plan that keeps each client’s operations running if a floor is partly or fully closed, by switching to another site or to remote work. The plan is tested and the lessons of each test are built into its update.',
    },
    evidenceExpected: {
      fr: 'Plan de continuité d’activité et compte rendu du dernier test',
      en: 'Business continuity plan and report of its latest test',
    },
    verificationPoints: [
      {
        fr: 'Le plan identifie, pour chaque client, la solution de repli, les effectifs mobilisables et le délai de bascule.',
        en: 'For each client, the plan identifies the fallback option, the staff available and the switchover time.',
      },
      {
        fr: 'Le compte rendu de test est daté et décrit le scénario joué ainsi que les écarts constatés.',
        en: 'The test report is dated and describes the scenario run and the gaps found.',
      },
      {
        fr: 'Les actions issues du dernier test sont réalisées ou planifiées, chacune avec un responsable.',
        en: 'Actions arising from the latest test are done or scheduled, each with an owner.',
      },
    ],
  },
  {
    code: 'E15',
    group: 'clients',
    criticality: 'critical',
    notApplicableWhen: 'no_remote_work',
    title: {
      fr: 'Confidentialité et sécurité des données clients lorsque les agents travaillent à distance',
      en: 'Confidentiality and security of client data when agents work remotely',
    },
    description: {
      fr: 'Les agents en télétravail utilisent uniquement des postes fournis et administrés par l’adhérent, reliés au système d’information par un accès chiffré avec authentification forte. Des règles écrites encadrent le poste à domicile : « bureau propre », écran verrouillé en cas d’absence, aucune impression ni note contenant des données clients, appels passés hors de l’écoute de tiers.',
      en: 'Agents working remotely use only devices supplied and managed by the member, connected to the information system through encrypted access with strong authentication. Written rules govern the home workstation: clear desk, screen locked when away, no printouts or notes containing client data, calls taken out of earshot of others.',
    },
    evidenceExpected: {
      fr: 'Politique de sécurité applicable au télétravail et inventaire des postes distants',
      en: 'Security policy for remote work and inventory of remote devices',
    },
    verificationPoints: [
      {
        fr: 'Chaque agent en télétravail figure dans l’inventaire avec un poste identifié, administré et chiffré.',
        en: 'Every remote agent appears in the inventory with an identified, managed and encrypted device.',
      },
      {
        fr: 'Une connexion de démonstration montre un accès par un canal chiffré, avec authentification à deux facteurs.',
        en: 'A demonstration login shows access through an encrypted channel, with two-factor authentication.',
      },
      {
        fr: 'La configuration présentée bloque ou contrôle le stockage USB et l’impression sur les postes distants.',
        en: 'The configuration shown blocks or controls USB storage and printing on remote devices.',
      },
      {
        fr: 'Les agents en télétravail ont signé les règles « bureau propre » applicables à domicile.',
        en: 'Remote agents have signed the clear-desk rules that apply at home.',
      },
    ],
  },
  {
    code: 'E16',
    group: 'providers',
    criticality: 'major',
    notApplicableWhen: null,
    title: {
      fr: 'Exigences sanitaires inscrites dans les contrats des prestataires intervenant sur site',
      en: 'Sanitary requirements written into the contracts of on-site providers',
    },
    description: {
      fr: 'Les contrats des prestataires intervenant sur le site (nettoyage, sécurité, restauration, maintenance) comportent des clauses sanitaires : respect du protocole du site, port du masque, formation de leur personnel aux gestes barrières et information sans délai de tout cas parmi leurs intervenants. Les contrats en cours sont complétés par avenant.',
      en: 'Contracts with providers working on site (cleaning, security, catering, maintenance) include sanitary clauses: compliance with the site protocol, mask wearing, barrier-measure training for their staff and prompt notice of any case among their personnel. Current contracts are supplemented by an amendment.',
    },
    evidenceExpected: {
      fr: 'Clauses sanitaires des contrats ou avenants signés avec les prestataires',
      en: 'Sanitary clauses in the contracts or signed amendments with providers',
    },
    verificationPoints: [
      {
        fr: 'Le contrat ou l’avenant de chaque prestataire présent sur le site contient les clauses sanitaires et est signé par les deux parties.',
        en: 'The contract or amendment of every provider working on site contains the sanitary clauses and is signed by both parties.',
      },
      {
        fr: 'Les clauses obligent le prestataire à signaler au référent COVID-19 tout cas parmi ses intervenants.',
        en: 'The clauses require the provider to report any case among its staff to the COVID-19 referent.',
      },
    ],
  },
  {
    code: 'E17',
    group: 'providers',
    criticality: 'major',
    notApplicableWhen: null,
    title: {
      fr: 'Visiteurs et prestataires contrôlés, masqués et enregistrés à l’entrée',
      en: 'Visitors and providers screened, masked and registered on entry',
    },
    description: {
      fr: 'Les visiteurs et le personnel des prestataires passent le même contrôle à l’entrée que les salariés et portent un masque pendant toute leur présence. Chaque passage est inscrit dans un registre (nom, société, heures d’arrivée et de départ, zones visitées) utilisable pour le traçage des contacts.',
      en: 'Visitors and provider staff go through the same entry screening as employees and wear a mask throughout their stay. Each visit is entered in a register (name, company, arrival and departure times, areas visited) that can be used for contact tracing.',
    },
    evidenceExpected: {
      fr: 'Registre des visiteurs et des prestataires',
      en: 'Register of visitors and providers',
    },
    verificationPoints: [
      {
        fr: 'L’auditeur est lui-même contrôlé, muni d’un masque et enregistré à son arrivée.',
        en: 'The auditor is screened, given a mask and registered on arrival.',
      },
      {
        fr: 'Les inscriptions du registre comportent l’heure de départ et les zones visitées, et pas seulement l’heure d’arrivée.',
        en: 'Register entries include the departure time and areas visited, not only the arrival time.',
      },
      {
        fr: 'Les prestataires rencontrés sur les plateaux portent un masque et figurent au registre du jour.',
        en: 'Providers met on the floors wear a mask and appear in that day’s register.',
      },
    ],
  },
  {
    code: 'E18',
    group: 'providers',
    criticality: 'major',
    notApplicableWhen: 'no_staff_transport',
    title: {
      fr: 'Navettes du personnel : occupation réduite, port du masque et désinfection entre trajets',
      en: 'Staff shuttles: reduced occupancy, masks and disinfection between trips',
    },
    description: {
      fr: 'Lorsque le site organise le transport de son personnel par des navettes sous contrat, le nombre de passagers est réduit pour espacer les places occupées et le port du masque est obligatoire pendant tout le trajet. Le véhicule est aéré et ses surfaces de contact (poignées, barres de maintien, ceintures, sièges) sont désinfectées entre deux trajets.',
      en: 'Where the site carries its staff in contracted shuttles, passenger numbers are reduced to space out occupied seats and masks are mandatory throughout the journey. The vehicle is aired and its touch surfaces (handles, grab rails, seat belts, seats) are disinfected between trips.',
    },
    evidenceExpected: {
      fr: 'Contrat de transport et registre de désinfection des véhicules',
      en: 'Transport contract and vehicle disinfection log',
    },
    verificationPoints: [
      {
        fr: 'Le contrat fixe un nombre maximal de passagers par véhicule, inférieur à sa capacité nominale.',
        en: 'The contract sets a maximum number of passengers per vehicle, below its rated capacity.',
      },
      {
        fr: 'Le registre de désinfection couvre chaque trajet des jours contrôlés.',
        en: 'The disinfection log covers every trip on the days checked.',
      },
      {
        fr: 'Une navette observée au départ ou à l’arrivée respecte la jauge, et tous ses passagers portent un masque.',
        en: 'A shuttle observed on departure or arrival keeps to the limit, and all its passengers wear masks.',
      },
      {
        fr: 'Une solution hydroalcoolique est disponible à bord ou au point de montée.',
        en: 'Alcohol-based rub is available on board or at the boarding point.',
      },
    ],
  },
  {
    code: 'E19',
    group: 'community',
    criticality: 'standard',
    notApplicableWhen: null,
    title: {
      fr: 'Collecte et élimination séparées des déchets sanitaires',
      en: 'Separate collection and disposal of sanitary waste',
    },
    description: {
      fr: 'Les masques, gants et lingettes usagés sont jetés dans des poubelles dédiées, munies d’un couvercle et d’un sac, placées sur chaque plateau et à la sortie du site. Les sacs sont fermés avant enlèvement et éliminés à part des déchets ordinaires, par un prestataire sous contrat.',
      en: 'Used masks, gloves and wipes go into dedicated bins with a lid and a liner, placed on every floor and at the site exit. Bags are closed before collection and disposed of apart from ordinary waste by a contracted provider.',
    },
    evidenceExpected: {
      fr: 'Photos des poubelles dédiées et contrat d’enlèvement des déchets',
      en: 'Photos of the dedicated bins and the waste-disposal contract',
    },
    verificationPoints: [
      {
        fr: 'Des poubelles dédiées, fermées et signalées par un affichage, sont présentes sur chaque plateau et à la sortie.',
        en: 'Dedicated closed bins, marked by a sign, are present on every floor and at the exit.',
      },
      {
        fr: 'Le contrat ou les bons d’enlèvement montrent une collecte séparée des déchets sanitaires.',
        en: 'The contract or the collection slips show that sanitary waste is collected separately.',
      },
    ],
  },
  {
    code: 'E20',
    group: 'community',
    criticality: 'standard',
    notApplicableWhen: null,
    title: {
      fr: 'Coopération avec les autorités sanitaires et avec l’association',
      en: 'Cooperation with the health authorities and with the association',
    },
    description: {
      fr: 'L’adhérent signale les cas aux autorités sanitaires selon les procédures en vigueur et transmet à l’association les indicateurs qu’elle demande (cas, effectifs présents, part du télétravail). Il relaie auprès de ses salariés les campagnes de santé publique, notamment de prévention et de dépistage.',
      en: 'The member reports cases to the health authorities under the applicable procedures and sends the association the indicators it asks for (cases, headcount on site, share of telework). It relays public-health campaigns to its employees, including prevention and testing campaigns.',
    },
    evidenceExpected: {
      fr: 'Journal des signalements aux autorités et des envois d’indicateurs à l’association',
      en: 'Log of reports to the authorities and of indicators sent to the association',
    },
    verificationPoints: [
      {
        fr: 'Chaque cas enregistré sur le site figure au journal avec sa date de signalement aux autorités sanitaires.',
        en: 'Every case recorded on the site appears in the log with the date it was reported to the health authorities.',
      },
      {
        fr: 'Les derniers indicateurs demandés par l’association ont été transmis dans le délai fixé.',
        en: 'The latest indicators requested by the association were sent within the set deadline.',
      },
      {
        fr: 'Les supports des campagnes de santé publique en cours sont affichés ou diffusés aux salariés.',
        en: 'Materials from current public-health campaigns are posted or circulated to employees.',
      },
    ],
  },
];
