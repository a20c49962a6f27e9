import { Logger } from '@nestjs/common';
import ICAL from 'ical.js';
import { simpleParser } from 'mailparser';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Organisation } from 'src/members/organisation.entity';
import type { User } from 'src/members/user.entity';
import {
  NotificationDispatcher,
  SEND_CONCURRENCY,
} from 'src/notifications/notification-dispatcher';
import type { NotificationEvent } from 'src/notifications/notification-events';
import { NOTIFICATION_RETENTION_JOB } from 'src/notifications/notification-retention';
import { NotificationsService } from 'src/notifications/notifications.service';
import { SchedulerService } from 'src/scheduler/scheduler.service';
import { SMTPServer } from 'smtp-server';
import { createTestApp, type TestApp } from '../app';
import { authAs, givenAudit, givenOrganisation, givenSite, givenUser } from '../factories';
import { SmtpCapture } from '../smtp-capture';

const MISSING = '6a1c0b2d-0000-4000-8000-00000000c0a1';
const MAX_ATTEMPTS = 3;

interface Outbox {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

describe('notifications: the outbox and its dispatcher', () => {
  let smtp: SmtpCapture;
  let t: TestApp;
  let organisation: Organisation;
  let admin: User;
  let auditor: User;
  let member: User;
  let memberEn: User;

  beforeAll(async () => {
    smtp = await SmtpCapture.start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        NOTIFY_RETRY_BASE_SECONDS: '0',
        NOTIFY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        MAIL_FROM: 'Charte sanitaire <charte@example.ma>',
      },
    });
    organisation = await givenOrganisation(t.db);
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor', { fullName: 'Youssef Alami' });
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    memberEn = await givenUser(t.db, 'member', {
      organisationId: organisation.id,
      preferredLanguage: 'en',
    });
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  beforeEach(async () => {
    await smtp.up();
    smtp.clear();
    await t.db.query('DELETE FROM notification');
    await t.db.query(`UPDATE app_user SET muted_notification_kinds = '{}'`);
  });

  const notifications = () => t.app.get(NotificationsService);
  const dispatcher = () => t.app.get(NotificationDispatcher);
  const notify = (event: NotificationEvent, onceKey?: string) =>
    t.db.transaction((em) => notifications().notify(em, event, { onceKey }));
  const outbox = () =>
    t.db.query<Outbox[]>(
      'SELECT id, status, attempts, last_error FROM notification ORDER BY created_at, id',
    );
  /** A planned audit on a site of its own (one active audit per site). */
  const plannedAudit = async (plannedFor = '2030-03-12') =>
    givenAudit(t.db, await givenSite(t.db, organisation), auditor, { plannedFor });

  describe('writing', () => {
    it('writes one row per recipient, each in their language, in the caller’s transaction', async () => {
      const audit = await plannedAudit();
      expect(await notify({ kind: 'audit.planned', auditId: audit.id })).toBe(3);
      const rows = await t.db.query<{ recipient_email: string; language: string }[]>(
        'SELECT recipient_email, language FROM notification ORDER BY recipient_email',
      );
      expect(rows).toEqual(
        [
          { recipient_email: auditor.email, language: 'fr' },
          { recipient_email: member.email, language: 'fr' },
          { recipient_email: memberEn.email, language: 'en' },
        ].sort((x, y) => x.recipient_email.localeCompare(y.recipient_email)),
      );
    });

    it('leaves no outbox row when the transaction rolls back', async () => {
      const audit = await plannedAudit();
      await expect(
        t.db.transaction(async (em) => {
          await notifications().notify(em, { kind: 'audit.planned', auditId: audit.id });
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      expect(await outbox()).toEqual([]);
      expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 0 });
      expect(smtp.connections).toBe(0);
    });

    it('writes a message under a once key only once per recipient', async () => {
      const audit = await plannedAudit();
      const event = { kind: 'audit.planned', auditId: audit.id } as const;
      expect(await notify(event, `audit.planned:${audit.id}`)).toBe(3);
      expect(await notify(event, `audit.planned:${audit.id}`)).toBe(0);
      const [a, b] = await Promise.all([
        notify(event, `other:${audit.id}`),
        notify(event, `other:${audit.id}`),
      ]);
      expect(a + b).toBe(3);
      expect(await outbox()).toHaveLength(6);
    });

    it('leaves out disabled users and the members of other companies', async () => {
      const other = await givenOrganisation(t.db);
      await givenUser(t.db, 'member', { organisationId: other.id });
      const disabled = await givenUser(t.db, 'member', {
        organisationId: organisation.id,
        disabledAt: new Date(),
      });
      const audit = await plannedAudit();
      await notify({ kind: 'audit.planned', auditId: audit.id });
      const emails = (
        await t.db.query<{ e: string }[]>('SELECT recipient_email AS e FROM notification')
      ).map((r) => r.e);
      expect(emails).not.toContain(disabled.email);
      expect(emails.sort()).toEqual([auditor.email, member.email, memberEn.email].sort());
    });

    it('leaves out who muted the kind, unless it is mandatory', async () => {
      await t.db.query(
        `UPDATE app_user SET muted_notification_kinds = '{audit.planned,corrective_action.overdue}'
          WHERE id = $1`,
        [member.id],
      );
      const audit = await plannedAudit();
      await notify({ kind: 'audit.planned', auditId: audit.id });
      const emails = (
        await t.db.query<{ e: string }[]>('SELECT recipient_email AS e FROM notification')
      ).map((r) => r.e);
      expect(emails.sort()).toEqual([auditor.email, memberEn.email].sort());
    });

    it('keeps a subject of any length, and a recipient’s messages: deleting the user is refused', async () => {
      const audit = await plannedAudit();
      await notify({ kind: 'audit.planned', auditId: audit.id });
      await t.db.query(
        `UPDATE notification SET subject = repeat('é', 1000) WHERE recipient_user_id = $1`,
        [member.id],
      );
      await expect(t.db.query('DELETE FROM app_user WHERE id = $1', [member.id])).rejects.toThrow(
        /notification_recipient_fk/,
      );
      const [row] = await t.db.query<{ n: number }[]>(
        'SELECT length(subject) AS n FROM notification WHERE recipient_user_id = $1',
        [member.id],
      );
      expect(row.n).toBe(1000);
    });

    it('refuses an event whose subject does not exist, and the transaction rolls back', async () => {
      await expect(notify({ kind: 'audit.planned', auditId: MISSING })).rejects.toThrow(
        /does not exist/,
      );
      expect(await outbox()).toEqual([]);
    });
  });

  describe('sending through SMTP', () => {
    it('sends each message from MAIL_FROM, in the recipient’s language, with a calendar that parses', async () => {
      const audit = await plannedAudit('2030-03-12');
      await notify({ kind: 'audit.planned', auditId: audit.id });
      expect(await dispatcher().dispatchOnce()).toEqual({
        claimed: 3,
        sent: 3,
        retrying: 0,
        failed: 0,
        skipped: 0,
      });
      expect(smtp.messages.flatMap((m) => m.to).sort()).toEqual(
        [auditor.email, member.email, memberEn.email].sort(),
      );
      const [fr] = smtp.messagesTo(member.email);
      expect(fr.from).toBe('charte@example.ma');
      expect(fr.parsed.from?.value).toEqual([
        { name: 'Charte sanitaire', address: 'charte@example.ma' },
      ]);
      const siteName = (
        await t.db.query<{ name: string }[]>(
          'SELECT s.name FROM site s JOIN audit a ON a.site_id = s.id WHERE a.id = $1',
          [audit.id],
        )
      )[0].name;
      expect(fr.parsed.subject).toBe(
        `Audit planifié le 12 mars 2030 : ${siteName} (${organisation.name})`,
      );
      expect(fr.parsed.html).toContain('<html lang="fr">');
      const [en] = smtp.messagesTo(memberEn.email);
      expect(en.parsed.subject).toBe(
        `Audit planned on 12 March 2030: ${siteName} (${organisation.name})`,
      );
      expect(en.parsed.text).toContain(`http://localhost:3000/api/v1/audits/${audit.id}`);
      expect(en.parsed.text).toContain('Youssef Alami');
      // The calendar is the text/calendar alternative of the body, which calendar clients act
      // on, and the same as an invitation.ics file.
      expect(en.raw).toMatch(
        /multipart\/alternative[\s\S]*text\/plain[\s\S]*text\/html[\s\S]*Content-Type: text\/calendar; charset=utf-8; method=REQUEST/,
      );
      const ics = en.parsed.attachments.find((a) => a.contentType === 'text/calendar');
      const file = en.parsed.attachments.find((a) => a.filename === 'invitation.ics');
      expect(file?.contentType).toBe('application/ics');
      expect(file?.content.toString('utf8')).toBe(ics?.content.toString('utf8'));
      const calendar = new ICAL.Component(ICAL.parse(ics!.content.toString('utf8')));
      expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
      const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent')!);
      expect(event.uid).toBe(`audit-${audit.id}@localhost`);
      expect(event.startDate.toString()).toBe('2030-03-12');
      expect(event.startDate.isDate).toBe(true);
      expect(event.summary).toContain(siteName);
      expect(await outbox()).toEqual(
        Array.from({ length: 3 }, () => expect.objectContaining({ status: 'sent', attempts: 1 })),
      );
      // Nothing is sent twice.
      expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 0 });
      expect(smtp.messages).toHaveLength(3);
    });

    it('escapes what members wrote in the HTML part', async () => {
      const sneaky = await givenSite(t.db, organisation, {
        name: `<b>Plateau</b> & "Nord" ${Date.now()}`,
      });
      const audit = await givenAudit(t.db, sneaky, auditor, { plannedFor: '2030-04-01' });
      await notify({ kind: 'audit.planned', auditId: audit.id });
      await dispatcher().dispatchOnce();
      const [mail] = smtp.messagesTo(member.email);
      expect(mail.parsed.html).toContain('&lt;b&gt;Plateau&lt;/b&gt; &amp; &quot;Nord&quot;');
      expect(mail.parsed.html).not.toContain('<b>Plateau</b>');
      expect(mail.parsed.text).toContain('<b>Plateau</b> & "Nord"');
    });

    it.each(['refuse', 'reject', 'closed'] as const)(
      'retries while the server is down (%s), then sends once it is back',
      async (outage) => {
        const audit = await plannedAudit();
        await notify({ kind: 'audit.planned', auditId: audit.id });
        await smtp.down(outage);
        expect(await dispatcher().dispatchOnce()).toEqual({
          claimed: 3,
          sent: 0,
          retrying: 3,
          failed: 0,
          skipped: 0,
        });
        const rows = await outbox();
        expect(rows).toEqual(
          Array.from({ length: 3 }, () =>
            expect.objectContaining({
              status: 'pending',
              attempts: 1,
              last_error: expect.any(String),
            }),
          ),
        );
        await smtp.up();
        expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 3, sent: 3 });
        expect(smtp.messages).toHaveLength(3);
        expect(await outbox()).toEqual(
          Array.from({ length: 3 }, () =>
            expect.objectContaining({ status: 'sent', attempts: 2, last_error: null }),
          ),
        );
      },
    );

