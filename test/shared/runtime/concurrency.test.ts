import { describe, expect, it } from 'vitest';
import { forEachLimit, mapLimit } from '../../../shared/runtime/concurrency.ts';

/** A promise and the function that settles it, to drive ordering by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('forEachLimit', () => {
  it('never runs more than `limit` at once, and runs every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      seen.push(item);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('pulls from an async stream only when a worker is free', async () => {
    let pulled = 0;
    async function* stream() {
      for (let i = 0; i < 10; i++) {
        pulled++;
        yield i;
      }
    }
    const first = gate();
    const pulledWhileBlocked: number[] = [];
    const done = forEachLimit(stream(), 2, async (item) => {
      if (item < 2) await first.promise;
    });
    await tick();
    pulledWhileBlocked.push(pulled);
    first.open();
    const outcome = await done;
    expect(pulledWhileBlocked).toEqual([2]);
    expect(outcome).toEqual({ taken: 10, exhausted: true });
  });

  it('stops taking items once shouldStop says so, and closes the stream', async () => {
    let closed = false;
    async function* stream() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const handled: number[] = [];
    const outcome = await forEachLimit(stream(), 2, async (item) => void handled.push(item), { shouldStop: () => handled.length >= 5 });
    expect(outcome.exhausted).toBe(false);
    expect(handled.length).toBeGreaterThanOrEqual(5);
    expect(handled.length).toBeLessThanOrEqual(6);
    expect(closed).toBe(true);
  });

  it('lets running calls finish, then throws the first error; takes nothing after it', async () => {
    const finished: number[] = [];
    const slow = gate();
    const run = forEachLimit([1, 2, 3, 4], 2, async (item) => {
      if (item === 1) {
        await slow.promise;
        finished.push(item);
        return;
      }
      if (item === 2) throw new Error('boom 2');
      finished.push(item);
    });
    await tick();
    slow.open();
    await expect(run).rejects.toThrow('boom 2');
    expect(finished).toContain(1);
    expect(finished).not.toContain(4);
  });

  it('throws what the stream throws', async () => {
    async function* stream() {
      yield 1;
      throw new Error('page 2 failed');
    }
    const handled: number[] = [];
    await expect(forEachLimit(stream(), 4, async (item) => void handled.push(item))).rejects.toThrow('page 2 failed');
    expect(handled).toEqual([1]);
  });

  it('refuses a limit that is not a whole number ≥ 1', async () => {
    await expect(forEachLimit([1], 0, async () => {})).rejects.toThrow(RangeError);
    await expect(forEachLimit([1], 1.5, async () => {})).rejects.toThrow(RangeError);
  });

  it('handles an empty input', async () => {
    expect(await forEachLimit([], 4, async () => {})).toEqual({ taken: 0, exhausted: true });
  });
});

describe('mapLimit', () => {
  it('keeps input order whatever order the calls finish in', async () => {
    const result = await mapLimit([30, 10, 20], 3, async (n) => {
      for (let i = 0; i < n / 10; i++) await tick();
      return n * 2;
    });
    expect(result).toEqual([60, 20, 40]);
  });
});
