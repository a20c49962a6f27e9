import { readEmailTemplates, type MessageLanguage } from 'src/notifications/email-templates';
import {
  ACCOUNT_EMAIL_KINDS,
  type MessageKind,
  NOTIFICATION_KINDS,
} from 'src/notifications/notification-events';
import {
  fill,
  formatDate,
  LINE_VALUE_MAX,
  type MessageFacts,
  oneLine,
  renderLine,
  renderMessage,
} from 'src/notifications/render-message';

const templates = readEmailTemplates();
const LINK = 'https://charte.example.ma/verify/AMRC-2030-00042';

const FACTS: MessageFacts = {
  site: 'Plateau Nord',
  city: 'Casablanca',
  company: 'Atlas Contact',
  auditor: 'Youssef Alami',
  auditType: 'surveillance',
  date: '2030-03-12',
  previousDate: '2030-03-05',
  score: 87.5,
  status: 'conditionally_compliant',
  commitment: 'E07',
  grade: 'major_nc',
  note: 'Registre de nettoyage incomplet.',
  number: 'AMRC-2030-00042',
  reason: 'Fermeture du site',
  actions: [
    { commitment: 'E03', grade: 'minor_nc', dueDate: '2030-04-12' },
    { commitment: 'E07', grade: 'major_nc', dueDate: '2030-03-27' },
  ],
  email: 'nadia@example.ma',
  token: 'x'.repeat(43),
  expires: new Date('2030-03-12T10:30:00Z'),
  url: 'https://charte.example.ma/api/v1/auth/invitations/accept',
  invitedBy: 'Samira El Idrissi',
  role: 'member',
};

const KINDS: MessageKind[] = [...NOTIFICATION_KINDS, ...ACCOUNT_EMAIL_KINDS];
const LANGUAGES: MessageLanguage[] = ['fr', 'en'];
const cases = KINDS.flatMap((kind) => LANGUAGES.map((language) => [kind, language] as const));

describe('renderMessage', () => {
  it.each(cases)('renders %s in %s: subject, text and HTML', (kind, language) => {
    const message = renderMessage(templates, kind, language, FACTS, LINK);
    expect(message.subject.length).toBeGreaterThan(10);
    expect(message.subject).not.toMatch(/[{}]/);
    expect(message.text).not.toMatch(/[{}]/);
    expect(message.html).toContain(`<html lang="${language}">`);
    if (!kind.startsWith('account.')) {
      // Subject and body name the site and the company.
      expect(message.subject).toContain('Plateau Nord');
      expect(message.subject).toContain('Atlas Contact');
    }
    // Every message about something its recipient can open links to it.
    if (templates.languages[language].kinds[kind].action) {
      expect(message.text).toContain(LINK);
      expect(message.html).toContain(`href="${LINK}"`);
    }
  });

  it.each(KINDS.filter((k) => !k.startsWith('account.')))(
    'keeps the subject of %s readable with 200-character names, cut to 80 characters each',
    (kind) => {
      const site = `Plateau ${'N'.repeat(192)}`;
      const company = `Centre ${'A'.repeat(193)}`;
      const facts = { ...FACTS, site, company };
      for (const language of LANGUAGES) {
        const { subject, text } = renderMessage(templates, kind, language, facts, LINK);
        expect(subject).toContain(`${site.slice(0, LINE_VALUE_MAX - 1)}…`);
        expect(subject).toContain(`${company.slice(0, LINE_VALUE_MAX - 1)}…`);
        expect(subject).not.toContain(site);
        expect(subject.length).toBeLessThanOrEqual(2 * LINE_VALUE_MAX + 100);
        // The body names them in full.
        expect(text).toContain(site);
        expect(text).toContain(company);
      }
    },
  );

  it('writes the subject on one line whatever the names hold', () => {
    const facts = {
      ...FACTS,
      site: 'Plateau\r\nBcc: x@example.ma\t',
      company: 'Atlas\u0000\u2028Contact',
    };
    const { subject, html } = renderMessage(templates, 'audit.planned', 'en', facts, LINK);
    expect(subject).toBe(
      'Audit planned on 12 March 2030: Plateau Bcc: x@example.ma (Atlas Contact)',
    );
    expect(html).toContain(
      '<title>Audit planned on 12 March 2030: Plateau Bcc: x@example.ma (Atlas Contact)</title>',
    );
  });

  it('says until when a certificate is valid, not that it expires on its last valid day', () => {
    for (const kind of [
      'certificate.expiring_in_30_days',
      'certificate.expiring_in_7_days',
    ] as const) {
      const en = renderMessage(templates, kind, 'en', FACTS, LINK);
      const fr = renderMessage(templates, kind, 'fr', FACTS, LINK);
      expect(en.subject).toContain('valid until 12 March 2030');
      expect(fr.subject).toContain('valable jusqu’au 12 mars 2030');
      expect(en.text).toContain('is valid until 12 March 2030');
      expect(`${en.subject}${en.text}`).not.toMatch(/expires on/);
      expect(`${fr.subject}${fr.text}`).not.toMatch(/expir\w+ le/);
    }
    expect(
      renderMessage(templates, 'certificate.expiring_in_7_days', 'en', FACTS, LINK).subject,
    ).toBe(
      'Certificate AMRC-2030-00042 valid until 12 March 2030, expiring within 7 days: Plateau Nord (Atlas Contact)',
    );
  });

  it('names the deadline in the language of the recipient', () => {
    const fr = renderMessage(templates, 'corrective_action.due_tomorrow', 'fr', FACTS, LINK);
    const en = renderMessage(templates, 'corrective_action.due_tomorrow', 'en', FACTS, LINK);
    expect(fr.subject).toBe(
      'Action corrective à traiter demain (12 mars 2030) : Plateau Nord (Atlas Contact)',
    );
    expect(en.subject).toBe(
      'Corrective action due tomorrow (12 March 2030): Plateau Nord (Atlas Contact)',
    );
    expect(fr.text).toContain('non-conformité majeure');
    expect(en.text).toContain('major non-conformity');
  });

  it('lists the corrective actions of a closed audit with their deadlines, score and status', () => {
    const { text, html, subject } = renderMessage(templates, 'audit.closed', 'en', FACTS, LINK);
    expect(subject).toBe('Audit closed: Plateau Nord (Atlas Contact), score 87.5/100');
    expect(text).toContain('Status of the site: conditionally compliant.');
    expect(text).toContain('- E03 (minor non-conformity): due by 12 April 2030');
    expect(text).toContain('- E07 (major non-conformity): due by 27 March 2030');
    expect(html).toContain('<li>E03 (minor non-conformity): due by 12 April 2030</li>');
    const none = renderMessage(templates, 'audit.closed', 'fr', { ...FACTS, actions: [] }, LINK);
    expect(none.text).toContain('Aucune action corrective n’est demandée.');
    expect(none.text).not.toContain('Actions correctives à mener');
    expect(none.html).not.toContain('<ul');
  });

  it('escapes every fact in the HTML part, and keeps it as written in the text part', () => {
    const facts = { ...FACTS, site: '<script>alert("x")</script> & Co' };
    const { html, text } = renderMessage(templates, 'certificate.issued', 'fr', facts, LINK);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(text).toContain('<script>alert("x")</script> & Co');
    const link = 'https://x.example/?a=1&b="2"';
    expect(renderMessage(templates, 'certificate.issued', 'fr', FACTS, link).html).toContain(
      'href="https://x.example/?a=1&amp;b=&quot;2&quot;"',
    );
  });

  it('leaves out a paragraph whose fact is absent', () => {
    const withReason = renderMessage(templates, 'audit.cancelled', 'en', FACTS, LINK);
    const without = renderMessage(
      templates,
      'audit.cancelled',
      'en',
      { ...FACTS, reason: null },
      LINK,
    );
    expect(withReason.text).toContain('Reason: Fermeture du site');
    expect(without.text).not.toContain('Reason:');
  });

  it('refuses a subject whose fact is absent', () => {
    expect(() =>
      renderMessage(templates, 'certificate.issued', 'fr', { ...FACTS, number: undefined }, LINK),
    ).toThrow(/names a fact the event lacks/);
  });

  it('shows a token and where to send it in an account email, with no link button', () => {
    const { text, html } = renderMessage(templates, 'account.invitation', 'en', FACTS, null);
    expect(text).toContain(`Invitation code: ${'x'.repeat(43)}`);
    expect(text).toContain('Samira El Idrissi invites you');
    expect(text).toContain('with the role member');
    expect(html).not.toContain('<a ');
  });
});

