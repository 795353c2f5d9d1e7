import { MAX_TAGS } from '../../shared/hwc/kms.ts';
import type { Tag } from '../../shared/hwc/kms.ts';

/**
 * KMS tag rules (BatchCreateKmsTags): a key holds at most 10 tags; a tag key is 1–36 Unicode characters, a
 * value 0–43; neither may contain ASCII 0–31, `*`, `<`, `>`, `\` or `=`. Values we write are made valid rather
 * than rejected, and a key's existing tag is never overwritten.
 */

export const TAG_LIMIT = MAX_TAGS;
export const TAG_KEY_MAX_CHARS = 36;
export const TAG_VALUE_MAX_CHARS = 43;
/** Why a tag was left out because the key had no room; reports use it verbatim. */
export const TAG_LIMIT_REASON = `${TAG_LIMIT}-tag limit`;

const FORBIDDEN = /[\u0000-\u001f*<>\\=]/gu;

/** The first `max` Unicode characters (code points, not UTF-16 units). */
export function truncateChars(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max).join('');
}

export function sanitizeTagKey(raw: string): string {
  return truncateChars(raw.replace(FORBIDDEN, '').trim(), TAG_KEY_MAX_CHARS);
}

export function sanitizeTagValue(raw: string): string {
  return truncateChars(raw.replace(FORBIDDEN, '').trim(), TAG_VALUE_MAX_CHARS);
}

export interface SanitizedTags {
  /** Valid tags in the order given; the first of several tags with the same (sanitized) key wins. */
  readonly tags: readonly Tag[];
  /** Raw keys that sanitize to nothing. */
  readonly dropped: readonly string[];
}

export function sanitizeTags(raw: readonly Tag[]): SanitizedTags {
  const tags: Tag[] = [];
  const dropped: string[] = [];
  const seen = new Set<string>();
  for (const tag of raw) {
    const key = sanitizeTagKey(tag.key);
    if (key === '') {
      dropped.push(tag.key);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    tags.push({ key, value: sanitizeTagValue(tag.value) });
  }
  return { tags, dropped };
}

export interface TagFit {
  /** Tags the key lacks and has room for, in priority order. */
  readonly add: readonly Tag[];
  /** Wanted tags whose key the key already has: its own value stays. */
  readonly kept: readonly Tag[];
  /** Tags the key lacks but has no room for. */
  readonly overLimit: readonly Tag[];
}

/** Which of `wanted` (highest priority first) to add to a key that has `existing`, under the tag limit. */
export function fitTags(existing: readonly Tag[], wanted: readonly Tag[], limit: number = TAG_LIMIT): TagFit {
  const have = new Set(existing.map((tag) => tag.key));
  let room = limit - have.size;
  const add: Tag[] = [];
  const kept: Tag[] = [];
  const overLimit: Tag[] = [];
  for (const tag of wanted) {
    if (have.has(tag.key)) kept.push(tag);
    else if (room > 0) {
      add.push(tag);
      have.add(tag.key);
      room--;
    } else overLimit.push(tag);
  }
  return { add, kept, overLimit };
}

/** `key=value, key=value` for reports. */
export function formatTags(tags: readonly Tag[]): string {
  return tags.map((tag) => `${tag.key}=${tag.value}`).join(', ');
}
