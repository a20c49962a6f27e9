/** The longest wait between two attempts, whatever the number of failures. */
export const MAX_RETRY_DELAY_MS = 6 * 60 * 60 * 1000;

/**
 * How long to wait before the next attempt after `attempts` failed ones: the base, doubled after
 * each further failure, capped at {@link MAX_RETRY_DELAY_MS}.
 */
export function retryDelayMs(attempts: number, baseMs: number): number {
  if (attempts < 1 || baseMs <= 0) {
    return 0;
  }
  return Math.min(baseMs * 2 ** Math.min(attempts - 1, 30), MAX_RETRY_DELAY_MS);
}

/** What becomes of a message whose attempt number `attempts` has just failed. */
export function afterFailure(
  attempts: number,
  maxAttempts: number,
  baseMs: number,
): { readonly status: 'pending' | 'failed'; readonly delayMs: number } {
  return attempts >= maxAttempts
    ? { status: 'failed', delayMs: 0 }
    : { status: 'pending', delayMs: retryDelayMs(attempts, baseMs) };
}
