import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS } from '../../../local/cloud/index.ts';
import type { InvocationRecord } from '../../../local/host/index.ts';
import { signWebhook } from '../../../shared/runtime/webhook-auth.ts';
import { parseApigEvent } from '../../../shared/triggers/parse.ts';
import type { Host, WebhookSecret } from '../../../local/host/index.ts';
import { closeRigs, cloudSnapshot, nextEvent, nextFinished, startRig, TEST_SERVICE, until, userClient } from './helpers.ts';

afterEach(closeRigs);

const json = (response: Response): Promise<any> => response.json() as Promise<any>;
/** The webhook secret the host gave `fn`. */
const secretOf = (host: Host, fn: string): string => (host.webhookSecrets[fn] as WebhookSecret).value;

/** POSTs `body` to the host, signed with `secret` unless `signature` is given (null: no header). */
async function post(url: string, body: string, options: { secret?: string; signature?: string | null } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined ? signWebhook(body, options.secret ?? '') : options.signature;
  if (signature !== null) headers['x-warden-signature'] = signature;
  return fetch(url, { method: 'POST', headers, body });
}

describe('APIG webhooks of serverless.yml', () => {
  it('a signed webhook runs the function and answers 200 with its report', async () => {
    const { host, cloud } = await startRig();
    const response = await post(`${host.url}/warden/tag-new-keys`, '', { secret: secretOf(host, 'tag-new-keys') });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const report = await json(response);
    expect(report).toMatchObject({ function: 'tag-new-keys', trigger: 'apig', dryRun: false });
    // serverless.yml's policy for tag-new-keys: every key gets owner-team=platform (default and pending keys excepted).
    const tagged = report.actions.filter((a: { status: string }) => a.status === 'applied').map((a: { target: string }) => a.target);
    expect(tagged).toContain(DEFAULT_IDS.keys.orders);
    expect(cloud.state.keys.get(DEFAULT_IDS.keys.orders)?.tags.get('owner-team')).toBe('platform');
    expect(host.recent()[0]).toMatchObject({ function: 'tag-new-keys', trigger: 'apig', outcome: 'ok', statusCode: 200, source: 'POST /warden/tag-new-keys' });
  });

  it('honours {"dryRun": true} in the signed body: plans, changes nothing', async () => {
    const { host, cloud } = await startRig();
    const before = cloudSnapshot(cloud);
    const response = await post(`${host.url}/warden/tag-new-keys`, '{"dryRun":true}', { secret: secretOf(host, 'tag-new-keys') });
    const report = await json(response);
    expect(report.dryRun).toBe(true);
    expect(report.counts.planned).toBeGreaterThan(0);
    expect(cloudSnapshot(cloud)).toBe(before);
  });

  it('refuses any query parameter with 400 naming it, however it is spelt, before calling the cloud', async () => {
    const { host, cloud } = await startRig();
    const before = cloudSnapshot(cloud);
    const requests = cloud.stats.requests;
    const secret = secretOf(host, 'prune-orphan-events');
    for (const [query, name] of [
      ['dryRun=true', 'dryRun'],
      ['dryrun=true', 'dryrun'],
      ['dryRun', 'dryRun'],
      ['dryRun=yes-please', 'dryRun'],
      ['dry-run=true', 'dry-run'],
    ]) {
      const response = await post(`${host.url}/warden/prune-orphan-events?${query}`, '', { secret });
      expect(response.status, query).toBe(400);
      expect(await json(response)).toEqual({
        error: { code: 'unknown_query_parameter', message: `unknown query parameter "${name}": the dry run is chosen in the signed body, {"dryRun": true}` },
      });
    }
    const other = await post(`${host.url}/warden/prune-orphan-events?verbose=1`, '', { secret });
    expect((await json(other)).error.message).toBe('unknown query parameter "verbose": webhooks take no query parameters: the signature covers the body only');
    expect(cloudSnapshot(cloud)).toBe(before);
    expect(cloud.stats.requests).toBe(requests);
  });

  it('gives each function its own secret: a signature made for one route is refused by every other', async () => {
    const { host, cloud } = await startRig();
    const names = ['tag-new-keys', 'guard-key-deletion', 'prune-orphan-events', 'check-restorable'];
    expect(new Set(names.map((name) => secretOf(host, name))).size).toBe(4);
    const before = cloudSnapshot(cloud);
    const body = '{"dryRun":true}';
    const signature = signWebhook(body, secretOf(host, 'prune-orphan-events'));
    for (const name of names.filter((n) => n !== 'prune-orphan-events')) {
      const response = await post(`${host.url}/warden/${name}`, body, { signature });
      expect(response.status, name).toBe(401);
      expect((await json(response)).error.code).toBe('signature_mismatch');
    }
    expect(cloudSnapshot(cloud)).toBe(before);
    // The same signed request on its own route is accepted (the refusals above did not use it up).
    expect((await post(`${host.url}/warden/prune-orphan-events`, body, { signature })).status).toBe(200);
    // No function sees another's secret.
    for (const fn of host.functions) {
      for (const other of names.filter((n) => n !== fn.name)) expect(Object.values(fn.env)).not.toContain(secretOf(host, other));
    }
  });

  it('an unsigned webhook is refused with 401 and changes nothing', async () => {
    const { host, cloud } = await startRig();
    const before = cloudSnapshot(cloud);
    for (const path of ['/warden/tag-new-keys', '/warden/guard-key-deletion', '/warden/prune-orphan-events', '/warden/check-restorable']) {
      const response = await post(`${host.url}${path}`, '', { signature: null });
      expect(response.status, path).toBe(401);
      expect(await json(response)).toEqual({ error: { code: 'missing_header', message: 'missing X-Warden-Signature header' } });
    }
    expect(cloudSnapshot(cloud)).toBe(before);
    expect(host.recent().map((r) => r.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
  });

  it('a wrongly signed webhook is refused with 401: other secret, other body, stale timestamp, garbage', async () => {
    const { host, cloud } = await startRig();
    const before = cloudSnapshot(cloud);
    const url = `${host.url}/warden/prune-orphan-events`;
    const cases: Array<[string | null, string]> = [
      [signWebhook('', 'not-the-secret-0123456789'), 'signature_mismatch'],
      [signWebhook('{"other":"body"}', secretOf(host, 'prune-orphan-events')), 'signature_mismatch'],
      [signWebhook('', secretOf(host, 'prune-orphan-events'), Math.floor(Date.now() / 1000) - 3600), 'expired_timestamp'],
      ['v1=abc', 'malformed_header'],
    ];
    for (const [signature, code] of cases) {
      const response = await post(url, '', { signature });
      expect(response.status).toBe(401);
      expect((await json(response)).error.code).toBe(code);
    }
    expect(cloudSnapshot(cloud)).toBe(before);
  });

  it("uses the user's WARDEN_WEBHOOK_SECRET_<FUNCTION> when set, and says where each secret came from", async () => {
    const secret = 'from-the-environment-0123456789';
    const { host } = await startRig({ userEnv: { WARDEN_WEBHOOK_SECRET_CHECK_RESTORABLE: secret } });
    expect(host.webhookSecrets['check-restorable']).toEqual({ value: secret, source: 'environment', variable: 'WARDEN_WEBHOOK_SECRET_CHECK_RESTORABLE' });
    expect((await post(`${host.url}/warden/check-restorable`, '', { secret })).status).toBe(200);
    expect((await post(`${host.url}/warden/prune-orphan-events`, '', { secret })).status).toBe(401);
    expect(host.webhookSecrets['prune-orphan-events']).toMatchObject({ source: 'generated', variable: 'WARDEN_WEBHOOK_SECRET_PRUNE_ORPHAN_EVENTS' });
    expect(secretOf(host, 'prune-orphan-events').length).toBeGreaterThanOrEqual(16);
  });

  it('refuses to start with one WARDEN_WEBHOOK_SECRET for every function, or one secret given to two', async () => {
    await expect(startRig({ userEnv: { WARDEN_WEBHOOK_SECRET: 'one-secret-for-all-0123456789' } })).rejects.toThrow(
      /^WARDEN_WEBHOOK_SECRET would give every function the same webhook secret, .*set one per function instead \(WARDEN_WEBHOOK_SECRET_TAG_NEW_KEYS, WARDEN_WEBHOOK_SECRET_GUARD_KEY_DELETION, …\)/,
    );
    const twice = { WARDEN_WEBHOOK_SECRET_TAG_NEW_KEYS: 'same-secret-0123456789', WARDEN_WEBHOOK_SECRET_CHECK_RESTORABLE: 'same-secret-0123456789' };
    await expect(startRig({ userEnv: twice })).rejects.toThrow('tag-new-keys and check-restorable are given the same webhook secret; give each function its own');
  });
});

describe('routing', () => {
  it('answers 404 JSON for a route no function declares, 405 for a wrong method', async () => {
    const { host } = await startRig();
    for (const path of ['/nope', '/warden', '/warden/tag-new-keys/extra', '/__warden/nope']) {
      const response = await fetch(`${host.url}${path}`, { method: 'POST' });
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect((await json(response)).error.code).toBe('not_found');
    }
    const wrong = await fetch(`${host.url}/warden/tag-new-keys`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(host.recent()).toEqual([]);
  });

  it('matches NORMAL paths exactly, SWA paths by prefix, and fills path parameters', async () => {
    const { host } = await startRig({ root: TEST_SERVICE });
    const status = async (method: string, path: string) => (await fetch(`${host.url}${path}`, { method })).status;
    expect(await status('PUT', '/exact')).toBe(200);
    expect(await status('PUT', '/exact/')).toBe(200);
    expect(await status('PUT', '/exact/more')).toBe(404);
    expect(await status('DELETE', '/echo')).toBe(200); // ANY
    expect(await status('GET', '/echo/deeper/still')).toBe(200);
    expect(await status('GET', '/echoes')).toBe(404);
    const item = await json(await fetch(`${host.url}/items/abc%20d`));
    expect(item.event.pathParameters).toEqual({ itemId: 'abc d' });
    expect(await status('GET', '/items/a/b')).toBe(404);
  });
});

describe('the APIG event and response', () => {
  it('turns a request into the APIG event shape', async () => {
    const { host } = await startRig({ root: TEST_SERVICE });
    const response = await fetch(`${host.url}/echo/sub/path?x=1&y=2&y=3`, {
      method: 'POST',
      headers: { 'X-Custom-Header': 'Value', 'content-type': 'text/plain' },
      body: 'héllo',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-echo')).toBe('yes');
    const { event } = await json(response);
    expect(event).toMatchObject({
      body: 'héllo',
      isBase64Encoded: false,
      httpMethod: 'POST',
      path: '/echo/sub/path',
      pathParameters: {},
      queryStringParameters: { x: '1', y: ['2', '3'] },
      requestContext: { apiId: 'echo', stage: 'RELEASE' },
    });
    expect(event.requestContext.requestId).toBe(response.headers.get('x-request-id'));
    expect(event.headers['x-custom-header']).toBe('Value');
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(() => parseApigEvent(event)).not.toThrow();
  });

  it('sends a body that is not UTF-8 as base64 with isBase64Encoded', async () => {
    const { host } = await startRig({ root: TEST_SERVICE });
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const { event } = await json(await fetch(`${host.url}/echo`, { method: 'POST', body: bytes }));
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, 'base64')).toEqual(bytes);
  });

  it('decodes a base64 answer; an answer that is no APIG response is a 502', async () => {
    const { host } = await startRig({ root: TEST_SERVICE });
    const binary = await fetch(`${host.url}/odd/binary`);
    expect(binary.status).toBe(201);
    expect(binary.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await binary.arrayBuffer())).toEqual(Buffer.from([0, 255, 1, 2]));
    for (const path of ['/odd/plain', '/odd/status']) {
      const response = await fetch(`${host.url}${path}`);
      expect(response.status, path).toBe(502);
      expect((await json(response)).error.code).toBe('bad_function_response');
    }
  });

  it('a handler that throws answers 500 JSON without its internals', async () => {
    const { host } = await startRig({ root: TEST_SERVICE });
    const response = await fetch(`${host.url}/boom`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    expect(text).not.toMatch(/hunter2|db\.internal|boom\.ts/);
    expect(host.recent()[0]).toMatchObject({ function: 'boom', outcome: 'error' });
  });

  it('answers 504 when the function outlives the API timeout', async () => {
    const { host } = await startRig({ root: TEST_SERVICE });
    const response = await fetch(`${host.url}/slow?ms=600`);
    expect(response.status).toBe(504);
    expect((await json(response)).error.code).toBe('timeout');
    expect(host.recent()[0]).toMatchObject({ function: 'slow', outcome: 'timeout' });
  });

  it('refuses a body over the limit with 413 before reading it all', async () => {
    const { host } = await startRig({ root: TEST_SERVICE, userEnv: { WARDEN_MAX_BODY_BYTES: '1024' } });
    const declared = await fetch(`${host.url}/echo`, { method: 'POST', body: 'x'.repeat(1025) });
    expect(declared.status).toBe(413);
    expect((await json(declared)).error.code).toBe('body_too_large');
    // Chunked, no Content-Length: refused once the limit is crossed.
    const chunks = Readable.from((function* () {
      for (let i = 0; i < 64; i++) yield Buffer.alloc(512, 'y');
    })());
    const streamed = await fetch(`${host.url}/echo`, { method: 'POST', body: Readable.toWeb(chunks) as ReadableStream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(host.recent()).toEqual([]);
    expect((await fetch(`${host.url}/echo`, { method: 'POST', body: 'x'.repeat(1024) })).status).toBe(200);
  });
});

describe('function environment and context', () => {
  it("merges provider variables < userData < cloud connection < webhook secret < the user's WARDEN_*", async () => {
    // An exported but empty WARDEN_WEBHOOK_SECRET does not blank the function's own.
    const userEnv = { WARDEN_OVERRIDDEN: 'user', HUAWEICLOUD_ENDPOINT_URL: 'https://elsewhere.example', WARDEN_WEBHOOK_SECRET: '' };
    const { host, cloud } = await startRig({ root: TEST_SERVICE, userEnv });
    // Two calls at once on a cold function start one process between them, not two.
    const [body, twin] = await Promise.all([fetch(`${host.url}/echo`).then(json), fetch(`${host.url}/echo`).then(json)]);
    expect(twin.env.pid).toBe(body.env.pid);
    const { pid, ...env } = body.env;
    expect(env).toEqual({
      WARDEN_FROM_PROVIDER: 'provider',
      WARDEN_FROM_USER_DATA: 'user-data',
      WARDEN_OVERRIDDEN: 'user',
      endpoint: cloud.url,
      hasSecret: true,
      // Keys come as an agency's do: through the context, never in the environment.
      accessKeyFromContext: true,
      accessKeyInEnv: false,
    });
    // It runs in a process of its own (the built zip, unpacked), warm: the next call meets the same one.
    expect(pid).not.toBe(process.pid);
    expect((await json(await fetch(`${host.url}/echo`))).env.pid).toBe(pid);
    expect(body.context).toMatchObject({ functionName: 'echo', userData: 'user-data' });
    expect(body.context.requestId).toMatch(/^[0-9a-f]{32}$/);
    // The function's timeout is 7 s: the remaining time counts down from there.
    expect(body.context.remainingMs).toBeGreaterThan(5_000);
    expect(body.context.remainingMs).toBeLessThanOrEqual(7_000);
  });
});

describe('CTS triggers', () => {
  it('creating a key through the cloud API fires tag-new-keys, which tags it with its creator within a second', async () => {
    const { host, cloud } = await startRig();
    const client = userClient(cloud);
    try {
      const finished = nextFinished(host, 'tag-new-keys', 'cts');
      const sent = Date.now();
      const created = await client.kms.createKey({ key_alias: 'team/new-key' });
      const keyId = created.key_info.key_id;
      const record = await finished;
      expect(Date.parse(record.started) - sent).toBeLessThan(1_000);
      expect(record).toMatchObject({ outcome: 'ok', trigger: 'cts' });
      expect(record.source).toBe(`KMS:cmk:createKey team/new-key by ${cloud.identity.userName}`);
      const tags = cloud.state.keys.get(keyId)?.tags;
      expect(tags?.get('created-by')).toBe(cloud.identity.userName);
      expect(tags?.get('owner-team')).toBe('platform');
    } finally {
      await client.close();
    }
  });

  it('scheduling the deletion of a protected key fires guard-key-deletion, which cancels it; the functions\' own changes fire nothing', async () => {
    const { host, cloud, events } = await startRig();
    const client = userClient(cloud);
    try {
      const tagged = nextFinished(host, 'tag-new-keys', 'cts');
      const { key_info } = await client.kms.createKey({ key_alias: 'prod-billing' });
      await tagged;
      const guarded = nextFinished(host, 'guard-key-deletion', 'cts');
      await client.kms.deleteKey({ key_id: key_info.key_id, pending_days: '7' });
      const record = await guarded;
      expect(record.actions).toContainEqual(expect.objectContaining({ kind: 'cancel-deletion', target: key_info.key_id, status: 'applied' }));
      expect(cloud.state.keys.get(key_info.key_id)?.key_state).toBe('3');

      // Traces are delivered in order: once a later trace's invocation has started, every earlier one has been
      // dispatched. The functions' own changes (tags, descriptions, cancelKeyDeletion) must have fired nothing.
      const sentinel = nextFinished(host, 'tag-new-keys', 'cts');
      await client.kms.createKey({ key_alias: 'sentinel' });
      await sentinel;
      const ctsRuns = events.filter((e) => e.type === 'started' && e.record.trigger === 'cts').map((e) => (e as { record: InvocationRecord }).record.source.split(' ')[0]);
      expect(ctsRuns).toEqual(['KMS:cmk:createKey', 'KMS:cmk:scheduleKeyDeletion', 'KMS:cmk:createKey']);
      const operations = new Set(cloud.state.traces.map((t) => t.cts.trace_name));
      expect(operations).toContain('dealUnifiedTags');
      expect(operations).toContain('cancelKeyDeletion');
    } finally {
      await client.close();
    }
  });

  it('matches operations with ";" alternatives, once per function, and stops a loop', async () => {
    const { host, cloud, events } = await startRig({ root: TEST_SERVICE, loopGuard: { limit: 2, windowMs: 60_000 } });
    const client = userClient(cloud);
    try {
      let finished = nextFinished(host, 'keys');
      const { key_info } = await client.kms.createKey({ key_alias: 'loop/key' });
      expect((await finished).actions[0]).toMatchObject({ kind: 'createKey', target: key_info.key_id });
      finished = nextFinished(host, 'keys');
      await client.kms.disableKey({ key_id: key_info.key_id });
      expect((await finished).actions[0]).toMatchObject({ kind: 'disableKey' });
      await client.kms.enableKey({ key_id: key_info.key_id }); // not an operation of `keys`
      const dropped = nextEvent(host, (e) => e.type === 'skipped');
      await client.kms.disableKey({ key_id: key_info.key_id }); // the third for this key within the window
      expect(await dropped).toMatchObject({ function: 'keys', trigger: 'cts', reason: expect.stringContaining('loop guard') });
      expect(events.filter((e) => e.type === 'started').length).toBe(2);
    } finally {
      await client.close();
    }
  });
});

describe('TIMER triggers', () => {
  it('fires each TIMER trigger once at start', async () => {
    const rig = await startRig({ runAtStart: true });
    expect(rig.host.recent().map((r) => `${r.function} ${r.outcome}`)).toEqual([
      'check-restorable running',
      'prune-orphan-events running',
      'guard-key-deletion running',
      'tag-new-keys running',
    ]);
    const finished = () => rig.events.flatMap((e) => (e.type === 'finished' && e.record.trigger === 'timer' ? [e.record] : []));
    await until(rig, () => finished().length === 4);
    expect(finished().map((r) => r.source).sort()).toEqual([
      'warden-guard-sweep (every 30m)',
      'warden-prune-daily (cron 0 30 3 * * ?)',
      'warden-restorable-daily (cron 0 0 6 * * ?)',
      'warden-tag-sweep (every 1h)',
    ]);
    for (const record of finished()) expect(['ok', 'failed']).toContain(record.outcome);
  });

  it('fires on a fast schedule (time scaled: 1h every 100 ms)', async () => {
    const { host } = await startRig({ timeScale: 36_000 });
    const job = host.timers.find((t) => t.name === 'warden-tag-sweep');
    expect(job?.nextAt).toBeInstanceOf(Date);
    const first = await nextFinished(host, 'tag-new-keys', 'timer');
    const second = await nextFinished(host, 'tag-new-keys', 'timer');
    expect(first.source).toBe('warden-tag-sweep (every 1h)');
    expect(Date.parse(second.started)).toBeGreaterThan(Date.parse(first.started));
    expect(first.outcome).toBe('ok');
  });

  it('never overlaps runs of one function: a tick during a run is skipped and says so', async () => {
    // slow-tick: every minute, each run pausing 60 ms; at 6000× a tick comes every 10 ms.
    const { host, events } = await startRig({ root: TEST_SERVICE, timeScale: 6_000 });
    await nextEvent(host, (e) => e.type === 'skipped');
    await nextFinished(host, 'slow', 'timer');
    await nextFinished(host, 'slow', 'timer');
    await host.close();
    const skipped = events.filter((e) => e.type === 'skipped');
    expect(skipped[0]).toMatchObject({ function: 'slow', trigger: 'timer', source: 'slow-tick', reason: expect.stringMatching(/^tick skipped: the previous run \(started .*\) is still going$/) });
    const runs = events.flatMap((e) => (e.type === 'finished' ? [e.record] : [])).sort((a, b) => Date.parse(a.started) - Date.parse(b.started));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < runs.length; i++) {
      const previous = runs[i - 1] as InvocationRecord;
      expect(Date.parse((runs[i] as InvocationRecord).started)).toBeGreaterThanOrEqual(Date.parse(previous.started) + (previous.durationMs ?? 0));
    }
  });

  it('ignores DISABLED triggers and stops every timer on close', async () => {
    const { host } = await startRig({ root: TEST_SERVICE });
    expect(host.timers.map((t) => `${t.fn.name}:${t.name}`)).toEqual(['slow:slow-tick']);
    await host.close();
    expect(host.timers.every((t) => t.nextAt === undefined)).toBe(true);
    await expect(fetch(`${host.url}/echo`)).rejects.toThrow();
  });
});

describe('status', () => {
  it('keeps the most recent invocations only (a ring buffer)', async () => {
    const { host } = await startRig({ root: TEST_SERVICE, historySize: 2 });
    for (const path of ['/echo/1', '/echo/2', '/echo/3']) await fetch(`${host.url}${path}`);
    expect(host.recent().map((r) => r.source)).toEqual(['GET /echo/3', 'GET /echo/2']);
  });

  it('serves the functions, recent invocations and cloud state as JSON, without secrets', async () => {
    const { host, cloud } = await startRig();
    await post(`${host.url}/warden/check-restorable`, '', { secret: secretOf(host, 'check-restorable') });
    const response = await fetch(`${host.url}/__warden/status`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    for (const { value } of Object.values(host.webhookSecrets)) expect(text).not.toContain(value);
    expect(text).not.toContain(cloud.identity.sk);
    const status = JSON.parse(text);
    expect(status.functions.map((f: { name: string }) => f.name)).toEqual(['tag-new-keys', 'guard-key-deletion', 'prune-orphan-events', 'check-restorable']);
    expect(status.functions[0].triggers.map((t: { type: string; summary: string }) => `${t.type} ${t.summary}`)).toEqual([
      'CTS KMS:cmk:createKey',
      'APIG POST /warden/tag-new-keys',
      'TIMER every 1h',
    ]);
    // Each function's signed curl reads its own secret from a variable, never carries it.
    expect(status.functions[2].webhook).toEqual({
      secretVariable: 'WARDEN_WEBHOOK_SECRET_PRUNE_ORPHAN_EVENTS',
      curl: expect.stringContaining(`-hmac "$WARDEN_WEBHOOK_SECRET_PRUNE_ORPHAN_EVENTS"`),
    });
    expect(status.functions[2].webhook.curl).toContain(`curl -s -X POST '${host.url}/warden/prune-orphan-events'`);
    // The default fixture's only backup dates from 2024: stale, so the run reports a failed check.
    expect(status.invocations[0]).toMatchObject({ function: 'check-restorable', trigger: 'apig', outcome: 'failed', statusCode: 200 });
    expect(status.keys).toHaveLength(cloud.state.keys.size);
    expect(status.events[0]).toMatchObject({ name: DEFAULT_IDS.event, referencedBy: [DEFAULT_IDS.secret] });
    expect(status.servers[0]).toMatchObject({
      id: DEFAULT_IDS.server,
      warden: { function: 'check-restorable', actions: [{ kind: 'check-restorable', target: DEFAULT_IDS.server, status: 'failed' }] },
    });
    expect(status.labels[DEFAULT_IDS.server]).toBe('web-01');
  });
});

describe('browsers: DNS rebinding and cross-site requests', () => {
  /** A raw request with the Host and Origin a browser would send. */
  function raw(url: string, method: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('refuse a Host that is not this host on loopback: the status, the page and the functions', async () => {
    const { host } = await startRig();
    const rebound = `attacker.example:${host.port}`;
    for (const [method, path] of [['GET', '/__warden/status'], ['GET', '/'], ['POST', '/warden/tag-new-keys']] as const) {
      const response = await raw(`${host.url}${path}`, method, { host: rebound });
      expect(response.status, path).toBe(403);
      expect(response.body.error).toEqual({ code: 'forbidden_host', message: expect.stringMatching(/^Host "attacker\.example:\d+" does not name this server on loopback/) });
    }
    expect(host.recent()).toEqual([]);
    for (const name of ['127.0.0.1', 'localhost', '[::1]']) expect((await raw(`${host.url}/__warden/status`, 'GET', { host: `${name}:${host.port}` })).status, name).toBe(200);
  });

  it('refuse a foreign Origin: a page elsewhere cannot fire a function, even with WARDEN_WEBHOOK_AUTH=none', async () => {
    const { host, cloud } = await startRig({ userEnv: { WARDEN_WEBHOOK_AUTH: 'none' } });
    const before = cloudSnapshot(cloud);
    const hostHeader = `127.0.0.1:${host.port}`;
    for (const origin of ['https://attacker.example', 'null', `http://127.0.0.1:${host.port + 1}`]) {
      const response = await raw(`${host.url}/warden/tag-new-keys`, 'POST', { host: hostHeader, origin, 'content-type': 'text/plain' });
      expect(response.status, origin).toBe(403);
      expect(response.body.error.code).toBe('forbidden_origin');
    }
    expect(cloudSnapshot(cloud)).toBe(before);
    expect(host.recent()).toEqual([]);
    // The page's own requests (same origin) and plain webhooks (no Origin) still go through.
    expect((await raw(`${host.url}/__warden/status`, 'GET', { host: hostHeader, origin: `http://127.0.0.1:${host.port}` })).status).toBe(200);
    expect((await raw(`${host.url}/warden/tag-new-keys`, 'POST', { host: hostHeader, 'content-type': 'application/json' }, '{"dryRun":true}')).status).toBe(200);
  });
});
