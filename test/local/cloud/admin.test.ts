import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleAdmin } from '../../../local/cloud/admin.ts';
import type { AdminControl } from '../../../local/cloud/admin.ts';
import { DEFAULT_IDS, startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { call, paths } from './helpers.ts';

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startCloud();
});
beforeEach(() => cloud.reset());
afterAll(async () => {
  await cloud.close();
});

/** Writes declare a JSON body, even an empty one. */
const admin = (method: string, path: string, body?: unknown) =>
  call(cloud, method, `/__admin/${path}`, { credentials: null, ...(method === 'GET' ? {} : { rawBody: body === undefined ? '' : JSON.stringify(body) }) });

/** A raw request with the headers a browser (or a rebound page) would send. */
function raw(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${cloud.url}${path}`, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('admin routes', () => {
  it('GET /__admin/state shows the resources, needs no credentials and is not counted', async () => {
    const response = await admin('GET', 'state');
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBeDefined();
    expect(response.body.keys.find((k: any) => k.key_id === DEFAULT_IDS.keys.appData)).toMatchObject({
      key_alias: 'warden/app-data',
      key_state: '2',
      tags: { owner: 'alice', env: 'prod' },
    });
    expect(response.body.secrets.map((s: any) => s.name)).toEqual([DEFAULT_IDS.secret]);
    expect(response.body.checkpointItems[0].volume_backups).toHaveLength(2);
    expect(response.body.messages).toEqual([]);
    expect(response.body.traceCount).toBe(0);
    expect(response.text).not.toContain(cloud.identity.sk);
    expect(cloud.stats.requests).toBe(0);
  });

  it('GET /__admin/stats counts API calls by operation, including refused and unknown ones', async () => {
    await call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: {} });
    await call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: {}, credentials: null });
    await call(cloud, 'GET', paths(cloud).secrets);
    const unknown = await call(cloud, 'GET', '/v9/nothing');
    expect(unknown.status).toBe(501);
    expect(unknown.body.error_code).toBe('LOCAL.NOT_EMULATED');
    const response = await admin('GET', 'stats');
    expect(response.body).toEqual({ requests: 4, byOperation: { 'kms.listKeys': 2, 'csms.listSecrets': 1 }, attempts: {} });
    expect(cloud.stats).toEqual(response.body);
  });

  it('POST /__admin/reset restores the starting fixture', async () => {
    await call(cloud, 'POST', paths(cloud).kms('disable-key'), { body: { key_id: DEFAULT_IDS.keys.appData } });
    expect(cloud.state.keys.get(DEFAULT_IDS.keys.appData)!.key_state).toBe('3');
    const response = await admin('POST', 'reset');
    expect(response.status).toBe(200);
    expect(cloud.state.keys.get(DEFAULT_IDS.keys.appData)!.key_state).toBe('2');
    expect(cloud.state.traces).toEqual([]);
  });

  it('POST /__admin/reset with resources only keeps the identities', async () => {
    const response = await admin('POST', 'reset', { keys: [{ key_id: '11111111-2222-3333-4444-555555555555', key_alias: 'only/key' }] });
    expect(response.status).toBe(200);
    const listed = await call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: {} });
    expect(listed.status).toBe(200);
    expect(listed.body.keys).toEqual(['11111111-2222-3333-4444-555555555555']);
    expect(cloud.state.secrets.size).toBe(0);
  });

  it('POST /__admin/reset refuses an invalid fixture and keeps the state', async () => {
    const response = await admin('POST', 'reset', { keys: [{ key_id: 'NOT-A-KEY', key_alias: 'x' }] });
    expect(response.status).toBe(400);
    expect(response.body.error_msg).toMatch(/key_id/);
    expect(cloud.state.keys.size).toBe(5);
  });

  it('PUT /__admin/faults sets and clears faults', async () => {
    const set = await admin('PUT', 'faults', { rate: { '503': 1 }, operations: ['csms.listSecrets'] });
    expect(set.status).toBe(200);
    expect(set.body.faults).toEqual({ rate: { '503': 1 }, operations: ['csms.listSecrets'] });
    expect((await call(cloud, 'GET', paths(cloud).secrets)).status).toBe(503);
    expect((await admin('GET', 'faults')).body.faults.rate).toEqual({ '503': 1 });
    expect((await admin('PUT', 'faults')).body).toEqual({ faults: null });
    expect((await call(cloud, 'GET', paths(cloud).secrets)).status).toBe(200);
  });

  it('PUT /__admin/faults refuses an invalid configuration', async () => {
    const response = await admin('PUT', 'faults', { rate: { '500': 2 } });
    expect(response.status).toBe(400);
    expect(typeof response.body.error_msg).toBe('string');
  });

  it('GET /__admin/state round-trips through POST /__admin/reset', async () => {
    await call(cloud, 'POST', paths(cloud).kms(`${DEFAULT_IDS.keys.orders}/tags/action`), { body: { action: 'create', tags: [{ key: 'team', value: 'core' }] } });
    const snapshot = (await admin('GET', 'state')).body;
    cloud.reset();
    expect(cloud.state.keys.get(DEFAULT_IDS.keys.orders)!.tags.size).toBe(0);
    expect((await admin('POST', 'reset', snapshot)).status).toBe(200);
    expect(cloud.state.keys.get(DEFAULT_IDS.keys.orders)!.tags.get('team')).toBe('core');
    expect((await admin('GET', 'state')).body.keys).toEqual(snapshot.keys);
  });

  it('refuses an API body over 1 MiB with 413', async () => {
    const response = await call(cloud, 'POST', paths(cloud).kms('list-keys'), { rawBody: JSON.stringify({ pad: 'x'.repeat(1_100_000) }) });
    expect(response.status).toBe(413);
    expect(response.body.error_code).toBe('APIGW.0201');
  });

  it('answers 404 for an unknown admin route', async () => {
    expect((await admin('GET', 'nothing')).status).toBe(404);
  });

  it('answers on loopback only', () => {
    const control: AdminControl = { snapshot: () => ({}), traces: () => [], stats: () => ({}), faults: () => undefined, invocations: () => [], setFaults() {}, reset() {} };
    const request = (remoteAddress: string) => ({ method: 'GET', path: '/__admin/state', body: Buffer.alloc(0), headers: { host: '127.0.0.1:4000' }, remoteAddress, localPort: 4000 });
    expect(handleAdmin(control, request('10.1.2.3')).status).toBe(403);
    expect(handleAdmin(control, request('::ffff:127.0.0.1')).status).toBe(200);
  });
});

describe('admin routes and browsers (DNS rebinding, cross-site requests)', () => {
  const port = () => cloud.port;
  const disableOrders = async () => {
    expect((await call(cloud, 'POST', paths(cloud).kms('disable-key'), { body: { key_id: DEFAULT_IDS.keys.orders } })).status).toBe(200);
    expect(cloud.state.keys.get(DEFAULT_IDS.keys.orders)!.key_state).toBe('3');
  };
  const ordersState = () => cloud.state.keys.get(DEFAULT_IDS.keys.orders)!.key_state;

  it('refuses a Host that does not name the cloud on loopback, as a rebound name sends it', async () => {
    for (const host of [`attacker.example:${port()}`, `127.0.0.1.attacker.example:${port()}`, `127.0.0.1:${port() + 1}`, '127.0.0.1']) {
      const response = await raw('GET', '/__admin/state', { host });
      expect(response.status, host).toBe(403);
      expect(response.body).toEqual({ error_code: 'ADMIN.403', error_msg: expect.stringMatching(/^Host ".*" does not name this server on loopback .*DNS rebinding/) });
    }
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, `LOCALHOST:${port()}`]) expect((await raw('GET', '/__admin/stats', { host })).status, host).toBe(200);
  });

  it('refuses a cross-site reset (text/plain from a foreign Origin): the state stays', async () => {
    await disableOrders();
    const host = `127.0.0.1:${port()}`;
    const crossSite = await raw('POST', '/__admin/reset', { host, origin: 'https://attacker.example', 'content-type': 'text/plain' }, '{}');
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error_msg).toBe('Origin "https://attacker.example" is not this server: cross-site requests are refused');
    for (const origin of ['null', `http://localhost:${port() + 1}`, `https://127.0.0.1:${port()}`]) {
      expect((await raw('POST', '/__admin/reset', { host, origin, 'content-type': 'application/json' }, '{}')).status, origin).toBe(403);
    }
    expect(ordersState()).toBe('3');
  });

  it('takes admin writes only as application/json (415), and from the same loopback origin', async () => {
    await disableOrders();
    const host = `127.0.0.1:${port()}`;
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await raw('POST', '/__admin/reset', { host, ...(type ? { 'content-type': type } : {}) }, '');
      expect(response.status, type).toBe(415);
      expect(response.body.error_msg).toMatch(/^the body must be sent as Content-Type: application\/json/);
      expect((await raw('PUT', '/__admin/faults', { host, ...(type ? { 'content-type': type } : {}) }, '{"rate":{"503":1}}')).status).toBe(415);
    }
    expect(ordersState()).toBe('3');
    const sameOrigin = await raw('POST', '/__admin/reset', { host, origin: `http://localhost:${port()}`, 'content-type': 'application/json; charset=utf-8' }, '');
    expect(sameOrigin.status).toBe(200);
    expect(ordersState()).toBe('2');
  });

  it('leaves the API to its signatures: signed calls carrying the endpoint as Host work as before', async () => {
    expect((await call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: {} })).status).toBe(200);
  });
});
