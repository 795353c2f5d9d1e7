import { describe, expect, it } from 'vitest';
import { DEFAULT_IDS } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { HwcError, KeyState, LocalErrorCode, isDefaultKey } from '../../../shared/hwc/index.ts';
import type { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { clientFor, collect, rejection, seedFailingFirst, expectRefusedBeforeSending, shareCloud } from './support.ts';

const ids = DEFAULT_IDS.keys;
let cloud: LocalCloud;
let hwc: HuaweiCloud;

shareCloud((started, client) => {
  cloud = started;
  hwc = client;
});

const traces = (name: string) => cloud.state.traces.filter((t) => t.cts.trace_name === name);

describe('KmsApi round trips', () => {
  it('creates a key and describes it, every documented field a string', async () => {
    const created = await hwc.kms.createKey({ key_alias: 'test/created', key_description: 'made by a test' });
    expect(created.key_info.key_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.key_info.domain_id).toBe(cloud.identity.domainId);

    const { key_info } = await hwc.kms.listKeyDetail({ key_id: created.key_info.key_id });
    expect(key_info).toMatchObject({
      key_id: created.key_info.key_id,
      key_alias: 'test/created',
      key_description: 'made by a test',
      key_state: KeyState.enabled,
      default_key_flag: '0',
    });
    expect(isDefaultKey(key_info)).toBe(false);
    expect(cloud.state.keys.get(created.key_info.key_id)?.key_alias).toBe('test/created');
  });

  it('reads one page of keys, with the paging fields typed', async () => {
    const page = await hwc.kms.listKeysPage({ limit: 2 });
    expect(page.key_details.map((k) => k.key_id)).toEqual([ids.appData, ids.orders]);
    expect(page).toMatchObject({ truncated: true, next_marker: '2', total: 5 });
    const last = await hwc.kms.listKeysPage({ limit: 2, marker: page.next_marker });
    expect(last.key_details.map((k) => k.key_id)).toEqual([ids.legacy, ids.retiring]);
    const end = await hwc.kms.listKeysPage({ limit: 2, marker: 4 });
    expect(end).toMatchObject({ truncated: false, next_marker: '' });
  });

  it('lists every key across pages, reading at most one page ahead of the consumer', async () => {
    for (let i = 0; i < 6; i++) await hwc.kms.createKey({ key_alias: `test/page-${i}` });
    let before = cloud.stats.requests;
    const keys = await collect(hwc.kms.listKeys({ limit: 4 }));
    expect(keys).toHaveLength(11);
    expect(new Set(keys.map((k) => k.key_id)).size).toBe(11);
    expect(keys.map((k) => k.key_alias)).toContain('test/page-5');
    expect(cloud.stats.requests - before).toBe(3);

    before = cloud.stats.requests;
    for await (const key of hwc.kms.listKeys({ limit: 4 })) {
      expect(key.key_id).toBe(ids.appData);
      break;
    }
    // Page 1, and page 2 asked for as soon as page 1 arrived; nothing after the break.
    expect(cloud.stats.requests - before).toBe(2);
  });

  it('filters keys by state', async () => {
    const pending = await collect(hwc.kms.listKeys({ key_state: 4 }));
    expect(pending.map((k) => k.key_id)).toEqual([ids.retiring]);
  });

  it('tags a key, shows its tags, finds it by tag across pages, counts, and removes tags', async () => {
    const keyIds = [ids.appData, ids.orders, ids.legacy];
    for (const key_id of keyIds) {
      await hwc.kms.batchCreateKmsTags({ key_id, action: 'create', tags: [{ key: 'team', value: 'payments' }, { key: 'created-by', value: 'alice' }] });
    }
    const shown = await hwc.kms.showKmsTags({ key_id: ids.orders });
    expect(shown.tags).toEqual([{ key: 'team', value: 'payments' }, { key: 'created-by', value: 'alice' }]);
    expect(shown.existTagsNum).toBe(2);

    const before = cloud.stats.requests;
    const found = await collect(hwc.kms.listKmsByTags({ tags: [{ key: 'team', values: ['payments'] }], limit: 2 }));
    expect(found.map((r) => r.resource_id)).toEqual(keyIds);
    expect(cloud.stats.requests - before).toBe(2);
    // resource_detail as the official model types it (strings); the numeric variant reads the same (below).
    expect(found[0]?.resource_detail).toMatchObject({ key_id: ids.appData, key_state: '2', key_rotation_enabled: 'false' });
    expect(found[0]?.tags).toContainEqual({ key: 'team', value: 'payments' });

    // Without a tag filter: every key, with its tags ([] when it has none); several pages at a time.
    const everyKey = [...cloud.state.keys.values()].filter((k) => k.project_id === cloud.identity.projectId);
    const listedBefore = cloud.stats.byOperation['kms.listKmsByTags'] ?? 0;
    const all = await collect(hwc.kms.listKmsByTags({ limit: 1 }, { pagesInFlight: 3 }));
    expect(all.map((r) => r.resource_id)).toEqual(everyKey.map((k) => k.key_id));
    expect(all.map((r) => r.tags.length)).toEqual(everyKey.map((k) => k.tags.size));
    expect(cloud.stats.byOperation['kms.listKmsByTags'] ?? 0).toBe(listedBefore + everyKey.length);
    expect(() => hwc.kms.listKmsByTags({}, { pagesInFlight: 0 })).toThrow('pagesInFlight must be a whole number ≥ 1, got 0');
    const bare = await collect(hwc.kms.listKmsByTags({ limit: 1000 }, { details: false }));
    expect(bare.map((r) => [r.resource_id, r.resource_detail, r.tags])).toEqual(all.map((r) => [r.resource_id, undefined, r.tags]));

    const page = await hwc.kms.listKmsByTagsPage({ tags: [{ key: 'team', values: ['payments'] }], limit: 2, offset: 2 });
    expect(page.resources.map((r) => r.resource_id)).toEqual([ids.legacy]);
    expect(page.total_count).toBe(3);
    expect(await hwc.kms.countKmsByTags({ tags: [{ key: 'team', values: ['payments'] }] })).toBe(3);
    expect(await hwc.kms.countKmsByTags({ matches: [{ key: 'resource_name', value: 'orders' }] })).toBe(1);

    await hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'delete', tags: [{ key: 'team' }] });
    expect((await hwc.kms.showKmsTags({ key_id: ids.orders })).tags).toEqual([{ key: 'created-by', value: 'alice' }]);
    expect(traces('dealUnifiedTags')).toHaveLength(4);
  });

  it('reads resource_detail alike whether its values come as strings (the model) or numbers and booleans (the example)', async () => {
    const listed = () => collect(hwc.kms.listKmsByTags({ limit: 1000 }));
    const asStrings = await listed();
    cloud.setVariants({ listKmsByTagsDetailValues: 'numeric' });
    try {
      const asNumbers = await listed();
      expect(asNumbers).toEqual(asStrings);
      expect(asNumbers.find((r) => r.resource_id === ids.appData)?.resource_detail).toMatchObject({ key_state: '2', key_rotation_enabled: 'false' });
    } finally {
      cloud.setVariants({});
    }
  });

  it('updates a description', async () => {
    const updated = await hwc.kms.updateKeyDescription({ key_id: ids.orders, key_description: 'Created by alice' });
    expect(updated.key_info).toEqual({ key_id: ids.orders, key_description: 'Created by alice' });
    expect((await hwc.kms.listKeyDetail({ key_id: ids.orders })).key_info.key_description).toBe('Created by alice');
  });

  it('disables and enables a key', async () => {
    expect((await hwc.kms.disableKey({ key_id: ids.orders })).key_info).toEqual({ key_id: ids.orders, key_state: '3' });
    expect((await hwc.kms.enableKey({ key_id: ids.orders })).key_info).toEqual({ key_id: ids.orders, key_state: '2' });
  });

  it('schedules a deletion and cancels it, leaving the key disabled', async () => {
    expect(await hwc.kms.deleteKey({ key_id: ids.orders, pending_days: '7' })).toEqual({ key_id: ids.orders, key_state: '4' });
    const scheduled = (await hwc.kms.listKeyDetail({ key_id: ids.orders })).key_info;
    expect(Number(scheduled.scheduled_deletion_date)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(await hwc.kms.cancelKeyDeletion({ key_id: ids.orders })).toEqual({ key_id: ids.orders, key_state: '3' });
    expect((await hwc.kms.listKeyDetail({ key_id: ids.orders })).key_info.key_state).toBe(KeyState.disabled);
  });
});

