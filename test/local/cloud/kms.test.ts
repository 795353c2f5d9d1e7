import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS, defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { call, paths } from './helpers.ts';

let cloud: LocalCloud;
const ids = DEFAULT_IDS.keys;

beforeAll(async () => {
  cloud = await startCloud();
});
beforeEach(() => cloud.reset());
afterAll(async () => {
  await cloud.close();
});

const kms = (action: string, body?: unknown) => call(cloud, 'POST', paths(cloud).kms(action), { body });
const key = (id: string) => cloud.state.keys.get(id)!;

function expectKmsError(response: { status: number; body: any }, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error.error_code).toBe(code);
  expect(typeof response.body.error.error_msg).toBe('string');
}

describe('ListKeys', () => {
  it('lists AES_256 keys with string-typed details, truncated "false" and the total', async () => {
    const response = await kms('list-keys', {});
    expect(response.status).toBe(200);
    expect(response.body.keys).toEqual([ids.appData, ids.orders, ids.legacy, ids.retiring, ids.csmsDefault]);
    expect(response.body.truncated).toBe('false');
    expect(response.body.next_marker).toBe('');
    expect(response.body.total).toBe(5);
    const detail = response.body.key_details[3];
    expect(detail).toMatchObject({ key_id: ids.retiring, key_alias: 'warden/retiring', key_state: '4', default_key_flag: '0' });
    for (const value of Object.values(detail)) expect(typeof value).toBe('string');
  });

  it('pages with limit/marker strings until truncated is "false"', async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const response = await kms('list-keys', { limit: '2', ...(marker ? { marker } : {}) });
      seen.push(...response.body.keys);
      if (response.body.truncated === 'false') break;
      expect(response.body.truncated).toBe('true');
      marker = response.body.next_marker;
    }
    expect(seen).toEqual([...cloud.state.project().keyOrder.map((k) => k.key_id)]);
  });

  it('filters by key_state and key_spec', async () => {
    expect((await kms('list-keys', { key_state: '4' })).body.keys).toEqual([ids.retiring]);
    const created = await kms('create-key', { key_alias: 'warden/signing', key_spec: 'RSA_2048' });
    const rsa = created.body.key_info.key_id;
    expect((await kms('list-keys', {})).body.keys).not.toContain(rsa);
    expect((await kms('list-keys', { key_spec: 'ALL' })).body.keys).toContain(rsa);
  });

  it('rejects bad limits, markers and filters with 400', async () => {
    for (const limit of ['0', 'ten', '-1', '1001', 2.5]) expectKmsError(await kms('list-keys', { limit }), 400, 'KMS.1601');
    expectKmsError(await kms('list-keys', { marker: '-3' }), 400, 'KMS.1602');
    expectKmsError(await kms('list-keys', { key_state: '9' }), 400, 'KMS.0308');
    expectKmsError(await kms('list-keys', { key_spec: 'DES' }), 400, 'KMS.0308');
  });

  it('rejects a body that is not JSON', async () => {
    const response = await call(cloud, 'POST', paths(cloud).kms('list-keys'), { rawBody: '{"limit":' });
    expectKmsError(response, 400, 'KMS.0202');
  });
});

describe('ListKeyDetail (describe-key)', () => {
  it('returns the key', async () => {
    const response = await kms('describe-key', { key_id: ids.appData });
    expect(response.status).toBe(200);
    expect(response.body.key_info).toMatchObject({ key_id: ids.appData, key_alias: 'warden/app-data', key_state: '2', realm: 'cn-north-4' });
  });

  it('validates the key id: missing 400, malformed 400, unknown 404', async () => {
    expectKmsError(await kms('describe-key', {}), 400, 'KMS.0204');
    expectKmsError(await kms('describe-key', { key_id: 'not-a-key' }), 400, 'KMS.0205');
    expectKmsError(await kms('describe-key', { key_id: '0D0466B0-E727-4D9C-B35D-F84BB474A37F' }), 400, 'KMS.0205');
    expectKmsError(await kms('describe-key', { key_id: '00000000-0000-0000-0000-000000000000' }), 404, 'KMS.0207');
  });
});

