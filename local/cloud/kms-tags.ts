import type { ApiContext, ApiResult, Route } from './api.ts';
import { charLength, isRecord, parseCount } from './api.ts';
import { body, changed, fail, findKey, keyDetails, KMS_BASE, kmsTrace, looseKeyDetails, missing } from './kms.ts';
import type { KmsKey } from './state.ts';
import { pageSizeOf } from './variants.ts';

/** KMS key tags: ShowKmsTags, BatchCreateKmsTags, CreateKmsTag, DeleteTag and ListKmsByTags. */

/** "ASCII(0-31)", "*", "<", ">", "\", "=" */
const TAG_FORBIDDEN = /[\u0000-\u001f*<>\\=]/;
export const MAX_TAGS_PER_KEY = 10;
const MAX_TAGS_PER_REQUEST = 20;

const tagList = (key: KmsKey) => [...key.tags].map(([tagKey, value]) => ({ key: tagKey, value }));

function showKmsTags(ctx: ApiContext): ApiResult {
  const key = findKey(ctx.project, ctx.params['key_id']);
  return { status: 200, body: { tags: tagList(key), existTagsNum: key.tags.size } };
}

/** A tag as BatchCreateKmsTags accepts it: key 1–36 characters, value 0–43, neither with control characters or `*<>\=`. */
function parseTag(item: unknown): { key: string; value: string } {
  if (!isRecord(item)) throw fail(400, 'KMS.0412', 'Invalid tag list.');
  const key = item['key'];
  if (typeof key !== 'string') throw fail(400, 'KMS.0406', 'Invalid tag key.');
  const keyLength = charLength(key);
  if (keyLength < 1 || keyLength > 36) throw fail(400, 'KMS.0411', 'Invalid tag key length.');
  if (TAG_FORBIDDEN.test(key)) throw fail(400, 'KMS.0406', 'Invalid tag key.');
  const value = item['value'] ?? '';
  if (typeof value !== 'string') throw fail(400, 'KMS.0405', 'Invalid tag value.');
  if (charLength(value) > 43) throw fail(400, 'KMS.0410', 'Invalid tag value length.');
  if (TAG_FORBIDDEN.test(value)) throw fail(400, 'KMS.0405', 'Invalid tag value.');
  return { key, value };
}

/** Creates (overwriting a key's value) or deletes tags, all or nothing. */
function applyTags(key: KmsKey, action: 'create' | 'delete', tags: ReadonlyArray<{ key: string; value: string }>): void {
  if (action === 'delete') {
    for (const tag of tags) key.tags.delete(tag.key);
    return;
  }
  let count = key.tags.size;
  for (const tag of tags) if (!key.tags.has(tag.key)) count++;
  if (count > MAX_TAGS_PER_KEY) throw fail(400, 'KMS.0409', 'Too many tags.');
  for (const tag of tags) key.tags.set(tag.key, tag.value);
}

function batchCreateKmsTags(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const key = findKey(ctx.project, ctx.params['key_id']);
  const action = input['action'];
  if (action !== 'create' && action !== 'delete') throw fail(400, 'KMS.0404', 'Invalid action.');
  const tags = input['tags'];
  if (tags === undefined || (Array.isArray(tags) && tags.length === 0)) throw fail(400, 'KMS.0401', 'Tag list cannot be empty.');
  if (!Array.isArray(tags)) throw fail(400, 'KMS.0412', 'Invalid tag list.');
  if (tags.length > MAX_TAGS_PER_REQUEST) throw fail(400, 'KMS.0407', 'Invalid tag list size.');
  const parsed = tags.map(parseTag);
  if (new Set(parsed.map((tag) => tag.key)).size !== parsed.length) throw fail(400, 'KMS.0412', 'Invalid tag list.');
  applyTags(key, action, parsed);
  return { status: 204, resource: changed(key) };
}

function createKmsTag(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const key = findKey(ctx.project, ctx.params['key_id']);
  if (input['tag'] === undefined) throw missing('tag');
  applyTags(key, 'create', [parseTag(input['tag'])]);
  return { status: 204, resource: changed(key) };
}

function deleteTag(ctx: ApiContext): ApiResult {
  const key = findKey(ctx.project, ctx.params['key_id']);
  const tagKey = ctx.params['key'] ?? '';
  if (!key.tags.has(tagKey)) throw fail(404, 'KMS.0416', 'Invalid tag ID.');
  key.tags.delete(tagKey);
  return { status: 204, resource: changed(key) };
}

interface TagFilter {
  readonly key: string;
  /** Any of these; any value at all when empty. */
  readonly values: readonly string[];
}

