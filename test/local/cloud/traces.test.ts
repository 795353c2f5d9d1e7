import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS, defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { CtsTrace, LocalCloud } from '../../../local/cloud/index.ts';
import { call, nextTick, paths } from './helpers.ts';

let cloud: LocalCloud;
const now = new Date('2025-06-01T12:00:00Z');

beforeAll(async () => {
  cloud = await startCloud({ clock: () => now });
});
beforeEach(() => cloud.reset());
afterAll(async () => {
  await cloud.close();
});

function collect(): { traces: CtsTrace[]; stop: () => void } {
  const traces: CtsTrace[] = [];
  const stop = cloud.onTrace((trace) => traces.push(trace));
  return { traces, stop };
}

const kms = (action: string, body: unknown, options = {}) => call(cloud, 'POST', paths(cloud).kms(action), { body, signedAt: now, ...options });

describe('CTS traces', () => {
  it('are delivered to subscribers shaped like a FunctionGraph CTS event', async () => {
    const { traces, stop } = collect();
    const created = await kms('create-key', { key_alias: 'warden/traced' });
    await nextTick();
    stop();
    expect(traces).toHaveLength(1);
    const { cts } = traces[0]!;
    expect(cts).toMatchObject({
      time: now.getTime(),
      record_time: now.getTime(),
      user: {
        type: 'User',
        name: cloud.identity.userName,
        id: cloud.identity.userId,
        domain: { name: cloud.identity.domainName, id: cloud.identity.domainId },
      },
      request: { key_alias: 'warden/traced' },
      response: created.body,
      code: 200,
      service_type: 'KMS',
      resource_type: 'cmk',
      resource_name: 'warden/traced',
      resource_id: created.body.key_info.key_id,
      trace_name: 'createKey',
      trace_type: 'ApiCall',
      trace_rating: 'normal',
      trace_status: 'normal',
      project_id: cloud.identity.projectId,
      domain_id: cloud.identity.domainId,
      source_ip: '127.0.0.1',
      operation_id: 'CreateKey',
    });
    expect(cts.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cloud.state.traces).toEqual(traces);
  });

  it('name each mutating operation as CTS does', async () => {
    const { traces, stop } = collect();
    const keys = DEFAULT_IDS.keys;
    await kms('update-key-description', { key_id: keys.orders, key_description: 'd' });
    await kms('disable-key', { key_id: keys.orders });
    await kms('enable-key', { key_id: keys.orders });
    await kms('schedule-key-deletion', { key_id: keys.orders, pending_days: '7' });
    await kms('cancel-key-deletion', { key_id: keys.orders });
    await kms(`${keys.orders}/tags/action`, { action: 'create', tags: [{ key: 'a', value: 'b' }] });
    const p = paths(cloud);
    await call(cloud, 'POST', p.events, {
      body: { name: 'ev', event_types: ['SECRET_DELETED'], state: 'ENABLED', notification: { target_type: 'SMN', target_id: 'urn:x', target_name: 't' } },
      signedAt: now,
    });
    await call(cloud, 'POST', p.secrets, { body: { name: 'sec', secret_string: 'v', event_subscriptions: ['ev'] }, signedAt: now });
    await call(cloud, 'PUT', `${p.secrets}/sec`, { body: { event_subscriptions: [] }, signedAt: now });
    await call(cloud, 'DELETE', `${p.events}/ev`, { signedAt: now });
    await nextTick();
    stop();
    expect(traces.map((t) => `${t.cts.service_type}:${t.cts.resource_type}:${t.cts.trace_name}`)).toEqual([
      'KMS:cmk:updateKeyDescription',
      'KMS:cmk:disableKey',
      'KMS:cmk:enableKey',
      'KMS:cmk:scheduleKeyDeletion',
      'KMS:cmk:cancelKeyDeletion',
      'KMS:cmk:dealUnifiedTags',
      'CSMS:csms:createSecretEvent',
      'CSMS:csms:createSecret',
      'CSMS:csms:updateSecret',
      'CSMS:csms:deleteSecretEvent',
    ]);
    expect(traces.at(-1)!.cts).toMatchObject({ resource_name: 'ev', code: 200 });
  });

  it('are not recorded for reads or failed calls', async () => {
    await kms('list-keys', {});
    await kms('describe-key', { key_id: DEFAULT_IDS.keys.orders });
    await kms('cancel-key-deletion', { key_id: DEFAULT_IDS.keys.orders });
    await kms('create-key', { key_alias: 'x' }, { credentials: { ak: cloud.identity.ak, sk: 'wrong' } });
    expect(cloud.state.traces).toEqual([]);
  });

  it('show an agency as AssumedAgency (signature or token) and an IAM token user as User', async () => {
    const agency = defaultFixture().agencies![0]!;
    const identity = cloud.identity;
    const signIn = await call(cloud, 'POST', '/v3/auth/tokens', {
      credentials: null,
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: identity.userName, password: identity.password, domain: { name: identity.domainName } } } },
          scope: { project: { id: identity.projectId } },
        },
      },
    });
    const { traces, stop } = collect();
    await kms('disable-key', { key_id: DEFAULT_IDS.keys.orders }, { credentials: { ak: agency.ak, sk: agency.sk, securityToken: agency.securityToken } });
    await kms('enable-key', { key_id: DEFAULT_IDS.keys.orders }, { token: agency.authToken });
    await kms('disable-key', { key_id: DEFAULT_IDS.keys.orders }, { token: signIn.headers['x-subject-token'] });
    await nextTick();
    stop();
    const assumed = { type: 'AssumedAgency', name: `${agency.agencyName}/${agency.sessionName}`, id: agency.agencyId, domain: { name: agency.domainName, id: agency.domainId } };
    expect(traces.map((t) => t.cts.user)).toEqual([
      assumed,
      assumed,
      { type: 'User', name: identity.userName, id: identity.userId, domain: { name: identity.domainName, id: identity.domainId } },
    ]);
  });

  it('reach every subscriber after the response, even when one throws; unsubscribing stops delivery', async () => {
    const seen: string[] = [];
    const stopThrowing = cloud.onTrace(() => {
      throw new Error('subscriber bug');
    });
    const stopSeen = cloud.onTrace((trace) => seen.push(trace.cts.trace_name));
    const response = await kms('disable-key', { key_id: DEFAULT_IDS.keys.orders });
    expect(response.status).toBe(200);
    await nextTick();
    expect(seen).toEqual(['disableKey']);
    stopSeen();
    stopThrowing();
    await kms('enable-key', { key_id: DEFAULT_IDS.keys.orders });
    await nextTick();
    expect(seen).toEqual(['disableKey']);
  });

  it('are listed by GET /__admin/traces', async () => {
    await kms('disable-key', { key_id: DEFAULT_IDS.keys.orders });
    const response = await call(cloud, 'GET', '/__admin/traces', { credentials: null });
    expect(response.status).toBe(200);
    expect(response.body.map((t: CtsTrace) => t.cts.trace_name)).toEqual(['disableKey']);
  });
});
