import { z } from 'zod';

/**
 * Streams the items of a paged listing, one page in memory at a time, fetching each page only when
 * the consumer asks for more. Each service says where the next page starts (a marker, or an offset
 * as a string); the listing ends when there is no next page, a page comes back empty, or the server
 * hands back a cursor already used (a server loop: that page was already read).
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
  let cursor = start === '' ? undefined : start;
  if (cursor !== undefined) used.add(cursor);
  for (;;) {
    const page = await fetchPage(cursor);
    if (page.items.length === 0) return;
    yield* page.items;
    const next = page.next;
    if (next === undefined || next === '' || used.has(next)) return;
    used.add(next);
    cursor = next;
  }
}

/** Page size the streaming listings ask for when the caller names none. */
export const DEFAULT_PAGE_SIZE = 100;

/** A page size as callers may give it (`20` or `"20"`), sent as the string the API expects. */
export const pageSize = z
  .union([z.number().int(), z.string().trim().regex(/^\d+$/, 'expected a whole number').transform(Number)])
  .pipe(z.number().int().min(1).max(1000))
  .transform(String);
