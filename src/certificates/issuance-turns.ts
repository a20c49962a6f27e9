/**
 * At most `limit` tasks run at once; the others wait their turn, in order, without holding
 * anything. Issuances take a year-wide counter row until they commit, so they run one after the
 * other anyway: waiting here rather than in the database keeps a burst of them from holding every
 * pooled connection (and the other requests from timing out). Across instances the database's
 * locks still decide; this only bounds what one instance asks of its pool.
 */
export class Turns {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`limit must be a positive integer, not ${limit}`);
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      // The turn passes straight to the next in line, so `running` stays as it is.
      const next = this.waiting.shift();
      if (next) {
        next();
      } else {
        this.running--;
      }
    }
  }

  /** Tasks waiting for a turn. */
  get queued(): number {
    return this.waiting.length;
  }
}
