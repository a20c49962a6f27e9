import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MessageKind } from 'src/notifications/notification-events';
import { ACCOUNT_EMAIL_KINDS, NOTIFICATION_KINDS } from 'src/notifications/notification-events';

/** The languages emails are written in; any other preferred language reads French. */
export const MESSAGE_LANGUAGES = ['fr', 'en'] as const;
export type MessageLanguage = (typeof MESSAGE_LANGUAGES)[number];

export const messageLanguage = (preferred: string | null | undefined): MessageLanguage =>
  preferred === 'en' ? 'en' : 'fr';

/** One kind of message in one language: `{placeholder}`s filled from the event's facts. */
export interface KindTemplate {
  readonly subject: string;
  readonly paragraphs: readonly string[];
  /** A line of the list of corrective actions (audit closed). */
  readonly item?: string;
  /** Said instead of the list when it is empty. */
  readonly empty?: string;
  /** The label of the link. */
  readonly action?: string;
  /** The calendar event's title (audits). */
  readonly calendar?: string;
}

export interface LanguageTemplates {
  readonly greeting: string;
  readonly signature: string;
  readonly footer: string;
  readonly accountFooter: string;
  readonly labels: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly kinds: Readonly<Record<MessageKind, KindTemplate>>;
}

export interface EmailTemplates {
  readonly languages: Readonly<Record<MessageLanguage, LanguageTemplates>>;
  /** `{{lang}}`, `{{subject}}`, `{{content}}`, `{{signature}}`, `{{footer}}`. */
  readonly htmlLayout: string;
  /** `{{content}}`, `{{signature}}`, `{{footer}}`. */
  readonly textLayout: string;
}

const TEMPLATES_FOLDER = join('templates', 'emails');

/** The folder, found by walking up from `start` (`src/…` under Jest, `dist/src/…` built). */
export function findEmailTemplates(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, TEMPLATES_FOLDER);
    if (existsSync(join(candidate, 'layout.html'))) {
      return candidate;
    }
    if (dirname(dir) === dir) {
      throw new Error(`Email templates not found: no ${TEMPLATES_FOLDER} above ${start}`);
    }
  }
}

function checkLanguage(value: unknown, file: string): LanguageTemplates {
  const templates = value as LanguageTemplates;
  const strings = ['greeting', 'signature', 'footer', 'accountFooter'] as const;
  for (const key of strings) {
    if (typeof templates[key] !== 'string') {
      throw new Error(`${file}: "${key}" must be a string`);
    }
  }
  for (const kind of [...NOTIFICATION_KINDS, ...ACCOUNT_EMAIL_KINDS]) {
    const template = templates.kinds?.[kind];
    if (
      typeof template?.subject !== 'string' ||
      !Array.isArray(template.paragraphs) ||
      !template.paragraphs.every((p) => typeof p === 'string')
    ) {
      throw new Error(`${file}: kind "${kind}" needs a subject and paragraphs`);
    }
  }
  return templates;
}

/** Reads and checks the templates of `dir`, with no cache. */
export function readEmailTemplates(dir: string = findEmailTemplates()): EmailTemplates {
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    languages: {
      fr: checkLanguage(JSON.parse(read('fr.json')), join(dir, 'fr.json')),
      en: checkLanguage(JSON.parse(read('en.json')), join(dir, 'en.json')),
    },
    htmlLayout: read('layout.html'),
    textLayout: read('layout.txt'),
  };
}

let shared: EmailTemplates | undefined;

/** The templates of `templates/emails`, read on first use and kept for the process's life. */
export function emailTemplates(): EmailTemplates {
  shared ??= readEmailTemplates();
  return shared;
}
