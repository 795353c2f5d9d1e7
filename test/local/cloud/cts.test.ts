import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CTS_RETENTION_MS, defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { call, paths } from './helpers.ts';

/** CTS ListTraces in the embedded cloud: the traces it records, as the document shapes and pages them. */

const KEY = '00000000-0000-4000-8000-000000000001';
let cloud: LocalCloud;
let now = Date.now();

function fixture(): Fixture {
  now = Date.now();
  return {
    ...defaultFixture(),
    traces: [
      { trace_name: 'createKey', resource_id: KEY, time: now - CTS_RETENTION_MS - 1, request: { key_alias: 'gone' } },
      { trace_name: 'createKey', resource_id: KEY, time: now - 3_000, request: { key_alias: 'a' }, resource_name: 'a' },
      { trace_name: 'disableKey', resource_id: KEY, time: now - 2_000, user: 'alice' },
      { trace_name: 'scheduleKeyDeletion', resource_id: KEY, time: now - 1_000, request: { key_id: KEY, pending_days: '7' } },
    ],
  };
}

beforeAll(async () => {
  cloud = await startCloud({ port: 0, fixture: fixture() });
});
beforeEach(() => cloud.reset(fixture()));
afterAll(() => cloud.close());

const traces = (query: Record<string, string | number>) =>
  call(cloud, 'GET', `/v3/${cloud.identity.projectId}/traces?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`);
const week = () => ({ trace_type: 'system', from: now - CTS_RETENTION_MS, to: now + 1 });

describe('CTS ListTraces', () => {
  it('lists the last 7 days, newest first, with code, request and response as text', async () => {
    const response = await traces(week());
    expect(response.status).toBe(200);
    expect(response.body.meta_data).toEqual({ count: 3, marker: null });
    expect(response.body.traces.map((t: any) => t.trace_name)).toEqual(['scheduleKeyDeletion', 'disableKey', 'createKey']);
    expect(response.body.traces[0]).toMatchObject({ code: '200', request: JSON.stringify({ key_id: KEY, pending_days: '7' }), response: '{}', service_type: 'KMS', resource_type: 'cmk', resource_id: KEY });
    expect(response.body.traces[1].user.name).toBe('alice');
  });

  it('lists what the cloud records itself, at the time it answered', async () => {
    const created = await call(cloud, 'POST', paths(cloud).kms('create-key'), { body: { key_alias: 'fresh' } });
    const response = await traces({ ...week(), to: Date.now() + 1, trace_name: 'createKey' });
    expect(response.body.traces[0]).toMatchObject({ trace_name: 'createKey', resource_id: created.body.key_info.key_id, resource_name: 'fresh' });
  });

  it('pages by `limit`, each marker the page\'s last trace; `next` goes on before it', async () => {
    const first = await traces({ ...week(), limit: 2 });
    expect(first.body.meta_data).toEqual({ count: 2, marker: first.body.traces[1].trace_id });
    const second = await traces({ ...week(), limit: 2, next: first.body.meta_data.marker });
    expect(second.body.traces.map((t: any) => t.trace_name)).toEqual(['createKey']);
    expect(second.body.meta_data).toEqual({ count: 1, marker: null });
  });

  it('lists the marker\'s trace again under the `from` variant', async () => {
    cloud.setVariants({ ctsNext: 'from' });
    try {
      const first = await traces({ ...week(), limit: 2 });
      const second = await traces({ ...week(), limit: 2, next: first.body.meta_data.marker });
      expect(second.body.traces.map((t: any) => t.trace_name)).toEqual(['disableKey', 'createKey']);
    } finally {
      cloud.setVariants({});
    }
  });

  it('filters by trace name, resource, user, one trace id; defaults to the last hour', async () => {
    expect((await traces({ ...week(), trace_name: 'disableKey' })).body.traces).toHaveLength(1);
    expect((await traces({ ...week(), resource_id: 'other' })).body.traces).toHaveLength(0);
    expect((await traces({ ...week(), user: 'alice' })).body.traces.map((t: any) => t.trace_name)).toEqual(['disableKey']);
    expect((await traces({ ...week(), resource_name: 'a' })).body.traces.map((t: any) => t.trace_name)).toEqual(['createKey']);
    const one = (await traces(week())).body.traces[1].trace_id;
    expect((await traces({ trace_type: 'system', trace_id: one, trace_name: 'createKey' })).body.traces.map((t: any) => t.trace_id)).toEqual([one]);
    expect((await traces({ trace_type: 'system' })).body.meta_data.count).toBe(3);
    expect((await traces({ ...week(), trace_type: 'data' })).body.traces).toEqual([]);
  });

  it('keeps nothing older than 7 days and nothing outside the exclusive window', async () => {
    expect((await traces({ ...week(), from: now - 30 * 86_400_000, trace_name: 'createKey' })).body.traces).toHaveLength(1);
    expect((await traces({ trace_type: 'system', from: now - 2_000, to: now - 1_000 })).body.traces).toEqual([]);
  });

  it.each([
    [{ from: 1, to: 2 }, 400, 'CTS.0003'],
    [{ trace_type: 'audit' }, 400, 'CTS.0003'],
    [{ trace_type: '' }, 400, 'CTS.0003'],
    [{ limit: 201 }, 400, 'CTS.0003'],
    [{ next: 'no-such-trace-id' }, 400, 'CTS.0003'],
    [{ trace_rating: 'bad' }, 400, 'CTS.0003'],
    [{ tracker_name: 'mine' }, 404, 'CTS.0214'],
    [{ access_key_id: 'AKAKAKAKAK' }, 501, 'CTS.0100'],
  ])('answers %j with %i %s, top-level error_code and error_msg', async (query, status, code) => {
    const response = await traces({ ...week(), ...query });
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error_code: code, error_msg: expect.any(String) });
  });

  it('answers 400 without trace_type, 401 unsigned, 403 for another project', async () => {
    const missing = await call(cloud, 'GET', `/v3/${cloud.identity.projectId}/traces`);
    expect([missing.status, missing.body.error_code]).toEqual([400, 'CTS.0003']);
    const unsigned = await call(cloud, 'GET', `/v3/${cloud.identity.projectId}/traces?trace_type=system`, { credentials: null });
    expect([unsigned.status, unsigned.body.error_code]).toEqual([401, 'APIGW.0301']);
    const foreign = await call(cloud, 'GET', '/v3/0123456789abcdef0123456789abcdef/traces?trace_type=system');
    expect([foreign.status, foreign.body.error_code]).toEqual([403, 'CTS.0012']);
  });

  it('answers injected failures in its own shape (500 CTS.0005)', async () => {
    cloud.setFaults({ rate: { '500': 1 }, operations: ['cts.listTraces'] });
    const response = await traces(week());
    expect([response.status, response.body]).toEqual([500, { error_code: 'CTS.0005', error_msg: 'Data read exception.' }]);
  });
});
