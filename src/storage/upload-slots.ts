import { StorageBusyError } from 'src/storage/storage.errors';

/**
 * At most `size` uploads at a time; the others wait their turn, in order, and give up with
 * {@link StorageBusyError} after `waitMs`: slots held by slow clients must not stall the rest
 * for good.
 */
export class UploadSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(
    size: number,
    private readonly waitMs: number,
  ) {
    this.free = size;
  }

  /** Takes a slot, waiting for one if need be; resolves to its release (safe to call twice). */
  async take(): Promise<() => void> {
    if (this.free > 0) {
      this.free -= 1;
    } else {
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(turn), 1);
          reject(new StorageBusyError());
        }, this.waitMs);
        this.waiting.push(turn);
      });
    }
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      // Handed straight to the next in line, if any.
      const next = this.waiting.shift();
      if (next) {
        next();
      } else {
        this.free += 1;
      }
    };
  }
}
