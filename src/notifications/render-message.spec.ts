import { readEmailTemplates, type MessageLanguage } from 'src/notifications/email-templates';
import {
  ACCOUNT_EMAIL_KINDS,
  type MessageKind,
  NOTIFICATION_KINDS,
} from 'src/notifications/notification-events';
import {
  fill,
  formatDate,
  type MessageFacts,
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
      expect(message.text).toContain(LINK);
      expect(message.html).toContain(`href="${LINK}"`);
    }
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
