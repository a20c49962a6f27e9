import { randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from 'src/auth/password';
import type { Organisation } from 'src/members/organisation.entity';
import type { User } from 'src/members/user.entity';
import { NotificationDispatcher } from 'src/notifications/notification-dispatcher';
import { createTestApp, type TestApp } from '../app';
import { authAs, givenOrganisation, givenUser, TEST_PASSWORD } from '../factories';
import { SmtpCapture } from '../smtp-capture';

// Watched, not replaced: which hash a login verifies against, and whether a code reached argon2.
jest.mock('src/auth/password', () => {
  const actual = jest.requireActual<typeof import('src/auth/password')>('src/auth/password');
  return {
    ...actual,
    hashPassword: jest.fn(actual.hashPassword),
    verifyPassword: jest.fn(actual.verifyPassword),
  };
});

const hashing = jest.mocked(hashPassword);
const verifying = jest.mocked(verifyPassword);

const NEW_PASSWORD = 'a fresh and long passphrase 42';
const CODE = /:\s*([A-Za-z0-9_-]{43})\s*$/m;

describe('account emails', () => {
  let smtp: SmtpCapture;
  let t: TestApp;
  let organisation: Organisation;
  let admin: User;
  let ipCounter = 0;
  const freshIp = () => `10.9.0.${++ipCounter}`;

  beforeAll(async () => {
    smtp = await SmtpCapture.start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    organisation = await givenOrganisation(t.db);
    admin = await givenUser(t.db, 'admin', { fullName: 'Samira El Idrissi' });
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  beforeEach(() => smtp.clear());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: `/api/v1${url}`, payload, headers, remoteAddress: freshIp() });
  const login = (email: string, password: string) => post('/auth/login', { email, password });
  const dispatch = () => t.app.get(NotificationDispatcher).dispatchOnce(100);
  /** Sets a password with an emailed code: a reset's or an invitation's. */
  const resetPassword = (token: string, password = NEW_PASSWORD) =>
    post('/auth/password-reset/confirm', { token, password });
  const acceptInvitation = (token: string, password = NEW_PASSWORD) =>
    post('/auth/invitations/accept', { token, password });
  /** What the journal holds of the user, in order. */
  const journalOf = async (userId: string) =>
    (
      await t.db.query<{ action: string }[]>(
        `SELECT action FROM journal_entry WHERE entity_id = $1 ORDER BY seq`,
        [userId],
      )
    ).map((a) => a.action);

  /** The code of the last email sent to the address. */
  const codeSentTo = async (email: string): Promise<string> => {
    await dispatch();
    const mail = smtp.messagesTo(email).at(-1);
    const code = mail && CODE.exec(mail.parsed.text ?? '')?.[1];
    if (!code) {
      throw new Error(`no code sent to ${email}`);
    }
    return code;
  };

  describe('password reset', () => {
    it('emails a code that sets a new password once and ends every session', async () => {
      const user = await givenUser(t.db, 'member', {
        organisationId: organisation.id,
        preferredLanguage: 'en',
      });
      const session = await login(user.email, TEST_PASSWORD);
      expect(session.statusCode).toBe(200);
      const { accessToken, refreshToken } = session.json();

      const asked = await post('/auth/password-reset', { email: user.email.toUpperCase() });
      expect(asked.statusCode).toBe(202);
      expect(asked.body).toBe('');
      const code = await codeSentTo(user.email);
      const [mail] = smtp.messagesTo(user.email);
      expect(mail.parsed.subject).toBe('Resetting your password');
      expect(mail.parsed.text).toContain('/api/v1/auth/password-reset/confirm');
      const [token] = await t.db.query<{ minutes: number; token_hash: string }[]>(
        `SELECT extract(epoch FROM expires_at - created_at) / 60 AS minutes, token_hash
           FROM account_token WHERE user_id = $1 AND purpose = 'password_reset'`,
        [user.id],
      );
      expect(Number(token.minutes)).toBe(30);
      expect(token.token_hash).not.toContain(code);
      // Once sent, the outbox keeps no copy of the code.
      const [row] = await t.db.query<{ text_body: string }[]>(
        `SELECT text_body FROM notification WHERE recipient_user_id = $1`,
        [user.id],
      );
      expect(row.text_body).toBe('');

      const done = await resetPassword(code);
      expect(done.statusCode).toBe(204);
      expect((await login(user.email, TEST_PASSWORD)).statusCode).toBe(401);
      expect((await login(user.email, NEW_PASSWORD)).statusCode).toBe(200);
      // Every earlier session has ended.
      const me = await t.request({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(me.statusCode).toBe(401);
      expect((await post('/auth/refresh', { refreshToken })).statusCode).toBe(401);

      const again = await resetPassword(code, 'yet another long passphrase 7');
      expect(again.statusCode).toBe(400);
      expect(again.json()).toMatchObject({
        code: 'AUTH.INVALID_ACCOUNT_TOKEN',
        errors: [{ field: 'token', message: expect.any(String) }],
      });
      expect(await journalOf(user.id)).toEqual(
        expect.arrayContaining(['auth.password_reset_requested', 'auth.password_reset']),
      );
    });

    it('answers the same for an unknown address, a disabled account and a known one, and emails only the known one', async () => {
      const known = await givenUser(t.db, 'auditor');
      const disabled = await givenUser(t.db, 'auditor', { disabledAt: new Date() });
      const answers = [];
      for (const email of ['nobody@example.ma', disabled.email, known.email]) {
        const res = await post('/auth/password-reset', { email });
        answers.push({ status: res.statusCode, body: res.body });
      }
      expect(answers).toEqual(Array.from({ length: 3 }, () => ({ status: 202, body: '' })));
      await dispatch();
      expect(smtp.messages.map((m) => m.to)).toEqual([[known.email]]);
    });

    it('takes an address without a top-level domain, as the first administrator’s admin@localhost', async () => {
      const admin = await givenUser(t.db, 'admin', { email: 'reset-admin@localhost' });
      const res = await post('/auth/password-reset', { email: 'Reset-Admin@LocalHost' });
      expect(res.statusCode).toBe(202);
      await dispatch();
      expect(smtp.messagesTo(admin.email)).toHaveLength(1);
    });

    it('sends at most one email a minute, and only the newest code works', async () => {
      const user = await givenUser(t.db, 'auditor');
      await post('/auth/password-reset', { email: user.email });
      await post('/auth/password-reset', { email: user.email });
      await dispatch();
      expect(smtp.messagesTo(user.email)).toHaveLength(1);
      const first = CODE.exec(smtp.messagesTo(user.email)[0].parsed.text ?? '')![1];
      await t.db.query(
        `UPDATE account_token SET created_at = created_at - interval '2 minutes',
                expires_at = expires_at - interval '2 minutes' WHERE user_id = $1`,
        [user.id],
      );
      await post('/auth/password-reset', { email: user.email });
      const second = await codeSentTo(user.email);
      expect(second).not.toBe(first);
      const old = await resetPassword(first);
      expect(old.statusCode).toBe(400);
      const fresh = await resetPassword(second);
      expect(fresh.statusCode).toBe(204);
    });

    it('refuses a code past its 30 minutes', async () => {
      const user = await givenUser(t.db, 'auditor');
      await post('/auth/password-reset', { email: user.email });
      const code = await codeSentTo(user.email);
      await t.db.query(
        `UPDATE account_token SET created_at = now() - interval '31 minutes',
                expires_at = now() - interval '1 minute' WHERE user_id = $1`,
        [user.id],
      );
      hashing.mockClear();
      const res = await resetPassword(code);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('AUTH.INVALID_ACCOUNT_TOKEN');
      expect(hashing).not.toHaveBeenCalled();
      expect((await login(user.email, TEST_PASSWORD)).statusCode).toBe(200);
    });

    it('checks the code before hashing the password: one that cannot be spent never reaches argon2', async () => {
      const user = await givenUser(t.db, 'auditor');
      await post('/auth/password-reset', { email: user.email });
      const code = await codeSentTo(user.email);
      hashing.mockClear();
      const refused = [
        await resetPassword('x'.repeat(43)),
        await acceptInvitation('y'.repeat(43)),
        // A reset code is no invitation code.
        await acceptInvitation(code),
      ];
      expect(refused.map((r) => [r.statusCode, r.json().code])).toEqual(
        Array.from({ length: 3 }, () => [400, 'AUTH.INVALID_ACCOUNT_TOKEN']),
      );
      expect(hashing).not.toHaveBeenCalled();

      const done = await resetPassword(code);
      expect(done.statusCode).toBe(204);
      expect(hashing).toHaveBeenCalledTimes(1);
      const spent = await resetPassword(code);
      expect(spent.statusCode).toBe(400);
      expect(hashing).toHaveBeenCalledTimes(1);
    });

    it('spends a code once when two requests present it at the same time', async () => {
      const user = await givenUser(t.db, 'auditor');
      await post('/auth/password-reset', { email: user.email });
      const code = await codeSentTo(user.email);
      const answers = await Promise.all(
        ['first long passphrase 111', 'second long passphrase 222'].map((password) =>
          resetPassword(code, password),
        ),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([204, 400]);
      const [won] = answers.filter((a) => a.statusCode === 204);
      const password =
        answers.indexOf(won) === 0 ? 'first long passphrase 111' : 'second long passphrase 222';
      expect((await login(user.email, password)).statusCode).toBe(200);
    });

    it('refuses a weak password without spending the code', async () => {
      const user = await givenUser(t.db, 'auditor');
      await post('/auth/password-reset', { email: user.email });
      const code = await codeSentTo(user.email);
      const weak = await resetPassword(code, 'short');
      expect(weak.statusCode).toBe(400);
      expect(weak.json().errors).toEqual([{ field: 'password', message: expect.any(String) }]);
      const ok = await resetPassword(code);
      expect(ok.statusCode).toBe(204);
    });

    it.each([
      ['/auth/password-reset', {}, 'email'],
      ['/auth/password-reset', { email: 'not an address' }, 'email'],
      ['/auth/password-reset', { email: 'a@b.ma', extra: 1 }, 'extra'],
      ['/auth/password-reset/confirm', { token: 'short', password: NEW_PASSWORD }, 'token'],
      ['/auth/password-reset/confirm', { token: 'x'.repeat(43) }, 'password'],
      ['/auth/invitations/accept', { token: 'x'.repeat(44), password: NEW_PASSWORD }, 'token'],
    ])('answers 400 naming the field: POST %s %j', async (url, body, field) => {
      const res = await post(url, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('refuses an unknown code', async () => {
      const res = await resetPassword('x'.repeat(43));
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('AUTH.INVALID_ACCOUNT_TOKEN');
    });
  });

  describe('invitations', () => {
    const invite = async (body: object, by: User = admin) =>
      post('/users/invitations', body, await authAs(t, by));

    it('creates a user without a password and emails a code with which they set their own', async () => {
      const email = `invited-${Date.now()}@example.ma`;
      const res = await invite({
        email: email.toUpperCase(),
        fullName: 'Nadia Berrada',
        role: 'member',
        organisationId: organisation.id,
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        email,
        fullName: 'Nadia Berrada',
        role: 'member',
        organisationId: organisation.id,
        disabled: false,
      });
      expect(res.headers.etag).toBe('"1"');
      expect((await login(email, TEST_PASSWORD)).statusCode).toBe(401);
      expect((await login(email, '!invited')).statusCode).toBe(401);

      const code = await codeSentTo(email);
      const [mail] = smtp.messagesTo(email);
      expect(mail.parsed.subject).toBe('Invitation au service de la charte sanitaire');
      expect(mail.parsed.text).toContain('Samira El Idrissi');
      expect(mail.parsed.text).toContain('avec le rôle membre');
      expect(mail.parsed.text).toContain('/api/v1/auth/invitations/accept');
      const [token] = await t.db.query<{ days: number }[]>(
        `SELECT extract(epoch FROM t.expires_at - t.created_at) / 86400 AS days
           FROM account_token t JOIN app_user u ON u.id = t.user_id WHERE u.email = $1`,
        [email],
      );
      expect(Number(token.days)).toBe(7);

      // A reset code is no invitation code.
      const wrongPurpose = await resetPassword(code);
      expect(wrongPurpose.statusCode).toBe(400);

      const accepted = await acceptInvitation(code);
      expect(accepted.statusCode).toBe(204);
      const session = await login(email, NEW_PASSWORD);
      expect(session.statusCode).toBe(200);
      const again = await acceptInvitation(code, 'another long passphrase 99');
      expect(again.statusCode).toBe(400);
      expect(again.json().code).toBe('AUTH.INVALID_ACCOUNT_TOKEN');
      expect((await login(email, NEW_PASSWORD)).statusCode).toBe(200);
      expect(await journalOf(res.json<{ id: string }>().id)).toEqual([
        'user.invited',
        'auth.invitation_accepted',
        'auth.logged_in',
        'auth.logged_in',
      ]);
    });

    it('leaves nothing behind when the invitation is refused', async () => {
      const taken = await givenUser(t.db, 'auditor');
      const cases = [
        [{ email: taken.email, fullName: 'Deux Fois', role: 'auditor' }, 409],
        [{ email: 'x@example.ma', fullName: 'Sans Société', role: 'member' }, 400],
        [
          {
            email: 'y@example.ma',
            fullName: 'Auditeur',
            role: 'auditor',
            organisationId: organisation.id,
          },
          400,
        ],
        [
          {
            email: 'z@example.ma',
            fullName: 'Nouveau',
            role: 'member',
            organisationId: '6a1c0b2d-0000-4000-8000-00000000c0a1',
          },
          404,
        ],
        [
          { email: 'w@example.ma', fullName: 'Avec Mot', role: 'auditor', password: NEW_PASSWORD },
          400,
        ],
      ] as const;
      const before = await t.db.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM notification',
      );
      for (const [body, status] of cases) {
        const res = await invite(body);
        expect({ body, status: res.statusCode }).toEqual({ body, status });
      }
      const after = await t.db.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM notification',
      );
      expect(after).toEqual(before);
    });

    it('is for administrators only', async () => {
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      const auditor = await givenUser(t.db, 'auditor');
      const body = { email: 'nope@example.ma', fullName: 'Nope Nope', role: 'auditor' };
      expect((await invite(body, member)).statusCode).toBe(403);
      expect((await invite(body, auditor)).statusCode).toBe(403);
      expect((await post('/users/invitations', body)).statusCode).toBe(401);
    });

    it('writes the invitation in the language it is given, which becomes the account’s', async () => {
      const email = `invited-en-${randomUUID().slice(0, 8)}@example.ma`;
      const res = await invite({
        email,
        fullName: 'John Smith',
        role: 'auditor',
        preferredLanguage: 'en',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().preferredLanguage).toBe('en');
      await codeSentTo(email);
      const [mail] = smtp.messagesTo(email);
      expect(mail.parsed.subject).toBe('Invitation to the sanitary charter service');
      expect(mail.parsed.text).toContain('Samira El Idrissi invites you');

      const refused = await invite({
        email: 'de@example.ma',
        fullName: 'Hans Meier',
        role: 'auditor',
        preferredLanguage: 'de',
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().errors.map((e: { field: string }) => e.field)).toEqual([
        'preferredLanguage',
      ]);
    });

    it('verifies an invited user without a password against the same hash as an unknown email', async () => {
      const email = `pending-${randomUUID().slice(0, 8)}@example.ma`;
      expect((await invite({ email, fullName: 'Leila Tazi', role: 'auditor' })).statusCode).toBe(
        201,
      );
      const known = await givenUser(t.db, 'auditor');
      verifying.mockClear();
      for (const address of ['nobody@example.ma', email, known.email]) {
        expect((await login(address, NEW_PASSWORD)).statusCode).toBe(401);
      }
      expect(verifying).toHaveBeenCalledTimes(3);
      const [unknown, pending, withPassword] = verifying.mock.calls.map(([hash]) => hash);
      expect(unknown).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(pending).toBe(unknown);
      expect(withPassword).toBe(known.passwordHash);
    });
  });

  describe('sending an invitation again', () => {
    const resend = async (id: string, by: User = admin, headers: Record<string, string> = {}) =>
      post(`/users/${id}/invitation`, {}, { ...(await authAs(t, by)), ...headers });

    /** A user invited through the API, and the code of their invitation. */
    const invited = async (preferredLanguage = 'fr') => {
      const email = `invited-${randomUUID().slice(0, 8)}@example.ma`;
      const body = { email, fullName: 'Karim Alaoui', role: 'auditor', preferredLanguage };
      const res = await post('/users/invitations', body, await authAs(t, admin));
      expect(res.statusCode).toBe(201);
      return { id: res.json<{ id: string }>().id, email, code: await codeSentTo(email) };
    };

    const notificationCount = async () => {
      const [{ n }] = await t.db.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM notification',
      );
      return n;
    };

    it('emails a new code in the user’s language, and every earlier code stops working', async () => {
      const user = await invited('en');
      // Expired.
      await t.db.query(
        `UPDATE account_token SET created_at = now() - interval '8 days',
                expires_at = now() - interval '1 day' WHERE user_id = $1`,
        [user.id],
      );
      const res = await resend(user.id);
      expect(res.statusCode).toBe(202);
      expect(res.body).toBe('');
      const second = await codeSentTo(user.email);
      expect(second).not.toBe(user.code);
      const mails = smtp.messagesTo(user.email);
      expect(mails).toHaveLength(2);
      expect(mails[1].parsed.subject).toBe('Invitation to the sanitary charter service');
      expect(mails[1].parsed.text).toContain('Samira El Idrissi invites you');

      // Lost, not expired: the second code stops working when a third is sent.
      expect((await resend(user.id)).statusCode).toBe(202);
      const third = await codeSentTo(user.email);
      for (const stale of [user.code, second]) {
        const old = await acceptInvitation(stale);
        expect(old.statusCode).toBe(400);
      }
      const accepted = await acceptInvitation(third);
      expect(accepted.statusCode).toBe(204);
      expect((await login(user.email, NEW_PASSWORD)).statusCode).toBe(200);
      expect(await journalOf(user.id)).toEqual([
        'user.invited',
        'user.invitation_resent',
        'user.invitation_resent',
        'auth.invitation_accepted',
        'auth.logged_in',
      ]);

      // Accepted: there is no invitation left to send.
      const after = await resend(user.id);
      expect(after.statusCode).toBe(409);
      expect(after.json()).toMatchObject({ code: 'AUTH.NO_PENDING_INVITATION' });
    });

    it('refuses a user who has a password or is disabled, and sends nothing', async () => {
      const withPassword = await givenUser(t.db, 'auditor');
      const disabled = await invited();
      await t.db.query('UPDATE app_user SET disabled_at = now() WHERE id = $1', [disabled.id]);
      const before = await notificationCount();
      for (const [id, detail] of [
        [withPassword.id, /password reset/],
        [disabled.id, /disabled/],
      ] as const) {
        const res = await resend(id);
        expect(res.statusCode).toBe(409);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toMatchObject({
          code: 'AUTH.NO_PENDING_INVITATION',
          detail: expect.stringMatching(detail),
        });
      }
      expect(await notificationCount()).toBe(before);
      // Nothing was spent either: the disabled user's code is as it was.
      const [token] = await t.db.query<{ used_at: Date | null }[]>(
        `SELECT used_at FROM account_token WHERE user_id = $1`,
        [disabled.id],
      );
      expect(token.used_at).toBeNull();
    });

    it('sends one email for a request retried with the same Idempotency-Key', async () => {
      const user = await invited();
      smtp.clear();
      const headers = { 'idempotency-key': randomUUID() };
      const first = await resend(user.id, admin, headers);
      const again = await resend(user.id, admin, headers);
      expect([first.statusCode, again.statusCode]).toEqual([202, 202]);
      expect(again.headers['idempotent-replayed']).toBe('true');
      await dispatch();
      expect(smtp.messagesTo(user.email)).toHaveLength(1);
    });

    it('answers 404, 400, 403 and 401 as the other user routes do', async () => {
      const user = await invited();
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      const auditor = await givenUser(t.db, 'auditor');
      const before = await notificationCount();
      expect((await resend('6a1c0b2d-0000-4000-8000-00000000c0a1')).statusCode).toBe(404);
      expect((await resend('not-a-uuid')).statusCode).toBe(400);
      expect((await resend(user.id, member)).statusCode).toBe(403);
      expect((await resend(user.id, auditor)).statusCode).toBe(403);
      expect((await post(`/users/${user.id}/invitation`, {})).statusCode).toBe(401);
      expect(await notificationCount()).toBe(before);
    });
  });

  describe('throttle', () => {
    let limited: TestApp;

    beforeAll(async () => {
      // A second instance on the same database, with a small limit.
      limited = await createTestApp({
        database: t.databaseName,
        env: { ACCOUNT_RATE_LIMIT_PER_MINUTE: '3' },
      });
    });

    afterAll(async () => {
      await limited?.close();
    });

    it('answers 429 with Retry-After past the limit per address, across the account routes', async () => {
      const user = await givenUser(t.db, 'auditor');
      const from = (remoteAddress: string, url: string, payload: object) =>
        limited.request({ method: 'POST', url: `/api/v1${url}`, payload, remoteAddress });
      const code = { token: 'x'.repeat(43), password: NEW_PASSWORD };
      const reset = (email: string) => ({ email });
      expect((await from('203.0.113.7', '/auth/password-reset', reset('a@b.ma'))).statusCode).toBe(
        202,
      );
      expect((await from('203.0.113.7', '/auth/password-reset/confirm', code)).statusCode).toBe(
        400,
      );
      expect((await from('203.0.113.7', '/auth/invitations/accept', code)).statusCode).toBe(400);

      const refused = await from('203.0.113.7', '/auth/password-reset', reset(user.email));
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.json()).toMatchObject({ status: 429, code: 'REQUEST.RATE_LIMITED' });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      // Sliding window: the minute's requests weigh on the next one until they age out.
      expect(retryAfter).toBeLessThanOrEqual(120);
      expect(refused.json().retryAfter).toBe(retryAfter);
      // Refused before anything was done: no code was issued.
      const issued = () =>
        t.db.query<unknown[]>('SELECT 1 FROM account_token WHERE user_id = $1', [user.id]);
      expect(await issued()).toEqual([]);
      for (const url of ['/auth/password-reset/confirm', '/auth/invitations/accept']) {
        expect((await from('203.0.113.7', url, code)).statusCode).toBe(429);
      }

      // Another address is counted apart; signing in has a throttle of its own.
      expect(
        (await from('203.0.113.8', '/auth/password-reset', reset(user.email))).statusCode,
      ).toBe(202);
      expect(await issued()).toHaveLength(1);
      const signIn = { email: user.email, password: TEST_PASSWORD };
      expect((await from('203.0.113.7', '/auth/login', signIn)).statusCode).toBe(200);
    });
  });
});