    it('waits longer after each failure (exponential backoff)', async () => {
      const slow = await createTestApp({
        database: t.databaseName,
        env: { NOTIFY_RETRY_BASE_SECONDS: '60' },
      });
      try {
        const audit = await plannedAudit();
        await notify({ kind: 'audit.planned', auditId: audit.id });
        await smtp.down('refuse');
        const delay = async () => {
          const [row] = await t.db.query<{ seconds: number }[]>(
            `SELECT round(extract(epoch FROM next_attempt_at - now()))::int AS seconds
               FROM notification LIMIT 1`,
          );
          await t.db.query('UPDATE notification SET next_attempt_at = now()');
          return row.seconds;
        };
        await slow.app.get(NotificationDispatcher).dispatchOnce();
        const first = await delay();
        await slow.app.get(NotificationDispatcher).dispatchOnce();
        const second = await delay();
        expect(first).toBeGreaterThanOrEqual(59);
        expect(first).toBeLessThanOrEqual(60);
        expect(second).toBeGreaterThanOrEqual(119);
        expect(second).toBeLessThanOrEqual(120);
        // Not due yet: not tried.
        await t.db.query(`UPDATE notification SET next_attempt_at = now() + interval '1 minute'`);
        expect(await slow.app.get(NotificationDispatcher).dispatchOnce()).toMatchObject({
          claimed: 0,
        });
      } finally {
        await slow.close();
      }
    });

