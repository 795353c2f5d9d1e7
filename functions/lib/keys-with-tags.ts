import { HwcError } from '../../shared/hwc/errors.ts';
import type { HuaweiCloud } from '../../shared/hwc/index.ts';
import type { KeyDetails, KmsResource, Tag } from '../../shared/hwc/kms.ts';
import type { Logger } from '../../shared/runtime/logger.ts';
import { failureReason } from './failure.ts';

/**
 * How the sweeps learn keys' details and tags with the fewest calls.
 *
 * ListKmsByTags without a tag filter lists every key, 1,000 a page, each with its details and its tags (the
 * API document: "no tags: the array is empty"). One page then replaces up to 1,000 ShowKmsTags. Its pages
 * are offsets: the second is asked for as soon as the first page's keys are, and once a page has said how many
 * keys there are, two more at a time.
 * A key created or finally deleted while the listing is read shifts the offsets: a key may then be seen twice
 * or not at all in this run (the next one sees it; a new key also comes through its createKey trace).
 *
 * What the document does not say is checked rather than assumed: tag-new-keys lists every key this way only
 * when ListKmsByTags counts at least as many keys as ListKeys does (so untagged keys are in it), and
 * otherwise falls back to ListKeys + one ShowKmsTags per key; guard-key-deletion reads the tags of any
 * pending key the listing did not show with ShowKmsTags. Details that are missing or name another key are
 * never guessed: the key is read on its own.
 */

/** Keys per page: the API's maximum. */
export const PAGE_SIZE = 1000;
/**
 * Listing pages requested at a time: each holds 1,000 keys with details, so more cost memory for little time.
 * Held at most: the page being read and these (one more while the first page is read).
 */
export const PAGES_IN_FLIGHT = 2;

export interface ListedKey {
  readonly keyId: string;
  /** Undefined when the listing gave no usable details: read the key. */
  readonly key: KeyDetails | undefined;
  /** Undefined when the listing did not say: ShowKmsTags. */
  readonly tags: readonly Tag[] | undefined;
}

/**
 * Every key, for tag-new-keys: with details and tags from one unfiltered ListKmsByTags listing when it can be
 * trusted to hold every key; otherwise every key from ListKeys except those already carrying all of
 * `carrying` (found with a filtered ListKmsByTags), tags unknown. `onShort` hears, at the end, when the
 * listing showed fewer keys than ListKeys counted (keys deleted meanwhile, or a listing that lost some).
 */
export async function* everyKey(
  cloud: HuaweiCloud,
  carrying: readonly Tag[],
  log: Logger,
  onShort: (shown: number, counted: number) => void,
): AsyncGenerator<ListedKey, void, undefined> {
  // Asked together, so that keys created or deleted meanwhile rarely make the counts disagree (a needless
  // fallback); settled both, so that neither outlives a failure of the other.
  const [counted, firstPage] = await Promise.allSettled([
    cloud.kms.listKeysPage({ key_spec: 'ALL', limit: 1 }).then((page) => page.total),
    firstUnfilteredPage(cloud, true),
  ]);
  if (counted.status === 'rejected') throw counted.reason;
  if (firstPage.status === 'rejected') throw firstPage.reason;
  const keysInAll = counted.value;
  const first = firstPage.value;
  const distrust = whyNotWhole(first, keysInAll);
  if (distrust === undefined && first !== undefined && keysInAll !== undefined) {
    let shown = first.resources.length;
    const countShown = (resource: KmsResource) => {
      shown++;
      return listed(resource);
    };
    const onFirstPage = first.resources.map(listed);
    if (hasMore(first)) yield* firstPageThenRest(cloud, { details: true, onFirstPage, each: countShown });
    else yield* onFirstPage;
    if (shown < keysInAll) onShort(shown, keysInAll);
    return;
  }
  log.warn('sweep: listing keys one by one (ListKeys, then ShowKmsTags per key)', { why: distrust });
  const tagged = await idsCarrying(cloud, carrying);
  for await (const key of cloud.kms.listKeys({ key_spec: 'ALL', limit: PAGE_SIZE })) {
    if (!tagged.has(key.key_id)) yield { keyId: key.key_id, key, tags: undefined };
  }
}

/**
 * The given keys (guard-key-deletion's pending keys), with their tags taken from the unfiltered listing when
 * reading it costs fewer calls than one ShowKmsTags per key; keys it did not show come last, tags unknown.
 * Keys are handed on as their pages arrive, so work on them overlaps the rest of the listing. Once
 * `outOfTime()`, the listing stops (pages in flight are abandoned) and the keys left come with tags unknown.
 */