describe('fill', () => {
  it('throws on a placeholder that names no fact at all', () => {
    expect(() => fill('Bonjour {nobody}', { site: 'x' })).toThrow(/unknown placeholder \{nobody\}/);
  });

  it('answers null when a known fact is absent', () => {
    expect(fill('Motif : {reason}', { reason: undefined })).toBeNull();
  });
});

describe('renderLine', () => {
  it('fills a calendar title in the language', () => {
    const title = templates.languages.en.kinds['audit.planned'].calendar!;
    expect(renderLine(templates, 'en', title, FACTS)).toBe(
      'Audit (surveillance): Plateau Nord (Atlas Contact)',
    );
  });

  it('writes it on one line, with long names cut', () => {
    const title = templates.languages.fr.kinds['audit.cancelled'].calendar!;
    const facts = { ...FACTS, site: 'Plateau\nNord', company: 'C'.repeat(200) };
    expect(renderLine(templates, 'fr', title, facts)).toBe(
      `Audit de surveillance : Plateau Nord (${'C'.repeat(LINE_VALUE_MAX - 1)}…)`,
    );
  });
});

describe('oneLine', () => {
  it.each([
    ['Plateau Nord', 'Plateau Nord'],
    ['  Plateau  Nord  ', 'Plateau  Nord'],
    ['Plateau\r\n\tNord', 'Plateau Nord'],
    ['Plateau \u0007 Nord\u0085', 'Plateau Nord'],
    ['Plateau\u2029Nord', 'Plateau Nord'],
  ])('writes %j as %j', (text, line) => {
    expect(oneLine(text)).toBe(line);
  });

  it('cuts past the limit, never inside a character, and says so', () => {
    expect(oneLine('abcdef', 4)).toBe('abc…');
    expect(oneLine('abcd', 4)).toBe('abcd');
    expect(oneLine('ab 😀😀😀', 4)).toBe('ab…');
    expect(oneLine('a😀😀😀😀', 4)).toBe('a😀😀…');
  });
});

describe('formatDate', () => {
  it.each([
    ['2030-01-01', 'fr', '1 janvier 2030'],
    ['2030-08-31', 'en', '31 August 2030'],
  ] as const)('writes %s in %s as %s', (date, language, words) => {
    expect(formatDate(date, language)).toBe(words);
  });
});

describe('the templates', () => {
  it('have a subject and paragraphs for every kind in both languages', () => {
    for (const language of LANGUAGES) {
      for (const kind of KINDS) {
        expect(templates.languages[language].kinds[kind].paragraphs.length).toBeGreaterThan(0);
      }
    }
  });
});
