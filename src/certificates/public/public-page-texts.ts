import type {
  PublicCertificateStatus,
  TokenRejection,
} from 'src/certificates/public/certificate-verification';
import type { PageLanguage } from 'src/certificates/public/page-language';

/** Every word of the public pages, in French, English and Arabic. */
export interface PageTexts {
  readonly dir: 'ltr' | 'rtl';
  /** The language's own name, for the language links. */
  readonly languageName: string;
  readonly brand: string;
  readonly verifyTitle: string;
  readonly certificate: string;
  readonly status: Readonly<Record<PublicCertificateStatus, string>>;
  readonly statusMeaning: Readonly<Record<PublicCertificateStatus, string>>;
  readonly malformedNumber: string;
  readonly prerequisiteMet: string;
  readonly prerequisiteMetThrough: string;
  readonly prerequisiteNotMet: string;
  readonly tokenValid: string;
  readonly tokenInvalid: string;
  readonly tokenInvalidAdvice: string;
  readonly tokenReason: Readonly<Record<TokenRejection, string>>;
  readonly tokenNotChecked: string;
  readonly keyId: string;
  readonly printedTitle: string;
  readonly printedHint: string;
  readonly datesTitle: string;
  readonly fields: {
    readonly number: string;
    readonly company: string;
    readonly ice: string;
    readonly site: string;
    readonly address: string;
    readonly city: string;
    readonly charterVersion: string;
    readonly auditDate: string;
    readonly score: string;
    readonly groupScores: string;
    readonly validity: string;
    readonly issuedAt: string;
    readonly suspendedAt: string;
    readonly revokedAt: string;
    readonly revocationReason: string;
    readonly supersededAt: string;
    readonly successor: string;
  };
  readonly groups: {
    readonly employees: string;
    readonly clients: string;
    readonly providers: string;
    readonly community: string;
  };
  readonly validityRange: (from: string, until: string) => string;
  readonly downloadPdf: string;
  readonly checkedAt: string;
  readonly registryLink: string;
  readonly registryTitle: string;
  readonly registryIntro: string;
  readonly searchCompany: string;
  readonly searchCity: string;
  readonly search: string;
  readonly results: (total: number) => string;
  readonly noResults: string;
  readonly validUntil: (date: string) => string;
  readonly verifyLink: string;
  readonly previous: string;
  readonly next: string;
  readonly pageOf: (page: number, pages: number) => string;
}

