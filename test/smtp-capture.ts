import { type ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** One message the capture server accepted. */
export interface CapturedMail {
  /** The SMTP envelope: MAIL FROM and every RCPT TO, lower-case. */
  readonly from: string;
  readonly to: readonly string[];
  /** The user of AUTH, when the client signed in. */
  readonly user?: string;
  readonly raw: string;
  readonly parsed: ParsedMail;
}

/**
 * How the server is down: `refuse` answers every connection with 421 (a server that is up but
 * will not take mail), `reject` accepts the connection and refuses each message with 451 after
 * its data, `closed` stops listening so that connections are refused by the system.
 */
export type SmtpOutage = 'refuse' | 'reject' | 'closed';

/**
 * A real SMTP server (the `smtp-server` package) on a free loopback port, keeping every message
 * it accepts, parsed by `mailparser`. No TLS; any AUTH is accepted and remembered.
 *
 * ```ts
 * const smtp = await SmtpCapture.start();
 * const t = await createTestApp({ env: { SMTP_URL: smtp.url } });
 * ... await t.app.get(NotificationDispatcher).dispatchOnce();
 * expect(smtp.messagesTo('member@example.ma')).toHaveLength(1);
 * smtp.down('refuse'); ... smtp.up();
 * await smtp.stop();
 * ```
 */
export class SmtpCapture {
  readonly messages: CapturedMail[] = [];
  private outage: SmtpOutage | null = null;
  private server: SMTPServer;
  private port = 0;
  /** Connections opened, refused or not: a dispatcher that tried shows here. */
  connections = 0;

  private constructor() {
    this.server = this.createServer();
  }

  static async start(): Promise<SmtpCapture> {
    const capture = new SmtpCapture();
    await capture.listen();
    return capture;
  }

  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get listeningPort(): number {
    return this.port;
  }

  /** The messages whose envelope names the address. */
  messagesTo(address: string): CapturedMail[] {
    const wanted = address.toLowerCase();
    return this.messages.filter((m) => m.to.includes(wanted));
  }

  clear(): void {
    this.messages.length = 0;
    this.connections = 0;
  }

  /** Simulates an outage until {@link up}. */
  async down(outage: SmtpOutage = 'refuse'): Promise<void> {
    this.outage = outage;
    if (outage === 'closed') {
      await this.close();
    }
  }

  /** Ends an outage: the server takes mail again, on the same port. */
  async up(): Promise<void> {
    const wasClosed = this.outage === 'closed';
    this.outage = null;
    if (wasClosed) {
      this.server = this.createServer();
      await this.listen();
    }
  }

  async stop(): Promise<void> {
    if (this.outage !== 'closed') {
      await this.close();
    }
  }

  private createServer(): SMTPServer {
    return new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      allowInsecureAuth: true,
      logger: false,
      onConnect: (_session, callback) => {
        this.connections += 1;
        if (this.outage === 'refuse') {
          callback(Object.assign(new Error('Service not available'), { responseCode: 421 }));
          return;
        }
        callback();
      },
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', callback);
        stream.on('end', () => {
          if (this.outage === 'reject') {
            callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
            return;
          }
          void this.keep(Buffer.concat(chunks), session).then(() => callback(), callback);
        });
      },
    });
  }

  private async keep(raw: Buffer, session: SMTPServerSession): Promise<void> {
    const envelope = session.envelope;
    this.messages.push({
      from: envelope.mailFrom ? envelope.mailFrom.address.toLowerCase() : '',
      to: envelope.rcptTo.map((r) => r.address.toLowerCase()),
      user: typeof session.user === 'string' ? session.user : undefined,
      raw: raw.toString('utf8'),
      parsed: await simpleParser(raw),
    });
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
