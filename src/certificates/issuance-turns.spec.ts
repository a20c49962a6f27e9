import { Turns } from './issuance-turns';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Turns', () => {
  it('runs at most `limit` tasks at once, the others in the order they came', async () => {
    const turns = new Turns(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      turns.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(turns.queued).toBe(3);
    while (releases.length > 0) {
      releases.shift()!();
      await tick();
      await tick();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(turns.queued).toBe(0);
  });

  it('passes the turn on when a task fails', async () => {
    const turns = new Turns(1);
    const failing = turns.run(() => Promise.reject(new Error('refused')));
    const next = turns.run(() => Promise.resolve('next'));
    await expect(failing).rejects.toThrow('refused');
    await expect(next).resolves.toBe('next');
    // Free again: a new task starts at once.
    await expect(turns.run(() => Promise.resolve(1))).resolves.toBe(1);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new Turns(0)).toThrow(RangeError);
    expect(() => new Turns(1.5)).toThrow(RangeError);
  });
});