const fr: PageTexts = {
  dir: 'ltr',
  languageName: 'Français',
  brand: 'Charte sanitaire des centres de relation client',
  verifyTitle: 'Vérification d’un certificat',
  certificate: 'Certificat',
  status: {
    valid: 'Valide',
    suspended: 'Suspendu',
    revoked: 'Retiré',
    expired: 'Expiré',
    superseded: 'Remplacé',
    unknown: 'Inconnu',
  },
  statusMeaning: {
    valid: 'Ce certificat est valide aujourd’hui.',
    suspended:
      'Ce certificat est suspendu : le site ne respecte pas la charte en ce moment. Il sera rétabli si le site redevient conforme avant la fin de sa validité.',
    revoked: 'Ce certificat a été retiré par l’association. Ce retrait est définitif.',
    expired: 'Ce certificat a atteint sa date de fin. Le site a besoin d’un nouvel audit.',
    superseded:
      'Ce certificat a été remplacé par un certificat plus récent : c’est celui-là qu’il faut vérifier.',
    unknown:
      'Aucun certificat délivré ne porte ce numéro. Le document présenté n’est pas un certificat de la charte.',
  },
  malformedNumber: 'Un numéro de certificat s’écrit AMRC-AAAA-NNNNN, par exemple AMRC-2026-00042.',
  prerequisiteMet:
    'Ce site remplit aujourd’hui la condition préalable au déconfinement fixée par la charte : il détient un certificat valide.',
  prerequisiteMetThrough:
    'Ce site remplit aujourd’hui la condition préalable au déconfinement grâce à un autre certificat, valide :',
  prerequisiteNotMet:
    'Ce site ne remplit pas aujourd’hui la condition préalable au déconfinement fixée par la charte : il lui faut un certificat valide.',
  tokenValid:
    'Code QR authentique : signé par l’association, il correspond à ce certificat et aux informations ci-dessous.',
  tokenInvalid: 'Ce code ne correspond pas à ce certificat.',
  tokenInvalidAdvice:
    'Ne vous fiez pas au document qui porte ce code et signalez-le à l’association.',
  tokenReason: {
    malformed: 'Le code est illisible : tronqué ou modifié.',
    unsupported_algorithm: 'Le code n’est pas signé selon la méthode de l’association.',
    unknown_key: 'Le code est signé par une clé que l’association ne connaît pas.',
    bad_signature: 'La signature du code est fausse : il a été modifié ou contrefait.',
    expired: 'Le code a dépassé sa date de fin.',
    not_yet_valid: 'Le code n’est pas encore en vigueur.',
    wrong_issuer: 'Le code n’a pas été émis par ce service.',
    invalid_claims: 'Le contenu du code est incomplet ou incohérent.',
    other_certificate: 'Le code appartient à un autre certificat.',
    record_mismatch:
      'Les informations signées dans le code diffèrent de celles enregistrées pour ce certificat.',
  },
  tokenNotChecked:
    'Aucun code QR n’a été vérifié : pour contrôler un document papier, scannez son code QR.',
  keyId: 'Clé de signature',
  printedTitle: 'Informations imprimées sur le certificat',
  printedHint: 'Comparez-les avec le document papier : elles doivent être identiques.',
  datesTitle: 'Dates',
  fields: {
    number: 'Numéro',
    company: 'Entreprise',
    ice: 'ICE',
    site: 'Site',
    address: 'Adresse',
    city: 'Ville',
    charterVersion: 'Version de la charte',
    auditDate: 'Date de l’audit',
    score: 'Score',
    groupScores: 'Scores par partie prenante',
    validity: 'Validité',
    issuedAt: 'Délivré le',
    suspendedAt: 'Suspendu depuis le',
    revokedAt: 'Retiré le',
    revocationReason: 'Motif du retrait',
    supersededAt: 'Remplacé le',
    successor: 'Remplacé par',
  },
  groups: {
    employees: 'Salariés',
    clients: 'Clients',
    providers: 'Prestataires',
    community: 'Collectivité',
  },
  validityRange: (from, until) => `du ${from} au ${until} inclus`,
  downloadPdf: 'Télécharger le certificat (PDF)',
  checkedAt: 'Vérifié le',
  registryLink: 'Registre des sites certifiés',
  registryTitle: 'Registre des sites certifiés',
  registryIntro:
    'Les sites qui détiennent aujourd’hui un certificat valide de la charte sanitaire.',
  searchCompany: 'Entreprise',
  searchCity: 'Ville',
  search: 'Rechercher',
  results: (total) => (total === 1 ? '1 site certifié' : `${total} sites certifiés`),
  noResults: 'Aucun site certifié ne correspond à cette recherche.',
  validUntil: (date) => `valide jusqu’au ${date} inclus`,
  verifyLink: 'Vérifier',
  previous: 'Page précédente',
  next: 'Page suivante',
  pageOf: (page, pages) => `Page ${page} sur ${pages}`,
};

