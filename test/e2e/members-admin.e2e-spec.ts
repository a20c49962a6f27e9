import { Logger } from '@nestjs/common';
import { verifyPassword } from 'src/auth/password';
import { SYSTEM_CONTEXT } from 'src/auth/request-context';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { JournalService } from 'src/journal/journal.service';
import { AdminBootstrapService } from 'src/members/admin-bootstrap.service';
import { createAdmin, CreateAdminError } from 'src/members/create-admin';
import { User } from 'src/members/user.entity';
import { UsersService } from 'src/members/users.service';
import { createTestApp, type TestApp } from '../app';
import { databaseUrl } from '../database';
import { authAs, givenOrganisation, givenUser, TEST_PASSWORD } from '../factories';

const GENERATED = /sign in as (\S+) with the password (\S+) and change it/;

describe('the first administrator', () => {
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  const admins = (t: TestApp) =>
    t.db.getRepository(User).find({ where: { role: 'admin' }, order: { createdAt: 'ASC' } });
  const enabledAdmins = (t: TestApp) =>
    t.db.query<{ email: string }[]>(
      `SELECT email FROM app_user WHERE role = 'admin' AND disabled_at IS NULL ORDER BY email`,
    );
  const generatedLogs = () =>
    warn.mock.calls.map(([message]) => String(message)).filter((m) => GENERATED.test(m));

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('at start-up, outside production, without ADMIN_EMAIL', () => {
    let t: TestApp;
    let startWarnings: string[];

    beforeAll(async () => {
      warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      t = await createTestApp();
      startWarnings = generatedLogs();
      jest.restoreAllMocks();
    });

    afterAll(async () => {
      await t.close();
    });

    // Another configuration of the same service, on the same database.
    const bootstrapWith = (config: Partial<AppConfig>) =>
      new AdminBootstrapService(
        t.db,
        { ...t.app.get<AppConfig>(appConfig.KEY), ...config },
        t.app.get(JournalService),
      );

    it('creates admin@localhost and logs its password once, as a warning', async () => {
      const [admin, ...others] = await admins(t);
      expect(others).toEqual([]);
      expect(admin).toMatchObject({
        email: 'admin@localhost',
        disabledAt: null,
        organisationId: null,
      });
      expect(startWarnings).toHaveLength(1);
      expect(startWarnings[0]).toContain('It will not be shown again');
      const [, email, password] = GENERATED.exec(startWarnings[0])!;
      expect(email).toBe('admin@localhost');
      expect(password).toMatch(/^[A-Za-z0-9_-]{18}$/);
      expect(await verifyPassword(admin.passwordHash, password)).toBe(true);
      const journal = await t.db.query(
        `SELECT action, actor_id, changes FROM journal_entry WHERE entity_id = $1`,
        [admin.id],
      );
      expect(journal).toEqual([
        {
          action: 'user.created',
          actor_id: null,
          changes: { email: 'admin@localhost', fullName: 'Administrator', role: 'admin' },
        },
      ]);
    });

    it('does nothing on a start where an enabled administrator exists', async () => {
      await t.app.get(AdminBootstrapService).onApplicationBootstrap();
      expect(await admins(t)).toHaveLength(1);
      expect(generatedLogs()).toEqual([]);
    });

    it('creates exactly one when several instances start together', async () => {
      await t.db.query(`DELETE FROM app_user WHERE role = 'admin'`);
      const instances = [bootstrapWith({}), bootstrapWith({}), bootstrapWith({})];
      await Promise.all(instances.map((i) => i.onApplicationBootstrap()));
      expect(await enabledAdmins(t)).toEqual([{ email: 'admin@localhost' }]);
      expect(generatedLogs()).toHaveLength(1);
    });

    it('enables a disabled admin@localhost again with a new password', async () => {
      await t.db.query(`UPDATE app_user SET disabled_at = now() WHERE role = 'admin'`);
      await bootstrapWith({}).onApplicationBootstrap();
      const [admin] = await admins(t);
      expect(admin.disabledAt).toBeNull();
      const [, , password] = GENERATED.exec(generatedLogs()[0])!;
      expect(await verifyPassword(admin.passwordHash, password)).toBe(true);
    });

    it('in production without ADMIN_EMAIL and ADMIN_PASSWORD, only warns', async () => {
      await t.db.query(`DELETE FROM app_user WHERE role = 'admin'`);
      await bootstrapWith({
        production: true,
        adminEmail: undefined,
        adminPassword: undefined,
      }).onApplicationBootstrap();
      expect(await admins(t)).toEqual([]);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('No administrator exists'));
    });

    it('refuses a weak ADMIN_PASSWORD, saying why', async () => {
      await t.db.query(`DELETE FROM app_user WHERE role = 'admin'`);
      await bootstrapWith({
        adminEmail: 'boss@example.ma',
        adminPassword: 'password1234',
      }).onApplicationBootstrap();
      expect(await admins(t)).toEqual([]);
      expect(error).toHaveBeenCalledWith(expect.stringContaining('ADMIN_PASSWORD is too common'));
    });

    it('does not turn a member into an administrator', async () => {
      await t.db.query(`DELETE FROM app_user WHERE role = 'admin'`);
      const organisation = await givenOrganisation(t.db);
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      await bootstrapWith({
        adminEmail: member.email,
        adminPassword: TEST_PASSWORD,
      }).onApplicationBootstrap();
      expect(await admins(t)).toEqual([]);
      expect((await t.db.getRepository(User).findOneBy({ id: member.id }))?.role).toBe('member');
      expect(error).toHaveBeenCalledWith(expect.stringContaining('member role'));
    });
  });

  describe('at start-up with ADMIN_EMAIL and ADMIN_PASSWORD', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({
        env: { ADMIN_EMAIL: 'Secretariat@Example.ma', ADMIN_PASSWORD: TEST_PASSWORD },
      });
    });

    afterAll(async () => {
      await t.close();
      // createTestApp leaves its environment behind: the next app of this file must not see it.
      delete process.env.ADMIN_EMAIL;
      delete process.env.ADMIN_PASSWORD;
    });

    it('creates that administrator, and no other', async () => {
      const [admin, ...others] = await admins(t);
      expect(others).toEqual([]);
      expect(admin).toMatchObject({
        email: 'secretariat@example.ma',
        role: 'admin',
        disabledAt: null,
      });
      expect(await verifyPassword(admin.passwordHash, TEST_PASSWORD)).toBe(true);
    });
  });

  describe('npm run admin:create', () => {
    let t: TestApp;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      t = await createTestApp();
      env = { DATABASE_URL: databaseUrl(t.databaseName), LOG_LEVEL: 'silent' };
    });

    afterAll(async () => {
      await t.close();
    });

    const byEmail = (email: string) => t.db.getRepository(User).findOneBy({ email });

    it('creates an administrator from --email and --password', async () => {
      const message = await createAdmin(
        ['--email', ' Root@Example.ma ', '--password', TEST_PASSWORD],
        env,
      );
      expect(message).toBe('Administrator root@example.ma created');
      const admin = await byEmail('root@example.ma');
      expect(admin).toMatchObject({ role: 'admin', disabledAt: null, organisationId: null });
      expect(await verifyPassword(admin!.passwordHash, TEST_PASSWORD)).toBe(true);
      const [entry] = await t.db.query(
        'SELECT action, actor_id FROM journal_entry WHERE entity_id = $1',
        [admin!.id],
      );
      expect(entry).toEqual({ action: 'user.created', actor_id: null });
    });

    it('sets the password of an existing administrator and enables it', async () => {
      const admin = await givenUser(t.db, 'admin', { disabledAt: new Date() });
      const message = await createAdmin(['--email', admin.email], {
        ...env,
        ADMIN_PASSWORD: 'a brand new passphrase',
      });
      expect(message).toMatch(/password set, account enabled/);
      const row = await byEmail(admin.email);
      expect(row).toMatchObject({ disabledAt: null, tokenVersion: 1, version: 2 });
      expect(await verifyPassword(row!.passwordHash, 'a brand new passphrase')).toBe(true);
    });

    it('asks for the password on a terminal when none is given', async () => {
      const askPassword = jest.fn().mockResolvedValue('typed on the terminal, twice');
      await createAdmin(['--email', 'typed@example.ma'], env, { askPassword });
      expect(askPassword).toHaveBeenCalledTimes(1);
      const row = await byEmail('typed@example.ma');
      expect(await verifyPassword(row!.passwordHash, 'typed on the terminal, twice')).toBe(true);
    });

    it.each([
      [['--email', 'nope', '--password', TEST_PASSWORD], '--email: "nope" is not an email address'],
      [['--password', TEST_PASSWORD], '--email is required'],
      [['--email', 'x@example.ma', '--password', 'short'], 'must be 12 to 128 characters long'],
      [['--email', 'x@example.ma', '--password', 'password1234'], 'is too common'],
      [['--email', 'x@example.ma', '--force'], "Unknown option '--force'"],
      [['--email', 'x@example.ma'], 'a password is needed'],
    ])('refuses %j with one line saying why', async (argv, why) => {
      const before = await t.db.getRepository(User).count();
      const refusal = createAdmin(argv, env);
      await expect(refusal).rejects.toBeInstanceOf(CreateAdminError);
      await expect(refusal).rejects.toThrow(why);
      await refusal.catch((e: Error) => expect(e.message).not.toContain('\n'));
      expect(await t.db.getRepository(User).count()).toBe(before);
    });

    it('refuses the email of a member', async () => {
      const organisation = await givenOrganisation(t.db);
      const member = await givenUser(t.db, 'member', { organisationId: organisation.id });
      await expect(
        createAdmin(['--email', member.email, '--password', TEST_PASSWORD], env),
      ).rejects.toThrow('is the email of a user with the member role');
      expect((await byEmail(member.email))?.role).toBe('member');
    });
  });

  describe('the last enabled administrator', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp();
      await t.db.query(`UPDATE app_user SET disabled_at = now() WHERE role = 'admin'`);
    });

    afterAll(async () => {
      await t.close();
    });

    it.each([[{ disabled: true }], [{ role: 'auditor' as const }]])(
      'cannot be changed by %j, even by an admin disabled a moment ago',
      async (change) => {
        const [a, b] = [await givenUser(t.db, 'admin'), await givenUser(t.db, 'admin')];
        // A's request passed the guard, then another request disabled A.
        await t.db.query('UPDATE app_user SET disabled_at = now() WHERE id = $1', [a.id]);
        const actor = { userId: a.id, role: 'admin' as const, organisationId: null };
        await expect(
          t.app
            .get(UsersService)
            .update({ ...SYSTEM_CONTEXT, actor }, actor, b.id, change, undefined),
        ).rejects.toMatchObject({ status: 409, code: 'USER.LAST_ADMIN' });
        expect(await t.db.getRepository(User).findOneBy({ id: b.id })).toMatchObject({
          role: 'admin',
          disabledAt: null,
          version: 1,
        });
        await t.db.query('UPDATE app_user SET disabled_at = now() WHERE id = $1', [b.id]);
      },
    );

    it('survives two administrators disabling each other at once', async () => {
      const [a, b] = [await givenUser(t.db, 'admin'), await givenUser(t.db, 'admin')];
      const results = await Promise.all([
        t.request({
          method: 'PATCH',
          url: `/api/v1/users/${b.id}`,
          payload: { disabled: true },
          headers: await authAs(t, a),
        }),
        t.request({
          method: 'PATCH',
          url: `/api/v1/users/${a.id}`,
          payload: { disabled: true },
          headers: await authAs(t, b),
        }),
      ]);
      const statuses = results.map((r) => r.statusCode).sort();
      // The loser is refused as the last admin, or, if it came second, as a disabled user.
      expect([
        [200, 401],
        [200, 409],
      ]).toContainEqual(statuses);
      expect(await enabledAdmins(t)).toHaveLength(1);
    });
  });
});
