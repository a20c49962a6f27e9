import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { type JobRun, SchedulerService } from 'src/scheduler/scheduler.service';
import { createTestApp, type TestApp } from '../app';
import { databaseUrl } from '../database';

/** A promise to resolve from outside, to hold a job in the middle of its run. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scheduler', () => {
  let t: TestApp;
  let scheduler: SchedulerService;
  let outside: Client;

  const logged = (job: string) =>
    t.db.query<{ n: number }[]>('SELECT n FROM test_job_log WHERE job = $1 ORDER BY n', [job]);
  const tryLockOutside = async (name: string) => {
    await outside.query('BEGIN');
    const [{ locked }] = (
      await outside.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_xact_lock(hashtext('job:' || $1)) AS locked`,
        [name],
      )
    ).rows;
    await outside.query('ROLLBACK');
    return locked;
  };

  beforeAll(async () => {
    t = await createTestApp();
    scheduler = t.app.get(SchedulerService);
    await t.db.query('CREATE TABLE test_job_log (job text NOT NULL, n integer NOT NULL)');
    outside = new Client({ connectionString: databaseUrl(t.databaseName) });
    await outside.connect();
  });

  afterAll(async () => {
    await outside.end();
    await t.close();
  });

  afterEach(async () => {
    await scheduler.stop();
    jest.restoreAllMocks();
  });

  it('runs a job in one transaction holding its lock, then its work after commit', async () => {
    const name = `job-${randomUUID()}`;
    const seen: string[] = [];
    scheduler.register({
      name,
      everyMs: 60_000,
      run: async ({ em, at, afterCommit }: JobRun) => {
        expect(at).toBeInstanceOf(Date);
        await em.query('INSERT INTO test_job_log (job, n) VALUES ($1, 1)', [name]);
        seen.push(`locked elsewhere: ${await tryLockOutside(name)}`);
        afterCommit(async () => {
          const { rows } = await outside.query('SELECT n FROM test_job_log WHERE job = $1', [name]);
          seen.push(`after commit, rows seen elsewhere: ${rows.length}`);
        });
      },
    });
    expect(await scheduler.runNow(name)).toBe('completed');
    expect(seen).toEqual(['locked elsewhere: false', 'after commit, rows seen elsewhere: 1']);
    expect(await tryLockOutside(name)).toBe(true);
  });

  it('rolls a failed run back, skips its work after commit and tells the caller', async () => {
    const name = `failing-${randomUUID()}`;
    const after = jest.fn(() => Promise.resolve());
    scheduler.register({
      name,
      everyMs: 60_000,
      run: async ({ em, afterCommit }) => {
        await em.query('INSERT INTO test_job_log (job, n) VALUES ($1, 1)', [name]);
        afterCommit(after);
        throw new Error('boom');
      },
    });
    await expect(scheduler.runNow(name)).rejects.toThrow('boom');
    expect(await logged(name)).toEqual([]);
    expect(after).not.toHaveBeenCalled();
  });

  it('skips a job whose run holds its lock (another instance), not the other jobs', async () => {
    const [busy, free] = [`busy-${randomUUID()}`, `free-${randomUUID()}`];
    const inside = gate();
    const release = gate();
    scheduler.register({
      name: busy,
      everyMs: 60_000,
      run: async () => {
        inside.open();
        await release.opened;
      },
    });
    scheduler.register({ name: free, everyMs: 60_000, run: () => Promise.resolve() });
    const first = scheduler.runNow(busy);
    await inside.opened;
    expect(await scheduler.runNow(busy)).toBe('skipped');
    expect(await scheduler.runNow(free)).toBe('completed');
    release.open();
    expect(await first).toBe('completed');
  });

  it('ends a run whose work after commit fails as failed, logged, after the rest of that work', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const name = `after-${randomUUID()}`;
    const ends: string[] = [];
    scheduler.onRunEnd((job, end) => {
      if (job === name) {
        ends.push(end);
      }
    });
    const next = jest.fn(() => Promise.resolve());
    scheduler.register({
      name,
      everyMs: 60_000,
      run: async ({ em, afterCommit }) => {
        await em.query('INSERT INTO test_job_log (job, n) VALUES ($1, 1)', [name]);
        afterCommit(() => Promise.reject(new Error('disk gone')));
        afterCommit(next);
      },
    });
    expect(await scheduler.runNow(name)).toBe('failed');
    // The transaction had committed: its work stays; the other task after commit still ran.
    expect(await logged(name)).toEqual([{ n: 1 }]);
    expect(next).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith(
      expect.stringContaining(`Job ${name}: a task after commit failed: disk gone`),
      expect.any(String),
    );
    await until(() => ends.length > 0);
    expect(ends).toEqual(['failed']);
  });

  it('tells its listeners how each run ended', async () => {
    const name = `told-${randomUUID()}`;
    const ends: string[] = [];
    scheduler.onRunEnd((job, end, seconds) => {
      if (job === name) {
        expect(seconds).toBeGreaterThanOrEqual(0);
        ends.push(end);
      }
    });
    let fail = false;
    scheduler.register({
      name,
      everyMs: 60_000,
      run: () => (fail ? Promise.reject(new Error('boom')) : Promise.resolve()),
    });
    expect(await scheduler.runNow(name)).toBe('completed');
    fail = true;
    await expect(scheduler.runNow(name)).rejects.toThrow('boom');
    await until(() => ends.length === 2);
    expect(ends).toEqual(['completed', 'failed']);
  });

  it('keeps its timers off under NODE_ENV=test until started, then logs failures and goes on', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const name = `timed-${randomUUID()}`;
    let runs = 0;
    scheduler.register({
      name,
      everyMs: 20,
      run: () => {
        runs += 1;
        return runs === 1 ? Promise.reject(new Error('first run fails')) : Promise.resolve();
      },
    });
    await sleep(120);
    expect(runs).toBe(0);

    const setInterval = jest.spyOn(global, 'setInterval');
    scheduler.start();
    await until(() => runs >= 3);
    expect(error).toHaveBeenCalledWith(
      expect.stringContaining(`Job ${name} failed: first run fails`),
      expect.any(String),
    );
    // Timers never keep the process alive.
    const timers = setInterval.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(timers.length).toBeGreaterThan(0);
    expect(timers.every((timer) => !timer.hasRef())).toBe(true);

    await scheduler.stop();
    const stoppedAt = runs;
    await sleep(100);
    expect(runs).toBe(stoppedAt);
  });

  it('refuses two jobs of one name', () => {
    const job = { name: `twice-${randomUUID()}`, everyMs: 1000, run: () => Promise.resolve() };
    scheduler.register(job);
    expect(() => scheduler.register(job)).toThrow(/already registered/);
  });

  it('stops with the application, after the run in progress', async () => {
    const other = await createTestApp();
    const inside = gate();
    const events: string[] = [];
    const otherScheduler = other.app.get(SchedulerService);
    otherScheduler.register({
      name: 'slow',
      everyMs: 10,
      run: async () => {
        inside.open();
        await sleep(200);
        events.push('run finished');
      },
    });
    otherScheduler.start();
    await inside.opened;
    await other.close().then(() => events.push('closed'));
    expect(events).toEqual(['run finished', 'closed']);
  });
});
