import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS, defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { CtsTrace, Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { call, nextTick, paths } from './helpers.ts';

let cloud: LocalCloud;

const notification = { target_type: 'SMN' as const, target_id: 'urn:smn:cn-north-4:p:warden-alerts', target_name: 'warden-alerts' };

/** The default fixture plus orphan events and more secrets, to page through. */
function fixture(): Fixture {
  const base = defaultFixture();
  return {
    ...base,
    events: [
      ...base.events!,
      ...['alpha-orphan', 'beta-orphan', 'delta-used', 'epsilon-orphan'].map((name) => ({ name, event_types: ['SECRET_DELETED'], notification })),
    ],
    secrets: [
      ...base.secrets!,
      { name: 'api-token', kms_key_id: DEFAULT_IDS.keys.appData, event_subscriptions: ['delta-used'] },
      { name: 'legacy-password', kms_key_id: DEFAULT_IDS.keys.appData, state: 'PENDING_DELETE' },
      { name: 'zz-last', kms_key_id: DEFAULT_IDS.keys.appData },
    ],
  };
}

beforeAll(async () => {
  cloud = await startCloud({ fixture: fixture() });
});
beforeEach(() => cloud.reset());
afterAll(async () => {
  await cloud.close();
});

const p = () => paths(cloud);

function expectWrapped(response: { status: number; body: any }, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error.error_code).toBe(code);
}

function expectTopLevel(response: { status: number; body: any }, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error_code).toBe(code);
  expect(typeof response.body.error_msg).toBe('string');
}

async function pageThrough(path: string, limit: number): Promise<{ names: string[]; pages: any[] }> {
  const names: string[] = [];
  const pages: any[] = [];
  let marker: string | undefined;
  for (let i = 0; i < 20; i++) {
    const separator = path.includes('?') ? '&' : '?';
    const response = await call(cloud, 'GET', `${path}${separator}limit=${limit}${marker ? `&marker=${marker}` : ''}`);
    expect(response.status).toBe(200);
    pages.push(response.body);
    const items = response.body.events ?? response.body.secrets;
    names.push(...items.map((item: any) => item.name));
    marker = response.body.page_info.next_marker;
    if (!marker) break;
  }
  return { names, pages };
}

