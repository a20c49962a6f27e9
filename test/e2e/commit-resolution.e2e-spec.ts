import { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from 'src/common/database-unavailable';
import { CommitInDoubtError, resolveCommitsInDoubt } from 'src/database/commit-resolution';
import { dataSourceOptions } from 'src/database/data-source-options';
import { createTestApp, type TestApp } from '../app';
import { databaseUrl } from '../database';
import { authAs, givenUser } from '../factories';
import { proxied, type TcpProxy } from '../tcp-proxy';

/**
 * The connection lost during `COMMIT`: the service asks the database what became of the
 * transaction and answers accordingly, never 503 for a change that is stored.
 */
describe('a connection lost during COMMIT', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let direct: DataSource;
  let admin: { authorization: string };
  let serial = 0;

  beforeAll(async () => {
    t = await createTestApp({
      connectVia: async (url) => {
        const relay = await proxied(url);
        proxy = relay.proxy;
        return relay.url;
      },
    });
    direct = await new DataSource(
      dataSourceOptions({ url: databaseUrl(t.databaseName), embedded: false, poolSize: 2 }),
    ).initialize();
    admin = await authAs(t, await givenUser(t.db, 'admin'));
  });

  afterAll(async () => {
    await direct.destroy();
    await t.close();
    await proxy.cut();
  });

  const createOrganisation = () => {
    serial += 1;
    const name = `Centre au commit perdu ${serial}`;
    return {
      name,
      response: t.request({
        method: 'POST',
        url: '/api/v1/organisations',
        headers: admin,
        payload: {
          name,
          ice: String(910_000_000_000_000 + serial),
          membershipNumber: `AMRC-CR${serial}`,
          contactEmail: `commit-${serial}@example.ma`,
        },
      }),
    };
  };

  const stored = async (name: string) =>
    (
      await direct.query<{ id: string }[]>('SELECT id FROM organisation WHERE name = $1', [name])
    ).map((row) => row.id);

  it('answers 201 when the commit reached the database and only its answer was lost', async () => {
    const lost = proxy.cutAtNextCommit('after-commit');
    const { name, response } = createOrganisation();
    const res = await response;
    await lost;
    expect(res.statusCode).toBe(201);
    expect(await stored(name)).toEqual([res.json<{ id: string }>().id]);
    // The journal entry was in the same transaction.
    const [journal] = await direct.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM journal_entry
        WHERE action = 'organisation.created' AND entity_id = $1`,
      [res.json<{ id: string }>().id],
    );
    expect(journal.count).toBe(1);
    // The service goes on with a new connection.
    const next = createOrganisation();
    expect((await next.response).statusCode).toBe(201);
  });

  it('answers 503 with Retry-After when the commit never reached the database', async () => {
    const lost = proxy.cutAtNextCommit('before-commit');
    const { name, response } = createOrganisation();
    const res = await response;
    await lost;
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ code: 'SERVICE.DATABASE_UNAVAILABLE' });
    expect(await stored(name)).toEqual([]);
  });

  it('throws CommitInDoubtError when the database does not come back within the wait', async () => {
    const relay = await proxied(databaseUrl(t.databaseName));
    const db = await resolveCommitsInDoubt(
      new DataSource(dataSourceOptions({ url: relay.url, embedded: false, poolSize: 2 })),
      300,
    ).initialize();
    try {
      await direct.query('CREATE TABLE IF NOT EXISTS commit_probe (label text)');
      const lost = relay.proxy.cutAtNextCommit('after-commit');
      const outcome = db
        .transaction((em) => em.query(`INSERT INTO commit_probe VALUES ('in doubt')`))
        .then(
          () => 'resolved',
          (error: unknown) => error,
        );
      await lost;
      await relay.proxy.cut();
      const error = await outcome;
      expect(error).toBeInstanceOf(CommitInDoubtError);
      expect(error).toMatchObject({ status: 503, code: 'SERVICE.COMMIT_IN_DOUBT' });
      await relay.proxy.start();
      // Once the database answers again, the same data source serves.
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await db.destroy();
      await relay.proxy.cut();
    }
  });

  it('reports a lost connection at once for a transaction that wrote nothing', async () => {
    const relay = await proxied(databaseUrl(t.databaseName));
    const db = await resolveCommitsInDoubt(
      new DataSource(dataSourceOptions({ url: relay.url, embedded: false, poolSize: 2 })),
      60_000,
    ).initialize();
    try {
      const lost = relay.proxy.cutAtNextCommit('after-commit');
      const outcome = db
        .transaction((em) => em.query('SELECT count(*) FROM organisation'))
        .then(
          () => 'resolved',
          (error: unknown) => error,
        );
      await lost;
      const error = await outcome;
      // No transaction id: nothing can be in doubt, the lost connection is reported at once.
      // (Waiting for the database would outlast the test's 60 s wait and time out.)
      expect(error).not.toBeInstanceOf(CommitInDoubtError);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await db.destroy();
      await relay.proxy.cut();
    }
  });

  it('answers 503 SERVICE.COMMIT_IN_DOUBT past the wait, and keeps the Idempotency-Key from a second run', async () => {
    let relay!: TcpProxy;
    const shortWait = await createTestApp({
      database: t.databaseName,
      env: { COMMIT_RESOLUTION_WAIT_MS: '300' },
      connectVia: async (url) => {
        const r = await proxied(url);
        relay = r.proxy;
        return r.url;
      },
    });
    try {
      const headers = {
        ...(await authAs(shortWait, await givenUser(shortWait.db, 'admin'))),
        'idempotency-key': 'commit-in-doubt-1',
      };
      const payload = {
        name: 'Centre au commit incertain',
        ice: '920000000000001',
        membershipNumber: 'AMRC-DOUBT',
        contactEmail: 'doute@example.ma',
      };
      const lost = relay.cutAtNextCommit('after-commit');
      const answer = shortWait.request({
        method: 'POST',
        url: '/api/v1/organisations',
        headers,
        payload,
      });
      await lost;
      await relay.cut();
      const res = await answer;
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ code: 'SERVICE.COMMIT_IN_DOUBT' });

      await relay.start();
      const retry = await shortWait.request({
        method: 'POST',
        url: '/api/v1/organisations',
        headers,
        payload,
      });
      expect(retry.statusCode).toBe(409);
      expect(retry.json()).toMatchObject({ code: 'IDEMPOTENCY.IN_FLIGHT' });
      // The commit had reached the database: stored once, not twice.
      expect(await stored(payload.name)).toHaveLength(1);
    } finally {
      delete process.env.COMMIT_RESOLUTION_WAIT_MS;
      await shortWait.close();
      await relay.cut();
    }
  });
});