function parseTagFilters(value: unknown): TagFilter[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 10) throw fail(400, 'KMS.0414', 'Invalid tags.');
  return value.map((item) => {
    if (!isRecord(item)) throw fail(400, 'KMS.0414', 'Invalid tags.');
    const { key } = parseTag({ key: item['key'] });
    const values = item['values'] ?? [];
    if (!Array.isArray(values)) throw fail(400, 'KMS.0414', 'Invalid tags.');
    return { key, values: values.map((v) => parseTag({ key, value: v }).value) };
  });
}

function parseMatches(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 10) throw fail(400, 'KMS.0415', 'Invalid matches.');
  return value.map((item) => {
    if (!isRecord(item) || item['key'] !== 'resource_name') throw fail(400, 'KMS.0403', 'Invalid match key.');
    const match = item['value'];
    if (typeof match !== 'string' || match === '' || charLength(match) > 255) throw fail(400, 'KMS.0402', 'Invalid match value.');
    return match;
  });
}

const everything = (): boolean => true;

function listKmsByTags(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const action = input['action'];
  if (action !== 'filter' && action !== 'count') throw fail(400, 'KMS.0404', 'Invalid action.');
  const filters = parseTagFilters(input['tags']);
  const names = parseMatches(input['matches']);
  const limit = parseCount(input['limit'], 1, 1000);
  if (limit === null) throw fail(400, 'KMS.1601', 'Invalid limit.');
  const offset = parseCount(input['offset'], 0, 1_000_000_000);
  if (offset === null) throw fail(400, 'KMS.0417', 'Invalid offset.');

  const variants = ctx.state.variants;
  const unfiltered = filters.length === 0;
  if (unfiltered && variants.unfilteredListKmsByTags === 'refused') throw fail(400, 'KMS.0414', 'Invalid tags.');
  const listed = unfiltered && variants.unfilteredListKmsByTags === 'tagged-only' ? (key: KmsKey) => key.tags.size > 0 : everything;
  const detailOf = (key: KmsKey) => {
    const detail = variants.listKmsByTagsDetailValues === 'numeric' ? looseKeyDetails(key, ctx.state.region) : keyDetails(key, ctx.state.region);
    const shape = variants.listKmsByTagsDetail ?? 'object';
    return shape === 'object' ? { resource_detail: detail } : shape === 'array' ? { resource_detail: [detail] } : {};
  };

  const matches = (key: KmsKey) =>
    listed(key) &&
    filters.every((filter) => {
      const value = key.tags.get(filter.key);
      return value !== undefined && (filter.values.length === 0 || filter.values.includes(value));
    }) && names.every((name) => key.key_alias.includes(name));

  const start = offset ?? 0;
  const size = pageSizeOf(variants, limit ?? 10);
  const resource = (key: KmsKey) => ({ resource_id: key.key_id, resource_name: key.key_alias, ...detailOf(key), tags: tagList(key) });
  const every = ctx.project.keyOrder;
  if (unfiltered && names.length === 0 && listed === everything) {
    // Every key: the page is a slice (a 50,000-key account is not scanned for each page).
    const body = action === 'count' ? { total_count: every.length } : { resources: every.slice(start, start + size).map(resource), total_count: every.length };
    return { status: 200, body };
  }
  const resources: unknown[] = [];
  let total = 0;
  for (const key of every) {
    if (!matches(key)) continue;
    if (action === 'filter' && total >= start && resources.length < size) resources.push(resource(key));
    total++;
  }
  return { status: 200, body: action === 'count' ? { total_count: total } : { resources, total_count: total } };
}


const base = KMS_BASE;
const trace = kmsTrace;

export const kmsTagRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: `${base}/resource_instances/action`,
    operation: 'kms.listKmsByTags',
    listing: true,
    operationId: 'ListKmsByTags',
    style: 'kms',
    handler: listKmsByTags,
  },
  { method: 'GET', path: `${base}/{key_id}/tags`, operation: 'kms.showKmsTags', operationId: 'ShowKmsTags', style: 'kms', handler: showKmsTags },
  {
    method: 'POST',
    path: `${base}/{key_id}/tags`,
    operation: 'kms.createKmsTag',
    operationId: 'CreateKmsTag',
    style: 'kms',
    handler: createKmsTag,
    sequenced: true,
    trace: trace('dealUnifiedTags'),
  },
  {
    method: 'POST',
    path: `${base}/{key_id}/tags/action`,
    operation: 'kms.batchCreateKmsTags',
    operationId: 'BatchCreateKmsTags',
    style: 'kms',
    handler: batchCreateKmsTags,
    sequenced: true,
    trace: trace('dealUnifiedTags'),
  },
  {
    method: 'DELETE',
    path: `${base}/{key_id}/tags/{key}`,
    operation: 'kms.deleteTag',
    operationId: 'DeleteTag',
    style: 'kms',
    handler: deleteTag,
    trace: trace('dealUnifiedTags'),
  },
];