describe('secret events', () => {
  it('ListSecretEvents pages by name with limit/marker and page_info', async () => {
    const { names, pages } = await pageThrough(p().events, 2);
    expect(names).toEqual(['alpha-orphan', 'beta-orphan', 'delta-used', 'epsilon-orphan', DEFAULT_IDS.event]);
    expect(pages[0].page_info).toEqual({ current_count: 2, next_marker: 'beta-orphan' });
    expect(pages[1].page_info).toEqual({ current_count: 2, next_marker: 'epsilon-orphan', previous_marker: 'beta-orphan' });
    expect(pages[2].page_info).toEqual({ current_count: 1, previous_marker: 'epsilon-orphan' });
    expect(pages[0].events[0]).toMatchObject({ name: 'alpha-orphan', event_types: ['SECRET_DELETED'], state: 'ENABLED', notification });
  });

  it('ListSecretEvents rejects bad limits and markers', async () => {
    for (const query of ['limit=0', 'limit=abc', 'limit=1001', 'limit=-5', 'marker=bad%20name']) {
      expectWrapped(await call(cloud, 'GET', `${p().events}?${query}`), 400, 'CSMS.0002');
    }
  });

  it('ShowSecretEvent returns one event, 404 when missing, 400 for a bad name', async () => {
    const response = await call(cloud, 'GET', `${p().events}/${DEFAULT_IDS.event}`);
    expect(response.status).toBe(200);
    expect(response.body.event.event_id).toBe('120eeafd-eca5-4098-8733-c1b369f3a450');
    expectWrapped(await call(cloud, 'GET', `${p().events}/nothing-here`), 404, 'CSMS.0005');
    expectWrapped(await call(cloud, 'GET', `${p().events}/bad.name`), 400, 'CSMS.0002');
  });

  it('CreateSecretEvent creates an event; refuses duplicates and invalid fields', async () => {
    const body = { name: 'new-event', event_types: ['SECRET_VERSION_CREATED', 'SECRET_ROTATED'], state: 'ENABLED', notification };
    const response = await call(cloud, 'POST', p().events, { body });
    expect(response.status).toBe(200);
    expect(response.body.event).toMatchObject({ name: 'new-event', state: 'ENABLED', event_types: body.event_types });
    expect(response.body.event.event_id).toMatch(/^[0-9a-z-]{36}$/);
    expect(cloud.state.events.get('new-event')?.event_id).toBe(response.body.event.event_id);

    expectWrapped(await call(cloud, 'POST', p().events, { body }), 409, 'CSMS.0101');
    expectWrapped(await call(cloud, 'POST', p().events, { body: { ...body, name: 'x', event_types: ['NOPE'] } }), 400, 'CSMS.0002');
    expectWrapped(await call(cloud, 'POST', p().events, { body: { ...body, name: 'x', event_types: [] } }), 400, 'CSMS.0002');
    expectWrapped(await call(cloud, 'POST', p().events, { body: { ...body, name: 'x', state: 'ON' } }), 400, 'CSMS.0002');
    expectWrapped(await call(cloud, 'POST', p().events, { body: { ...body, name: 'x', notification: { ...notification, target_type: 'HTTP' } } }), 400, 'CSMS.0002');
    expectWrapped(await call(cloud, 'POST', p().events, { body: { ...body, name: 'bad name' } }), 400, 'CSMS.0002');
    expectWrapped(await call(cloud, 'POST', p().events, { rawBody: 'not json' }), 400, 'CSMS.0004');
  });

  it('DeleteSecretEvent deletes an unreferenced event with 200 and no body', async () => {
    const response = await call(cloud, 'DELETE', `${p().events}/alpha-orphan`);
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(cloud.state.events.has('alpha-orphan')).toBe(false);
    expectWrapped(await call(cloud, 'DELETE', `${p().events}/alpha-orphan`), 404, 'CSMS.0005');
  });

  it('DeleteSecretEvent refuses (400) an event a secret subscribes to, until the secret lets go', async () => {
    const refused = await call(cloud, 'DELETE', `${p().events}/delta-used`);
    expectWrapped(refused, 400, 'CSMS.0003');
    expect(refused.body.error.error_msg).toContain('api-token');
    expect(cloud.state.events.has('delta-used')).toBe(true);

    expect((await call(cloud, 'PUT', `${p().secrets}/api-token`, { body: { event_subscriptions: [] } })).status).toBe(200);
    expect((await call(cloud, 'DELETE', `${p().events}/delta-used`)).status).toBe(200);
  });

  it('paging keeps working when the marker event is deleted between pages', async () => {
    const first = await call(cloud, 'GET', `${p().events}?limit=2`);
    expect(first.body.page_info.next_marker).toBe('beta-orphan');
    await call(cloud, 'DELETE', `${p().events}/beta-orphan`);
    const second = await call(cloud, 'GET', `${p().events}?limit=2&marker=beta-orphan`);
    expect(second.body.events.map((e: any) => e.name)).toEqual(['delta-used', 'epsilon-orphan']);
  });
});

