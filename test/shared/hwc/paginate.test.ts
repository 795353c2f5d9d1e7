import { describe, expect, it } from 'vitest';
import { HwcError, LocalErrorCode } from '../../../shared/hwc/errors.ts';
import { paginate, paginateByOffset } from '../../../shared/hwc/paginate.ts';
import type { MarkerListing, OffsetListing, OffsetPage, Page } from '../../../shared/hwc/paginate.ts';

/** A listing whose pages say whether more follow (as KMS `truncated` and CSMS `page_info` do). */
const LISTING: MarkerListing = { operation: 'test.list', limit: 3, itemsBefore: 0, endField: 'more' };

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
      release.set(n, () => (fail?.page === n ? reject(fail.error) : resolve({ items, next, more: next !== undefined })));
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
    const items = paginate(source.fetchPage, LISTING);
    const first = items.next();
    source.answer(0);
    expect(await first).toEqual({ value: 'p0-0', done: false });
    // Page 1 is requested while page 0 still has two unread items.
    expect(source.asked).toEqual([undefined, '1']);
  });

  it('stays at most one page ahead, and yields every item in order', async () => {
    const source = pagedSource(3);
    const items = paginate(source.fetchPage, LISTING);
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
    const items = paginate(source.fetchPage, LISTING);
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
    const items = paginate(source.fetchPage, LISTING);
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

  it('fails on a cursor already used, without asking for that page again', async () => {
    const asked: (string | undefined)[] = [];
    const loop = paginate<number>(async (cursor) => {
      asked.push(cursor);
      return cursor === undefined ? { items: [1, 2, 3], next: 'a', more: true } : { items: [4, 5, 6], next: 'a', more: true };
    }, LISTING);
    const all: number[] = [];
    const error = await (async () => {
      for await (const item of loop) all.push(item);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HwcError);
    expect(error).toMatchObject({ operation: 'test.list', errorCode: LocalErrorCode.incompleteListing });
    expect((error as HwcError).message).toBe('test.list failed with HTTP 200 WARDEN.INCOMPLETE_LISTING: the next page\'s marker "a" was already read: the listing loops');
    expect(all).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, 'a']);
  });
});

/** Reads a marker listing of the given pages (answered in turn) to its end; the error it ends with, if any. */
async function readPages<T>(pages: readonly Page<T>[], listing: Partial<MarkerListing> = {}) {
  const asked: (string | undefined)[] = [];
  const items: T[] = [];
  let error: HwcError | undefined;
  try {
    for await (const item of paginate<T>(async (cursor) => {
      asked.push(cursor);
      const page = pages[asked.length - 1];
      if (!page) throw new Error(`page ${asked.length} was not expected`);
      return page;
    }, { ...LISTING, ...listing })) items.push(item);
  } catch (e) {
    if (!(e instanceof HwcError)) throw e;
    error = e;
  }
  return { asked, items, error: error?.errorMsg, code: error?.errorCode };
}