describe('KmsApi errors', () => {
  it('400 KMS.1501: cancelling the deletion of a key that is not pending deletion', async () => {
    const error = await rejection(hwc.kms.cancelKeyDeletion({ key_id: ids.appData }));
    expect(error).toMatchObject({ operation: 'kms.cancelKeyDeletion', status: 400, errorCode: 'KMS.1501', attempts: 1 });
    expect(error.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(error.is('KMS.1501')).toBe(true);
    expect(error.message).toContain('kms.cancelKeyDeletion failed with HTTP 400 KMS.1501');
  });

  it('400 on describing a default key or a key pending deletion', async () => {
    const onDefault = await rejection(hwc.kms.updateKeyDescription({ key_id: ids.csmsDefault, key_description: 'x' }));
    expect(onDefault).toMatchObject({ operation: 'kms.updateKeyDescription', status: 400, errorCode: 'KMS.0211' });
    const onPending = await rejection(hwc.kms.updateKeyDescription({ key_id: ids.retiring, key_description: 'x' }));
    expect(onPending).toMatchObject({ status: 400, errorCode: 'KMS.0210' });
  });

  it('400 on too many tags on one key', async () => {
    const tags = Array.from({ length: 9 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    await hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'create', tags });
    const error = await rejection(hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'create', tags: [{ key: 'a' }, { key: 'b' }] }));
    expect(error).toMatchObject({ operation: 'kms.batchCreateKmsTags', status: 400, errorCode: 'KMS.0409' });
  });

  it('404 KMS.0207 for an unknown key', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await rejection(hwc.kms.listKeyDetail({ key_id: unknown }))).toMatchObject({
      operation: 'kms.listKeyDetail',
      status: 404,
      errorCode: 'KMS.0207',
    });
    expect(await rejection(hwc.kms.showKmsTags({ key_id: unknown }))).toMatchObject({ operation: 'kms.showKmsTags', status: 404 });
  });

  it('401 with a wrong secret key, and no retry', async () => {
    const wrong = clientFor(cloud, { credentials: { type: 'aksk', ak: cloud.identity.ak, sk: 'not-the-secret-key' } });
    const error = await rejection(collect(wrong.kms.listKeys()));
    expect(error).toMatchObject({ operation: 'kms.listKeys', status: 401, errorCode: 'APIGW.0301', attempts: 1 });
    expect(error.message).not.toContain('not-the-secret-key');
    await wrong.close();
  });

  it('403 for a project that is not the caller’s', async () => {
    const foreign = clientFor(cloud, { projectId: 'ffffffffffffffffffffffffffffffff' });
    const error = await rejection(foreign.kms.listKeyDetail({ key_id: ids.appData }));
    expect(error).toMatchObject({ operation: 'kms.listKeyDetail', status: 403, errorCode: 'KMS.0321' });
    await foreign.close();
  });

  it.each([
    ['500', 500, 'KMS.0101'],
    ['502', 502, 'APIGW.0202'],
    ['504', 504, 'APIGW.0203'],
  ] as const)('%s once retries run out', async (kind, status, errorCode) => {
    cloud.setFaults({ rate: { [kind]: 1 }, operations: ['kms.listKeyDetail'] });
    const before = hwc.stats.attempts;
    const error = await rejection(hwc.kms.listKeyDetail({ key_id: ids.appData }));
    expect(error).toMatchObject({ operation: 'kms.listKeyDetail', status, errorCode, attempts: 4 });
    expect(hwc.stats.attempts - before).toBe(4);
    expect(cloud.stats.byOperation['kms.listKeyDetail']).toBe(4);
  });
});

