import * as z from '../zod.ts';
import { transformed } from '../zod.ts';
import { HwcError, LocalErrorCode } from './errors.ts';

/**
 * Paged listings that prove they are complete. A listing the guardrails act on must have been read to its
 * documented end: a page that says it is the last (`truncated: false`, `page_info` without `next_marker`), a
 * total reached, or, for an API with no such word (CSBS), a page shorter than asked once as many items as
 * match were read. Anything else (the word about more pages missing, a cursor seen twice, an empty page while
 * more were announced, a page that holds fewer items than it counts, a total not reached) ends the listing
 * with an `HwcError` (`WARDEN.INCOMPLETE_LISTING`) naming the operation and what was wrong, never with a
 * silent early end. What each service's answer says is read by the service (kms.ts, csms.ts, csbs.ts); the
 * rules are here, the same for all.
 */

/** What one page of a marker listing says, as the service reads it from the answer. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Where the next page starts, when the answer (or, for an API whose cursor is an item's id, the last item) names it. */
  readonly next?: string | undefined;
  /**
   * Whether the answer says more pages follow: `true` (KMS `truncated: "true"`, CSMS `page_info.next_marker`),
   * `false` (the documented last page: `truncated: "false"`, `page_info` without `next_marker`), undefined
   * when it does not say (the field is missing, or the API has none).
   */
  readonly more?: boolean | undefined;
  /** How many items the whole listing holds, when the answer says (KMS `total`, CSBS `count`). */
  readonly total?: number | undefined;
  /** How many items the answer says this page holds (CSMS `page_info.current_count`). */
  readonly count?: number | undefined;
}

/** One marker listing: what errors name, what was asked, and what its API takes as the end. */
export interface MarkerListing {
  /** Named in errors, e.g. `csms.listSecrets`. */
  readonly operation: string;
  /** The page size asked for. */
  readonly limit: number;
  /** Where the listing starts; undefined (or empty) at the beginning. */
  readonly start?: string | undefined;
  /**
   * How many items come before the first page, so that a total can be compared with what was read: 0 from
   * the beginning, the offset when the listing starts at one. Undefined: a start that is not an offset (an
   * item's id); totals are then not compared.
   */
  readonly itemsBefore: number | undefined;
  /**
   * The field whose word ends the listing (`truncated`, `page_info`): a page without it, and without a total
   * reached, leaves the end unproven (an error naming the field). Undefined for an API that has no such field
   * (CSBS): there a page shorter than asked is the last, unless a total says more items exist; a full page is
   * never the last (the next one is read).
   */
  readonly endField: string | undefined;
  /**
   * Markers are offsets (KMS ListKeys: a marker is a number ≥ 0, KMS.1602): a next marker must then be the
   * page's own offset plus the items it holds (else items would be skipped or read twice), and a page that
   * says it is the last yet ends short of the total is checked by reading the page after it (a total may
   * count keys the filter leaves out; an empty page there proves the end, items there prove a cut page).
   */
  readonly offsetMarkers?: boolean | undefined;
  /**
   * How many items the listing holds in all, for an API with no end field whose pages may not say (CSBS's
   * `checkpoint_items/count`): asked once, when the listing would end on a page shorter than asked without any
   * answer having given a total. Only with `itemsBefore` (a total must be comparable).
   */
  readonly countAll?: (() => Promise<number>) | undefined;
}

/**
 * Streams the items of a marker listing, reading one page ahead: as soon as page n arrives, page n+1 is
 * requested, so the next page is usually there by the time the consumer has read page n (instead of a full
 * round trip at every page boundary). At most two pages are held (the one being read and the one ahead) and
 * at most one request is in flight; page n+2 is asked for only once the consumer reaches page n+1. An error
 * of the page ahead, and a page that leaves the listing unproven, surface when the consumer reaches that
 * page (before its items). When the consumer stops early (`break`, `return()`), nothing more is requested and
 * `return()` settles once the request in flight (if any) has, its outcome discarded: so breaking after the
 * first item costs two requests.
 */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  listing: MarkerListing,
): AsyncGenerator<T, void, undefined> {
  const read: Reading = { used: new Set(), items: 0, total: undefined };
  let cursor = listing.start === '' ? undefined : listing.start;
  if (cursor !== undefined) read.used.add(cursor);
  let ahead: Promise<Page<T>> | undefined = fetchPage(cursor);
  let confirming = false;
  try {
    while (ahead !== undefined) {
      const page: Page<T> = await ahead;
      ahead = undefined;
      if (confirming) {
        if (page.items.length > 0) throw incomplete(listing.operation, `${page.items.length} item(s) follow the page that said it was the last: that page was cut short`);
        return;
      }
      account(page, listing, read);
      let step = nextStep(page, cursor, listing, read);
      if (step === COUNT && listing.countAll !== undefined) {
        read.total = await listing.countAll();
        step = nextStep(page, cursor, listing, read);
      }
      if (step !== END && step !== COUNT) {
        confirming = step.confirm;
        cursor = step.cursor;
        ahead = fetchPage(cursor);
        // Handled here so a failure is not "unhandled" while the consumer is still on this page; the same
        // promise is awaited (and throws) when the consumer gets there.
        ahead.catch(ignore);
      }
      yield* page.items;
    }
  } finally {
    // The consumer stopped early: let the request ahead finish (it is not retried, and its outcome is
    // dropped) so that no request of this listing outlives the loop.
    if (ahead !== undefined) await ahead.then(ignore, ignore);
  }
}

