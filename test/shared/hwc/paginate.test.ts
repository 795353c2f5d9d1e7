import { describe, expect, it } from 'vitest';
import { paginate } from '../../../shared/hwc/paginate.ts';
import type { Page } from '../../../shared/hwc/paginate.ts';

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