describe('KmsApi retries', () => {
  it('rides out throttling and server errors', async () => {
    cloud.setFaults({ seed: seedFailingFirst(3), rate: { '429': 0.2, '500': 0.1, '503': 0.1, reset: 0.1 }, retryAfterSeconds: 0, operations: ['kms.listKeys'] });
    const keys = await collect(hwc.kms.listKeys({ limit: 2 }));
    expect(keys).toHaveLength(5);
    expect(cloud.stats.byOperation['kms.listKeys']).toBeGreaterThan(3);
  });

  it('a retried cancelKeyDeletion reuses its sequence: a lost answer is replayed, not refused', async () => {
    // The first attempt is handled (the key leaves "pending deletion") and its answer lost; the retry would
    // meet KMS.1501 were it a new request.
    cloud.setFaults({ seed: seedFailingFirst(1), rate: { '500': 0.5 }, when: 'after', operations: ['kms.cancelKeyDeletion'] });
    const answer = await hwc.kms.cancelKeyDeletion({ key_id: ids.retiring });
    expect(answer).toEqual({ key_id: ids.retiring, key_state: '3' });
    expect(cloud.stats.byOperation['kms.cancelKeyDeletion']).toBe(2);
    expect(traces('cancelKeyDeletion')).toHaveLength(1);
  });

  it('a retried createKey creates one key, and a retried tag call tags once', async () => {
    cloud.setFaults({ seed: seedFailingFirst(2), rate: { '502': 0.5 }, when: 'after', operations: ['kms.createKey', 'kms.batchCreateKmsTags'] });
    const { key_info } = await hwc.kms.createKey({ key_alias: 'test/once' });
    expect([...cloud.state.keys.values()].filter((k) => k.key_alias === 'test/once')).toHaveLength(1);
    await hwc.kms.batchCreateKmsTags({ key_id: key_info.key_id, action: 'create', tags: [{ key: 'owner', value: 'bob' }] });
    expect((await hwc.kms.showKmsTags({ key_id: key_info.key_id })).tags).toEqual([{ key: 'owner', value: 'bob' }]);
    expect(traces('createKey')).toHaveLength(1);
    expect(traces('dealUnifiedTags')).toHaveLength(1);
  });

  it('sends a fresh sequence for each logical call', async () => {
    await hwc.kms.disableKey({ key_id: ids.orders });
    await hwc.kms.enableKey({ key_id: ids.orders });
    await hwc.kms.disableKey({ key_id: ids.orders });
    expect(cloud.state.keys.get(ids.orders)?.key_state).toBe('3');
    expect(traces('disableKey')).toHaveLength(2);
  });
});

