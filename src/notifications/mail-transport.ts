import { Logger } from '@nestjs/common';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type { AppConfig } from 'src/config/app-config';

/** A message of the outbox, ready to go. */
export interface OutgoingMail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attachments: readonly {
    readonly filename: string;
    readonly contentType: string;
    readonly content: string;
  }[];
  readonly createdAt: Date;
}

/** Where messages go: an SMTP server, or `.eml` files when none is configured. */
export interface MailTransport {
  readonly description: string;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

type MailSettings = AppConfig['mail'];

// An unreachable or silent server fails an attempt in seconds, well within a claim's lease.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

function messageOf(mail: OutgoingMail, from: string, host: string) {
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    // The same id on every attempt: a receiver that saw the message once can drop a repeat.
    messageId: `<${mail.id}@${host}>`,
    date: mail.createdAt,
    attachments: mail.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
  };
}

function smtpTransport(settings: MailSettings, host: string): MailTransport {
  const transport = createTransport({
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

const fileStamp = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

/** Each message as an RFC 5322 file, `<outbox>/<created at>-<id>.eml`, written whole or not at all. */
function emlTransport(settings: MailSettings, host: string): MailTransport {
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    description: `.eml files in ${settings.outboxDir}`,
    async send(mail) {
      const info = await composer.sendMail(messageOf(mail, settings.from, host));
      await mkdir(settings.outboxDir, { recursive: true });
      const file = join(settings.outboxDir, `${fileStamp(mail.createdAt)}-${mail.id}.eml`);
      await writeFile(`${file}.tmp`, info.message as Buffer);
      await rename(`${file}.tmp`, file);
    },
    close: () => composer.close(),
  };
}

/** SMTP when SMTP_URL or SMTP_HOST is set, `.eml` files under OUTBOX_DIR otherwise. */
export function createMailTransport(config: AppConfig): MailTransport {
  const host = new URL(config.publicBaseUrl).hostname;
  const transport =
    config.mail.smtpUrl || config.mail.smtpHost
      ? smtpTransport(config.mail, host)
      : emlTransport(config.mail, host);
  new Logger('MailTransport').log(`Emails go to ${transport.description}`);
  return transport;
}