const en: PageTexts = {
  dir: 'ltr',
  languageName: 'English',
  brand: 'Sanitary charter of customer-relation centres',
  verifyTitle: 'Certificate verification',
  certificate: 'Certificate',
  status: {
    valid: 'Valid',
    suspended: 'Suspended',
    revoked: 'Revoked',
    expired: 'Expired',
    superseded: 'Superseded',
    unknown: 'Unknown',
  },
  statusMeaning: {
    valid: 'This certificate is valid today.',
    suspended:
      'This certificate is suspended: the site does not meet the charter at present. It is reinstated if the site complies again before its validity ends.',
    revoked: 'This certificate was revoked by the association. Revocation is final.',
    expired: 'This certificate has reached its end date. The site needs a new audit.',
    superseded: 'This certificate was replaced by a newer one: that is the one to check.',
    unknown:
      'No issued certificate bears this number. The document shown is not a charter certificate.',
  },
  malformedNumber: 'A certificate number reads AMRC-YYYY-NNNNN, for example AMRC-2026-00042.',
  prerequisiteMet:
    'This site meets today the charter’s prerequisite for deconfinement: it holds a valid certificate.',
  prerequisiteMetThrough:
    'This site meets today the prerequisite for deconfinement through another certificate, which is valid:',
  prerequisiteNotMet:
    'This site does not meet today the charter’s prerequisite for deconfinement: it needs a valid certificate.',
  tokenValid:
    'Genuine QR code: signed by the association, it matches this certificate and the details below.',
  tokenInvalid: 'This code does not match this certificate.',
  tokenInvalidAdvice:
    'Do not rely on the document that carries it, and report it to the association.',
  tokenReason: {
    malformed: 'The code cannot be read: it is cut short or altered.',
    unsupported_algorithm: 'The code is not signed the association’s way.',
    unknown_key: 'The code is signed with a key the association does not know.',
    bad_signature: 'The code’s signature is wrong: it was altered or forged.',
    expired: 'The code is past its end date.',
    not_yet_valid: 'The code is not in force yet.',
    wrong_issuer: 'The code was not issued by this service.',
    invalid_claims: 'The code’s content is incomplete or inconsistent.',
    other_certificate: 'The code belongs to another certificate.',
    record_mismatch:
      'The details signed in the code differ from those on file for this certificate.',
  },
  tokenNotChecked: 'No QR code was checked: to check a paper document, scan its QR code.',
  keyId: 'Signing key',
  printedTitle: 'Details printed on the certificate',
  printedHint: 'Compare them with the paper document: they must be identical.',
  datesTitle: 'Dates',
  fields: {
    number: 'Number',
    company: 'Company',
    ice: 'ICE',
    site: 'Site',
    address: 'Address',
    city: 'City',
    charterVersion: 'Charter version',
    auditDate: 'Audit date',
    score: 'Score',
    groupScores: 'Scores by stakeholder group',
    validity: 'Validity',
    issuedAt: 'Issued on',
    suspendedAt: 'Suspended since',
    revokedAt: 'Revoked on',
    revocationReason: 'Reason for revocation',
    supersededAt: 'Replaced on',
    successor: 'Replaced by',
  },
  groups: {
    employees: 'Employees',
    clients: 'Clients',
    providers: 'Providers',
    community: 'Community',
  },
  validityRange: (from, until) => `from ${from} to ${until} inclusive`,
  downloadPdf: 'Download the certificate (PDF)',
  checkedAt: 'Checked on',
  registryLink: 'Registry of certified sites',
  registryTitle: 'Registry of certified sites',
  registryIntro: 'The sites that hold a valid sanitary charter certificate today.',
  searchCompany: 'Company',
  searchCity: 'City',
  search: 'Search',
  results: (total) => (total === 1 ? '1 certified site' : `${total} certified sites`),
  noResults: 'No certified site matches this search.',
  validUntil: (date) => `valid until ${date} inclusive`,
  verifyLink: 'Verify',
  previous: 'Previous page',
  next: 'Next page',
  pageOf: (page, pages) => `Page ${page} of ${pages}`,
};