describe('paginate: a listing proves its end or fails', () => {
  it('ends at a page that says it is the last', async () => {
    const result = await readPages([{ items: [1, 2, 3], next: 'b', more: true }, { items: [4], more: false }]);
    expect(result).toEqual({ asked: [undefined, 'b'], items: [1, 2, 3, 4], error: undefined, code: undefined });
  });

  it('fails when a page says nothing about more pages (the end field missing), naming the field', async () => {
    expect((await readPages([{ items: [1, 2, 3] }])).error).toBe('listing ended without more after a full page');
    expect((await readPages([{ items: [1] }])).error).toBe('listing ended without more after a page of 1 (3 asked)');
    expect((await readPages([{ items: [] }])).error).toBe('listing ended without more after an empty page');
    const result = await readPages([{ items: [1, 2, 3], next: 'b', more: true }, { items: [4, 5, 6] }]);
    expect(result).toMatchObject({ items: [1, 2, 3], code: LocalErrorCode.incompleteListing });
  });

  it('takes a reached total as the end when the end field is missing, and names the shortfall when not', async () => {
    expect(await readPages([{ items: [1, 2, 3], next: 'b', more: true, total: 4 }, { items: [4], total: 4 }])).toMatchObject({ items: [1, 2, 3, 4], error: undefined });
    expect((await readPages([{ items: [1, 2, 3], total: 5 }])).error).toBe('listing ended without more after a full page at 3 of 5 items');
  });

  it('fails on an empty page while more were announced, and on more announced without a marker', async () => {
    expect((await readPages([{ items: [1, 2, 3], next: 'b', more: true }, { items: [], next: 'c', more: true }])).error).toBe('an empty page while more were announced');
    expect((await readPages([{ items: [1, 2, 3], more: true }])).error).toBe('more pages announced (more) without a marker for the next');
  });

  it('fails on a last page short of the total', async () => {
    expect((await readPages([{ items: [1, 2, 3], next: 'b', more: true, total: 7 }, { items: [4], more: false }])).error).toBe('the last page ends at 4 of 7 items');
  });

  it('fails on a page holding fewer items than it counts', async () => {
    expect((await readPages([{ items: [1, 2], more: false, count: 3 }])).error).toBe('a page came back with 2 of the 3 items it counts');
  });

  describe('an API with no word for its end (CSBS)', () => {
    const csbs = { endField: undefined };
    it('reads on after a full page, ends at a shorter one', async () => {
      const result = await readPages([{ items: [1, 2, 3], next: '3' }, { items: [4, 5], next: '5' }], csbs);
      expect(result).toEqual({ asked: [undefined, '3'], items: [1, 2, 3, 4, 5], error: undefined, code: undefined });
    });

    it('reads on after a shorter page while the total says more exist (a server paging by fewer than asked)', async () => {
      const result = await readPages([{ items: [1, 2], next: '2', total: 5 }, { items: [3, 4], next: '4', total: 5 }, { items: [5], next: '5', total: 5 }], csbs);
      expect(result).toEqual({ asked: [undefined, '2', '4'], items: [1, 2, 3, 4, 5], error: undefined, code: undefined });
    });

    it('fails on an empty page before the total', async () => {
      expect((await readPages([{ items: [1, 2], next: '2', total: 5 }, { items: [], total: 5 }], csbs)).error).toBe('an empty page at 2 of 5 items');
    });

    it('fails on a page that repeats an earlier one, though its items would make the total look reached', async () => {
      const repeated = await readPages([{ items: [1, 2], next: '2', total: 3 }, { items: [1, 2], next: '2', total: 3 }], csbs);
      expect(repeated.error).toBe('the next page\'s marker "2" was already read: the listing loops');
    });

    it('does not compare totals from a start that is not an offset', async () => {
      expect(await readPages([{ items: [1, 2], next: '2', total: 9 }], { ...csbs, start: 'x', itemsBefore: undefined })).toMatchObject({ items: [1, 2], error: undefined });
    });
  });

  describe('markers that are offsets (KMS ListKeys)', () => {
    const kms = { offsetMarkers: true, limit: 2 };
    it('checks each next marker against the items read', async () => {
      expect(await readPages([{ items: [1, 2], next: '2', more: true, total: 3 }, { items: [3], more: false, total: 3 }], kms)).toMatchObject({ asked: [undefined, '2'], items: [1, 2, 3], error: undefined });
      expect((await readPages([{ items: [1], next: '2', more: true }], kms)).error).toBe('the page at marker 0 holds 1 items but names 2 as the next: items would be skipped');
      expect((await readPages([{ items: [1, 2], next: '1', more: true }], kms)).error).toBe('the page at marker 0 holds 2 items but names 1 as the next: items would be read twice');
      expect((await readPages([{ items: [1, 2], next: 'x', more: true }], kms)).error).toBe('the marker "x" is not an offset');
    });

    it('confirms a last page short of the total by reading past it: empty ends the listing, items fail it', async () => {
      const counted = await readPages([{ items: [1], more: false, total: 9 }, { items: [], more: false, total: 9 }], kms);
      expect(counted).toEqual({ asked: [undefined, '1'], items: [1], error: undefined, code: undefined });
      const cut = await readPages([{ items: [1], more: false, total: 3 }, { items: [2, 3], more: false, total: 3 }], kms);
      expect(cut).toMatchObject({ asked: [undefined, '1'], items: [1], error: '2 item(s) follow the page that said it was the last: that page was cut short' });
    });
  });
});

/**
 * An offset listing of `total` items, `limit` a page; answers held until released; the total sent or not. `cap`:
 * the server's own page size (fewer than asked), from offset `capFrom` on; `firstPageFrom`: from that offset on, the server ignores the
 * offset and answers the first page again.
 */
