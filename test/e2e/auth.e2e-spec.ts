import { sign } from 'jsonwebtoken';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from 'src/auth/token.service';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import { givenOrganisation, givenUser, TEST_PASSWORD, tokenFor } from '../factories';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication', () => {
  let t: TestApp;
  let member: User;
  let ipCounter = 0;
  // Each test logs in from its own address, so that the throttle of one does not touch another.
  const freshIp = () => `10.0.0.${++ipCounter}`;

  const login = (email: string, password: string, remoteAddress = freshIp()) =>
    t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress,
    });
  const me = (token: string) =>
    t.request({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${token}` },
    });
  const refresh = (refreshToken: string) =>
    t.request({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });

  beforeAll(async () => {
    t = await createTestApp();
    const organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
  });

  afterAll(async () => {
    await t.close();
  });

  describe('login', () => {
    it('gives an access token, a refresh token and their lifetime', async () => {
      const res = await login(member.email, TEST_PASSWORD);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        refreshToken: expect.stringMatching(/^[\w-]{43}$/),
        expiresIn: 900,
      });
      const who = await me(body.accessToken);
      expect(who.statusCode).toBe(200);
      expect(who.json()).toEqual({
        id: member.id,
        email: member.email,
        fullName: member.fullName,
        role: 'member',
        organisationId: member.organisationId,
        preferredLanguage: 'fr',
      });
      const [row] = await t.db.query('SELECT token_hash FROM refresh_token WHERE user_id = $1', [
        member.id,
      ]);
      expect(row.token_hash).not.toEqual(body.refreshToken);
    });

    it('accepts the email in any case', async () => {
      expect((await login(member.email.toUpperCase(), TEST_PASSWORD)).statusCode).toBe(200);
    });

    it('answers an unknown user, a wrong password and a disabled account alike', async () => {
      const disabled = await givenUser(t.db, 'auditor', { disabledAt: new Date() });
      const answers = await Promise.all([
        login('nobody@example.ma', TEST_PASSWORD),
        login(member.email, 'wrong password, long enough'),
        login(disabled.email, TEST_PASSWORD),
      ]);
      const shapes = answers.map((res) => {
        const { requestId: _r, instance: _i, ...rest } = res.json();
        return { status: res.statusCode, ...rest };
      });
      expect(shapes[0]).toMatchObject({ status: 401, code: 'AUTH.INVALID_CREDENTIALS' });
      expect(shapes[1]).toEqual(shapes[0]);
      expect(shapes[2]).toEqual(shapes[0]);
    });

    it('names the missing field', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'a@b.ma' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ field: 'password' })]);
    });
  });

  describe('throttling', () => {
    it('locks an account out from an address after 5 failures in 15 minutes, with Retry-After', async () => {
      const ip = freshIp();
      for (let i = 0; i < 5; i++) {
        expect((await login(member.email, `wrong password ${i}!!`, ip)).statusCode).toBe(401);
      }
      const sixth = await login(member.email, TEST_PASSWORD, ip);
      expect(sixth.statusCode).toBe(429);
      expect(sixth.json().code).toBe('AUTH.TOO_MANY_ATTEMPTS');
      const retryAfter = Number(sixth.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(14 * 60);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      // The state is in the database, where every instance sees it.
      const [{ count }] = await t.db.query(
        'SELECT count(*)::int AS count FROM login_failure WHERE email = $1 AND client_ip = $2',
        [member.email, ip],
      );
      expect(count).toBe(5);
      // Another address is not locked out.
      expect((await login(member.email, TEST_PASSWORD, freshIp())).statusCode).toBe(200);
    });

    it('forgets failures once a login succeeds', async () => {
      const ip = freshIp();
      for (let i = 0; i < 4; i++) {
        await login(member.email, `wrong password ${i}!!`, ip);
      }
      expect((await login(member.email, TEST_PASSWORD, ip)).statusCode).toBe(200);
      expect((await login(member.email, 'wrong again, long enough', ip)).statusCode).toBe(401);
      expect((await login(member.email, TEST_PASSWORD, ip)).statusCode).toBe(200);
    });
  });

  describe('access tokens', () => {
    const secret = () => process.env.JWT_SECRET ?? '';
    const claims = () => ({ sub: member.id, role: 'member', org: member.organisationId, tv: 0 });
    const options = { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithm: 'HS256' as const };

    it.each([
      ['no token at all', () => ''],
      [
        'alg none',
        () =>
          `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: 9999999999 })}.`,
      ],
      [
        'a wrong signature',
        () =>
          sign(claims(), 'another secret of at least thirty-two bytes', {
            ...options,
            expiresIn: 60,
          }),
      ],
      [
        'an expired token',
        () => sign({ ...claims(), exp: Math.floor(Date.now() / 1000) - 10 }, secret(), options),
      ],
      [
        'a wrong audience',
        () => sign(claims(), secret(), { ...options, audience: 'someone-else', expiresIn: 60 }),
      ],
      [
        'a wrong issuer',
        () => sign(claims(), secret(), { ...options, issuer: 'someone-else', expiresIn: 60 }),
      ],
      [
        'a token without a role',
        () => sign({ sub: member.id, tv: 0, org: null }, secret(), { ...options, expiresIn: 60 }),
      ],
      ['garbage', () => 'not.a.token'],
    ])('refuses %s with 401', async (_, forge) => {
      const res = await me(forge());
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json().code).toBe('AUTH.INVALID_TOKEN');
    });

    it('refuses a refresh token used as an access token', async () => {
      const { refreshToken } = (await login(member.email, TEST_PASSWORD)).json();
      expect((await me(refreshToken)).statusCode).toBe(401);
    });

    it('accepts a token signed with the right secret and claims', async () => {
      expect((await me(sign(claims(), secret(), { ...options, expiresIn: 60 }))).statusCode).toBe(
        200,
      );
    });

    it('ends the sessions of a disabled user at their next request', async () => {
      const user = await givenUser(t.db, 'auditor');
      const token = await tokenFor(t, user);
      expect((await me(token)).statusCode).toBe(200);
      await t.db.query('UPDATE app_user SET disabled_at = now() WHERE id = $1', [user.id]);
      expect((await me(token)).statusCode).toBe(401);
    });

    it('ends every session when the token version moves', async () => {
      const user = await givenUser(t.db, 'auditor');
      const token = await tokenFor(t, user);
      await t.db.query('UPDATE app_user SET token_version = token_version + 1 WHERE id = $1', [
        user.id,
      ]);
      expect((await me(token)).statusCode).toBe(401);
    });
  });

  describe('refresh tokens', () => {
    it('rotate: each is spent by one use and replaced', async () => {
      const first = (await login(member.email, TEST_PASSWORD)).json();
      const res = await refresh(first.refreshToken);
      expect(res.statusCode).toBe(200);
      const second = res.json();
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect((await me(second.accessToken)).statusCode).toBe(200);
      expect((await refresh(second.refreshToken)).statusCode).toBe(200);
    });

    it('revoke the whole family when a spent one is presented again', async () => {
      const first = (await login(member.email, TEST_PASSWORD)).json();
      const second = (await refresh(first.refreshToken)).json();
      const reuse = await refresh(first.refreshToken);
      expect(reuse.statusCode).toBe(401);
      expect(reuse.json().code).toBe('AUTH.INVALID_REFRESH_TOKEN');
      // The legitimate holder's newer token is void too: the session is over.
      expect((await refresh(second.refreshToken)).statusCode).toBe(401);
      const rows = await t.db.query(
        `SELECT count(*)::int AS live FROM refresh_token r
           JOIN refresh_token f ON f.family_id = r.family_id
          WHERE r.token_hash = encode(sha256($1::bytea), 'hex') AND f.revoked_at IS NULL`,
        [first.refreshToken],
      );
      expect(rows[0].live).toBe(0);
    });

    it('are refused when unknown, malformed or logged out', async () => {
      expect((await refresh('A'.repeat(43))).statusCode).toBe(401);
      expect((await refresh('short')).statusCode).toBe(400);
      const pair = (await login(member.email, TEST_PASSWORD)).json();
      const out = await t.request({
        method: 'POST',
        url: '/api/v1/auth/logout',
        payload: { refreshToken: pair.refreshToken },
      });
      expect(out.statusCode).toBe(204);
      expect((await refresh(pair.refreshToken)).statusCode).toBe(401);
    });

    it('are refused once the user is disabled', async () => {
      const user = await givenUser(t.db, 'auditor');
      const pair = (await login(user.email, TEST_PASSWORD)).json();
      await t.db.query('UPDATE app_user SET disabled_at = now() WHERE id = $1', [user.id]);
      expect((await refresh(pair.refreshToken)).statusCode).toBe(401);
    });
  });

  describe('PATCH /auth/me', () => {
    const patchMe = (token: string, payload: object) =>
      t.request({
        method: 'PATCH',
        url: '/api/v1/auth/me',
        headers: { authorization: `Bearer ${token}` },
        payload,
      });

    it('changes the name and the language, and journals it', async () => {
      const user = await givenUser(t.db, 'auditor');
      const res = await patchMe(await tokenFor(t, user), {
        fullName: 'Salma Bennani',
        preferredLanguage: 'ar',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ fullName: 'Salma Bennani', preferredLanguage: 'ar' });
      expect(res.json().session).toBeUndefined();
      const [row] = await t.db.query(
        'SELECT full_name, preferred_language FROM app_user WHERE id = $1',
        [user.id],
      );
      expect(row).toEqual({ full_name: 'Salma Bennani', preferred_language: 'ar' });
      const [entry] = await t.db.query(
        `SELECT action, changes FROM journal_entry WHERE entity_id = $1 ORDER BY seq DESC LIMIT 1`,
        [user.id],
      );
      expect(entry.action).toBe('user.profile_updated');
      expect(entry.changes.fullName).toEqual({ before: user.fullName, after: 'Salma Bennani' });
    });

    it.each([
      [{ preferredLanguage: 'de' }, 'preferredLanguage'],
      [{ fullName: 'x' }, 'fullName'],
      [{ role: 'admin' }, 'role'],
      [{ newPassword: 'another long passphrase' }, 'currentPassword'],
      [{ newPassword: 'short', currentPassword: TEST_PASSWORD }, 'newPassword'],
      [{ newPassword: 'qwerty123456', currentPassword: TEST_PASSWORD }, 'newPassword'],
      [
        { newPassword: 'another long passphrase', currentPassword: 'not my password at all' },
        'currentPassword',
      ],
    ])('refuses %j naming %s', async (payload, field) => {
      const user = await givenUser(t.db, 'auditor');
      const res = await patchMe(await tokenFor(t, user), payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ field })]);
      const [row] = await t.db.query('SELECT version, token_version FROM app_user WHERE id = $1', [
        user.id,
      ]);
      expect(row).toEqual({ version: 1, token_version: 0 });
    });

    it('changes the password with the current one, and ends every other session', async () => {
      const user = await givenUser(t.db, 'auditor');
      const other = (await login(user.email, TEST_PASSWORD)).json();
      const token = await tokenFor(t, user);
      const res = await patchMe(token, {
        currentPassword: TEST_PASSWORD,
        newPassword: 'a brand new passphrase 42',
      });
      expect(res.statusCode).toBe(200);
      const { session } = res.json();
      expect(session).toEqual(expect.objectContaining({ accessToken: expect.any(String) }));
      expect((await me(token)).statusCode).toBe(401);
      expect((await me(other.accessToken)).statusCode).toBe(401);
      expect((await refresh(other.refreshToken)).statusCode).toBe(401);
      expect((await me(session.accessToken)).statusCode).toBe(200);
      expect((await login(user.email, TEST_PASSWORD)).statusCode).toBe(401);
      expect((await login(user.email, 'a brand new passphrase 42')).statusCode).toBe(200);
    });

    it('is closed to a caller without a token', async () => {
      expect(
        (await t.request({ method: 'PATCH', url: '/api/v1/auth/me', payload: {} })).statusCode,
      ).toBe(401);
    });
  });
});
