import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS, defaultFixture } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { HuaweiCloud, HwcError, KmsApi, LocalErrorCode, credentialsFromContext } from '../../../shared/hwc/index.ts';
import type { Credentials } from '../../../shared/hwc/index.ts';
import { FAST_RETRY, clientFor, collect, rejection, startTestCloud } from './support.ts';

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(() => cloud.close());
beforeEach(() => {
  cloud.reset();
  cloud.setFaults(undefined);
});

const keyId = DEFAULT_IDS.keys.appData;
const agency = () => defaultFixture().agencies?.[0] as NonNullable<ReturnType<typeof defaultFixture>['agencies']>[number];

describe('HuaweiCloud credentials', () => {
  it('with a password, obtains one project-scoped token and reuses it for every call', async () => {
    const { userName, password, domainName } = cloud.identity;
    const hwc = clientFor(cloud, { credentials: { type: 'password', userName, password, domainName } });
    await Promise.all([1, 2, 3, 4, 5].map(() => hwc.kms.listKeyDetail({ key_id: keyId })));
    await collect(hwc.kms.listKeys({ limit: 2 }));
    await collect(hwc.csms.listSecrets());
    await hwc.csbs.listCheckpointItemsPage();
    expect(cloud.stats.byOperation['iam.createTokenByPassword']).toBe(1);
    expect(hwc.stats.calls).toBe(1 + 5 + 3 + 1 + 1);
    await hwc.close();
  });

  it('with a wrong password, every call fails with the IAM error', async () => {
    const { userName, domainName } = cloud.identity;
    const hwc = clientFor(cloud, { credentials: { type: 'password', userName, password: 'nope', domainName } });
    const error = await rejection(hwc.kms.listKeyDetail({ key_id: keyId }));
    expect(error).toMatchObject({ operation: 'iam.createTokenByPassword', status: 401 });
    expect(cloud.stats.byOperation['kms.listKeyDetail']).toBeUndefined();
    await hwc.close();
  });

  it('with an agency token (a FunctionGraph context’s getToken())', async () => {
    const hwc = clientFor(cloud, { credentials: { type: 'token', token: agency().authToken as string } });
    expect((await hwc.kms.listKeyDetail({ key_id: keyId })).key_info.key_id).toBe(keyId);
    await hwc.close();
  });

  it('with a FunctionGraph context’s temporary AK/SK, read afresh for each call', async () => {
    const a = agency();
    let reads = 0;
    const context = {
      getSecurityAccessKey: () => (reads++, a.ak),
      getSecuritySecretKey: () => a.sk,
      getSecurityToken: () => a.securityToken,
    };
    const hwc = clientFor(cloud, { credentials: credentialsFromContext(context) });
    await hwc.kms.updateKeyDescription({ key_id: DEFAULT_IDS.keys.orders, key_description: 'by the agency' });
    await hwc.kms.listKeyDetail({ key_id: keyId });
    expect(reads).toBe(2);
    expect(cloud.state.traces.at(-1)?.cts.user.type).toBe('AssumedAgency');
    await hwc.close();
  });

  it('with no usable FunctionGraph credentials, fails without sending', async () => {
    const hwc = clientFor(cloud, { credentials: credentialsFromContext({}) });
    const error = await rejection(hwc.kms.listKeyDetail({ key_id: keyId }));
    expect(error).toMatchObject({ operation: 'kms.listKeyDetail', status: 0, errorCode: LocalErrorCode.credentials });
    expect(cloud.stats.requests).toBe(0);
    await hwc.close();
  });
});

