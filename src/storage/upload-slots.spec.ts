import { StorageBusyError } from 'src/storage/storage.errors';
import { UploadSlots } from 'src/storage/upload-slots';

describe('UploadSlots', () => {
  it('lets as many in as it has slots, then one more each time one is released, in order', async () => {
    const slots = new UploadSlots(2, 10_000);
    const first = await slots.take();
    const second = await slots.take();
    const order: string[] = [];
    const third = slots.take().then((release) => (order.push('third'), release));
    const fourth = slots.take().then((release) => (order.push('fourth'), release));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    first();
    first();
    const releaseThird = await third;
    await new Promise((resolve) => setImmediate(resolve));
    // Released twice, counted once: the fourth still waits.
    expect(order).toEqual(['third']);
    second();
    const releaseFourth = await fourth;
    expect(order).toEqual(['third', 'fourth']);
    releaseThird();
    releaseFourth();
    // Both free again.
    await Promise.all([slots.take(), slots.take()]);
  });

  it('refuses a wait longer than its limit with 503 STORAGE_BUSY and Retry-After, leaving the queue as it was', async () => {
    jest.useFakeTimers();
    try {
      const slots = new UploadSlots(1, 30_000);
      const held = await slots.take();
      const waiting = slots.take();
      const later = slots.take();
      jest.advanceTimersByTime(29_999);
      held();
      const next = await waiting;
      jest.advanceTimersByTime(1);
      const error = await later.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageBusyError);
      expect(error).toMatchObject({
        status: 503,
        code: 'SERVICE.STORAGE_BUSY',
        extensions: { retryAfter: 5 },
      });
      next();
      const again = await slots.take();
      again();
    } finally {
      jest.useRealTimers();
    }
  });
});