function offsetSource(total: number, limit: number, options: { sendTotal?: boolean; fail?: number; cap?: number; capFrom?: number; firstPageFrom?: number } = {}) {
  const asked: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let release: Array<() => void> = [];
  const signals: AbortSignal[] = [];
  const fetchPage = (offset: number, signal: AbortSignal): Promise<OffsetPage<number>> => {
    asked.push(offset);
    signals.push(signal);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    const from = options.firstPageFrom !== undefined && offset >= options.firstPageFrom ? 0 : offset;
    const size = offset >= (options.capFrom ?? 0) ? Math.min(limit, options.cap ?? limit) : limit;
    const items = Array.from({ length: Math.max(0, Math.min(size, total - from)) }, (_, i) => from + i);
    return new Promise((resolve, reject) => {
      release.push(() => {
        inFlight--;
        if (options.fail === offset) reject(new Error(`page at ${offset} failed`));
        else resolve({ items, total: options.sendTotal === false ? undefined : total });
      });
    });
  };
  /** Lets every page asked for so far answer, newest first (answers may arrive out of order). */
  const answerAll = () => {
    const waiting = release;
    release = [];
    for (const go of waiting.reverse()) go();
  };
  return { asked, signals, fetchPage, answerAll, maxInFlight: () => maxInFlight };
}

const byOffset = (start: number, limit: number, pagesInFlight?: number, extra: Partial<OffsetListing<number>> = {}): OffsetListing<number> => ({
  operation: 'test.list',
  start,
  limit,
  pagesInFlight,
  ...extra,
});

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
    const items = await drain(paginateByOffset(source.fetchPage, byOffset(0, 2, 3)), source);
    expect(items).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(source.asked).toEqual([0, 2, 4, 6, 8]);
    expect(source.maxInFlight()).toBe(3);
  });

  it('without a total, reads one page ahead and ends at a short page', async () => {
    const source = offsetSource(5, 2, { sendTotal: false });
    expect(await drain(paginateByOffset(source.fetchPage, byOffset(0, 2, 4)), source)).toEqual([0, 1, 2, 3, 4]);
    expect(source.asked).toEqual([0, 2, 4]);
    expect(source.maxInFlight()).toBe(1);
  });

  it('starts at the given offset', async () => {
    const source = offsetSource(7, 2);
    expect(await drain(paginateByOffset(source.fetchPage, byOffset(4, 2, 2)), source)).toEqual([4, 5, 6]);
  });

  it('surfaces a failed page when the consumer reaches it, after the items before it', async () => {
    const source = offsetSource(10, 2, { fail: 4 });
    const seen: number[] = [];
    const reading = drain(
      (async function* () {
        for await (const item of paginateByOffset(source.fetchPage, byOffset(0, 2, 2))) {
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
    const items = paginateByOffset(source.fetchPage, byOffset(0, 2, 3));
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
    for (const bad of [0, 1.5, -1, Number.NaN]) expect(() => paginateByOffset(source.fetchPage, byOffset(0, 2, bad))).toThrow(RangeError);
    expect(source.asked).toEqual([]);
  });
});

describe('paginateByOffset proves its end or fails', () => {
  it('reads on from where a shorter page ended while the total says more exist (a server paging by fewer than asked)', async () => {
    const source = offsetSource(10, 4, { cap: 3 });
    expect(await drain(paginateByOffset(source.fetchPage, byOffset(0, 4, 2)), source)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Page 0 came back with 3 items: the listing goes on at 3, by 3, two pages at a time.
    expect(source.asked).toEqual([0, 3, 6, 9]);
    expect(source.maxInFlight()).toBe(2);
  });

  it('drops the pages asked for after a page that came back shorter, and asks again from where it ended', async () => {
    // The first page is full-size (the cap starts after it), so offsets 4 and 8 are asked for at once.
    const source = offsetSource(12, 4, { cap: 3, capFrom: 4 });
    expect(await drain(paginateByOffset(source.fetchPage, byOffset(0, 4, 2)), source)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(source.asked).toEqual([0, 4, 8, 7, 10]);
  });

  it('fails on an empty page before the total', async () => {
    const source = offsetSource(10, 4, { cap: 0 });
    const error = await drain(paginateByOffset(source.fetchPage, byOffset(0, 4, 2)), source).catch((e: unknown) => e);
    expect(error).toMatchObject({ operation: 'test.list', errorCode: LocalErrorCode.incompleteListing, errorMsg: 'an empty page at offset 0 of 10 items' });
  });

  it('fails on a page that begins where an earlier one began (a server ignoring the offset)', async () => {
    const source = offsetSource(10, 2, { firstPageFrom: 4 });
    const error = await drain(paginateByOffset(source.fetchPage, byOffset(0, 2, 1, { idOf: String })), source).catch((e: unknown) => e);
    expect(error).toMatchObject({ errorCode: LocalErrorCode.incompleteListing, errorMsg: 'the page at offset 4 begins where the page at offset 0 began: the listing repeats itself' });
  });

  it('without a total, ends at a page shorter than asked (the API has no other end to go by)', async () => {
    const source = offsetSource(10, 4, { cap: 3, sendTotal: false });
    expect(await drain(paginateByOffset(source.fetchPage, byOffset(0, 4, 2)), source)).toEqual([0, 1, 2]);
  });
});