describe('HuaweiCloud.fromEnv', () => {
  const env = () => ({
    HUAWEICLOUD_REGION: cloud.identity.region,
    HUAWEICLOUD_SDK_PROJECT_ID: cloud.identity.projectId,
    HUAWEICLOUD_SDK_AK: cloud.identity.ak,
    HUAWEICLOUD_SDK_SK: cloud.identity.sk,
    HUAWEICLOUD_ENDPOINT_URL: cloud.url,
  });

  it('configures a working client from the environment', async () => {
    const hwc = HuaweiCloud.fromEnv(env(), { retry: FAST_RETRY });
    expect(hwc.region).toBe('cn-north-4');
    expect(new Set(Object.values(hwc.endpoints))).toEqual(new Set([cloud.url]));
    expect((await hwc.kms.listKeyDetail({ key_id: keyId })).key_info.key_id).toBe(keyId);
    await hwc.close();
  });

  it('says clearly what is missing', () => {
    expect(() => HuaweiCloud.fromEnv({})).toThrow(/HUAWEICLOUD_REGION is not set/);
    expect(() => HuaweiCloud.fromEnv({ HUAWEICLOUD_REGION: 'cn-north-4' })).toThrow(/HUAWEICLOUD_SDK_PROJECT_ID is not set/);
    expect(() => HuaweiCloud.fromEnv({ HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: 'p' })).toThrow(/no Huawei Cloud credentials/);
    expect(() => HuaweiCloud.fromEnv({ ...env(), HUAWEICLOUD_RETRY_ATTEMPTS: 'many' })).toThrow(/HUAWEICLOUD_RETRY_ATTEMPTS must be a whole number/);
    expect(() => HuaweiCloud.fromEnv({ ...env(), HUAWEICLOUD_ENDPOINT_URL: 'not a url' })).toThrow(/not a URL/);
  });

  it('uses the official endpoints by default, per-service variables, and overrides', () => {
    const { HUAWEICLOUD_ENDPOINT_URL: _all, ...rest } = env();
    const official = HuaweiCloud.fromEnv(rest);
    expect(official.endpoints).toMatchObject({
      kms: 'https://kms.cn-north-4.myhuaweicloud.com',
      iam: 'https://iam.myhuaweicloud.com',
      functiongraph: 'https://functiongraph.cn-north-4.myhuaweicloud.com',
      cbr: 'https://cbr.cn-north-4.myhuaweicloud.com',
    });
    const mixed = HuaweiCloud.fromEnv({ ...rest, HUAWEICLOUD_ENDPOINT_URL_SMN: 'http://127.0.0.1:1' }, { endpoints: { iam: 'http://127.0.0.1:2' } });
    expect(mixed.endpoints).toMatchObject({ smn: 'http://127.0.0.1:1', iam: 'http://127.0.0.1:2', kms: 'https://kms.cn-north-4.myhuaweicloud.com' });
    return Promise.all([official.close(), mixed.close()]);
  });

  it('attaches a service API on demand (use), one instance per class, on the same signed transport', async () => {
    const hwc = HuaweiCloud.fromEnv(env(), { retry: FAST_RETRY });
    const attached = hwc.use(KmsApi);
    expect(hwc.use(KmsApi)).toBe(attached);
    expect(attached).not.toBe(hwc.kms);
    expect((await attached.listKeyDetail({ key_id: keyId })).key_info.key_id).toBe(keyId);
    expect(hwc.stats.calls).toBe(1);
    await hwc.close();
  });

  it('takes the number of attempts from HUAWEICLOUD_RETRY_ATTEMPTS', async () => {
    const hwc = HuaweiCloud.fromEnv({ ...env(), HUAWEICLOUD_RETRY_ATTEMPTS: '2' }, { retry: FAST_RETRY });
    cloud.setFaults({ rate: { '500': 1 } });
    expect(await rejection(hwc.kms.listKeyDetail({ key_id: keyId }))).toMatchObject({ status: 500, attempts: 2 });
    expect(hwc.stats).toEqual({ calls: 1, attempts: 2 });
    await hwc.close();
  });

  it('caps answer bodies at HUAWEICLOUD_MAX_RESPONSE_BYTES: a larger page fails the listing, unparsed, unretried', async () => {
    const hwc = HuaweiCloud.fromEnv({ ...env(), HUAWEICLOUD_MAX_RESPONSE_BYTES: '1500' }, { retry: FAST_RETRY });
    const before = cloud.stats.requests;
    const error = await rejection(collect(hwc.kms.listKmsByTags({ limit: 1000 })));
    expect(error).toMatchObject({ operation: 'kms.listKmsByTags', status: 200, errorCode: LocalErrorCode.invalidResponse, attempts: 1 });
    expect(error.errorMsg).toMatch(/over the 1500-byte limit \(maxResponseBytes, HUAWEICLOUD_MAX_RESPONSE_BYTES\)/);
    expect(cloud.stats.requests - before).toBe(1);
    // A small answer still goes through.
    expect((await hwc.kms.listKeyDetail({ key_id: keyId })).key_info.key_id).toBe(keyId);
    await hwc.close();
    expect(() => HuaweiCloud.fromEnv({ ...env(), HUAWEICLOUD_MAX_RESPONSE_BYTES: '8MB' })).toThrow(/HUAWEICLOUD_MAX_RESPONSE_BYTES must be a whole number ≥ 1, got "8MB"/);
  });

  it('refuses a client without region or project', () => {
    const credentials: Credentials = { type: 'token', token: 't' };
    expect(() => new HuaweiCloud({ region: '', projectId: 'p', credentials })).toThrow(/region is required/);
    expect(() => new HuaweiCloud({ region: 'cn-north-4', projectId: '', credentials })).toThrow(/projectId is required/);
  });
});

