import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFixture } from '../../../local/cloud/index.ts';
import type { Fixture, FixtureTrace, LocalCloud } from '../../../local/cloud/index.ts';
import { CtsApi } from '../../../shared/hwc/cts.ts';
import { HuaweiCloud, LocalErrorCode } from '../../../shared/hwc/index.ts';
import type { Trace } from '../../../shared/hwc/index.ts';
import { collect, FAST_RETRY, rejection, shareCloud } from './support.ts';

/** CtsApi.listTraces against the embedded cloud; answers it never gives come from a scripted loopback server. */

const DAY = 86_400_000;
const NOW = Date.now();
const KEY = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';

/** 450 KMS traces a minute apart (two keys, two names), one 8 days old, one of another service, one failed. */
function fixture(): Fixture {
  const traces: FixtureTrace[] = Array.from({ length: 450 }, (_, i) => ({
    trace_name: i % 2 === 0 ? 'enableKey' : 'disableKey',
    resource_id: i % 3 === 0 ? OTHER : KEY,
    time: NOW - (i + 1) * 60_000,
    request: { key_id: i % 3 === 0 ? OTHER : KEY },
  }));
  traces.push({ trace_name: 'createKey', resource_id: KEY, time: NOW - 8 * DAY, request: { key_alias: 'old' } });
  traces.push({ trace_name: 'createSecret', resource_id: 'secret-1', time: NOW - 30_000, service_type: 'CSMS', resource_type: 'secret' });
  traces.push({ trace_name: 'scheduleKeyDeletion', resource_id: KEY, time: NOW - 10_000, code: 400, request: { key_id: KEY, pending_days: '7' } });
  return { ...defaultFixture(), keys: [], traces };
}

let cloud: LocalCloud;
let cts: CtsApi;
let own: HuaweiCloud | undefined;
shareCloud((started) => {
  cloud = started;
  const client = ctsOf(started);
  own = client.hwc;
  cts = client.cts;
}, fixture);
afterAll(() => own?.close());

/** A client with every service, CTS included, pointed at the cloud. */
function ctsOf(target: LocalCloud, options: { projectId?: string; sk?: string } = {}): { hwc: HuaweiCloud; cts: CtsApi } {
  const { ak, sk, region, projectId } = target.identity;
  const hwc = new HuaweiCloud({
    region,
    projectId: options.projectId ?? projectId,
    credentials: { type: 'aksk', ak, sk: options.sk ?? sk },
    env: { HUAWEICLOUD_ENDPOINT_URL: target.url },
    retry: FAST_RETRY,
  });
  return { hwc, cts: hwc.use(CtsApi) };
}

const WEEK = { from: NOW - 7 * DAY, to: NOW + 1 };

describe('CtsApi.listTraces', () => {
  it('reads every page, newest first, each trace once (450 traces: three pages of 200)', async () => {
    const traces = await collect(cts.listTraces({ ...WEEK, service_type: 'KMS' }));
    expect(traces).toHaveLength(451); // the 450, and the failed scheduling; not the 8-day-old createKey
    expect(cloud.stats.byOperation['cts.listTraces']).toBe(3);
    const times = traces.map((t) => t.time);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(traces.map((t) => t.trace_id)).size).toBe(451);
  });

  it('filters by trace name, resource id and service, within the exclusive window', async () => {
    const enabled = await collect(cts.listTraces({ ...WEEK, service_type: 'KMS', trace_name: 'enableKey', resource_id: OTHER }));
    expect(enabled.length).toBeGreaterThan(0);
    expect(enabled.every((t) => t.trace_name === 'enableKey' && t.resource_id === OTHER)).toBe(true);
    const secrets = await collect(cts.listTraces({ ...WEEK, service_type: 'CSMS' }));
    expect(secrets.map((t) => t.trace_name)).toEqual(['createSecret']);
    // `from` and `to` leave out traces at exactly those times.
    const newest = (await collect(cts.listTraces({ ...WEEK, service_type: 'KMS', trace_name: 'enableKey' })))[0] as Trace;
    const bounded = await collect(cts.listTraces({ from: newest.time - 1, to: newest.time, service_type: 'KMS', trace_name: 'enableKey' }));
    expect(bounded).toEqual([]);
  });

  it('reads request and response from their text as objects, and code as text', async () => {
    const [failed] = await collect(cts.listTraces({ ...WEEK, trace_name: 'scheduleKeyDeletion' }));
    expect(failed).toMatchObject({ code: '400', request: { key_id: KEY, pending_days: '7' }, response: {}, resource_id: KEY, service_type: 'KMS' });
    expect(failed?.user?.name).toBe(cloud.identity.userName);
  });

  it('lists nothing older than the 7 days CTS keeps, whatever `from` says', async () => {
    const created = await collect(cts.listTraces({ from: NOW - 30 * DAY, to: NOW + 1, trace_name: 'createKey' }));
    expect(created).toEqual([]);
  });

  it('reads one page with listTracesPage: the marker names the page\'s last trace', async () => {
    const page = await cts.listTracesPage({ ...WEEK, limit: 5, service_type: 'KMS' });
    expect(page.traces).toHaveLength(5);
    expect(page.meta_data).toEqual({ count: 5, marker: page.traces[4]?.trace_id });
    const next = await cts.listTracesPage({ ...WEEK, limit: 5, service_type: 'KMS', next: page.meta_data.marker });
    expect(next.traces[0]?.time).toBeLessThan(page.traces[4]?.time as number);
  });

  it('counts a trace the next page repeats (a `next` that includes the marker\'s trace) once', async () => {
    cloud.setVariants({ ctsNext: 'from' });
    try {
      const traces = await collect(cts.listTraces({ ...WEEK, service_type: 'KMS' }));
      expect(traces).toHaveLength(451);
      expect(new Set(traces.map((t) => t.trace_id)).size).toBe(451);
    } finally {
      cloud.setVariants({});
    }
  });

  it('refuses a bad request before sending it, naming the problem', async () => {
    const before = cloud.stats.requests;
    for (const [request, problem] of [
      [{ from: NOW - DAY }, 'from and to go together'],
      [{ from: NOW, to: NOW - 1 }, 'from must be before to'],
      [{ ...WEEK, limit: 201 }, 'limit'],
      [{ ...WEEK, limit: 0 }, 'limit'],
      [{ ...WEEK, next: 'short' }, 'next'],
      [{ trace_type: 'audit' }, 'trace_type'],
      [{ from: 1_000, to: 2_000 }, 'from is before 2000'],
    ] as const) {
      const error = await rejection(collect(cts.listTraces(request as never)));
      expect(error.errorCode, problem).toBe(LocalErrorCode.invalidRequest);
      expect(error.message).toContain(problem);
    }
    expect(cloud.stats.requests).toBe(before);
  });

  it('reports the documented errors: 400, 401, 403, 404, 500, 502, 504', async () => {
    const badNext = await rejection(cts.listTracesPage({ ...WEEK, next: '00000000-aaaa-bbbb' }));
    expect([badNext.status, badNext.errorCode]).toEqual([400, 'CTS.0003']);
    const tracker = await rejection(cts.listTracesPage({ ...WEEK, tracker_name: 'mine' }));
    expect([tracker.status, tracker.errorCode, tracker.errorMsg]).toEqual([404, 'CTS.0214', 'The tracker does not exist.']);

    const wrongKey = ctsOf(cloud, { sk: 'not-the-secret-key' });
    const foreign = ctsOf(cloud, { projectId: '0123456789abcdef0123456789abcdef' });
    try {
      expect((await rejection(wrongKey.cts.listTracesPage(WEEK))).status).toBe(401);
      const forbidden = await rejection(foreign.cts.listTracesPage(WEEK));
      expect([forbidden.status, forbidden.errorCode]).toEqual([403, 'CTS.0012']);
    } finally {
      await Promise.all([wrongKey.hwc.close(), foreign.hwc.close()]);
    }

    for (const [status, code] of [[500, 'CTS.0005'], [502, 'APIGW.0202'], [504, 'APIGW.0203']] as const) {
      cloud.setFaults({ rate: { [status]: 1 }, operations: ['cts.listTraces'] });
      const error = await rejection(collect(cts.listTraces(WEEK)));
      expect([error.operation, error.status, error.errorCode]).toEqual(['cts.listTraces', status, code]);
    }
  });
});

