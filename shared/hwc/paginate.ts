import * as z from '../zod.ts';
import { transformed } from '../zod.ts';

/**
 * Streams the items of a paged listing, reading one page ahead: as soon as page n arrives, page n+1 is
 * requested, so the next page is usually there by the time the consumer has read page n (instead of a
 * full round trip at every page boundary). At most two pages are held (the one being read and the one
 * ahead) and at most one request is in flight; page n+2 is asked for only once the consumer reaches
 * page n+1. An error of the page ahead surfaces when the consumer reaches it. When the consumer stops
 * early (`break`, `return()`), nothing more is requested and `return()` settles once the request in
 * flight (if any) has, its outcome discarded: so breaking after the first item costs two requests.
 * Each service says where the next page starts (a marker, or an offset as a string); the listing ends
 * when there is no next page, a page comes back empty, or the server hands back a cursor already used
 * (a server loop: that page was already read).
 */

export interface Page<T> {
  readonly items: readonly T[];
  /** Where the next page starts; undefined or empty when this is the last page. */
  readonly next: string | undefined;
}

export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  start?: string,
): AsyncGenerator<T, void, undefined> {
  const used = new Set<string>();
  const first = start === '' ? undefined : start;
  if (first !== undefined) used.add(first);
  let ahead: Promise<Page<T>> | undefined = fetchPage(first);
  try {
    while (ahead !== undefined) {
      const page: Page<T> = await ahead;
      ahead = undefined;
      if (page.items.length === 0) return;
      const next = page.next;
      if (next !== undefined && next !== '' && !used.has(next)) {
        used.add(next);
        ahead = fetchPage(next);
        // Handled here so a failure is not "unhandled" while the consumer is still on this page; the
        // same promise is awaited (and throws) when the consumer gets there.
        ahead.catch(() => undefined);
      }
      yield* page.items;
    }
  } finally {
    // The consumer stopped early: let the request ahead finish (it is not retried, and its outcome is
    // dropped) so that no request of this listing outlives the loop.
    if (ahead !== undefined) await ahead.then(ignore, ignore);
  }
}

function ignore(): void {}

/** Page size the streaming listings ask for when the caller names none. */
export const DEFAULT_PAGE_SIZE = 100;

/** A page size as callers may give it (`20` or `"20"`), sent as the string the API expects. */
export const pageSize = transformed(
  z.pipe(
    z.union([
      z.number().check(z.int()),
      transformed(z.string().check(z.trim(), z.regex(/^\d+$/, 'expected a whole number')), Number),
    ]),
    z.number().check(z.int(), z.gte(1), z.lte(1000)),
  ),
  String,
);

export interface OffsetPage<T> {
  readonly items: readonly T[];
  /** How many items the whole listing has, when the service says. */
  readonly total: number | undefined;
}

/**
 * Streams an offset-paged listing (`limit` items per page from `start`). Like `paginate` it reads ahead, but
 * once a page has said how many items there are in all, the following offsets are known, so up to
 * `pagesInFlight` of them are requested at a time instead of one: the pages of a long listing no longer wait
 * for each other. Pages are handed on in order, so at most `pagesInFlight` + 1 are held. The listing ends at
 * a short or empty page, or at the total; without a total it reads one page ahead. Stopping early (`break`,
 * `return()`) asks for nothing more, aborts the requests in flight (the signal handed to `fetchPage`) and
 * settles once they have, their outcomes discarded. A `return()` made while a `next()` is still pending waits
 * for that page (the generator is not at a `yield`); to cut that short, abort it through a signal of the
 * caller's (such as `kms.listKmsByTags`'s `signal` option).
 */
export function paginateByOffset<T>(
  fetchPage: (offset: number, signal: AbortSignal) => Promise<OffsetPage<T>>,
  start: number,
  limit: number,
  pagesInFlight = 1,
): AsyncGenerator<T, void, undefined> {
  // Checked now, not at the first read: a bad option fails where it is given, before anything is sent.
  if (!Number.isInteger(pagesInFlight) || pagesInFlight < 1) throw new RangeError(`pagesInFlight must be a whole number ≥ 1, got ${pagesInFlight}`);
  return offsetPages(fetchPage, start, limit, pagesInFlight);
}

async function* offsetPages<T>(
  fetchPage: (offset: number, signal: AbortSignal) => Promise<OffsetPage<T>>,
  start: number,
  limit: number,
  pagesInFlight: number,
): AsyncGenerator<T, void, undefined> {
  const abandon = new AbortController();
  const ahead: Promise<OffsetPage<T>>[] = [];
  let next = start;
  let end = Number.POSITIVE_INFINITY;
  let totalKnown = false;
  const request = () => {
    const page = fetchPage(next, abandon.signal);
    // Handled here so a failure is not "unhandled" while the consumer is on an earlier page; the same
    // promise is awaited (and throws) when the consumer gets there.
    page.catch(ignore);
    ahead.push(page);
    next += limit;
  };
  request();
  try {
    for (let page = ahead.shift(); page !== undefined; page = ahead.shift()) {
      const { items, total } = await page;
      if (!totalKnown && total !== undefined) {
        totalKnown = true;
        end = total;
      }
      if (items.length < limit) {
        yield* items;
        return;
      }
      while (ahead.length < (totalKnown ? pagesInFlight : 1) && next < end) request();
      yield* items;
    }
  } finally {
    if (ahead.length > 0) abandon.abort();
    await Promise.all(ahead.map((page) => page.then(ignore, ignore)));
  }
}