describe('KmsApi request validation (nothing is sent)', () => {
  const longText = (n: number) => 'x'.repeat(n);
  const cases: Array<[string, () => Promise<unknown> | AsyncIterable<unknown>, string]> = [
    ['a malformed key id', () => hwc.kms.listKeyDetail({ key_id: 'not-a-key' }), 'key_id'],
    ['an upper-case key id', () => hwc.kms.enableKey({ key_id: ids.orders.toUpperCase() }), 'key_id'],
    ['a description over 255 characters', () => hwc.kms.updateKeyDescription({ key_id: ids.orders, key_description: longText(256) }), 'key_description'],
    ['pending_days under 7', () => hwc.kms.deleteKey({ key_id: ids.orders, pending_days: 6 }), 'pending_days'],
    ['pending_days over 1096', () => hwc.kms.deleteKey({ key_id: ids.orders, pending_days: '1097' }), 'pending_days'],
    ['a tag key over 36 characters', () => hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'create', tags: [{ key: longText(37), value: '' }] }), 'tags.0.key'],
    ['an empty tag key', () => hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'create', tags: [{ key: '', value: 'v' }] }), 'tags.0.key'],
    ['a tag value over 43 characters', () => hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'create', tags: [{ key: 'k', value: longText(44) }] }), 'tags.0.value'],
    ['a tag value with =', () => hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'create', tags: [{ key: 'k', value: 'a=b' }] }), 'tags.0.value'],
    ['a tag key with a control character', () => hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'create', tags: [{ key: 'a\tb' }] }), 'tags.0.key'],
    ['eleven tags', () => hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'create', tags: Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, value: '' })) }), 'tags'],
    ['no tags', () => hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'create', tags: [] }), 'tags'],
    ['an unknown action', () => hwc.kms.batchCreateKmsTags({ key_id: ids.orders, action: 'update' as 'create', tags: [{ key: 'k' }] }), 'action'],
    ['an invalid alias', () => hwc.kms.createKey({ key_alias: 'has spaces' }), 'key_alias'],
    ['a page size of 0', () => hwc.kms.listKeys({ limit: 0 }), 'limit'],
    ['a bad key_state filter', () => hwc.kms.listKeysPage({ key_state: '9' }), 'key_state'],
    ['a negative offset', () => hwc.kms.listKmsByTags({ offset: '-1' }), 'offset'],
  ];

  it.each(cases)('rejects %s', async (_name, call, field) => {
    const error = await expectRefusedBeforeSending(cloud, call, field);
    expect(error).toBeInstanceOf(HwcError);
    expect(error.operation).toMatch(/^kms\./);
  });

  it('accepts the boundaries', async () => {
    await hwc.kms.batchCreateKmsTags({
      key_id: ids.orders,
      action: 'create',
      tags: [{ key: 'k'.repeat(36), value: 'v'.repeat(43) }, { key: '中文标签', value: '' }],
    });
    await hwc.kms.updateKeyDescription({ key_id: ids.orders, key_description: '描'.repeat(255) });
    expect(await hwc.kms.deleteKey({ key_id: ids.orders, pending_days: 1096 })).toMatchObject({ key_state: '4' });
  });
});