describe('CreateKey', () => {
  it('creates an enabled key', async () => {
    const response = await kms('create-key', { key_alias: 'warden/new', key_description: 'fresh' });
    expect(response.status).toBe(200);
    const keyId = response.body.key_info.key_id;
    expect(keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(response.body.key_info.domain_id).toBe(cloud.identity.domainId);
    expect(key(keyId)).toMatchObject({ key_alias: 'warden/new', key_description: 'fresh', key_state: '2', default_key_flag: '0' });
  });

  it('refuses bad, default-like and duplicate aliases and long descriptions', async () => {
    expectKmsError(await kms('create-key', {}), 400, 'KMS.0204');
    expectKmsError(await kms('create-key', { key_alias: 'bad alias!' }), 400, 'KMS.1101');
    expectKmsError(await kms('create-key', { key_alias: 'obs/default' }), 400, 'KMS.1101');
    expectKmsError(await kms('create-key', { key_alias: 'warden/app-data' }), 400, 'KMS.1104');
    expectKmsError(await kms('create-key', { key_alias: 'warden/x', key_description: 'd'.repeat(256) }), 400, 'KMS.1103');
    expectKmsError(await kms('create-key', { key_alias: 'warden/x', key_spec: 'DES' }), 400, 'KMS.1110');
  });
});

describe('ScheduleKeyDeletion and CancelKeyDeletion', () => {
  it('schedules deletion (state "4") within 7–1096 days', async () => {
    const response = await kms('schedule-key-deletion', { key_id: ids.appData, pending_days: '7' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ key_id: ids.appData, key_state: '4' });
    expect(key(ids.appData).scheduled_deletion_date).not.toBe('');
    expect((await kms('schedule-key-deletion', { key_id: ids.orders, pending_days: '1096' })).status).toBe(200);
  });

  it('refuses pending_days outside 7–1096, default keys and keys already pending', async () => {
    for (const pending_days of ['6', '1097', 'seven']) {
      expectKmsError(await kms('schedule-key-deletion', { key_id: ids.appData, pending_days }), 400, 'KMS.1401');
    }
    expectKmsError(await kms('schedule-key-deletion', { key_id: ids.appData }), 400, 'KMS.0204');
    expectKmsError(await kms('schedule-key-deletion', { key_id: ids.csmsDefault, pending_days: '7' }), 400, 'KMS.0211');
    expectKmsError(await kms('schedule-key-deletion', { key_id: ids.retiring, pending_days: '7' }), 400, 'KMS.1402');
    expect(key(ids.appData).key_state).toBe('2');
  });

  it('cancels a pending deletion, leaving the key disabled ("3")', async () => {
    const response = await kms('cancel-key-deletion', { key_id: ids.retiring });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ key_id: ids.retiring, key_state: '3' });
    expect(key(ids.retiring)).toMatchObject({ key_state: '3', scheduled_deletion_date: '' });
  });

  it('refuses to cancel outside state "4" with KMS.1501 and changes nothing', async () => {
    for (const keyId of [ids.appData, ids.legacy]) {
      const before = key(keyId).key_state;
      expectKmsError(await kms('cancel-key-deletion', { key_id: keyId }), 400, 'KMS.1501');
      expect(key(keyId).key_state).toBe(before);
    }
    expectKmsError(await kms('cancel-key-deletion', { key_id: '11111111-2222-3333-4444-555555555555' }), 404, 'KMS.0207');
  });
});

describe('UpdateKeyDescription', () => {
  it('updates the description (0–255 characters)', async () => {
    const response = await kms('update-key-description', { key_id: ids.orders, key_description: 'Created by alice' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ key_info: { key_id: ids.orders, key_description: 'Created by alice' } });
    expect(key(ids.orders).key_description).toBe('Created by alice');
    expect((await kms('update-key-description', { key_id: ids.orders, key_description: '描'.repeat(255) })).status).toBe(200);
    expect((await kms('update-key-description', { key_id: ids.orders, key_description: '' })).status).toBe(200);
  });

  it('refuses default keys, keys pending deletion and descriptions over 255 characters', async () => {
    expectKmsError(await kms('update-key-description', { key_id: ids.csmsDefault, key_description: 'x' }), 400, 'KMS.0211');
    expectKmsError(await kms('update-key-description', { key_id: ids.retiring, key_description: 'x' }), 400, 'KMS.0210');
    expectKmsError(await kms('update-key-description', { key_id: ids.orders, key_description: 'x'.repeat(256) }), 400, 'KMS.1103');
    expectKmsError(await kms('update-key-description', { key_id: ids.orders }), 400, 'KMS.0204');
    expect(key(ids.csmsDefault).key_description).toBe('Default key for csms');
  });
});

