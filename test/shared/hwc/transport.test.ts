import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HwcError, isDeadlineError } from '../../../shared/hwc/errors.ts';
import { resolveEndpoints } from '../../../shared/hwc/endpoints.ts';
import { Transport, pathOf } from '../../../shared/hwc/transport.ts';
import type { Authenticator } from '../../../shared/hwc/transport.ts';

// A scripted loopback server: each request takes the next answer from the script, so the
// transport's behaviour on odd answers (which the embedded cloud never gives) can be observed.
type Answer = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let script: Answer[] = [];
let server: Server;
let origin: string;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req-${seen.length}`, ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
};
const raw = (status: number, text: string): Answer => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
};
const reset: Answer = (req) => req.socket.destroy();

/** What a flooding answer managed to hand to its socket before the client went away. */
interface Flood {
  written: number;
  readonly closed: Promise<void>;
}
const FLOOD_BYTES = 200 * 1024 * 1024;
/** 200 MiB of a JSON string, chunked or with its Content-Length, written as fast as the client takes it. */
function flood(withLength: boolean): { answer: Answer; flood: Flood } {
  let closed!: () => void;
  const state: Flood = { written: 0, closed: new Promise<void>((resolve) => (closed = resolve)) };
  const answer: Answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': String(FLOOD_BYTES) } : {}) });
    res.on('close', closed);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (state.written < FLOOD_BYTES && !res.destroyed) {
        state.written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  };
  return { answer, flood: state };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const answer = script.shift() ?? json(200, { ok: true });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  script = [];
});

const passThrough: Authenticator = { authenticate: async (request) => ({ ...request.headers, 'X-Auth-Token': 'secret-token' }) };

function transport(retry = {}): Transport {
  const endpoints = resolveEndpoints('cn-north-4', { HUAWEICLOUD_ENDPOINT_URL: origin });
  return new Transport({ endpoints, projectId: 'p1', authenticator: passThrough, retry: { baseDelayMs: 1, maxDelayMs: 5, ...retry } });
}

describe('Transport', () => {
  it('sends JSON with X-Project-Id and the authenticator headers, and parses the answer', async () => {
    const t = transport();
    script = [json(200, { key_info: { key_id: 'k' } })];
    const result = await t.call({
      operation: 'kms.listKeyDetail',
      service: 'kms',
      method: 'POST',
      path: pathOf`/v1.0/${'p1'}/kms/describe-key`,
      query: { limit: 2, tags: ['a', 'b'], skipped: undefined },
      body: { key_id: 'k' },
    });
    expect(result.body).toEqual({ key_info: { key_id: 'k' } });
    expect(result.requestId).toBe('req-1');
    expect(seen[0]?.url).toBe('/v1.0/p1/kms/describe-key?limit=2&tags=a&tags=b');
    expect(seen[0]?.headers['x-project-id']).toBe('p1');
    expect(seen[0]?.headers['x-auth-token']).toBe('secret-token');
    expect(seen[0]?.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ key_id: 'k' });
    await t.close();
  });

  it('encodes path parameters', () => {
    expect(pathOf`/v1/${'p'}/csms/events/${'a b/c'}`).toBe('/v1/p/csms/events/a%20b%2Fc');
  });

  it('retries 429, 500, 502, 503, 504 and resets, keeping one sequence for the logical call', async () => {
    const t = transport({ attempts: 7 });
    script = [json(429, {}, { 'retry-after': '0' }), json(500, {}), json(502, {}), json(503, {}), reset, json(504, {}), json(200, { ok: 1 })];
    const result = await t.call({ operation: 'kms.createKey', service: 'kms', method: 'POST', path: '/x', body: { a: 1 }, sequence: true });
    expect(result.body).toEqual({ ok: 1 });
    expect(seen).toHaveLength(7);
    const sequences = new Set(seen.map((r) => JSON.parse(r.body).sequence as string));
    expect(sequences.size).toBe(1);
    expect([...sequences][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.stats).toEqual({ calls: 1, attempts: 7 });
    await t.close();
  });

  it('gives each logical call its own sequence', async () => {
    const t = transport();
    await t.call({ operation: 'kms.enableKey', service: 'kms', method: 'POST', path: '/x', body: {}, sequence: true });
    await t.call({ operation: 'kms.enableKey', service: 'kms', method: 'POST', path: '/x', body: {}, sequence: true });
    expect(JSON.parse(seen[0]!.body).sequence).not.toBe(JSON.parse(seen[1]!.body).sequence);
    await t.close();
  });

  it('waits at least Retry-After before retrying', async () => {
    const t = transport({ attempts: 2 });
    script = [json(429, {}, { 'retry-after': '1' }), json(200, {})];
    const started = Date.now();
    await t.call({ operation: 'kms.listKeys', service: 'kms', method: 'POST', path: '/x', body: {} });
    // Not a timing assertion on our speed: a lower bound the server demanded.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await t.close();
  });

  it('gives up after the configured attempts with the last error, naming the operation', async () => {
    const t = transport({ attempts: 3 });
    script = [json(502, {}), json(504, { error: { error_code: 'APIGW.0104', error_msg: 'upstream timeout' } }), json(500, { error: { error_code: 'KMS.0001', error_msg: 'internal' } })];
    const error = await t.call({ operation: 'kms.disableKey', service: 'kms', method: 'POST', path: '/x', body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HwcError);
    expect(error).toMatchObject({ operation: 'kms.disableKey', status: 500, errorCode: 'KMS.0001', attempts: 3 });
    expect(String((error as Error).message)).toBe('kms.disableKey failed with HTTP 500 KMS.0001: internal (request req-3)');
    expect(seen).toHaveLength(3);
    await t.close();
  });

  it('does not retry a 4xx answer and reads every documented error shape', async () => {
    const t = transport();
    const call = () => t.call({ operation: 'op', service: 'kms', method: 'POST', path: '/x', body: {} }).catch((e: HwcError) => e);
    script = [json(400, { error: { error_code: 'KMS.1501', error_msg: 'not pending' } })];
    expect(await call()).toMatchObject({ status: 400, errorCode: 'KMS.1501', errorMsg: 'not pending' });
    script = [json(404, { error_code: 'BackupService.6302', error_msg: 'not found' })];
    expect(await call()).toMatchObject({ status: 404, errorCode: 'BackupService.6302' });
    script = [json(401, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } })];
    expect(await call()).toMatchObject({ status: 401, errorCode: '401' });
    script = [json(403, { error: { error_code: 'KMS.0303', error_msg: 'forbidden' } })];
    expect(await call()).toMatchObject({ status: 403, errorCode: 'KMS.0303' });
    expect(seen).toHaveLength(4);
    await t.close();
  });

  it('treats a 200 carrying an error body as an error', async () => {
    const t = transport();
    script = [json(200, { error: { error_code: 'KMS.0205', error_msg: 'key does not exist' } })];
    const error = await t.call({ operation: 'kms.listKeyDetail', service: 'kms', method: 'POST', path: '/x', body: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 200, errorCode: 'KMS.0205', operation: 'kms.listKeyDetail' });
    await t.close();
  });

  it('rejects a success answer that is not JSON', async () => {
    const t = transport();
    script = [raw(200, '<html>gateway</html>')];
    const error = await t.call({ operation: 'csms.listSecrets', service: 'csms', method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ errorCode: 'WARDEN.INVALID_RESPONSE', operation: 'csms.listSecrets' });
    await t.close();
  });

  it('reports a connection failure as a network error after retrying', async () => {
    const endpoints = resolveEndpoints('x', { HUAWEICLOUD_ENDPOINT_URL: 'http://127.0.0.1:1' });
    const t = new Transport({ endpoints, projectId: 'p', authenticator: passThrough, retry: { attempts: 2, baseDelayMs: 1 } });
    const error = await t.call({ operation: 'smn.publishMessage', service: 'smn', method: 'POST', path: '/x', body: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, errorCode: 'WARDEN.NETWORK', attempts: 2 });
    expect(String(error)).not.toContain('secret-token');
    await t.close();
  });

  it('stops retrying when the caller aborts', async () => {
    const t = transport({ attempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 });
    script = [json(503, {})];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await t.call({ operation: 'op', service: 'kms', method: 'POST', path: '/x', body: {}, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);
    await t.close();
  });

  it.each([
    ['chunked', false, 'ran past 1048576 bytes'],
    ['with a Content-Length', true, 'declares 209715200 bytes'],
  ])('stops reading an answer over maxResponseBytes (%s): one attempt, an HwcError naming the cap, nothing parsed', async (_, withLength, what) => {
    const endpoints = resolveEndpoints('cn-north-4', { HUAWEICLOUD_ENDPOINT_URL: origin });
    const t = new Transport({ endpoints, projectId: 'p1', authenticator: passThrough, retry: { attempts: 3, baseDelayMs: 1 }, maxResponseBytes: 1024 * 1024 });
    const { answer, flood: sent } = flood(withLength);
    script = [answer];
    const error = await t.call({ operation: 'kms.listKmsByTags', service: 'kms', method: 'POST', path: '/x', body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HwcError);
    expect(error).toMatchObject({ operation: 'kms.listKmsByTags', status: 200, errorCode: 'WARDEN.INVALID_RESPONSE', attempts: 1 });
    expect((error as HwcError).errorMsg).toContain(`${what}, over the 1048576-byte limit`);
    expect(seen).toHaveLength(1);
    // The client aborted: the server could hand its socket the cap plus what the kernel's buffers hold (a few
    // MiB on loopback), never the 200 MiB a client reading the whole answer takes.
    await sent.closed;
    expect(sent.written).toBeLessThan(32 * 1024 * 1024);
    // The connection pool still works.
    script = [json(200, { ok: true })];
    expect((await t.call({ operation: 'kms.listKeys', service: 'kms', method: 'POST', path: '/x', body: {} })).body).toEqual({ ok: true });
    await t.close();
  });

  it('reads an answer right at maxResponseBytes, chunked or not', async () => {
    const endpoints = resolveEndpoints('cn-north-4', { HUAWEICLOUD_ENDPOINT_URL: origin });
    const text = JSON.stringify({ pad: 'é'.repeat(40) });
    const t = new Transport({ endpoints, projectId: 'p1', authenticator: passThrough, maxResponseBytes: Buffer.byteLength(text) });
    const chunked: Answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const bytes = Buffer.from(text);
      res.write(bytes.subarray(0, 3)); // splits the first "é"
      res.end(bytes.subarray(3));
    };
    script = [raw(200, text), chunked];
    for (let i = 0; i < 2; i++) expect((await t.call({ operation: 'op', service: 'kms', method: 'GET', path: '/x' })).body).toEqual(JSON.parse(text));
    await t.close();
  });

  it('refuses a nonsensical retry policy or body limit', () => {
    expect(() => transport({ attempts: 0 })).toThrow(/retry.attempts/);
    const endpoints = resolveEndpoints('cn-north-4', { HUAWEICLOUD_ENDPOINT_URL: origin });
    expect(() => new Transport({ endpoints, projectId: 'p', authenticator: passThrough, maxResponseBytes: 0 })).toThrow(/maxResponseBytes/);
  });
});

describe('Transport.withDeadline', () => {
  const call = (t: Transport, extra: { signal?: AbortSignal } = {}) =>
    t.call({ operation: 'kms.cancelKeyDeletion', service: 'kms', method: 'POST', path: '/x', body: {}, sequence: true, ...extra }).catch((e: unknown) => e);
  /** Never answers: the call stays in flight until someone aborts it. */
  const hold = (then: () => void): Answer => () => then();

  it('sends nothing once the deadline has passed', async () => {
    const t = transport();
    const deadline = new AbortController();
    deadline.abort();
    const error = await call(t.withDeadline(deadline.signal));
    expect(isDeadlineError(error)).toBe(true);
    expect(error).toMatchObject({ operation: 'kms.cancelKeyDeletion', status: 0, errorCode: 'WARDEN.DEADLINE', attempts: 0 });
    expect((error as HwcError).errorMsg).toBe('the deadline had passed: the call was not sent');
    expect(seen).toHaveLength(0);
    await t.close();
  });

  it('cuts the call in flight when the deadline passes, and does not retry it', async () => {
    const t = transport({ attempts: 4 });
    const deadline = new AbortController();
    script = [hold(() => deadline.abort())];
    const error = await call(t.withDeadline(deadline.signal));
    expect(isDeadlineError(error)).toBe(true);
    expect(error).toMatchObject({ status: 0, errorCode: 'WARDEN.DEADLINE', attempts: 1 });
    expect((error as HwcError).errorMsg).toMatch(/cut the call before its answer came: a change it carried may or may not have been made/);
    expect(seen).toHaveLength(1);
    await t.close();
  });

  it('ends a retry\'s wait at the deadline instead of sleeping through it', async () => {
    const t = transport({ attempts: 4 });
    const deadline = new AbortController();
    // Retry-After 30 s: without the deadline the call would wait that long (past the test's own time limit).
    script = [json(503, { error: { error_code: 'KMS.0001', error_msg: 'busy' } }, { 'retry-after': '30' })];
    setTimeout(() => deadline.abort(), 50);
    const error = await call(t.withDeadline(deadline.signal));
    expect(isDeadlineError(error)).toBe(true);
    // Almost always the wait is cut ("before a retry", naming the 503); on a slow machine the answer may still be read.
    expect((error as HwcError).errorMsg).toMatch(/passed before a retry; the last attempt: kms.cancelKeyDeletion failed with HTTP 503 KMS.0001: busy|cut the call/);
    expect(seen).toHaveLength(1);
    await t.close();
  });

  it('bounds the authentication too (a token being obtained)', async () => {
    const endpoints = resolveEndpoints('cn-north-4', { HUAWEICLOUD_ENDPOINT_URL: origin });
    const deadline = new AbortController();
    // A token that never comes: the deadline passes while we wait for it.
    const stuck: Authenticator = { authenticate: () => (deadline.abort(), new Promise(() => undefined)) };
    const t = new Transport({ endpoints, projectId: 'p1', authenticator: stuck });
    const error = await call(t.withDeadline(deadline.signal));
    expect(error).toMatchObject({ status: 0, errorCode: 'WARDEN.DEADLINE', errorMsg: 'the deadline had passed: the call was not sent' });
    expect(seen).toHaveLength(0);
    await t.close();
  });

  it('keeps the caller\'s own signal: its abort is not the deadline\'s', async () => {
    const t = transport({ attempts: 4 });
    const deadline = new AbortController();
    const own = new AbortController();
    script = [hold(() => own.abort())];
    const error = await call(t.withDeadline(deadline.signal), { signal: own.signal });
    expect(isDeadlineError(error)).toBe(false);
    expect(error).toMatchObject({ status: 0, errorCode: 'WARDEN.NETWORK', attempts: 1 });
    expect(seen).toHaveLength(1);
    await t.close();
  });

  it('shares the pools and stats of its transport, which its deadline does not touch; a view of a view heeds both', async () => {
    const t = transport();
    const first = new AbortController();
    const second = new AbortController();
    const view = t.withDeadline(first.signal);
    const nested = view.withDeadline(second.signal);
    expect((await view.call({ operation: 'op', service: 'kms', method: 'GET', path: '/x' })).body).toEqual({ ok: true });
    first.abort();
    expect(isDeadlineError(await call(view))).toBe(true);
    expect(isDeadlineError(await call(nested))).toBe(true); // the outer deadline bounds the nested view too
    expect(isDeadlineError(await call(t.withDeadline(second.signal)))).toBe(false); // a fresh view of the transport is unbounded by it
    expect((await t.call({ operation: 'op', service: 'kms', method: 'GET', path: '/x' })).body).toEqual({ ok: true });
    expect(t.stats).toEqual({ calls: 3, attempts: 3 });
    await view.close(); // closing a view closes the transport
    expect(await t.call({ operation: 'op', service: 'kms', method: 'GET', path: '/x' }).catch((e: HwcError) => e.errorMsg)).toBe('the client is closed');
  });

  it('carries many calls in flight at once without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const t = transport();
    const deadline = new AbortController();
    const calls = 16;
    script = Array.from({ length: calls }, () => hold(() => seen.length === calls && deadline.abort()));
    const view = t.withDeadline(deadline.signal);
    const errors = await Promise.all(Array.from({ length: calls }, () => call(view)));
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    process.off('warning', onWarning);
    expect(errors.every(isDeadlineError)).toBe(true);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    await t.close();
  });

  it('is not a deadline error when the cloud answers with that code', async () => {
    const t = transport();
    script = [json(400, { error: { error_code: 'WARDEN.DEADLINE', error_msg: 'spoofed' } })];
    const error = await call(t);
    expect(error).toMatchObject({ status: 400, errorCode: 'WARDEN.DEADLINE' });
    expect(isDeadlineError(error)).toBe(false);
    await t.close();
  });
});