    it('marks a message failed after NOTIFY_MAX_ATTEMPTS, shows it to admins, and sends it again on retry', async () => {
      const audit = await plannedAudit();
      await notify({ kind: 'audit.planned', auditId: audit.id });
      await t.db.query('DELETE FROM notification WHERE recipient_email <> $1', [member.email]);
      await smtp.down('reject');
      const outcomes = [];
      for (let i = 0; i < MAX_ATTEMPTS; i += 1) {
        outcomes.push(await dispatcher().dispatchOnce());
      }
      expect(outcomes.map((o) => [o.retrying, o.failed])).toEqual([
        [1, 0],
        [1, 0],
        [0, 1],
      ]);
      expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 0 });
      const [failed] = await outbox();
      expect(failed).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });

      const headers = await authAs(t, admin);
      const list = await t.request({
        method: 'GET',
        url: '/api/v1/notifications/outbox?status=failed',
        headers,
      });
      expect(list.statusCode).toBe(200);
      expect(list.json()).toMatchObject({ total: 1, page: 1, pageSize: 20 });
      const [item] = list.json().items;
      expect(item).toMatchObject({
        id: failed.id,
        kind: 'audit.planned',
        recipientEmail: member.email,
        status: 'failed',
        attempts: MAX_ATTEMPTS,
        lastError: expect.stringContaining('451'),
        sentAt: null,
      });
      expect(item).not.toHaveProperty('textBody');
      const pending = await t.request({
        method: 'GET',
        url: '/api/v1/notifications/outbox?status=pending',
        headers,
      });
      expect(pending.json().total).toBe(0);

      await smtp.up();
      const retry = await t.request({
        method: 'POST',
        url: `/api/v1/notifications/outbox/${failed.id}/retry`,
        headers,
      });
      expect(retry.statusCode).toBe(200);
      expect(retry.json()).toMatchObject({ id: failed.id, status: 'pending', attempts: 0 });
      const again = await t.request({
        method: 'POST',
        url: `/api/v1/notifications/outbox/${failed.id}/retry`,
        headers,
      });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'NOTIFICATION.NOT_FAILED' });
      expect(await dispatcher().dispatchOnce()).toMatchObject({ sent: 1 });
      expect(smtp.messagesTo(member.email)).toHaveLength(1);
      const [{ action }] = await t.db.query<{ action: string }[]>(
        `SELECT action FROM journal_entry WHERE entity_id = $1`,
        [failed.id],
      );
      expect(action).toBe('notification.retried');
    });

    it('answers the outbox routes’ errors', async () => {
      const headers = await authAs(t, admin);
      const cases = [
        [{ method: 'POST', url: `/api/v1/notifications/outbox/${MISSING}/retry`, headers }, 404],
        [{ method: 'POST', url: '/api/v1/notifications/outbox/nope/retry', headers }, 400],
        [{ method: 'GET', url: '/api/v1/notifications/outbox?status=lost', headers }, 400],
        [{ method: 'GET', url: '/api/v1/notifications/outbox?pageSize=1000', headers }, 400],
        [{ method: 'GET', url: '/api/v1/notifications/outbox' }, 401],
        [
          {
            method: 'GET',
            url: '/api/v1/notifications/outbox',
            headers: await authAs(t, member),
          },
          403,
        ],
        [
          {
            method: 'POST',
            url: `/api/v1/notifications/outbox/${MISSING}/retry`,
            headers: await authAs(t, auditor),
          },
          403,
        ],
      ] as const;
      for (const [request, status] of cases) {
        const res = await t.request({ ...request });
        expect({ url: request.url, status: res.statusCode }).toEqual({ url: request.url, status });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('sends each message exactly once with two dispatchers of two instances at once', async () => {
      const second = await createTestApp({ database: t.databaseName });
      try {
        for (let i = 0; i < 10; i += 1) {
          const audit = await plannedAudit();
          await notify({ kind: 'audit.planned', auditId: audit.id });
        }
        const total = (await outbox()).length;
        expect(total).toBe(30);
        const dispatchers = [dispatcher(), second.app.get(NotificationDispatcher)];
        const passes = await Promise.all(
          Array.from({ length: 6 }, (_, i) => dispatchers[i % 2].dispatchOnce(7)),
        );
        const sent = passes.reduce((sum, p) => sum + p.sent, 0);
        expect(sent).toBe(total);
        const ids = smtp.messages.map((m) => m.parsed.messageId);
        expect(new Set(ids).size).toBe(total);
        expect(ids).toHaveLength(total);
        expect((await outbox()).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
      } finally {
        await second.close();
      }
    });

    it('blanks the body of an account email once it is sent', async () => {
      await t.db.transaction((em) =>
        notifications().sendAccountEmail(em, {
          kind: 'account.password_reset',
          userId: memberEn.id,
          token: 'x'.repeat(43),
          expiresAt: new Date('2030-03-12T10:30:00Z'),
        }),
      );
      await dispatcher().dispatchOnce();
      const [mail] = smtp.messagesTo(memberEn.email);
      expect(mail.parsed.subject).toBe('Resetting your password');
      expect(mail.parsed.text).toContain('x'.repeat(43));
      expect(mail.parsed.text).toContain('12 March 2030');
      const [row] = await t.db.query<{ text_body: string; html_body: string; status: string }[]>(
        'SELECT text_body, html_body, status FROM notification',
      );
      expect(row).toEqual({ text_body: '', html_body: '', status: 'sent' });
    });
  });

  describe('draining a backlog', () => {
    const queue = async (audits: number) => {
      for (let i = 0; i < audits; i += 1) {
        const audit = await plannedAudit();
        await notify({ kind: 'audit.planned', auditId: audit.id });
      }
    };

    it('sends a backlog fuller than a claim in one pass, message after message over one pooled connection', async () => {
      await queue(3);
      expect(await dispatcher().dispatchOnce(2, { concurrency: 1 })).toEqual({
        claimed: 9,
        sent: 9,
        retrying: 0,
        failed: 0,
        skipped: 0,
      });
      expect(smtp.messages).toHaveLength(9);
      expect(smtp.connections).toBe(1);
      expect((await outbox()).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    });

    it('sends several messages at once, over at most SEND_CONCURRENCY connections', async () => {
      await queue(4);
      expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 12, sent: 12 });
      expect(new Set(smtp.messages.map((m) => m.parsed.messageId)).size).toBe(12);
      expect(smtp.connections).toBeGreaterThan(1);
      expect(smtp.connections).toBeLessThanOrEqual(SEND_CONCURRENCY);
    });

    it('claims no more once its time budget is spent: the next pass goes on', async () => {
      await queue(3);
      expect(await dispatcher().dispatchOnce(2, { budgetMs: 0 })).toMatchObject({
        claimed: 2,
        sent: 2,
      });
      expect((await outbox()).filter((r) => r.status === 'pending')).toHaveLength(7);
      expect(await dispatcher().dispatchOnce(2)).toMatchObject({ claimed: 7, sent: 7 });
    });

    it('tries a message once per pass, even when its retry is due at once', async () => {
      await queue(1);
      await smtp.down('reject');
      expect(await dispatcher().dispatchOnce(1)).toEqual({
        claimed: 3,
        sent: 0,
        retrying: 3,
        failed: 0,
        skipped: 0,
      });
      expect((await outbox()).map((r) => [r.status, r.attempts])).toEqual([
        ['pending', 1],
        ['pending', 1],
        ['pending', 1],
      ]);
    });
  });

  describe('claims', () => {
    const claimedBy = (id: string) =>
      t.db
        .query<{ claimed_by: string | null }[]>(
          'SELECT claimed_by FROM notification WHERE id = $1',
          [id],
        )
        .then(([row]) => row.claimed_by);

    it('sends once a message whose claim by a dispatcher that died has run out, and leaves a live claim alone', async () => {
      const audit = await plannedAudit();
      await notify({ kind: 'audit.planned', auditId: audit.id });
      const [dead, live] = await outbox();
      const claim = `UPDATE notification
                        SET claimed_by = gen_random_uuid(), attempts = 1,
                            claimed_until = now() + make_interval(secs => $2)
                      WHERE id = $1`;
      await t.db.query(claim, [dead.id, -1]);
      await t.db.query(claim, [live.id, 300]);
      expect(await dispatcher().dispatchOnce()).toEqual({
        claimed: 2,
        sent: 2,
        retrying: 0,
        failed: 0,
        skipped: 0,
      });
      expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 0 });
      const ids = () => smtp.messages.map((m) => m.parsed.messageId);
      expect(ids()).toContain(`<${dead.id}@localhost>`);
      expect(ids()).not.toContain(`<${live.id}@localhost>`);
      const rows = await outbox();
      expect(rows.find((r) => r.id === dead.id)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(rows.find((r) => r.id === live.id)).toMatchObject({ status: 'pending', attempts: 1 });
      expect(await claimedBy(live.id)).not.toBeNull();

      // That dispatcher died too: once its claim has run out, the message goes, once.
      await t.db.query(claim, [live.id, -1]);
      expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 1, sent: 1 });
      expect(ids()).toHaveLength(3);
      expect(new Set(ids()).size).toBe(3);
    });

    it('skips what another dispatcher took over during a long send, and says the message it sent may go twice', async () => {
      // A server slow enough for the claims to run out while the first message is being sent:
      // another dispatcher takes every message of the batch over meanwhile.
      let tookOver = false;
      const slow = new SMTPServer({
        secure: false,
        disabledCommands: ['STARTTLS'],
        authOptional: true,
        logger: false,
        onData: (stream, _session, callback) => {
          stream.resume();
          stream.on('end', () => {
            const takeOver = tookOver
              ? Promise.resolve()
              : t.db.query(
                  `UPDATE notification
                      SET claimed_by = gen_random_uuid(),
                          claimed_until = now() + interval '10 minutes'
                    WHERE status = 'pending'`,
                );
            tookOver = true;
            void takeOver.then(() => callback(), callback);
          });
        },
      });
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
      const port = (slow.server.address() as AddressInfo).port;
      const late = await createTestApp({
        database: t.databaseName,
        env: { SMTP_URL: `smtp://127.0.0.1:${port}` },
      });
      const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const audit = await plannedAudit();
        await notify({ kind: 'audit.planned', auditId: audit.id });
        expect(
          await late.app.get(NotificationDispatcher).dispatchOnce(20, { concurrency: 1 }),
        ).toEqual({ claimed: 3, sent: 1, retrying: 0, failed: 0, skipped: 2 });
        expect(error).toHaveBeenCalledTimes(1);
        expect(error).toHaveBeenCalledWith(
          expect.stringMatching(/was sent, but its claim had run out .*: it may be sent twice$/),
        );
        expect(warn).toHaveBeenCalledTimes(2);
        expect(warn).toHaveBeenCalledWith(
          expect.stringMatching(/skipped: its claim ran out and another dispatcher took it$/),
        );
        // All three belong to the other dispatcher now, which sends them.
        expect((await outbox()).every((r) => r.status === 'pending')).toBe(true);
      } finally {
        error.mockRestore();
        warn.mockRestore();
        await late.close();
        await new Promise<void>((resolve) => slow.close(() => resolve()));
        // The apps this file starts next send to the capture server again.
        process.env.SMTP_URL = smtp.url;
      }
    });

    it('goes on with its batch when a message cannot be marked sent; that one is sent again once its claim ends', async () => {
      const audit = await plannedAudit();
      await notify({ kind: 'audit.planned', auditId: audit.id });
      const [{ id: unmarked }] = await t.db.query<{ id: string }[]>(
        'SELECT id FROM notification WHERE recipient_user_id = $1',
        [member.id],
      );
      // The database refuses that one UPDATE, as when the connection is lost.
      await t.db.query(`
        CREATE FUNCTION test_refuse_sent() RETURNS trigger LANGUAGE plpgsql
          AS $$ BEGIN RAISE EXCEPTION 'connection lost'; END $$`);
      await t.db.query(`
        CREATE TRIGGER test_refuse_sent BEFORE UPDATE ON notification FOR EACH ROW
          WHEN (NEW.status = 'sent' AND OLD.id = '${unmarked}')
          EXECUTE FUNCTION test_refuse_sent()`);
      const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        expect(await dispatcher().dispatchOnce(20, { concurrency: 1 })).toEqual({
          claimed: 3,
          sent: 3,
          retrying: 0,
          failed: 0,
          skipped: 0,
        });
        expect(error).toHaveBeenCalledWith(
          expect.stringMatching(
            new RegExp(
              `^Notification ${unmarked} .* could not be marked sent \\(.*connection lost`,
            ),
          ),
        );
      } finally {
        error.mockRestore();
        await t.db.query('DROP TRIGGER test_refuse_sent ON notification');
        await t.db.query('DROP FUNCTION test_refuse_sent()');
      }
      const rows = await outbox();
      expect(rows.filter((r) => r.status === 'sent')).toHaveLength(2);
      expect(rows.find((r) => r.id === unmarked)).toMatchObject({ status: 'pending' });
      expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 0 });

      await t.db.query(
        `UPDATE notification SET claimed_until = now() - interval '1 second'
                         WHERE id = $1`,
        [unmarked],
      );
      expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 1, sent: 1 });
      const twice = smtp.messagesTo(member.email);
      expect(twice.map((m) => m.parsed.messageId)).toEqual([
        `<${unmarked}@localhost>`,
        `<${unmarked}@localhost>`,
      ]);
    });
  });

  describe('account emails given up', () => {
    it('blanks the body of a failed account email, and does not send it again on retry', async () => {
      await t.db.transaction((em) =>
        notifications().sendAccountEmail(em, {
          kind: 'account.password_reset',
          userId: memberEn.id,
          token: 'y'.repeat(43),
          expiresAt: new Date('2030-03-12T10:30:00Z'),
        }),
      );
      await smtp.down('reject');
      for (let i = 0; i < MAX_ATTEMPTS; i += 1) {
        await dispatcher().dispatchOnce();
      }
      const [row] = await t.db.query<
        { id: string; status: string; text_body: string; html_body: string }[]
      >('SELECT id, status, text_body, html_body FROM notification');
      expect(row).toEqual({ id: row.id, status: 'failed', text_body: '', html_body: '' });

      await smtp.up();
      const retry = await t.request({
        method: 'POST',
        url: `/api/v1/notifications/outbox/${row.id}/retry`,
        headers: await authAs(t, admin),
      });
      expect(retry.statusCode).toBe(409);
      expect(retry.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(retry.json()).toMatchObject({ code: 'NOTIFICATION.ACCOUNT_EMAIL' });
      expect(await outbox()).toEqual([expect.objectContaining({ id: row.id, status: 'failed' })]);
      expect(await dispatcher().dispatchOnce()).toMatchObject({ claimed: 0 });
    });
  });

  describe('the administrators’ outbox', () => {
    it('lists every message newest first, or those of one status, with their totals', async () => {
      for (let i = 0; i < 2; i += 1) {
        const audit = await plannedAudit();
        await notify({ kind: 'audit.planned', auditId: audit.id });
      }
      await t.db.query(
        `UPDATE notification n SET created_at = now() - make_interval(mins => o.rank)
           FROM (SELECT id, row_number() OVER (ORDER BY id)::int AS rank FROM notification) o
          WHERE o.id = n.id`,
      );
      await dispatcher().dispatchOnce(2, { budgetMs: 0 });
      const rows = await t.db.query<{ id: string; status: string }[]>(
        'SELECT id, status FROM notification ORDER BY created_at DESC',
      );
      const headers = await authAs(t, admin);
      const list = async (query: string) => {
        const res = await t.request({
          method: 'GET',
          url: `/api/v1/notifications/outbox${query}`,
          headers,
        });
        expect(res.statusCode).toBe(200);
        return res.json<{ items: { id: string }[]; total: number }>();
      };
      const all = await list('');
      expect(all.total).toBe(6);
      expect(all.items.map((i) => i.id)).toEqual(rows.map((r) => r.id));
      const second = await list('?page=2&pageSize=4');
      expect(second).toMatchObject({ total: 6, page: 2, pageSize: 4 });
      expect(second.items.map((i) => i.id)).toEqual(rows.slice(4).map((r) => r.id));
      for (const status of ['sent', 'pending'] as const) {
        const some = await list(`?status=${status}`);
        const expected = rows.filter((r) => r.status === status).map((r) => r.id);
        expect(some.total).toBe(status === 'sent' ? 2 : 4);
        expect(some.items.map((i) => i.id)).toEqual(expected);
      }
    });
  });

  describe('retention', () => {
    it('deletes sent messages older than NOTIFY_RETENTION_DAYS, read or not, by batches, and failed account emails whose code has expired, and keeps the rest', async () => {
      const insert = (count: number, status: string, daysAgo: number) =>
        t.db.query(
          `INSERT INTO notification
             (kind, recipient_user_id, recipient_email, language, subject, text_body, html_body,
              status, attempts, sent_at, read_at, created_at)
           SELECT 'audit.planned', $1, $2, 'fr', 'Audit ' || g, 'Texte', '<p>Texte</p>',
                  $3::varchar, 1,
                  CASE WHEN $3::varchar = 'sent' THEN now() - make_interval(days => $4) END,
                  CASE WHEN g % 2 = 0 THEN now() END,
                  now() - make_interval(days => $4)
             FROM generate_series(1, $5) g`,
          [member.id, member.email, status, daysAgo, count],
        );
      await insert(1201, 'sent', 366);
      await insert(1, 'failed', 400);
      await insert(1, 'pending', 400);
      await insert(2, 'sent', 364);
      // Failed account emails: one whose code has expired (8 days), one whose code still works.
      for (const daysAgo of [8, 6]) {
        await t.db.query(
          `INSERT INTO notification
             (kind, recipient_user_id, recipient_email, language, subject, text_body, html_body,
              status, attempts, created_at)
           VALUES ('account.invitation', $1, $2, 'fr', 'Invitation', '', '', 'failed', 8,
                   now() - make_interval(days => $3))`,
          [member.id, member.email, daysAgo],
        );
      }
      expect(await t.app.get(SchedulerService).runNow(NOTIFICATION_RETENTION_JOB)).toBe(
        'completed',
      );
      const left = await t.db.query<{ status: string; days: number }[]>(
        `SELECT status, round(extract(epoch FROM now() - created_at) / 86400)::int AS days
           FROM notification ORDER BY status, days`,
      );
      expect(left).toEqual([
        { status: 'failed', days: 6 },
        { status: 'failed', days: 400 },
        { status: 'pending', days: 400 },
        { status: 'sent', days: 364 },
        { status: 'sent', days: 364 },
      ]);
      const page = await t.request({
        method: 'GET',
        url: '/api/v1/me/notifications',
        headers: await authAs(t, member),
      });
      expect(page.json()).toMatchObject({ total: 4 });
    });
  });

  describe('metrics', () => {
    it('counts the messages due apart from those waiting for a retry', async () => {
      const audit = await plannedAudit();
      await notify({ kind: 'audit.planned', auditId: audit.id });
      await t.db.query(
        `UPDATE notification SET next_attempt_at = now() + interval '1 hour'
          WHERE recipient_user_id = $1`,
        [member.id],
      );
      const res = await t.request({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^charter_notification_outbox_due_messages 2$/m);
      expect(res.body).toMatch(/^charter_notification_outbox_messages\{status="pending"\} 3$/m);
    });
  });

  describe('without SMTP', () => {
    let folder: string;
    let local: TestApp;

    beforeAll(async () => {
      folder = await mkdtemp(join(tmpdir(), 'charter-outbox-'));
      local = await createTestApp({
        database: t.databaseName,
        env: { SMTP_URL: '', OUTBOX_DIR: folder },
      });
    });

    afterAll(async () => {
      await local?.close();
      await rm(folder, { recursive: true, force: true });
    });

    it('writes each message as an .eml file named by date and id', async () => {
      const audit = await plannedAudit('2030-05-20');
      await notify({ kind: 'audit.planned', auditId: audit.id });
      const rows = await outbox();
      expect(await local.app.get(NotificationDispatcher).dispatchOnce()).toMatchObject({
        sent: 3,
      });
      expect(smtp.connections).toBe(0);
      const files = (await readdir(folder)).sort();
      expect(files).toHaveLength(3);
      for (const f of files) {
        // Only the service's user may read them (account emails carry codes).
        expect((await stat(join(folder, f))).mode & 0o777).toBe(0o600);
      }
      for (const row of rows) {
        expect(files.some((f) => new RegExp(`^\\d{8}T\\d{6}Z-${row.id}\\.eml$`).test(f))).toBe(
          true,
        );
      }
      const parsed = await Promise.all(
        files.map(async (f) => simpleParser(await readFile(join(folder, f)))),
      );
      expect(parsed.map((p) => (p.to && !Array.isArray(p.to) ? p.to.text : '')).sort()).toEqual(
        [auditor.email, member.email, memberEn.email].sort(),
      );
      expect(parsed.every((p) => p.attachments.some((a) => a.filename === 'invitation.ics'))).toBe(
        true,
      );
      expect(await outbox()).toEqual(rows.map((r) => ({ ...r, status: 'sent', attempts: 1 })));
    });
  });
});
