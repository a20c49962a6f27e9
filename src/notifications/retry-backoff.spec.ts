import { afterFailure, MAX_RETRY_DELAY_MS, retryDelayMs } from 'src/notifications/retry-backoff';

const MINUTE = 60_000;

describe('retryDelayMs', () => {
  it.each([
    [1, MINUTE],
    [2, 2 * MINUTE],
    [3, 4 * MINUTE],
    [4, 8 * MINUTE],
    [8, 128 * MINUTE],
  ])('waits the base doubled after each failure: after %i failures, %i ms', (attempts, delay) => {
    expect(retryDelayMs(attempts, MINUTE)).toBe(delay);
  });

  it.each([10, 20, 1000])('never waits more than six hours (after %i failures)', (attempts) => {
    expect(retryDelayMs(attempts, MINUTE)).toBe(MAX_RETRY_DELAY_MS);
  });

  it.each([
    [0, MINUTE],
    [3, 0],
  ])('does not wait before a first attempt or with a zero base (%i, %i)', (attempts, base) => {
    expect(retryDelayMs(attempts, base)).toBe(0);
  });
});

describe('afterFailure', () => {
  it('tries again later while attempts remain', () => {
    expect(afterFailure(2, 5, MINUTE)).toEqual({ status: 'pending', delayMs: 2 * MINUTE });
  });

  it.each([5, 6])('gives up once the attempts are spent (%i of 5)', (attempts) => {
    expect(afterFailure(attempts, 5, MINUTE)).toEqual({ status: 'failed', delayMs: 0 });
  });
});
