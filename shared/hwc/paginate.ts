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