describe('secrets', () => {
  it('ListSecrets pages by name with page_info', async () => {
    const { names } = await pageThrough(p().secrets, 3);
    expect(names).toEqual(['api-token', DEFAULT_IDS.secret, 'legacy-password', 'zz-last']);
  });

  it('ListSecrets filters by event_name', async () => {
    const response = await call(cloud, 'GET', `${p().secrets}?event_name=${DEFAULT_IDS.event}`);
    expect(response.body.secrets.map((s: any) => s.name)).toEqual([DEFAULT_IDS.secret]);
    expect(response.body.page_info).toEqual({ current_count: 1 });
    expect((await call(cloud, 'GET', `${p().secrets}?event_name=alpha-orphan`)).body.secrets).toEqual([]);
  });

  it('ListSecrets rejects bad limits with the top-level error shape', async () => {
    expectTopLevel(await call(cloud, 'GET', `${p().secrets}?limit=0`), 400, 'CSMS.0002');
    expectTopLevel(await call(cloud, 'GET', `${p().secrets}?limit=many`), 400, 'CSMS.0002');
  });

  it('ShowSecret returns one secret without its value; 404 when missing', async () => {
    const response = await call(cloud, 'GET', `${p().secrets}/${DEFAULT_IDS.secret}`);
    expect(response.status).toBe(200);
    expect(response.body.secret).toMatchObject({ name: DEFAULT_IDS.secret, event_subscriptions: [DEFAULT_IDS.event], state: 'ENABLED' });
    expectTopLevel(await call(cloud, 'GET', `${p().secrets}/missing`), 404, 'CSMS.0005');
  });

  it('CreateSecret stores the secret (never its value) and traces it with the value masked', async () => {
    const traces: CtsTrace[] = [];
    const stop = cloud.onTrace((trace) => traces.push(trace));
    const value = 'correct-horse-battery-staple';
    const response = await call(cloud, 'POST', p().secrets, {
      body: { name: 'new-secret', secret_string: value, kms_key_id: DEFAULT_IDS.keys.orders, event_subscriptions: ['alpha-orphan'] },
    });
    expect(response.status).toBe(200);
    expect(response.body.secret).toMatchObject({ name: 'new-secret', kms_key_id: DEFAULT_IDS.keys.orders, event_subscriptions: ['alpha-orphan'] });
    expect(response.text).not.toContain(value);
    await nextTick();
    stop();
    expect(traces.map((t) => t.cts.trace_name)).toEqual(['createSecret']);
    expect((traces[0]!.cts.request as any).secret_string).toBe('******');
    expect(JSON.stringify(cloud.state.traces)).not.toContain(value);
    expect(JSON.stringify([...cloud.state.secrets.values()])).not.toContain(value);
    const snapshot = await call(cloud, 'GET', '/__admin/state', { credentials: null });
    expect(snapshot.text).not.toContain(value);
  });

  it('CreateSecret defaults to the csms/default key', async () => {
    const response = await call(cloud, 'POST', p().secrets, { body: { name: 'defaulted', secret_string: 's' } });
    expect(response.body.secret.kms_key_id).toBe(DEFAULT_IDS.keys.csmsDefault);
  });

  it('CreateSecret refuses duplicates, unusable keys and invalid fields', async () => {
    expectTopLevel(await call(cloud, 'POST', p().secrets, { body: { name: DEFAULT_IDS.secret, secret_string: 's' } }), 409, 'CSMS.0101');
    expectTopLevel(await call(cloud, 'POST', p().secrets, { body: { name: 'n1', secret_string: 's', kms_key_id: DEFAULT_IDS.keys.legacy } }), 400, 'CSMS.0401');
    expectTopLevel(await call(cloud, 'POST', p().secrets, { body: { name: 'n1', secret_string: 's', kms_key_id: '00000000-0000-0000-0000-000000000000' } }), 400, 'CSMS.0401');
    expectTopLevel(await call(cloud, 'POST', p().secrets, { body: { name: 'n1' } }), 400, 'CSMS.0002');
    expectTopLevel(await call(cloud, 'POST', p().secrets, { body: { name: 'n1', secret_string: 's', secret_binary: 'cw==' } }), 400, 'CSMS.0002');
    expectTopLevel(await call(cloud, 'POST', p().secrets, { body: { name: 'n1', secret_string: 's', event_subscriptions: ['nope'] } }), 400, 'CSMS.0002');
    expectTopLevel(
      await call(cloud, 'POST', p().secrets, { body: { name: 'n1', secret_string: 's', event_subscriptions: ['alpha-orphan', 'beta-orphan'] } }),
      400,
      'CSMS.0002',
    );
    expectTopLevel(await call(cloud, 'POST', p().secrets, { body: { name: 'bad/name', secret_string: 's' } }), 400, 'CSMS.0002');
    expect(cloud.state.secrets.has('n1')).toBe(false);
  });

  it('UpdateSecret changes subscriptions, key and description', async () => {
    const response = await call(cloud, 'PUT', `${p().secrets}/${DEFAULT_IDS.secret}`, {
      body: { event_subscriptions: ['alpha-orphan'], kms_key_id: DEFAULT_IDS.keys.orders, description: 'rotated' },
    });
    expect(response.status).toBe(200);
    expect(response.body.secret).toMatchObject({ event_subscriptions: ['alpha-orphan'], kms_key_id: DEFAULT_IDS.keys.orders, description: 'rotated' });
    expect(cloud.state.secrets.get(DEFAULT_IDS.secret)).toMatchObject({ event_subscriptions: ['alpha-orphan'], description: 'rotated' });
    expect(cloud.state.traces.at(-1)?.cts).toMatchObject({ trace_name: 'updateSecret', service_type: 'CSMS', resource_name: DEFAULT_IDS.secret });
  });

  it('UpdateSecret: 404 for a missing secret, 400 for bad fields or a secret pending deletion', async () => {
    expectTopLevel(await call(cloud, 'PUT', `${p().secrets}/missing`, { body: { description: 'x' } }), 404, 'CSMS.0005');
    expectTopLevel(await call(cloud, 'PUT', `${p().secrets}/${DEFAULT_IDS.secret}`, { body: { kms_key_id: 'test' } }), 400, 'CSMS.0401');
    expectTopLevel(await call(cloud, 'PUT', `${p().secrets}/${DEFAULT_IDS.secret}`, { body: { event_subscriptions: ['nope'] } }), 400, 'CSMS.0002');
    expectTopLevel(await call(cloud, 'PUT', `${p().secrets}/legacy-password`, { body: { description: 'x' } }), 400, 'CSMS.0103');
    expect(cloud.state.secrets.get(DEFAULT_IDS.secret)?.event_subscriptions).toEqual([DEFAULT_IDS.event]);
  });
});