// ---- answers the embedded cloud never gives -------------------------------------------------------

let pages: unknown[] = [];
const asked: string[] = [];
const server = createServer((request, response) => {
  asked.push(request.url ?? '');
  const body = pages.shift() ?? { traces: [], meta_data: { count: 0, marker: null } };
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});
let origin = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // the functions' clients keep theirs alive
    }),
);

const trace = (n: number) => ({ trace_id: `trace-${String(n).padStart(8, '0')}`, trace_name: 'enableKey', time: NOW - n, code: '200' });

async function scripted(answers: unknown[]): Promise<Trace[]> {
  pages = answers;
  asked.length = 0;
  const hwc = new HuaweiCloud({ region: 'cn-north-4', projectId: 'p1', credentials: { type: 'aksk', ak: 'AK', sk: 'SK' }, env: { HUAWEICLOUD_ENDPOINT_URL: origin }, retry: FAST_RETRY });
  try {
    return await collect(hwc.use(CtsApi).listTraces(WEEK));
  } finally {
    await hwc.close();
  }
}

describe('CtsApi.listTraces, a listing that cannot be proven whole', () => {
  it('follows markers until a page names none', async () => {
    const traces = await scripted([
      { traces: [trace(1), trace(2)], meta_data: { count: 2, marker: 'trace-00000002' } },
      { traces: [trace(3)], meta_data: { count: 1 } },
    ]);
    expect(traces.map((t) => t.trace_id)).toEqual(['trace-00000001', 'trace-00000002', 'trace-00000003']);
    expect(asked[1]).toContain('next=trace-00000002');
  });

  it.each([
    ['a marker handed back a second time', [
      { traces: [trace(1)], meta_data: { count: 1, marker: 'trace-00000001' } },
      { traces: [trace(2)], meta_data: { count: 1, marker: 'trace-00000001' } },
    ], 'marker trace-00000001 came back a second time'],
    ['a page without traces that names a next one', [{ traces: [], meta_data: { count: 0, marker: 'trace-00000009' } }], 'a page without traces names a next page'],
    ['a count that is not the page\'s', [{ traces: [trace(1)], meta_data: { count: 2, marker: null } }], 'meta_data.count says 2 traces, the page holds 1'],
    ['no meta_data', [{ traces: [trace(1)] }], 'meta_data'],
    ['a trace without its time', [{ traces: [{ trace_id: 'trace-00000001', trace_name: 'enableKey' }], meta_data: { count: 1 } }], 'traces.0.time'],
  ])('fails on %s', async (_, answers, problem) => {
    const error = await rejection(scripted(answers));
    expect([error.operation, error.errorCode]).toEqual(['cts.listTraces', LocalErrorCode.invalidResponse]);
    expect(error.message).toContain(problem);
  });
});