describe('EnableKey and DisableKey', () => {
  it('disables an enabled key and enables a disabled one', async () => {
    const disabled = await kms('disable-key', { key_id: ids.appData });
    expect(disabled.body).toEqual({ key_info: { key_id: ids.appData, key_state: '3' } });
    const enabled = await kms('enable-key', { key_id: ids.legacy });
    expect(enabled.body).toEqual({ key_info: { key_id: ids.legacy, key_state: '2' } });
    expect(key(ids.appData).key_state).toBe('3');
    expect(key(ids.legacy).key_state).toBe('2');
  });

  it('refuses transitions from the wrong state', async () => {
    expectKmsError(await kms('enable-key', { key_id: ids.appData }), 400, 'KMS.1201');
    expectKmsError(await kms('disable-key', { key_id: ids.legacy }), 400, 'KMS.1301');
    expectKmsError(await kms('enable-key', { key_id: ids.retiring }), 400, 'KMS.0210');
    expectKmsError(await kms('disable-key', { key_id: ids.csmsDefault }), 400, 'KMS.0211');
  });
});

describe('tags', () => {
  const tagsPath = (keyId: string) => paths(cloud).kms(`${keyId}/tags`);
  const batch = (keyId: string, body: unknown) => call(cloud, 'POST', paths(cloud).kms(`${keyId}/tags/action`), { body });
  const tagsOf = (keyId: string) => Object.fromEntries(key(keyId).tags);

  it('ShowKmsTags lists a key\'s tags', async () => {
    const response = await call(cloud, 'GET', tagsPath(ids.appData));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ tags: [{ key: 'owner', value: 'alice' }, { key: 'env', value: 'prod' }], existTagsNum: 2 });
    const unknown = await call(cloud, 'GET', tagsPath('00000000-0000-0000-0000-000000000000'));
    expectKmsError(unknown, 404, 'KMS.0207');
    expectKmsError(await call(cloud, 'GET', tagsPath('bad-id')), 400, 'KMS.0205');
  });

  it('BatchCreateKmsTags creates (overwriting values) and deletes, answering 204', async () => {
    const created = await batch(ids.appData, { action: 'create', tags: [{ key: 'owner', value: 'bob' }, { key: 'created-by', value: 'alice' }] });
    expect(created.status).toBe(204);
    expect(created.text).toBe('');
    expect(tagsOf(ids.appData)).toEqual({ owner: 'bob', env: 'prod', 'created-by': 'alice' });
    const deleted = await batch(ids.appData, { action: 'delete', tags: [{ key: 'env' }] });
    expect(deleted.status).toBe(204);
    expect(tagsOf(ids.appData)).toEqual({ owner: 'bob', 'created-by': 'alice' });
  });

  it('checks the action and the tag list', async () => {
    expectKmsError(await batch(ids.orders, { action: 'update', tags: [{ key: 'a', value: 'b' }] }), 400, 'KMS.0404');
    expectKmsError(await batch(ids.orders, { action: 'create', tags: [] }), 400, 'KMS.0401');
    expectKmsError(await batch(ids.orders, { action: 'create' }), 400, 'KMS.0401');
    expectKmsError(await batch(ids.orders, { action: 'create', tags: [{ key: 'a' }, { key: 'a' }] }), 400, 'KMS.0412');
    expectKmsError(await batch('00000000-0000-0000-0000-000000000000', { action: 'create', tags: [{ key: 'a' }] }), 404, 'KMS.0207');
  });

  it('enforces key 1–36 and value 0–43 unicode characters', async () => {
    expect((await batch(ids.orders, { action: 'create', tags: [{ key: 'k'.repeat(36), value: 'v'.repeat(43) }] })).status).toBe(204);
    expect((await batch(ids.orders, { action: 'create', tags: [{ key: '键'.repeat(36), value: '' }] })).status).toBe(204);
    expectKmsError(await batch(ids.orders, { action: 'create', tags: [{ key: 'k'.repeat(37), value: 'v' }] }), 400, 'KMS.0411');
    expectKmsError(await batch(ids.orders, { action: 'create', tags: [{ key: '', value: 'v' }] }), 400, 'KMS.0411');
    expectKmsError(await batch(ids.orders, { action: 'create', tags: [{ key: 'k', value: 'v'.repeat(44) }] }), 400, 'KMS.0410');
  });

  it('refuses ASCII 0–31 and * < > \\ = in keys and values', async () => {
    for (const bad of ['a*b', 'a<b', 'a>b', 'a\\b', 'a=b', 'a\u0001b', 'tab\there']) {
      expectKmsError(await batch(ids.orders, { action: 'create', tags: [{ key: bad, value: 'v' }] }), 400, 'KMS.0406');
      expectKmsError(await batch(ids.orders, { action: 'create', tags: [{ key: 'k', value: bad }] }), 400, 'KMS.0405');
    }
    expect(key(ids.orders).tags.size).toBe(0);
  });

  it('allows at most 10 tags per key, refusing the whole batch that would exceed it', async () => {
    const eight = Array.from({ length: 8 }, (_, i) => ({ key: `t${i}`, value: `${i}` }));
    expect((await batch(ids.appData, { action: 'create', tags: eight })).status).toBe(204);
    expect(key(ids.appData).tags.size).toBe(10);
    expectKmsError(await batch(ids.appData, { action: 'create', tags: [{ key: 'eleventh', value: 'x' }] }), 400, 'KMS.0409');
    expect(key(ids.appData).tags.size).toBe(10);
    // Overwriting an existing tag at the limit is fine.
    expect((await batch(ids.appData, { action: 'create', tags: [{ key: 'owner', value: 'carol' }] })).status).toBe(204);
    expect(key(ids.appData).tags.get('owner')).toBe('carol');
  });

  it('CreateKmsTag adds one tag and DeleteTag removes one (404 when absent)', async () => {
    expect((await call(cloud, 'POST', tagsPath(ids.orders), { body: { tag: { key: 'team', value: 'core' } } })).status).toBe(204);
    expect(tagsOf(ids.orders)).toEqual({ team: 'core' });
    expect((await call(cloud, 'DELETE', `${tagsPath(ids.orders)}/team`)).status).toBe(204);
    expect(tagsOf(ids.orders)).toEqual({});
    expectKmsError(await call(cloud, 'DELETE', `${tagsPath(ids.orders)}/team`), 404, 'KMS.0416');
  });
});

