import { describe, expect, it } from 'vitest';
import { paginate, paginateByOffset } from '../../../shared/hwc/paginate.ts';
import type { OffsetPage, Page } from '../../../shared/hwc/paginate.ts';

/** Pages of three items, cursors '1', '2', …; a page's answer is held until the test releases it. */
function pagedSource(pages: number, fail?: { page: number; error: Error }) {
  const asked: (string | undefined)[] = [];
  const release = new Map<number, () => void>();
  const fetchPage = (cursor: string | undefined): Promise<Page<string>> => {
    asked.push(cursor);
    const n = Number(cursor ?? 0);
    const items = [0, 1, 2].map((i) => `p${n}-${i}`);
    const next = n + 1 < pages ? String(n + 1) : undefined;
    return new Promise((resolve, reject) => {
      release.set(n, () => (fail?.page === n ? reject(fail.error) : resolve({ items, next })));
    });
  };
  /** Lets page n answer (it must have been asked for). */
  const answer = (n: number) => {
    const go = release.get(n);
    if (!go) throw new Error(`page ${n} was not asked for`);
    go();
  };
  return { asked, fetchPage, answer };
}

describe('paginate reads one page ahead', () => {
  it('asks for the next page as soon as a page arrives, before its items are consumed', async () => {
    const source = pagedSource(3);
    const items = paginate(source.fetchPage);
    const first = items.next();
    source.answer(0);
    expect(await first).toEqual({ value: 'p0-0', done: false });
    // Page 1 is requested while page 0 still has two unread items.
    expect(source.asked).toEqual([undefined, '1']);
  });

  it('stays at most one page ahead, and yields every item in order', async () => {
    const source = pagedSource(3);
    const items = paginate(source.fetchPage);
    const first = items.next();
    source.answer(0);
    await first;
    source.answer(1); // page 1 is in before the consumer is done with page 0 …
    expect((await items.next()).value).toBe('p0-1');
    expect((await items.next()).value).toBe('p0-2');
    expect(source.asked).toEqual([undefined, '1']); // … but page 2 waits until the consumer reaches page 1
    expect((await items.next()).value).toBe('p1-0');
    expect(source.asked).toEqual([undefined, '1', '2']);
    source.answer(2);
    const rest: string[] = [];
    for await (const item of items) rest.push(item);
    expect(rest).toEqual(['p1-1', 'p1-2', 'p2-0', 'p2-1', 'p2-2']);
    expect(source.asked).toEqual([undefined, '1', '2']);
  });

  it('surfaces an error of the page ahead only when the consumer reaches it', async () => {
    const source = pagedSource(3, { page: 1, error: new Error('page 1 failed') });
    const items = paginate(source.fetchPage);
    const first = items.next();
    source.answer(0);
    await first;
    source.answer(1); // fails while the consumer is still on page 0: nothing unhandled, page 0 still reads
    expect((await items.next()).value).toBe('p0-1');
    expect((await items.next()).value).toBe('p0-2');
    await expect(items.next()).rejects.toThrow('page 1 failed');
    expect((await items.next()).done).toBe(true);
    expect(source.asked).toEqual([undefined, '1']);
  });

  it('stops when the consumer stops: return() settles after the request in flight, and asks for nothing more', async () => {
    const source = pagedSource(3, { page: 1, error: new Error('page 1 failed') });
    const items = paginate(source.fetchPage);
    const first = items.next();
    source.answer(0);
    await first;
    let returned = false;
    const stopping = items.return(undefined).then((result) => {
      returned = true;
      return result;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(returned).toBe(false); // still waiting for page 1
    source.answer(1); // its failure is dropped, not thrown and not unhandled
    expect(await stopping).toEqual({ value: undefined, done: true });
    expect(source.asked).toEqual([undefined, '1']);
  });

  it('ends on a cursor already used without asking for that page again', async () => {
    const asked: (string | undefined)[] = [];
    const loop = paginate<number>(async (cursor) => {
      asked.push(cursor);
      return cursor === undefined ? { items: [1, 2], next: 'a' } : { items: [3], next: 'a' };
    });
    const all: number[] = [];
    for await (const item of loop) all.push(item);
    expect(all).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, 'a']);
  });
});

