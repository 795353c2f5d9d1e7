import { describe, expect, it } from 'vitest';
import { LocalErrorCode } from '../../../shared/hwc/errors.ts';
import { listToTotal } from '../../../shared/hwc/counted.ts';
import type { CountedPage } from '../../../shared/hwc/counted.ts';
import { collect, rejection } from './support.ts';

// The rules every counted listing (CBR, ECS) proves itself complete by, on scripted pages: each answer is
// what a page at that offset returns.

type Item = { id: string };
const items = (...ids: string[]): Item[] => ids.map((id) => ({ id }));

function listing(pages: Record<number, CountedPage<Item>>, start = 0) {
  const asked: number[] = [];
  const generator = listToTotal<Item>({ operation: 'test.list', start, limit: 2, pagesInFlight: 2, idOf: (item) => item.id }, async (offset) => {
    asked.push(offset);
    const page = pages[offset];
    if (!page) throw new Error(`no page at ${offset}`);
    return page;
  });
  return { generator, asked };
}

describe('listToTotal', () => {
  it('reads to the total, pages in parallel once it is known', async () => {
    const { generator, asked } = listing({ 0: { items: items('a', 'b'), total: 5 }, 2: { items: items('c', 'd'), total: 5 }, 4: { items: items('e'), total: 5 } });
    expect((await collect(generator)).map((i) => i.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(asked).toEqual([0, 2, 4]);
  });

  it('accepts an empty listing whose total is 0, and counts from the offset it starts at', async () => {
    expect(await collect(listing({ 0: { items: [], total: 0 } }).generator)).toEqual([]);
    expect((await collect(listing({ 3: { items: items('d', 'e'), total: 5 } }, 3).generator)).map((i) => i.id)).toEqual(['d', 'e']);
  });

  it('reads on from where a page shorter than asked ended (a server paging by fewer), to the total', async () => {
    const { generator, asked } = listing({ 0: { items: items('a', 'b'), total: 5 }, 2: { items: items('c'), total: 5 }, 3: { items: items('d', 'e'), total: 5 }, 4: { items: items('e'), total: 5 } });
    expect((await collect(generator)).map((i) => i.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(asked.slice(0, 2)).toEqual([0, 2]);
    expect(asked).toContain(3);
  });

  it.each<[string, Record<number, CountedPage<Item>>, string, number]>([
    ['a page without a total', { 0: { items: items('a', 'b'), total: undefined } }, 'the page at offset 0 does not say how many items there are', 0],
    ['an empty page before the total', { 0: { items: items('a', 'b'), total: 3 }, 2: { items: [], total: 3 } }, 'an empty page at offset 2 of 3 items', 2],
    ['an item listed twice', { 0: { items: items('a', 'b'), total: 4 }, 2: { items: items('b', 'c'), total: 4 } }, '"b" was listed twice: another item was skipped', 2],
    ['more items than the total', { 0: { items: items('a', 'b'), total: 1 } }, 'the listing ended after 2 of the 1 items its total promised', 2],
    ['a total that changes', { 0: { items: items('a', 'b'), total: 4 }, 2: { items: items('c', 'd'), total: 5 } }, 'the total changed from 4 to 5 while the pages were read (the listing changed under it)', 2],
  ])('fails %s with WARDEN.INCOMPLETE_LISTING, after handing on what it read', async (_, pages, why, handedOn) => {
    const read: string[] = [];
    const error = await rejection(async () => {
      for await (const item of listing(pages).generator) read.push(item.id);
    });
    expect(error).toMatchObject({ operation: 'test.list', errorCode: LocalErrorCode.incompleteListing, errorMsg: why });
    expect(read).toHaveLength(handedOn);
  });
});