interface Reading {
  /** Cursors asked for so far. */
  readonly used: Set<string>;
  /** Items read so far, the current page's included. */
  items: number;
  /** The latest total an answer gave. */
  total: number | undefined;
}

const END = 'end';
/** Ask `countAll` how many items there are, then decide again. */
const COUNT = 'count';
type Step = typeof END | typeof COUNT | { readonly cursor: string; readonly confirm: boolean };

/** Counts the page in; fails on a page that holds fewer items than it counts. */
function account(page: Page<unknown>, listing: MarkerListing, read: Reading): void {
  const size = page.items.length;
  if (page.count !== undefined && page.count !== size) throw incomplete(listing.operation, `a page came back with ${size} of the ${page.count} items it counts`);
  read.items += size;
  if (page.total !== undefined) read.total = page.total;
}

/**
 * What follows `page` (read at `cursor`, counted in): the next page's cursor, `END` when the page proves the
 * listing ends with it, a page to read to confirm that, or `COUNT`. Throws when the page proves neither.
 */
function nextStep(page: Page<unknown>, cursor: string | undefined, listing: MarkerListing, read: Reading): Step {
  const fail = (why: string) => incomplete(listing.operation, why);
  const size = page.items.length;
  const position = listing.offsetMarkers ? offsetOf(cursor ?? '0', listing.operation) : undefined;
  const reached = position !== undefined ? position + size : listing.itemsBefore === undefined ? undefined : listing.itemsBefore + read.items;
  const total = reached === undefined ? undefined : read.total;
  const short = total !== undefined && reached !== undefined && reached < total;
  const next = page.next === '' ? undefined : page.next;
  // Checked before anything else: a page naming a cursor already read repeats an earlier one, and its items
  // (counted again) could make a total look reached.
  if (next !== undefined && read.used.has(next)) throw fail(`the next page's marker ${JSON.stringify(next)} was already read: the listing loops`);
  const onTo = (marker: string): Step => {
    if (position !== undefined && offsetOf(marker, listing.operation) !== reached) {
      const skips = offsetOf(marker, listing.operation) > (reached as number);
      throw fail(`the page at marker ${position} holds ${size} items but names ${marker} as the next: items would be ${skips ? 'skipped' : 'read twice'}`);
    }
    read.used.add(marker);
    return { cursor: marker, confirm: false };
  };

  if (page.more === true) {
    if (size === 0) throw fail('an empty page while more were announced');
    if (next === undefined) throw fail(`more pages announced (${listing.endField ?? 'more'}) without a marker for the next`);
    return onTo(next);
  }
  if (page.more === false) {
    if (!short) return END;
    if (position !== undefined) return { cursor: String(reached), confirm: true };
    throw fail(`the last page ends at ${reached} of ${total} items`);
  }
  // The answer does not say whether more pages follow.
  if (listing.endField !== undefined) {
    if (total !== undefined && !short) return END;
    const at = total === undefined ? '' : ` at ${reached} of ${total} items`;
    throw fail(`listing ended without ${listing.endField} after ${describePage(size, listing.limit)}${at}`);
  }
  // An API with no word for its end: a page shorter than asked is the last, unless a total says more exist.
  if (size < listing.limit && !short) return total === undefined && reached !== undefined && listing.countAll !== undefined ? COUNT : END;
  if (size === 0) throw fail(`an empty page at ${reached} of ${total} items`);
  if (next === undefined) throw fail('a page without a marker for the next');
  return onTo(next);
}

function offsetOf(marker: string, operation: string): number {
  if (!/^\d{1,15}$/.test(marker)) throw incomplete(operation, `the marker ${JSON.stringify(marker)} is not an offset`);
  return Number(marker);
}

function describePage(size: number, limit: number): string {
  if (size === 0) return 'an empty page';
  return size >= limit ? 'a full page' : `a page of ${size} (${limit} asked)`;
}