describe('ListKmsByTags', () => {
  const byTags = (body: unknown) => kms('resource_instances/action', body);

  it('filters by tag key and values, returning details typed as the official model (KeyDetails) has them: strings', async () => {
    const response = await byTags({ action: 'filter', tags: [{ key: 'owner', values: ['alice', 'bob'] }] });
    expect(response.status).toBe(200);
    expect(response.body.total_count).toBe(1);
    const [resource] = response.body.resources;
    expect(resource).toMatchObject({ resource_id: ids.appData, resource_name: 'warden/app-data' });
    expect(resource.tags).toEqual([{ key: 'owner', value: 'alice' }, { key: 'env', value: 'prod' }]);
    expect(resource.resource_detail).toMatchObject({ key_id: ids.appData, key_state: '2', default_key_flag: '0', key_type: '1', key_rotation_enabled: 'false' });
    for (const [field, value] of Object.entries(resource.resource_detail)) expect(typeof value, field).toBe('string');
    expect((await byTags({ action: 'filter', tags: [{ key: 'owner', values: ['bob'] }] })).body.total_count).toBe(0);
    expect((await byTags({ action: 'filter', tags: [{ key: 'deletion-protection', values: [] }] })).body.resources[0].resource_id).toBe(ids.retiring);
  });

  it('gives numbers and booleans in resource_detail under the numeric variant (as the document\'s example shows)', async () => {
    cloud.setVariants({ listKmsByTagsDetailValues: 'numeric' });
    try {
      const [resource] = (await byTags({ action: 'filter', tags: [{ key: 'owner', values: ['alice'] }] })).body.resources;
      expect(resource.resource_detail).toMatchObject({ key_id: ids.appData, key_state: 2, default_key_flag: 0, key_type: 1, key_rotation_enabled: false });
    } finally {
      cloud.setVariants({});
    }
  });

  it('counts, and pages with limit/offset strings', async () => {
    expect((await byTags({ action: 'count' })).body).toEqual({ total_count: 5 });
    const first = await byTags({ action: 'filter', limit: '2', offset: '0' });
    const second = await byTags({ action: 'filter', limit: '2', offset: '2' });
    const third = await byTags({ action: 'filter', limit: '2', offset: '4' });
    const all = [first, second, third].flatMap((page) => page.body.resources.map((r: any) => r.resource_id));
    expect(all).toEqual([ids.appData, ids.orders, ids.legacy, ids.retiring, ids.csmsDefault]);
    expect(third.body.total_count).toBe(5);
  });

  it('matches resource_name', async () => {
    const response = await byTags({ action: 'filter', matches: [{ key: 'resource_name', value: 'legacy' }] });
    expect(response.body.resources.map((r: any) => r.resource_id)).toEqual([ids.legacy]);
  });

  it('rejects a bad action, limit, offset, tags or matches', async () => {
    expectKmsError(await byTags({ action: 'list' }), 400, 'KMS.0404');
    expectKmsError(await byTags({ action: 'filter', limit: '0' }), 400, 'KMS.1601');
    expectKmsError(await byTags({ action: 'filter', offset: '-1' }), 400, 'KMS.0417');
    expectKmsError(await byTags({ action: 'filter', tags: 'owner' }), 400, 'KMS.0414');
    expectKmsError(await byTags({ action: 'filter', matches: [{ key: 'alias', value: 'x' }] }), 400, 'KMS.0403');
  });
});

