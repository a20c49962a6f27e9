import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { compactUtcStamp } from 'src/common/time';
import type { AppConfig } from 'src/config/app-config';
import type { StoredAttachment } from 'src/notifications/notification.entity';

/** A message of the outbox, ready to go. */
export interface OutgoingMail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attachments: readonly StoredAttachment[];
  readonly createdAt: Date;
}

/** The address part of `Name <address>`. */
export const addressOf = (mailbox: string): string =>
  /<([^<>]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox;

/**
 * Where messages go: an SMTP server, or `.eml` files (MAIL_TRANSPORT). One is opened for a
 * dispatcher's pass and closed at its end.
 */
export interface MailTransport {
  readonly description: string;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

type MailSettings = AppConfig['mail'];

// An unreachable or silent server fails an attempt in seconds, well within a claim's lease.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

const isCalendar = (attachment: StoredAttachment) =>
  /^text\/calendar\b/i.test(attachment.contentType);

/** REQUEST, CANCEL…: what the calendar asks of its recipient, from its METHOD line. */
const methodOf = (ics: string) => /^METHOD:([A-Za-z-]+)\r?$/m.exec(ics)?.[1]?.toUpperCase();

function messageOf(mail: OutgoingMail, from: string, host: string) {
  // A calendar goes as the text/calendar alternative of the body, which is what calendar clients
  // act on (an invitation's buttons, a CANCEL applied); nodemailer attaches the .ics file too.
  const calendar = mail.attachments.find(isCalendar);
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    // The same id on every attempt: a receiver that saw the message once can drop a repeat.
    messageId: `<${mail.id}@${host}>`,
    date: mail.createdAt,
    ...(calendar && {
      icalEvent: {
        method: methodOf(calendar.content),
        filename: calendar.filename,
        content: calendar.content,
      },
    }),
    attachments: mail.attachments
      .filter((a) => a !== calendar)
      .map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
  };
}

/**
 * A pool of at most `connections` SMTP connections, each used for message after message instead
 * of a connection (and a TLS handshake) per message.
 */
function smtpTransport(settings: MailSettings, host: string, connections: number): MailTransport {
  const transport = createTransport({
    pool: true,
    maxConnections: connections,
    ...(settings.smtpUrl
      ? { url: settings.smtpUrl }
      : {
          host: settings.smtpHost,
          port: settings.smtpPort,
          secure: settings.smtpSecure,
          ...(settings.smtpUser && {
            auth: { user: settings.smtpUser, pass: settings.smtpPassword ?? '' },
          }),
        }),
    ...SMTP_TIMEOUTS,
  });
  const where = settings.smtpUrl
    ? new URL(settings.smtpUrl).host
    : `${settings.smtpHost}:${settings.smtpPort}`;
  return {
    description: `SMTP server ${where}`,
    async send(mail) {
      await transport.sendMail(messageOf(mail, settings.from, host));
    },
    close: () => transport.close(),
  };
}

/** Each message as an RFC 5322 file, `<outbox>/<created at>-<id>.eml`, written whole or not at all. */
function emlTransport(settings: MailSettings, host: string): MailTransport {
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    description: `.eml files in ${settings.outboxDir}`,
    async send(mail) {
      const info = await composer.sendMail(messageOf(mail, settings.from, host));
      // Readable by the service's user only: a password reset or an invitation carries a code.
      await mkdir(settings.outboxDir, { recursive: true, mode: 0o700 });
      const file = join(settings.outboxDir, `${compactUtcStamp(mail.createdAt)}-${mail.id}.eml`);
      await writeFile(`${file}.tmp`, info.message as Buffer, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    },
    close: () => composer.close(),
  };
}

/** The SMTP server (up to `connections` at once) or `.eml` files under OUTBOX_DIR. */
export function createMailTransport(config: AppConfig, connections: number): MailTransport {
  const host = new URL(config.publicBaseUrl).hostname;
  return config.mail.transport === 'smtp'
    ? smtpTransport(config.mail, host, connections)
    : emlTransport(config.mail, host);
}