/** The error of a listing that cannot prove it is complete. */
export function incomplete(operation: string, why: string): HwcError {
  return new HwcError({ operation, status: 200, errorCode: LocalErrorCode.incompleteListing, errorMsg: why });
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

/** One offset listing: what errors name, where it starts, the page size asked for. */
export interface OffsetListing<T> {
  readonly operation: string;
  readonly start: number;
  readonly limit: number;
  /** Pages requested at a time once the total is known (default 1: one page ahead). */
  readonly pagesInFlight?: number | undefined;
  /**
   * An item's identity. A page that begins with the item an earlier page began with repeats it (a server that
   * ignores the offset): an error, since reading on would go round the same items and never reach the rest.
   */
  readonly idOf?: ((item: T) => string) | undefined;
}

/**
 * Streams an offset-paged listing (`limit` items per page from `start`). Like `paginate` it reads ahead, but
 * once a page has said how many items there are in all, the following offsets are known, so up to
 * `pagesInFlight` of them are requested at a time instead of one: the pages of a long listing no longer wait
 * for each other. Pages are handed on in order, so at most `pagesInFlight` + 1 are held.
 *
 * The listing ends at the total (the latest one given); a page shorter than asked is not the end while the
 * total says more items exist: the server pages by fewer than `limit` (or cut that page short), so the pages
 * requested after it (which assumed full pages) are dropped and the listing goes on from where that page
 * ended, at the server's page size. An empty page before the total is an error. Without any total a short
 * or empty page is the last (the API has no other end to go by), read one page ahead.
 *
 * Stopping early (`break`, `return()`) asks for nothing more, aborts the requests in flight (the signal handed
 * to `fetchPage`) and settles once they have, their outcomes discarded. A `return()` made while a `next()` is
 * still pending waits for that page (the generator is not at a `yield`); to cut that short, abort it through
 * a signal of the caller's (such as `kms.listKmsByTags`'s `signal` option).
 */
export function paginateByOffset<T>(
  fetchPage: (offset: number, signal: AbortSignal) => Promise<OffsetPage<T>>,
  listing: OffsetListing<T>,
): AsyncGenerator<T, void, undefined> {
  // Checked now, not at the first read: a bad option fails where it is given, before anything is sent.
  const pagesInFlight = listing.pagesInFlight ?? 1;
  if (!Number.isInteger(pagesInFlight) || pagesInFlight < 1) throw new RangeError(`pagesInFlight must be a whole number ≥ 1, got ${pagesInFlight}`);
  return offsetPages(fetchPage, listing, pagesInFlight);
}

interface Requested<T> {
  readonly offset: number;
  readonly page: Promise<OffsetPage<T>>;
}

async function* offsetPages<T>(
  fetchPage: (offset: number, signal: AbortSignal) => Promise<OffsetPage<T>>,
  listing: OffsetListing<T>,
  pagesInFlight: number,
): AsyncGenerator<T, void, undefined> {
  const { operation, limit, idOf } = listing;
  let abandon = new AbortController();
  const ahead: Requested<T>[] = [];
  /** Requests dropped on the way (aborted), settled before the listing ends. */
  const dropped: Promise<unknown>[] = [];
  let next = listing.start;
  let step = limit;
  let total: number | undefined;
  const firstIds = new Map<string, number>();
  const request = () => {
    const page = fetchPage(next, abandon.signal);
    // Handled here so a failure is not "unhandled" while the consumer is on an earlier page; the same
    // promise is awaited (and throws) when the consumer gets there.
    page.catch(ignore);
    ahead.push({ offset: next, page });
    next += step;
  };
  const restartAt = (offset: number, pageSize: number) => {
    abandon.abort();
    dropped.push(...ahead.map((requested) => requested.page));
    ahead.length = 0;
    abandon = new AbortController();
    next = offset;
    step = pageSize;
  };
  request();
  try {
    for (let requested = ahead.shift(); requested !== undefined; requested = ahead.shift()) {
      const { items, total: given } = await requested.page;
      if (given !== undefined) total = given;
      const first = items[0];
      if (idOf !== undefined && first !== undefined) {
        const id = idOf(first);
        const earlier = firstIds.get(id);
        if (earlier !== undefined) throw incomplete(operation, `the page at offset ${requested.offset} begins where the page at offset ${earlier} began: the listing repeats itself`);
        firstIds.set(id, requested.offset);
      }
      const reached = requested.offset + items.length;
      if (total === undefined) {
        if (items.length < limit) {
          yield* items;
          return;
        }
      } else {
        if (reached >= total) {
          yield* items;
          return;
        }
        if (items.length === 0) throw incomplete(operation, `an empty page at offset ${requested.offset} of ${total} items`);
      }
      if ((ahead[0]?.offset ?? next) !== reached) restartAt(reached, items.length);
      while (ahead.length < (total !== undefined ? pagesInFlight : 1) && next < (total ?? Number.POSITIVE_INFINITY)) request();
      yield* items;
    }
  } finally {
    if (ahead.length > 0) abandon.abort();
    await Promise.all([...dropped, ...ahead.map((requested) => requested.page)].map((page) => page.then(ignore, ignore)));
  }
}