export async function* withTags<K extends { readonly key_id: string }>(
  cloud: HuaweiCloud,
  keys: readonly K[],
  log: Logger,
  outOfTime: () => boolean,
): AsyncGenerator<{ readonly key: K; readonly tags: readonly Tag[] | undefined }, void, undefined> {
  const unseen = new Map(keys.map((key) => [key.key_id, key]));
  /** The key the resource is, when it is one asked about and not seen yet (it is then seen). */
  const take = (resource: KmsResource) => {
    const key = unseen.get(resource.resource_id);
    if (key === undefined) return undefined;
    unseen.delete(resource.resource_id);
    return { key, tags: resource.tags };
  };
  // One key costs one ShowKmsTags either way; the listing's first page can only help from two on.
  try {
    const first = keys.length > 1 && !outOfTime() ? await firstUnfilteredPage(cloud, false) : undefined;
    if (first !== undefined) {
      const onFirstPage = first.resources.map(take).filter((found) => found !== undefined);
      const pages = first.total_count === undefined ? Number.POSITIVE_INFINITY : Math.ceil(first.total_count / PAGE_SIZE);
      // The rest of the listing only when it costs fewer calls than a ShowKmsTags per key not yet seen.
      if (hasMore(first) && pages - 1 < unseen.size && !outOfTime()) {
        yield* firstPageThenRest(cloud, { details: false, onFirstPage, each: take, stop: () => unseen.size === 0 || outOfTime() });
      } else {
        yield* onFirstPage;
      }
    }
  } catch (error) {
    // The listing only saves calls: when it fails, the keys it did not reach have their tags read one by one.
    log.warn('sweep: the key listing failed; reading the tags of the keys left one by one', { error: failureReason(error), left: unseen.size });
  }
  for (const key of unseen.values()) yield { key, tags: undefined };
}

function ignore(): void {}

/** A full first page, and (when the listing says) more keys than it holds. */
function hasMore(first: { readonly resources: readonly unknown[]; readonly total_count?: number | undefined }): boolean {
  return first.resources.length === PAGE_SIZE && (first.total_count === undefined || first.total_count > PAGE_SIZE);
}

/**
 * The first page's items, then `each` of every key listed from the second page on (undefined: none), until
 * `stop()`. The second page is asked for along with the first item, not after the last: the work on the
 * first page's keys overlaps its round trip instead of waiting for it. Stopping early aborts the pages in
 * flight (they may have been sent: up to three reads more than needed, only when a sweep stops early).
 */
async function* firstPageThenRest<T>(
  cloud: HuaweiCloud,
  listing: {
    readonly details: boolean;
    readonly onFirstPage: readonly T[];
    readonly each: (resource: KmsResource) => T | undefined;
    /** Checked after each key listed; the listing reads on to its end when absent. */
    readonly stop?: () => boolean;
  },
): AsyncGenerator<T, void, undefined> {
  const { details, onFirstPage, each, stop } = listing;
  // Our own signal: a return() waits for a pending next(), so without it a sweep stopping during the first
  // page would wait for the second (retries included) before it could report.
  const abandon = new AbortController();
  const rest = cloud.kms.listKmsByTags({ limit: PAGE_SIZE, offset: PAGE_SIZE }, { pagesInFlight: PAGES_IN_FLIGHT, details, signal: abandon.signal });
  const second = rest.next();
  second.catch(ignore);
  try {
    yield* onFirstPage;
    for (let next = await second; !next.done; next = await rest.next()) {
      const item = each(next.value);
      if (item !== undefined) yield item;
      if (stop?.()) break;
    }
  } finally {
    abandon.abort();
    await rest.return();
  }
}

/** The first page of the unfiltered listing; undefined when the cloud refuses a listing without tags (400). */
async function firstUnfilteredPage(cloud: HuaweiCloud, details: boolean) {
  try {
    return await cloud.kms.listKmsByTagsPage({ limit: PAGE_SIZE, offset: 0 }, { details });
  } catch (error) {
    if (error instanceof HwcError && error.status === 400) return undefined;
    throw error;
  }
}

function whyNotWhole(
  first: { readonly resources: readonly unknown[]; readonly total_count?: number | undefined } | undefined,
  keysInAll: number | undefined,
): string | undefined {
  if (first === undefined) return 'ListKmsByTags refused a listing without a tag filter (400)';
  if (keysInAll === undefined) return 'ListKeys gave no total to check the ListKmsByTags listing against';
  if (first.total_count === undefined) return 'ListKmsByTags gave no total_count';
  if (first.total_count < keysInAll) return `ListKmsByTags lists ${first.total_count} keys, ListKeys ${keysInAll}`;
  const pageHolds = Math.min(PAGE_SIZE, first.total_count);
  if (first.resources.length < pageHolds) return `ListKmsByTags answered ${first.resources.length} keys on a first page that should hold ${pageHolds}`;
  return undefined;
}

function listed(resource: KmsResource): ListedKey {
  const detail = resource.resource_detail;
  return { keyId: resource.resource_id, key: detail?.key_id === resource.resource_id ? detail : undefined, tags: resource.tags };
}

/** Ids of the keys carrying every one of `tags` with exactly that value. */
async function idsCarrying(cloud: HuaweiCloud, tags: readonly Tag[]): Promise<Set<string>> {
  const filter = tags.map((tag) => ({ key: tag.key, values: [tag.value] }));
  const ids = new Set<string>();
  for await (const resource of cloud.kms.listKmsByTags({ tags: filter, limit: PAGE_SIZE }, { pagesInFlight: PAGES_IN_FLIGHT, details: false })) {
    ids.add(resource.resource_id);
  }
  return ids;
}
