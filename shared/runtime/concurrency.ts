/**
 * Bounded concurrency over lists and streams. `forEachLimit` pulls the next item only when a worker is free,
 * so a paged listing (an async generator) is read no faster than it is worked through, one page in memory.
 */

export interface ForEachOptions {
  /** Checked before each item is taken: once true, no new item is taken and the running ones finish. */
  readonly shouldStop?: () => boolean;
}

export interface ForEachOutcome {
  /** Items taken (and handed to `fn`). */
  readonly taken: number;
  /** True when the items ran out; false when stopped early. */
  readonly exhausted: boolean;
}

/**
 * Runs `fn` on every item, at most `limit` at a time. The first error (from `fn` or from the iteration)
 * stops taking items; once the running calls settle it is thrown.
 */
export async function forEachLimit<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
  options: ForEachOptions = {},
): Promise<ForEachOutcome> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`);
  const iterator: Iterator<T> | AsyncIterator<T> =
    Symbol.asyncIterator in items ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  let taken = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;

  const worker = async (): Promise<void> => {
    while (!exhausted && !failure && !options.shouldStop?.()) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        failure ??= { error };
        return;
      }
      if (next.done) {
        exhausted = true;
        return;
      }
      const index = taken++;
      try {
        await fn(next.value, index);
      } catch (error) {
        failure ??= { error };
        return;
      }
    }
  };

  await Promise.all(Array.from({ length: limit }, worker));
  // Let a generator run its cleanup (and a paged listing stop fetching) when we leave early.
  if (!exhausted) await closeQuietly(iterator);
  if (failure) throw failure.error;
  return { taken, exhausted };
}

/** `fn` over every item, at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  await forEachLimit(items, limit, async (item, index) => {
    results[index] = await fn(item, index);
  });
  return results;
}

async function closeQuietly<T>(iterator: Iterator<T> | AsyncIterator<T>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // The iteration already failed or ended; nothing more to release.
  }
}