const ar: PageTexts = {
  dir: 'rtl',
  languageName: 'العربية',
  brand: 'الميثاق الصحي لمراكز العلاقة مع الزبناء',
  verifyTitle: 'التحقق من شهادة',
  certificate: 'الشهادة',
  status: {
    valid: 'صالحة',
    suspended: 'معلّقة',
    revoked: 'مسحوبة',
    expired: 'منتهية الصلاحية',
    superseded: 'مستبدَلة',
    unknown: 'غير معروفة',
  },
  statusMeaning: {
    valid: 'هذه الشهادة صالحة اليوم.',
    suspended:
      'هذه الشهادة معلّقة: الموقع لا يحترم الميثاق حالياً. يُعاد العمل بها إذا عاد الموقع مطابقاً قبل انتهاء مدة صلاحيتها.',
    revoked: 'سحبت الجمعية هذه الشهادة. هذا السحب نهائي.',
    expired: 'بلغت هذه الشهادة تاريخ نهايتها. يحتاج الموقع إلى تدقيق جديد.',
    superseded: 'استُبدلت هذه الشهادة بشهادة أحدث: تلك هي الشهادة التي يجب التحقق منها.',
    unknown: 'لا توجد شهادة صادرة تحمل هذا الرقم. الوثيقة المقدَّمة ليست شهادة من شهادات الميثاق.',
  },
  malformedNumber: 'يُكتب رقم الشهادة على الشكل AMRC-AAAA-NNNNN، مثلاً AMRC-2026-00042.',
  prerequisiteMet:
    'يستوفي هذا الموقع اليوم الشرط المسبق لرفع الحجر الصحي الذي يحدده الميثاق: فهو يحمل شهادة صالحة.',
  prerequisiteMetThrough:
    'يستوفي هذا الموقع اليوم الشرط المسبق لرفع الحجر الصحي بفضل شهادة أخرى صالحة:',
  prerequisiteNotMet:
    'لا يستوفي هذا الموقع اليوم الشرط المسبق لرفع الحجر الصحي الذي يحدده الميثاق: يلزمه شهادة صالحة.',
  tokenValid: 'رمز QR أصلي: موقَّع من طرف الجمعية، ومطابق لهذه الشهادة وللمعلومات أدناه.',
  tokenInvalid: 'هذا الرمز لا يطابق هذه الشهادة.',
  tokenInvalidAdvice: 'لا تعتمد على الوثيقة التي تحمل هذا الرمز، وأبلغ الجمعية بذلك.',
  tokenReason: {
    malformed: 'تعذّرت قراءة الرمز: إنه مبتور أو معدَّل.',
    unsupported_algorithm: 'الرمز غير موقَّع بالطريقة التي تعتمدها الجمعية.',
    unknown_key: 'الرمز موقَّع بمفتاح لا تعرفه الجمعية.',
    bad_signature: 'توقيع الرمز غير صحيح: لقد عُدِّل أو زُوِّر.',
    expired: 'تجاوز الرمز تاريخ نهايته.',
    not_yet_valid: 'الرمز لم يدخل حيز التنفيذ بعد.',
    wrong_issuer: 'الرمز لم يصدر عن هذه الخدمة.',
    invalid_claims: 'محتوى الرمز ناقص أو غير متّسق.',
    other_certificate: 'الرمز يخص شهادة أخرى.',
    record_mismatch: 'المعلومات الموقَّعة في الرمز تختلف عن المعلومات المسجَّلة لهذه الشهادة.',
  },
  tokenNotChecked: 'لم يتم التحقق من أي رمز QR: للتحقق من وثيقة ورقية، امسح رمز QR الخاص بها.',
  keyId: 'مفتاح التوقيع',
  printedTitle: 'المعلومات المطبوعة على الشهادة',
  printedHint: 'قارنها بالوثيقة الورقية: يجب أن تكون متطابقة.',
  datesTitle: 'التواريخ',
  fields: {
    number: 'الرقم',
    company: 'الشركة',
    ice: 'المعرّف الموحد للمقاولة (ICE)',
    site: 'الموقع',
    address: 'العنوان',
    city: 'المدينة',
    charterVersion: 'نسخة الميثاق',
    auditDate: 'تاريخ التدقيق',
    score: 'النتيجة',
    groupScores: 'النتائج حسب الأطراف المعنية',
    validity: 'مدة الصلاحية',
    issuedAt: 'تاريخ الإصدار',
    suspendedAt: 'معلّقة منذ',
    revokedAt: 'تاريخ السحب',
    revocationReason: 'سبب السحب',
    supersededAt: 'تاريخ الاستبدال',
    successor: 'استُبدلت بالشهادة',
  },
  groups: {
    employees: 'الأجراء',
    clients: 'الزبناء',
    providers: 'مقدمو الخدمات',
    community: 'المجتمع',
  },
  validityRange: (from, until) => `من ${from} إلى ${until} ضمناً`,
  downloadPdf: 'تحميل الشهادة (PDF)',
  checkedAt: 'تم التحقق في',
  registryLink: 'سجل المواقع المعتمدة',
  registryTitle: 'سجل المواقع المعتمدة',
  registryIntro: 'المواقع التي تحمل اليوم شهادة صالحة من شهادات الميثاق الصحي.',
  searchCompany: 'الشركة',
  searchCity: 'المدينة',
  search: 'بحث',
  results: (total) => `عدد المواقع المعتمدة: ${total}`,
  noResults: 'لا يوجد موقع معتمد يطابق هذا البحث.',
  validUntil: (date) => `صالحة إلى غاية ${date} ضمناً`,
  verifyLink: 'تحقق',
  previous: 'الصفحة السابقة',
  next: 'الصفحة التالية',
  pageOf: (page, pages) => `الصفحة ${page} من ${pages}`,
};

export const PAGE_TEXTS: Readonly<Record<PageLanguage, PageTexts>> = { fr, en, ar };
