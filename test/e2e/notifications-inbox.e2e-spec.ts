import type { Organisation } from 'src/members/organisation.entity';
import { User } from 'src/members/user.entity';
import type { NotificationEvent } from 'src/notifications/notification-events';
import { NOTIFICATION_KINDS } from 'src/notifications/notification-events';
import { NotificationsService } from 'src/notifications/notifications.service';
import { createTestApp, type TestApp } from '../app';
import { apiCaller, givenAudit, givenOrganisation, givenSite, givenUser } from '../factories';

const MISSING = '6a1c0b2d-0000-4000-8000-00000000c0a1';

interface Item {
  id: string;
  kind: string;
  subject: string;
  text: string;
  link: string | null;
  siteId: string | null;
  read: boolean;
  readAt: string | null;
  createdAt: string;
}

describe('notifications in the application', () => {
  let t: TestApp;
  let organisation: Organisation;
  let otherOrganisation: Organisation;
  let auditor: User;
  let member: User;
  let colleague: User;
  let stranger: User;

  beforeAll(async () => {
    t = await createTestApp({ env: { SMTP_URL: '', OUTBOX_DIR: '/nonexistent/outbox' } });
    organisation = await givenOrganisation(t.db);
    otherOrganisation = await givenOrganisation(t.db);
    auditor = await givenUser(t.db, 'auditor');
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    colleague = await givenUser(t.db, 'member', { organisationId: organisation.id });
    stranger = await givenUser(t.db, 'member', { organisationId: otherOrganisation.id });
  });

  afterAll(async () => {
    await t?.close();
  });

  beforeEach(async () => {
    await t.db.query('DELETE FROM notification');
    await t.db.query(`UPDATE app_user SET muted_notification_kinds = '{}'`);
  });

  const call = apiCaller(() => t);
  const notify = (event: NotificationEvent) =>
    t.db.transaction((em) => t.app.get(NotificationsService).notify(em, event));

  /** Audit planned on a new site of the organisation: tells its members and the auditor. */
  const plannedAudit = async (owner: Pick<Organisation, 'id'> = organisation) => {
    const audit = await givenAudit(t.db, await givenSite(t.db, owner), auditor, {
      plannedFor: '2030-06-01',
    });
    await notify({ kind: 'audit.planned', auditId: audit.id });
    return audit;
  };

  /** A password reset email to the member: kept with the notifications, never listed with them. */
  const passwordResetEmail = (token: string) =>
    t.db.transaction((em) =>
      t.app.get(NotificationsService).sendAccountEmail(em, {
        kind: 'account.password_reset',
        userId: member.id,
        token,
        expiresAt: new Date(Date.now() + 60_000),
      }),
    );

  const list = async (user: User, query = '') => {
    const res = await call(user, 'GET', `/me/notifications${query}`);
    expect(res.statusCode).toBe(200);
    return res.json<{ items: Item[]; total: number; page: number; pageSize: number }>();
  };

  const notificationOf = async (user: User, auditId: string) => {
    const [row] = await t.db.query<{ id: string }[]>(
      `SELECT id FROM notification WHERE recipient_user_id = $1 AND link LIKE '%' || $2`,
      [user.id, auditId],
    );
    return row.id;
  };

  describe('GET /me/notifications', () => {
    it('lists one’s own notifications, unread first, then newest first, by pages', async () => {
      const audits = [];
      for (let i = 0; i < 4; i += 1) {
        audits.push(await plannedAudit());
        await t.db.query(
          `UPDATE notification SET created_at = now() - make_interval(mins => $1)
            WHERE link LIKE '%' || $2`,
          [10 - i, audits[i].id],
        );
      }
      // The oldest is read: it comes last; the others, newest first.
      await t.db.query(`UPDATE notification SET read_at = now() WHERE link LIKE '%' || $1`, [
        audits[0].id,
      ]);
      await t.db.query(`UPDATE notification SET read_at = now() WHERE link LIKE '%' || $1`, [
        audits[3].id,
      ]);
      const page = await list(member);
      expect(page).toMatchObject({ total: 4, page: 1, pageSize: 20 });
      expect(page.items.map((i) => [i.link?.split('/').pop(), i.read])).toEqual([
        [audits[2].id, false],
        [audits[1].id, false],
        [audits[3].id, true],
        [audits[0].id, true],
      ]);
      const [first] = page.items;
      expect(first).toEqual({
        id: expect.any(String),
        kind: 'audit.planned',
        subject: expect.stringContaining('Audit planifié le 1 juin 2030'),
        text: expect.stringContaining('1 juin 2030'),
        link: `http://localhost:3000/api/v1/audits/${audits[2].id}`,
        siteId: expect.any(String),
        read: false,
        readAt: null,
        createdAt: expect.any(String),
      });
      const second = await list(member, '?page=2&pageSize=3');
      expect(second).toMatchObject({ total: 4, page: 2, pageSize: 3 });
      expect(second.items.map((i) => i.link?.split('/').pop())).toEqual([audits[0].id]);
    });

    it('shows nobody another user’s notifications, nor another company’s', async () => {
      await plannedAudit();
      await plannedAudit(otherOrganisation);
      const mine = await list(member);
      const theirs = await list(stranger);
      expect(mine.total).toBe(1);
      expect(theirs.total).toBe(1);
      expect(mine.items[0].id).not.toBe(theirs.items[0].id);
      expect(mine.items[0].siteId).not.toBe(theirs.items[0].siteId);
      expect((await list(auditor)).total).toBe(2);
    });

    it('leaves a member moved to another company without the previous company’s notifications', async () => {
      const mover = await givenUser(t.db, 'member', { organisationId: organisation.id });
      const before = await plannedAudit();
      const old = await notificationOf(mover, before.id);
      expect((await list(mover)).total).toBe(1);
      const moved = await call(await givenUser(t.db, 'admin'), 'PATCH', `/users/${mover.id}`, {
        organisationId: otherOrganisation.id,
      });
      expect(moved.statusCode).toBe(200);
      const now = await t.db.getRepository(User).findOneByOrFail({ id: mover.id });
      expect(await list(now)).toMatchObject({ total: 0, items: [] });
      const read = await call(now, 'POST', `/me/notifications/${old}/read`);
      expect(read.statusCode).toBe(404);
      expect(read.json()).toMatchObject({ code: 'NOTIFICATION.NOT_FOUND' });
      const after = await plannedAudit(otherOrganisation);
      const page = await list(now);
      expect(page.total).toBe(1);
      expect(page.items[0].link).toContain(after.id);
      // Nothing is lost: the auditor, of no company, still sees both.
      expect((await list(auditor)).total).toBe(2);
    });

    it('does not list account emails', async () => {
      await passwordResetEmail('y'.repeat(43));
      expect(await list(member)).toMatchObject({ total: 0, items: [] });
    });

    it('answers 400 for bad pages and 401 without a token', async () => {
      for (const query of ['?page=0', '?pageSize=101', '?page=x', '?unknown=1']) {
        const res = await call(member, 'GET', `/me/notifications${query}`);
        expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
      }
      const anonymous = await call(null, 'GET', '/me/notifications');
      expect(anonymous.statusCode).toBe(401);
    });
  });

  describe('POST /me/notifications/:id/read', () => {
    it('marks one’s own notification read, once', async () => {
      const audit = await plannedAudit();
      const id = await notificationOf(member, audit.id);
      const res = await call(member, 'POST', `/me/notifications/${id}/read`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, read: true, readAt: expect.any(String) });
      const again = await call(member, 'POST', `/me/notifications/${id}/read`);
      expect(again.statusCode).toBe(200);
      expect(again.json().readAt).toBe(res.json().readAt);
      // The colleague's copy of the same event stays unread.
      const [colleagues] = (await list(colleague)).items;
      expect(colleagues.read).toBe(false);
    });

    it('answers 404 for another user’s notification, another company’s, an account email or none', async () => {
      const audit = await plannedAudit();
      const colleagues = await notificationOf(colleague, audit.id);
      await plannedAudit(otherOrganisation);
      const [strangers] = (await list(stranger)).items;
      await passwordResetEmail('z'.repeat(43));
      const [{ id: accountEmail }] = await t.db.query<{ id: string }[]>(
        `SELECT id FROM notification WHERE kind = 'account.password_reset'`,
      );
      for (const id of [colleagues, strangers.id, accountEmail, MISSING]) {
        const res = await call(member, 'POST', `/me/notifications/${id}/read`);
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ code: 'NOTIFICATION.NOT_FOUND' });
      }
      const [{ read }] = await t.db.query<{ read: boolean }[]>(
        'SELECT read_at IS NOT NULL AS read FROM notification WHERE id = $1',
        [colleagues],
      );
      expect(read).toBe(false);
    });

    it('answers 400 for an id that is not a UUID and 401 without a token', async () => {
      const bad = await call(member, 'POST', '/me/notifications/42/read');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors).toEqual([{ field: 'id', message: expect.any(String) }]);
      const anonymous = await call(null, 'POST', `/me/notifications/${MISSING}/read`);
      expect(anonymous.statusCode).toBe(401);
    });
  });

  describe('preferences', () => {
    const put = (user: User, body: unknown) =>
      call(user, 'PUT', '/me/notification-preferences', body as object);

    it('lists every kind, the mandatory ones, and none muted at first', async () => {
      const res = await call(member, 'GET', '/me/notification-preferences');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        muted: [],
        mandatory: ['corrective_action.overdue', 'certificate.suspended', 'certificate.revoked'],
        kinds: NOTIFICATION_KINDS,
      });
    });

    it('mutes a kind: no message of it is written for that user any more', async () => {
      const res = await put(member, {
        muted: ['audit.planned', 'certificate.expiring_in_30_days'],
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().muted).toEqual(['audit.planned', 'certificate.expiring_in_30_days']);
      const audit = await plannedAudit();
      const recipients = await t.db.query<{ id: string }[]>(
        'SELECT recipient_user_id AS id FROM notification WHERE link LIKE $1',
        [`%${audit.id}`],
      );
      expect(recipients.map((r) => r.id).sort()).toEqual([auditor.id, colleague.id].sort());
      const [{ action }] = await t.db.query<{ action: string }[]>(
        `SELECT action FROM journal_entry WHERE entity_id = $1 ORDER BY seq DESC LIMIT 1`,
        [member.id],
      );
      expect(action).toBe('user.notification_preferences_updated');
      const back = await put(member, { muted: [] });
      expect(back.json().muted).toEqual([]);
    });

    it('refuses to mute a mandatory kind with 422 naming the field', async () => {
      const res = await put(member, { muted: ['audit.planned', 'certificate.revoked'] });
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        code: 'NOTIFICATION.MANDATORY_KIND',
        errors: [{ field: 'muted', message: expect.stringContaining('certificate.revoked') }],
      });
      const [{ muted }] = await t.db.query<{ muted: string[] }[]>(
        'SELECT muted_notification_kinds AS muted FROM app_user WHERE id = $1',
        [member.id],
      );
      expect(muted).toEqual([]);
    });

    it.each([
      [{ muted: ['audit.lost'] }],
      [{ muted: 'audit.planned' }],
      [{ muted: ['audit.planned', 'audit.planned'] }],
      [{ muted: ['account.invitation'] }],
      [{}],
      [{ muted: [], extra: true }],
    ])('answers 400 to %j', async (body) => {
      const res = await put(member, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContainEqual(
        expect.stringMatching(/^(muted|extra)/),
      );
    });

    it('answers 401 without a token', async () => {
      const res = await call(null, 'PUT', '/me/notification-preferences', { muted: [] });
      expect(res.statusCode).toBe(401);
    });

    it('lets a user choose English with PATCH /auth/me, and the next messages are in English', async () => {
      const patched = await call(colleague, 'PATCH', '/auth/me', { preferredLanguage: 'en' });
      expect(patched.statusCode).toBe(200);
      await plannedAudit();
      const [item] = (await list(colleague)).items;
      expect(item.subject).toMatch(/^Audit planned on 1 June 2030/);
      await t.db.query(`UPDATE app_user SET preferred_language = 'fr' WHERE id = $1`, [
        colleague.id,
      ]);
    });
  });
});
