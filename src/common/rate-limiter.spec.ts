import { TooManyRequestsError } from 'src/common/errors';
import { admitClient, clientKey, SlidingWindowLimiter } from 'src/common/rate-limiter';

const MINUTE = 60_000;

function limiterAt(start: number, limit = 3, maxClients?: number) {
  const clock = { now: start };
  const limiter = new SlidingWindowLimiter({
    limit,
    windowMs: MINUTE,
    maxClients,
    now: () => clock.now,
  });
  return { clock, limiter };
}

describe('SlidingWindowLimiter', () => {
  it('admits up to the limit within a window, then refuses with a Retry-After', () => {
    const { clock, limiter } = limiterAt(10 * MINUTE);
    expect([1, 2, 3].map(() => limiter.hit('a').allowed)).toEqual([true, true, true]);
    clock.now += 10_000;
    // 50 s to the next window, where the 3 weigh 3 × (1 − f) and one more fits once f ≥ 1/3.
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 70 });
  });

  it('counts each client apart', () => {
    const { limiter } = limiterAt(0, 1);
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('b').allowed).toBe(true);
    expect(limiter.hit('a').allowed).toBe(false);
  });

  it('weighs the previous window by how much of it still overlaps the last minute', () => {
    const { clock, limiter } = limiterAt(0, 4);
    for (let i = 0; i < 4; i += 1) {
      expect(limiter.hit('a').allowed).toBe(true);
    }
    // A quarter into the next window, three quarters of the previous 4 still count: 3 + 1 = 4.
    clock.now = MINUTE + MINUTE / 4;
    expect(limiter.hit('a').allowed).toBe(true);
    const refused = limiter.hit('a');
    expect(refused.allowed).toBe(false);
    // 1 + 4 × (1 − f) + 1 ≤ 4 once f ≥ 1/2: at 1 min 30 s, 15 s from now.
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 15 });
    clock.now = MINUTE + MINUTE / 2;
    expect(limiter.hit('a').allowed).toBe(true);
  });

  it('forgets everything after two quiet windows', () => {
    const { clock, limiter } = limiterAt(0, 2);
    limiter.hit('a');
    limiter.hit('a');
    expect(limiter.hit('a').allowed).toBe(false);
    clock.now = 2 * MINUTE;
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('a').allowed).toBe(false);
  });

  it('does not count refused requests, so a client that keeps trying gets back in', () => {
    const { clock, limiter } = limiterAt(0, 2);
    limiter.hit('a');
    limiter.hit('a');
    for (let i = 0; i < 100; i += 1) {
      expect(limiter.hit('a').allowed).toBe(false);
    }
    clock.now = 2 * MINUTE;
    expect(limiter.hit('a').allowed).toBe(true);
  });

  it('keeps at most two windows of clients, and no more than maxClients per window', () => {
    const { clock, limiter } = limiterAt(0, 1, 100);
    for (let window = 0; window < 5; window += 1) {
      clock.now = window * MINUTE;
      for (let i = 0; i < 1000; i += 1) {
        limiter.hit(`${window}-${i}`);
      }
    }
    expect(limiter.trackedClients).toBeLessThanOrEqual(200);
    // Past the bound, new clients pass uncounted rather than push out the counted ones.
    expect(limiter.hit('4-0').allowed).toBe(false);
    expect(limiter.hit('4-999').allowed).toBe(true);
  });

  it.each([0, -1, Number.NaN])('refuses a limit of %p', (limit) => {
    expect(() => new SlidingWindowLimiter({ limit, windowMs: MINUTE })).toThrow(RangeError);
  });
});

describe('clientKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('counts %p as %p', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});

describe('admitClient', () => {
  it('admits up to the limit, then throws a 429 carrying the Retry-After', () => {
    const { limiter } = limiterAt(10 * MINUTE, 2);
    admitClient(limiter, '::ffff:203.0.113.7');
    admitClient(limiter, '203.0.113.7');
    let refused: unknown;
    try {
      admitClient(limiter, '203.0.113.7');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect(refused).toMatchObject({
      status: 429,
      code: 'REQUEST.RATE_LIMITED',
      // The window's two requests weigh below the limit 30 s into the next window.
      extensions: { retryAfter: 90 },
    });
    expect(() => admitClient(limiter, '203.0.113.8')).not.toThrow();
  });
});
