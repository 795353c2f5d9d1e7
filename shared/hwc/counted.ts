import { incomplete, paginateByOffset } from './paginate.ts';
import type { OffsetPage } from './paginate.ts';

/**
 * Offset listings whose every answer carries the total (CBR ListBackups and ListVault `count`, ECS
 * ListServersDetails `count`; the documents mark it required): they prove they are complete, or fail.
 *
 * Complete means: every page named the same total, and the distinct items read from `start` reach exactly
 * that total. Everything else ends the listing with an `HwcError` (`WARDEN.INCOMPLETE_LISTING`) naming the
 * operation and what was wrong, after the items read so far were handed on: a page without a total, a total
 * that changed between pages (the listing changed while it was read: an offset may have shifted), a page
 * shorter than asked before the total was reached, an item seen twice (with the total unchanged, another
 * one was skipped), more items than the total. Pages are read as `paginateByOffset` reads them: once the
 * first page has given the total, up to `pagesInFlight` at a time; a server paging by fewer than asked is read on
 * from where its page ended (paginateByOffset's rules).
 */

export interface CountedListing<T> {
  /** Named in errors, e.g. `cbr.listBackups`. */
  readonly operation: string;
  /** Items before the first page (the `offset` asked for). */
  readonly start: number;
  /** Page size asked for. */
  readonly limit: number;
  readonly pagesInFlight?: number | undefined;
  /** An item's identity, to see one read twice. */
  readonly idOf: (item: T) => string;
}

export interface CountedPage<T> {
  readonly items: readonly T[];
  /** The answer's total; undefined when the answer gave none. */
  readonly total: number | undefined;
}

export function listToTotal<T>(
  listing: CountedListing<T>,
  fetchPage: (offset: number, signal: AbortSignal) => Promise<CountedPage<T>>,
): AsyncGenerator<T, void, undefined> {
  // paginateByOffset checks pagesInFlight now, before anything is sent.
  let total: number | undefined;
  const counted = async (offset: number, signal: AbortSignal): Promise<OffsetPage<T>> => {
    const page = await fetchPage(offset, signal);
    if (page.total === undefined) throw incomplete(listing.operation, `the page at offset ${offset} does not say how many items there are`);
    if (total !== undefined && page.total !== total) {
      throw incomplete(listing.operation, `the total changed from ${total} to ${page.total} while the pages were read (the listing changed under it)`);
    }
    total = page.total;
    return page;
  };
  const pages = paginateByOffset(counted, listing);
  return checked(listing, pages, () => total);
}

async function* checked<T>(listing: CountedListing<T>, pages: AsyncGenerator<T, void, undefined>, total: () => number | undefined): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  for await (const item of pages) {
    const id = listing.idOf(item);
    if (seen.has(id)) throw incomplete(listing.operation, `${JSON.stringify(id)} was listed twice: another item was skipped`);
    seen.add(id);
    yield item;
  }
  const expected = Math.max(0, (total() ?? 0) - listing.start);
  if (seen.size !== expected) {
    throw incomplete(listing.operation, `the listing ended after ${seen.size} of the ${expected} items its total promised`);
  }
}