/** An offset listing of `total` items, `limit` a page; answers held until released; the total sent or not. */
function offsetSource(total: number, limit: number, options: { sendTotal?: boolean; fail?: number } = {}) {
  const asked: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const release = new Map<number, () => void>();
  const signals: AbortSignal[] = [];
  const fetchPage = (offset: number, signal: AbortSignal): Promise<OffsetPage<number>> => {
    asked.push(offset);
    signals.push(signal);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => offset + i);
    return new Promise((resolve, reject) => {
      release.set(offset, () => {
        inFlight--;
        if (options.fail === offset) reject(new Error(`page at ${offset} failed`));
        else resolve({ items, total: options.sendTotal === false ? undefined : total });
      });
    });
  };
  /** Lets every page asked for so far answer, newest first (answers may arrive out of order). */
  const answerAll = () => {
    for (const offset of [...release.keys()].reverse()) release.get(offset)?.();
    release.clear();
  };
  return { asked, signals, fetchPage, answerAll, maxInFlight: () => maxInFlight };
}

/** Reads the listing to the end, letting pages answer whenever it waits. */
async function drain(items: AsyncGenerator<number>, source: { answerAll: () => void }): Promise<number[]> {
  const out: number[] = [];
  const timer = setInterval(source.answerAll, 1);
  try {
    for await (const item of items) out.push(item);
  } finally {
    clearInterval(timer);
  }
  return out;
}

describe('paginateByOffset requests several pages at a time once the total is known', () => {
  it('keeps up to pagesInFlight pages requested, yields every item in order, and asks for nothing past the total', async () => {
    const source = offsetSource(10, 2);
    const items = await drain(paginateByOffset(source.fetchPage, 0, 2, 3), source);
    expect(items).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(source.asked).toEqual([0, 2, 4, 6, 8]);
    expect(source.maxInFlight()).toBe(3);
  });

  it('without a total, reads one page ahead and ends at a short page', async () => {
    const source = offsetSource(5, 2, { sendTotal: false });
    expect(await drain(paginateByOffset(source.fetchPage, 0, 2, 4), source)).toEqual([0, 1, 2, 3, 4]);
    expect(source.asked).toEqual([0, 2, 4]);
    expect(source.maxInFlight()).toBe(1);
  });

  it('starts at the given offset', async () => {
    const source = offsetSource(7, 2);
    expect(await drain(paginateByOffset(source.fetchPage, 4, 2, 2), source)).toEqual([4, 5, 6]);
  });

  it('surfaces a failed page when the consumer reaches it, after the items before it', async () => {
    const source = offsetSource(10, 2, { fail: 4 });
    const seen: number[] = [];
    const reading = drain(
      (async function* () {
        for await (const item of paginateByOffset(source.fetchPage, 0, 2, 2)) {
          seen.push(item);
          yield item;
        }
      })(),
      source,
    );
    await expect(reading).rejects.toThrow('page at 4 failed');
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('stops when the consumer stops: nothing more is asked for, the pages in flight are aborted, and return() settles after them', async () => {
    const source = offsetSource(100, 2);
    const items = paginateByOffset(source.fetchPage, 0, 2, 3);
    const first = items.next();
    source.answerAll();
    expect((await first).value).toBe(0);
    expect(source.asked).toEqual([0, 2, 4, 6]);
    let settled = false;
    expect(source.signals.some((signal) => signal.aborted)).toBe(false);
    const closing = items.return(undefined).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    expect(source.signals.every((signal) => signal.aborted)).toBe(true);
    source.answerAll();
    await closing;
    expect(source.asked).toEqual([0, 2, 4, 6]);
  });

  it('refuses a pagesInFlight that is not a whole number ≥ 1 when called, before asking for anything', () => {
    const source = offsetSource(10, 2);
    for (const bad of [0, 1.5, -1, Number.NaN]) expect(() => paginateByOffset(source.fetchPage, 0, 2, bad)).toThrow(RangeError);
    expect(source.asked).toEqual([]);
  });
});