describe('sequence idempotency', () => {
  const sequence = '919c82d4-8046-4722-9094-35c3c6524cff';

  it('replays the first response to a retry with the same sequence, without applying again', async () => {
    const first = await kms('schedule-key-deletion', { key_id: ids.appData, pending_days: '7', sequence });
    expect(first.status).toBe(200);
    const scheduledAt = key(ids.appData).scheduled_deletion_date;
    const retry = await kms('schedule-key-deletion', { key_id: ids.appData, pending_days: '7', sequence });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(key(ids.appData).scheduled_deletion_date).toBe(scheduledAt);
    expect(cloud.state.traces.filter((t) => t.cts.trace_name === 'scheduleKeyDeletion')).toHaveLength(1);
    // A new sequence is a new call.
    expectKmsError(await kms('schedule-key-deletion', { key_id: ids.appData, pending_days: '7', sequence: sequence.replace('9', '8') }), 400, 'KMS.1402');
  });

  it('keeps sequences per caller', async () => {
    expect((await kms('schedule-key-deletion', { key_id: ids.appData, pending_days: '7', sequence })).status).toBe(200);
    const agency = defaultFixture().agencies![0]!;
    const other = await call(cloud, 'POST', paths(cloud).kms('schedule-key-deletion'), {
      body: { key_id: ids.appData, pending_days: '7', sequence },
      credentials: { ak: agency.ak, sk: agency.sk, securityToken: agency.securityToken },
    });
    expectKmsError(other, 400, 'KMS.1402');
  });

  it('does not remember failures, and refuses malformed sequences', async () => {
    expectKmsError(await kms('cancel-key-deletion', { key_id: ids.appData, sequence }), 400, 'KMS.1501');
    await kms('schedule-key-deletion', { key_id: ids.appData, pending_days: '7' });
    expect((await kms('cancel-key-deletion', { key_id: ids.appData, sequence })).status).toBe(200);
    expectKmsError(await kms('enable-key', { key_id: ids.legacy, sequence: 'x'.repeat(37) }), 400, 'KMS.0206');
  });
});
