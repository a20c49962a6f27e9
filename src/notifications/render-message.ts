import { CHARTER_TIME_ZONE } from 'src/audits/calendar-date';
import { escapeHtml } from 'src/certificates/public/html';
import type {
  EmailTemplates,
  KindTemplate,
  LanguageTemplates,
  MessageLanguage,
} from 'src/notifications/email-templates';
import type { MessageKind } from 'src/notifications/notification-events';
import { ACCOUNT_EMAIL_KINDS } from 'src/notifications/notification-events';

/** One corrective action in the list of a closed audit. */
export interface ActionLine {
  readonly commitment: string;
  readonly grade: string;
  /** Calendar date of the deadline. */
  readonly dueDate: string;
}

/**
 * What a message may say, read at the time of the event. Dates are calendar dates
 * (`YYYY-MM-DD`); codes (`auditType`, `grade`, `status`, `role`) are translated by the templates'
 * labels. A paragraph naming a fact that is absent is left out.
 */
export interface MessageFacts {
  readonly site?: string;
  readonly city?: string;
  readonly company?: string;
  readonly auditor?: string;
  readonly auditType?: string;
  /** The date the message is about: visit, deadline, end of validity. */
  readonly date?: string;
  readonly previousDate?: string;
  readonly score?: number | null;
  readonly status?: string | null;
  readonly commitment?: string;
  readonly grade?: string;
  readonly note?: string | null;
  readonly number?: string;
  readonly reason?: string | null;
  readonly actions?: readonly ActionLine[];
  readonly email?: string;
  readonly token?: string;
  readonly expires?: Date;
  readonly url?: string;
  readonly invitedBy?: string;
  readonly role?: string;
}

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const LOCALES: Readonly<Record<MessageLanguage, string>> = { fr: 'fr-FR', en: 'en-GB' };

const dateFormats = new Map<MessageLanguage, Intl.DateTimeFormat>();
const instantFormats = new Map<MessageLanguage, Intl.DateTimeFormat>();

/** A calendar date in words: `12 mars 2026`, `12 March 2026`. */
export function formatDate(date: string, language: MessageLanguage): string {
  let format = dateFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALES[language], {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    dateFormats.set(language, format);
  }
  return format.format(new Date(`${date}T00:00:00Z`));
}

/** An instant as read in Morocco, with its offset. */
export function formatInstant(at: Date, language: MessageLanguage): string {
  let format = instantFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALES[language], {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone: CHARTER_TIME_ZONE,
    });
    instantFormats.set(language, format);
  }
  return `${format.format(at)} (${CHARTER_TIME_ZONE})`;
}

export function formatScore(score: number, language: MessageLanguage): string {
  return `${new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: 1 }).format(score)}/100`;
}

type Values = Readonly<Record<string, string | undefined>>;

/**
 * The longest a fact is written in a one-line text (a subject, a calendar event's title), in
 * characters: a site or a company may be named in 200, and a subject naming both stays readable.
 */
export const LINE_VALUE_MAX = 80;

/** The text on one line (control characters and line breaks become a space), cut at `max`. */
export function oneLine(text: string, max: number = LINE_VALUE_MAX): string {
  const line = text.replace(/[\s\p{Cc}]*[\p{Cc}\u2028\u2029][\s\p{Cc}]*/gu, ' ').trim();
  const chars = Array.from(line);
  return chars.length <= max
    ? line
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

const lineValues = (values: Values): Values =>
  Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, value && oneLine(value)]),
  );

/** The facts as the language writes them. */
function valuesOf(facts: MessageFacts, t: LanguageTemplates, language: MessageLanguage): Values {
  const label = (group: string, code: string | null | undefined) =>
    code ? (t.labels[group]?.[code] ?? code) : undefined;
  return {
    site: facts.site,
    city: facts.city,
    company: facts.company,
    auditor: facts.auditor,
    auditType: label('auditType', facts.auditType),
    date: facts.date && formatDate(facts.date, language),
    previousDate: facts.previousDate && formatDate(facts.previousDate, language),
    score:
      facts.score === null || facts.score === undefined
        ? undefined
        : formatScore(facts.score, language),
    status: label('complianceStatus', facts.status),
    commitment: facts.commitment,
    grade: label('grade', facts.grade),
    note: facts.note ?? undefined,
    number: facts.number,
    reason: facts.reason ?? undefined,
    email: facts.email,
    token: facts.token,
    expires: facts.expires && formatInstant(facts.expires, language),
    url: facts.url,
    invitedBy: facts.invitedBy,
    role: label('role', facts.role),
  };
}