describe('HuaweiCloud lifecycle', () => {
  it('counts logical calls and attempts, and refuses calls once closed', async () => {
    const hwc = clientFor(cloud);
    cloud.setFaults({ rate: { '503': 1 }, operations: ['kms.listKeys'] });
    await rejection(hwc.kms.listKeysPage());
    cloud.setFaults(undefined);
    await hwc.kms.listKeysPage();
    expect(hwc.stats).toEqual({ calls: 2, attempts: 5 });
    await hwc.close();
    const error = await rejection(hwc.kms.listKeysPage());
    expect(error.errorMsg).toBe('the client is closed');
  });
});

// ---- answers the embedded cloud never gives: a scripted loopback server --------------------------

type Answer = { status?: number; body?: unknown; raw?: string; headers?: Record<string, string> };

describe('odd responses (scripted server)', () => {
  let server: Server;
  let origin: string;
  let script: Answer[] = [];
  const seen: { method: string; url: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        const answer = script.length > 1 ? (script.shift() as Answer) : (script[0] ?? { body: {} });
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    script = [];
    seen.length = 0;
  });

  const scripted = () =>
    new HuaweiCloud({
      region: 'cn-north-4',
      projectId: 'p1',
      credentials: { type: 'aksk', ak: 'AK', sk: 'SK' },
      env: { HUAWEICLOUD_ENDPOINT_URL: origin },
      retry: FAST_RETRY,
    });
  const detail = (fields: Record<string, unknown>) => ({ key_id: keyId, key_alias: 'a', key_state: '2', ...fields });

  it('reads numbers sent as strings and the reverse, nulls as absent, and drops unknown fields', async () => {
    const hwc = scripted();
    script = [
      {
        body: {
          key_info: detail({ key_state: 2, creation_date: 1502799822000, key_rotation_enabled: false, key_description: null, surprise: 1 }),
        },
      },
    ];
    const { key_info } = await hwc.kms.listKeyDetail({ key_id: keyId });
    expect(key_info).toEqual({ key_id: keyId, key_alias: 'a', key_state: '2', creation_date: '1502799822000', key_rotation_enabled: 'false' });

    script = [{ body: { secrets: [{ name: 's', event_subscriptions: ['e'], create_time: '1581507580000', auto_rotation: 'false', scheduled_delete_time: null }], page_info: { current_count: '1' } } }];
    expect(await collect(hwc.csms.listSecrets())).toEqual([{ name: 's', event_subscriptions: ['e'], create_time: 1581507580000, auto_rotation: false }]);

    script = [{ body: { restorable: [{ resource_id: 'r', result: 'false', error_code: 6014 }] } }];
    expect((await hwc.csbs.checkRestorable({ check_restorable: [{ checkpoint_item_id: 'c', target: { resource_id: 'r', resource_type: 'OS::Nova::Server', volumes: [] } }] })).restorable).toEqual([
      { resource_id: 'r', result: false, error_code: '6014' },
    ]);
    await hwc.close();
  });

  it('pages by marker with truncated as a string and total as a string', async () => {
    const hwc = scripted();
    script = [
      { body: { key_details: [detail({ key_id: 'k1' })], truncated: 'true', next_marker: 1, total: '2' } },
      { body: { key_details: [detail({ key_id: 'k2' })], truncated: 'false', next_marker: '', total: '2' } },
    ];
    expect((await collect(hwc.kms.listKeys({ limit: 1 }))).map((k) => k.key_id)).toEqual(['k1', 'k2']);
    expect(seen.map((r) => JSON.parse(r.body).marker)).toEqual([undefined, '1']);
    expect(JSON.parse(seen[0]?.body ?? '{}')).toEqual({ limit: '1' });
    await hwc.close();
  });

  it('fails on a repeated marker, an empty page while more are announced, or a page that cannot prove it is the last', async () => {
    const hwc = scripted();
    const incomplete = async (items: AsyncIterable<unknown>, message: string, requests: number) => {
      seen.length = 0;
      const error = await rejection(collect(items));
      expect(error).toMatchObject({ status: 200, errorCode: LocalErrorCode.incompleteListing });
      expect(error.errorMsg).toBe(message);
      expect(seen).toHaveLength(requests);
    };
    script = [{ body: { key_details: [detail({})], truncated: 'true', next_marker: '1' } }];
    await incomplete(hwc.kms.listKeys(), 'the next page\'s marker "1" was already read: the listing loops', 2);
    script = [{ body: { key_details: [detail({})], truncated: 'true', next_marker: '5' } }];
    await incomplete(hwc.kms.listKeys(), 'the page at marker 0 holds 1 items but names 5 as the next: items would be skipped', 1);
    script = [{ body: { key_details: [], truncated: 'true', next_marker: '9' } }];
    await incomplete(hwc.kms.listKeys(), 'an empty page while more were announced', 1);
    script = [{ body: { key_details: [detail({})] } }];
    await incomplete(hwc.kms.listKeys({ limit: 1 }), 'listing ended without truncated after a full page', 1);

    script = [{ body: { events: [{ name: 'e1' }], page_info: { next_marker: 'e1' } } }];
    await incomplete(hwc.csms.listSecretEvents(), 'the next page\'s marker "e1" was already read: the listing loops', 2);
    expect(seen.map((r) => new URL(r.url, origin).searchParams.get('marker'))).toEqual([null, 'e1']);
    script = [{ body: { secrets: [{ name: 's1' }] } }];
    await incomplete(hwc.csms.listSecrets({ limit: 1 }), 'listing ended without page_info after a full page', 1);
    script = [{ body: { secrets: [{ name: 's1' }], page_info: { current_count: 2 } } }];
    await incomplete(hwc.csms.listSecrets(), 'a page came back with 1 of the 2 items it counts', 1);

    const item = (id: string) => ({ id, status: 'available', resource_id: 'r' });
    script = [{ body: { checkpoint_items: [item('c1')], count: 3 } }, { body: { checkpoint_items: [], count: 3 } }];
    await incomplete(hwc.csbs.listCheckpointItems(), 'an empty page at 1 of 3 items', 2);
    await hwc.close();
  });

  it('asks how many backups match when a shorter page gives no count: reads on while more exist, ends when all are read', async () => {
    const hwc = scripted();
    const item = (id: string) => ({ id, status: 'available', resource_id: 'r' });
    script = [{ body: { checkpoint_items: [item('c1'), item('c2')] } }, { body: { count: 3 } }, { body: { checkpoint_items: [item('c3')] } }];
    expect((await collect(hwc.csbs.listCheckpointItems({ limit: 10, status: 'available' }))).map((i) => i.id)).toEqual(['c1', 'c2', 'c3']);
    expect(seen.map((r) => r.url.replace(/\/v1\/p1/, ''))).toEqual([
      '/checkpoint_items?limit=10&status=available',
      '/checkpoint_items/count?status=available',
      '/checkpoint_items?limit=10&status=available&marker=c2',
    ]);
    await hwc.close();
  });

  it('reads on past a page shorter than asked while the total says more exist', async () => {
    const hwc = scripted();
    const item = (id: string) => ({ id, status: 'available', resource_id: 'r' });
    script = [{ body: { checkpoint_items: [item('c1'), item('c2')], count: 3 } }, { body: { checkpoint_items: [item('c3')], count: 3 } }];
    expect((await collect(hwc.csbs.listCheckpointItems({ limit: 10 }))).map((i) => i.id)).toEqual(['c1', 'c2', 'c3']);
    expect(seen.map((r) => new URL(r.url, origin).searchParams.get('marker'))).toEqual([null, 'c2']);
    await hwc.close();
  });

  it('pages tag queries by offset and stops at total_count', async () => {
    const hwc = scripted();
    const resource = (id: string) => ({ resource_id: id, resource_detail: [detail({ key_id: id })], tags: [{ key: 't', value: 'v' }] });
    script = [
      { body: { resources: [resource('r1'), resource('r2')], total_count: '4' } },
      { body: { resources: [resource('r3'), resource('r4')], total_count: '4' } },
    ];
    const found = await collect(hwc.kms.listKmsByTags({ tags: [{ key: 't', values: ['v'] }], limit: 2 }));
    expect(found.map((r) => r.resource_detail?.key_id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(seen.map((r) => JSON.parse(r.body))).toEqual([
      { tags: [{ key: 't', values: ['v'] }], limit: '2', offset: '0', action: 'filter' },
      { tags: [{ key: 't', values: ['v'] }], limit: '2', offset: '2', action: 'filter' },
    ]);
    await hwc.close();
  });

  it('drops a resource_detail that does not read as a key instead of failing the whole page', async () => {
    const hwc = scripted();
    script = [
      {
        body: {
          resources: [
            { resource_id: 'r1', resource_detail: { key_alias: 'no-id' }, tags: [] },
            { resource_id: 'r2', resource_detail: detail({ key_id: 'r2' }), tags: [] },
            { resource_id: 'r3', tags: [{ key: 't', value: 'v' }] },
          ],
          total_count: 3,
        },
      },
    ];
    const found = await collect(hwc.kms.listKmsByTags({ limit: 10 }));
    expect(found.map((r) => [r.resource_id, r.resource_detail?.key_id])).toEqual([['r1', undefined], ['r2', 'r2'], ['r3', undefined]]);
    // A resource without an id or tags is still an error: there is nothing to act on safely.
    script = [{ body: { resources: [{ resource_detail: detail({}) }], total_count: 1 } }];
    expect((await rejection(collect(hwc.kms.listKmsByTags({ limit: 10 })))).errorMsg).toContain('resources.0.resource_id: required');
    await hwc.close();
  });

  it('names the operation and the field when a required field is missing', async () => {
    const hwc = scripted();
    script = [{ body: { key_info: { key_id: keyId, key_alias: 'a' } }, headers: { 'x-request-id': 'r-1' } }];
    const error = await rejection(hwc.kms.listKeyDetail({ key_id: keyId }));
    expect(error).toMatchObject({ operation: 'kms.listKeyDetail', status: 200, errorCode: LocalErrorCode.invalidResponse, requestId: 'r-1' });
    expect(error.errorMsg).toContain('key_info.key_state: required');

    script = [{ body: { secrets: [{ kms_key_id: 'k' }], page_info: {} } }];
    expect((await rejection(collect(hwc.csms.listSecrets()))).errorMsg).toContain('secrets.0.name: required');
    // event_subscriptions is not promised by the API: absent stays undefined ("unknown"), never [] ("none").
    script = [{ body: { secrets: [{ name: 's' }], page_info: {} } }];
    expect((await collect(hwc.csms.listSecrets()))[0]?.event_subscriptions).toBeUndefined();
    script = [{ body: { tags: [{ key: 'k' }] } }];
    expect((await rejection(hwc.kms.showKmsTags({ key_id: keyId }))).errorMsg).toContain('tags.0.value');
    script = [{ body: { checkpoint_items: [{ id: 'i', status: 'available' }] } }];
    expect((await rejection(collect(hwc.csbs.listCheckpointItems()))).errorMsg).toContain('checkpoint_items.0.resource_id');
    await hwc.close();
  });

  it('fails on a body that is not JSON, and on a 200 that carries an error', async () => {
    const hwc = scripted();
    script = [{ raw: '<html>gateway</html>' }];
    expect(await rejection(hwc.kms.listKeyDetail({ key_id: keyId }))).toMatchObject({
      operation: 'kms.listKeyDetail',
      errorCode: LocalErrorCode.invalidResponse,
    });
    script = [{ body: { error: { error_code: 'KMS.0207', error_msg: 'The key does not exist.' } } }];
    expect(await rejection(hwc.kms.listKeyDetail({ key_id: keyId }))).toMatchObject({ status: 200, errorCode: 'KMS.0207' });
    await hwc.close();
  });

  it('fails when IAM answers without a token header', async () => {
    const hwc = scripted();
    script = [{ status: 201, body: { token: { expires_at: '2030-01-01T00:00:00.000000Z' } } }];
    const error = await rejection(hwc.iam.createTokenByPassword({ userName: 'u', password: 'p', domainName: 'd', projectId: 'p1' }));
    expect(error).toMatchObject({ operation: 'iam.createTokenByPassword', errorCode: LocalErrorCode.invalidResponse });
    expect(error.errorMsg).toContain('X-Subject-Token');
    expect(seen[0]?.url).toBe('/v3/auth/tokens?nocatalog=true');
    expect(JSON.parse(seen[0]?.body ?? '{}')).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'u', password: 'p', domain: { name: 'd' } } } },
        scope: { project: { id: 'p1' } },
      },
    });
    await hwc.close();
  });

  it('is an HwcError all the way', () => {
    expect(new HwcError({ operation: 'x', status: 0 })).toBeInstanceOf(Error);
  });
});