/**
 * The template with its placeholders filled; null when one names a fact that is absent. A
 * placeholder that names no fact at all is a mistake in the template, thrown.
 */
export function fill(template: string, values: Values): string | null {
  let missing = false;
  const text = template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    if (!Object.hasOwn(values, name)) {
      throw new Error(`Email template: unknown placeholder ${placeholder} in "${template}"`);
    }
    const value = values[name];
    if (value === undefined) {
      missing = true;
      return '';
    }
    return value;
  });
  return missing ? null : text;
}

function fillAll(template: string, values: Values, kind: MessageKind): string {
  const text = fill(template, values);
  if (text === null) {
    throw new Error(`Email template of ${kind}: "${template}" names a fact the event lacks`);
  }
  return text;
}

/** `{{slot}}`s of a layout; values already escaped as the layout needs. */
function layout(template: string, slots: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => slots[name] ?? '');
}

function textParts(
  template: KindTemplate,
  t: LanguageTemplates,
  language: MessageLanguage,
  facts: MessageFacts,
  values: Values,
): { paragraphs: string[]; items: string[] } {
  const paragraphs = template.paragraphs.flatMap((p) => fill(p, values) ?? []);
  const items: string[] = [];
  if (facts.actions && template.item) {
    for (const action of facts.actions) {
      items.push(
        fillAll(
          template.item,
          {
            ...values,
            commitment: action.commitment,
            grade: t.labels.grade?.[action.grade] ?? action.grade,
            dueDate: formatDate(action.dueDate, language),
          },
          'audit.closed',
        ),
      );
    }
    if (items.length === 0 && template.empty) {
      // The list's heading is the last paragraph: replaced by the sentence saying it is empty.
      paragraphs.splice(-1, 1, template.empty);
    }
  }
  return { paragraphs, items };
}

const P = 'margin:0 0 12px;line-height:1.5;';
const BUTTON =
  'display:inline-block;padding:10px 16px;background:#0b6e4f;color:#ffffff;text-decoration:none;border-radius:4px;';

/**
 * The subject, plain text and HTML of one kind of message in one language. Every fact is
 * escaped in the HTML part; the link is shown as a button and, in the text part, in full.
 */
export function renderMessage(
  templates: EmailTemplates,
  kind: MessageKind,
  language: MessageLanguage,
  facts: MessageFacts,
  link: string | null,
): RenderedMessage {
  const t = templates.languages[language];
  const template = t.kinds[kind];
  const values = valuesOf(facts, t, language);
  const subject = fillAll(template.subject, lineValues(values), kind);
  const { paragraphs, items } = textParts(template, t, language, facts, values);
  const footer = ACCOUNT_EMAIL_KINDS.includes(kind as never) ? t.accountFooter : t.footer;
  const action = link && template.action ? { label: template.action, link } : undefined;

  const text = layout(templates.textLayout, {
    content: [
      t.greeting,
      ...paragraphs.slice(0, items.length > 0 ? -1 : undefined),
      ...(items.length > 0 ? [[paragraphs.at(-1), ...items.map((i) => `- ${i}`)].join('\n')] : []),
      ...(action ? [`${action.label}\n${action.link}`] : []),
    ].join('\n\n'),
    signature: t.signature,
    footer,
  });
  const html = layout(templates.htmlLayout, {
    lang: language,
    subject: escapeHtml(subject),
    content: [
      `<p style="${P}">${escapeHtml(t.greeting)}</p>`,
      ...paragraphs.map((p) => `<p style="${P}">${escapeHtml(p)}</p>`),
      ...(items.length > 0
        ? [`<ul style="${P}">${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`]
        : []),
      ...(action
        ? [
            `<p style="${P}"><a href="${escapeHtml(action.link)}" style="${BUTTON}">${escapeHtml(action.label)}</a></p>`,
          ]
        : []),
    ].join('\n'),
    signature: escapeHtml(t.signature),
    footer: escapeHtml(footer),
  });
  return { subject, text, html };
}

/**
 * One line (a calendar event's title) filled with the facts as the language writes them, each on
 * one line and cut as in a subject.
 */
export function renderLine(
  templates: EmailTemplates,
  language: MessageLanguage,
  line: string,
  facts: MessageFacts,
): string {
  const t = templates.languages[language];
  const text = fill(line, lineValues(valuesOf(facts, t, language)));
  if (text === null) {
    throw new Error(`Email template: "${line}" names a fact the event lacks`);
  }
  return text;
}
