import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Dispatcher, Pool } from 'undici';
// The pool and its request API alone, not undici's index: half the bundle, a faster cold start (BENCHMARKS.md).
import PoolClass from 'undici/lib/dispatcher/pool.js';
import poolRequest from 'undici/lib/api/api-request.js';
import { HwcError, LocalErrorCode, isRecord, parseErrorBody } from './errors.ts';
import { ArrayFieldSplitter, MalformedJsonError } from './json-stream.ts';
import type { Endpoints, ServiceName } from './endpoints.ts';

/** Signed, pooled, retried JSON-over-HTTP calls to Huawei Cloud. One Transport per client. */

export interface RetryPolicy {
  /** Attempts per logical call, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface TimeoutPolicy {
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 5_000 };
/**
 * Largest answer body read, 8 MiB: ten times the largest page the sweeps read (a 1,000-key ListKmsByTags page
 * with details and tags: 0.6–0.8 MB; 805 KB measured with five tags a key). While it is read and parsed a body
 * costs ≈ 3.5× its size (bytes, text, objects: measured 1.25× for the objects), and a listing holds at most
 * three at once (two pages in flight, one read ahead): ≈ 85 MB at worst, within a 256 MB function beside
 * Node's own ≈ 60 MB. Past it the call fails; nothing of the body is parsed. (Calls with `streamArray`, the
 * large CBR and ECS listing pages, hold only what their `element` keeps; the cap applies to them all the same.)
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_TIMEOUTS: TimeoutPolicy = { connectMs: 5_000, headersMs: 15_000, bodyMs: 15_000 };
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
/** A Retry-After longer than this is not waited for: the call fails and says so. */
const MAX_RETRY_AFTER_MS = 60_000;

export interface PreparedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** Adds the authentication headers (a signature or a token) to a request about to be sent. */
export interface Authenticator {
  authenticate(request: PreparedRequest): Promise<Record<string, string>>;
}

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface CallSpec {
  /** e.g. `kms.listKeys`; named in errors and counted in stats. */
  readonly operation: string;
  readonly service: ServiceName;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with every parameter already encoded (see `pathOf`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: Record<string, unknown> | undefined;
  /** Extra headers of the call (signed with the rest), e.g. FunctionGraph's `X-CFF-Request-Version`. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** KMS: put a `sequence` UUID in the body, the same for every retry of this call. */
  readonly sequence?: boolean;
  /** Send `X-Project-Id` (project-scoped services). Default true. */
  readonly projectScoped?: boolean;
  /** Authenticate the call (false only for obtaining a token). Default true. */
  readonly authenticated?: boolean;
  readonly signal?: AbortSignal | undefined;
  /**
   * A listing whose pages are large: its top-level array `field` is read element by element as the answer
   * arrives (json-stream.ts), each element handed to `element`, which validates it (throwing an Error whose
   * message names what is wrong) and returns what to keep. The call's body is then the answer with `field`
   * holding what `element` returned, in order. A new array every attempt: nothing of a failed attempt is kept.
   * Only a success (status < 400) is read so; an error answer is read whole, as for every call.
   */
  readonly streamArray?: StreamedArray | undefined;
}

export interface StreamedArray {
  readonly field: string;
  readonly element: (value: unknown, index: number) => unknown;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly requestId: string | undefined;
}

export interface TransportOptions {
  readonly endpoints: Endpoints;
  readonly projectId: string;
  readonly authenticator: Authenticator;
  readonly retry?: Partial<RetryPolicy> | undefined;
  readonly timeouts?: Partial<TimeoutPolicy> | undefined;
  /** Connections per origin. */
  readonly connections?: number | undefined;
  readonly userAgent?: string | undefined;
  /** Largest answer body read (default `DEFAULT_MAX_RESPONSE_BYTES`); a larger one fails the call, unread. */
  readonly maxResponseBytes?: number | undefined;
  /** For deterministic tests of the backoff. */
  readonly random?: (() => number) | undefined;
}

export class Transport {
  readonly projectId: string;
  readonly retry: RetryPolicy;
  readonly maxResponseBytes: number;
  private readonly timeouts: TimeoutPolicy;
  private readonly pools = new Map<string, Pool>();
  /** Per service: its base URL without trailing slashes, and the pool of its origin. */
  private readonly targets = new Map<ServiceName, { readonly base: string; readonly pool: Pool }>();
  private readonly random: () => number;
  /** Shared with every view (`withDeadline`), so closing any of them closes them all. */
  private readonly lifecycle = { closed: false };
  /** Set on a view only (`withDeadline`). */
  private readonly deadline: AbortSignal | undefined;
  /** Logical calls made and HTTP attempts sent (retries included). */
  readonly stats = { calls: 0, attempts: 0 };

  constructor(private readonly options: TransportOptions) {
    this.projectId = options.projectId;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.random = options.random ?? Math.random;
    if (!Number.isInteger(this.retry.attempts) || this.retry.attempts < 1) {
      throw new RangeError(`retry.attempts must be a whole number ≥ 1, got ${this.retry.attempts}`);
    }
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isSafeInteger(this.maxResponseBytes) || this.maxResponseBytes < 1) {
      throw new RangeError(`maxResponseBytes must be a whole number ≥ 1, got ${this.maxResponseBytes}`);
    }
  }

  /**
   * This transport bounded by `deadline`: every call made through the view receives it, together with the call's
   * own signal. Once it aborts, no call is sent, the one in flight is cut, and no retry is waited for or made:
   * each ends at once as an HwcError `WARDEN.DEADLINE` (`isDeadlineError`). Everything else (pools, stats,
   * retry policy) is this transport's, read through the prototype, so a view per invocation costs one object
   * and the connections outlive it. A view of a view is bounded by both deadlines.
   */
  withDeadline(deadline: AbortSignal): Transport {
    const view = Object.create(this) as Transport;
    const bound = this.deadline === undefined ? deadline : AbortSignal.any([this.deadline, deadline]);
    // Every call in flight through the view listens to it (undici, a retry's wait): many at once is the design.
    setMaxListeners(0, bound);
    Object.defineProperty(view, 'deadline', { value: bound });
    return view;
  }

  async call(spec: CallSpec): Promise<CallResult> {
    if (this.lifecycle.closed) throw new HwcError({ operation: spec.operation, status: 0, errorMsg: 'the client is closed' });
    if (this.deadline?.aborted) throw deadlineError(spec.operation, 0, 'had passed: the call was not sent');
    this.stats.calls++;
    const signal = this.deadline === undefined || spec.signal === undefined ? (spec.signal ?? this.deadline) : AbortSignal.any([spec.signal, this.deadline]);
    const bounded = signal === spec.signal ? spec : { ...spec, signal };
    const body = spec.sequence ? { ...spec.body, sequence: randomUUID() } : spec.body;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let attempt = 0;
    for (;;) {
      attempt++;
      const outcome = await this.attempt(bounded, payload, attempt);
      if (outcome.kind === 'done') return outcome.result;
      if (attempt >= this.retry.attempts) throw outcome.error;
      if (signal?.aborted) throw this.notRetried(spec.operation, attempt, outcome.error);
      const delay = this.backoff(attempt, outcome.retryAfterMs);
      if (delay === undefined) throw outcome.error;
      await sleep(delay, signal);
      if (signal?.aborted) throw this.notRetried(spec.operation, attempt, outcome.error);
    }
  }

  async close(): Promise<void> {
    this.lifecycle.closed = true;
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
    this.targets.clear();
  }

  private async attempt(
    spec: CallSpec,
    payload: string | undefined,
    attempt: number,
  ): Promise<{ kind: 'done'; result: CallResult } | { kind: 'retry'; error: HwcError; retryAfterMs?: number }> {
    this.stats.attempts++;
    const target = this.target(spec.service);
    const url = this.urlFor(target.base, spec);
    const headers: Record<string, string> = { ...spec.headers };
    if (payload !== undefined) headers['Content-Type'] = 'application/json;charset=UTF-8';
    if (spec.projectScoped !== false) headers['X-Project-Id'] = this.projectId;
    const prepared: PreparedRequest = { method: spec.method, url, headers, body: payload };
    // Signing is quick, but obtaining a token (IAM password login) is a call of its own: the deadline bounds it too.
    const sent = spec.authenticated === false ? headers : await untilAborted(this.authenticate(spec, prepared), spec.signal);
    if (sent === ABORTED || spec.signal?.aborted) throw this.notSent(spec.operation, attempt);
    if (this.options.userAgent) sent['User-Agent'] = this.options.userAgent;

    let response: Dispatcher.ResponseData;
    let text: string | undefined;
    let streamed: { ok: true; value: unknown } | undefined;
    try {
      response = await poolRequest.call(target.pool, {
        method: spec.method,
        path: url.pathname + url.search,
        headers: sent,
        body: payload,
        signal: spec.signal,
      });
      if (spec.streamArray !== undefined && response.statusCode < 400) {
        streamed = await readStreamed(response, this.maxResponseBytes, spec.operation, attempt, spec.streamArray);
      } else {
        text = await readCapped(response, this.maxResponseBytes, spec.operation, attempt);
      }
    } catch (cause) {
      if (cause instanceof HwcError) throw cause; // an answer over the cap: not retried
      const error = new HwcError({
        operation: spec.operation,
        status: 0,
        errorCode: isTimeout(cause) ? LocalErrorCode.timeout : LocalErrorCode.network,
        errorMsg: networkMessage(cause),
        attempts: attempt,
        cause,
      });
      if (this.deadline?.aborted) throw deadlineError(spec.operation, attempt, 'cut the call before its answer came: a change it carried may or may not have been made', cause);
      if (spec.signal?.aborted) throw error;
      return { kind: 'retry', error };
    }

    const responseHeaders = flattenHeaders(response.headers);
    const requestId = responseHeaders['x-request-id'] ?? responseHeaders['x-openstack-request-id'];
    const parsed = streamed ?? parseBody(text ?? '');
    const status = response.statusCode;
    const failed = status >= 400 || (parsed.ok && hasErrorBody(parsed.value));
    if (!failed) {
      if (!parsed.ok) {
        throw new HwcError({
          operation: spec.operation,
          status,
          errorCode: LocalErrorCode.invalidResponse,
          errorMsg: 'the response body is not valid JSON',
          requestId,
          attempts: attempt,
        });
      }
      return { kind: 'done', result: { status, headers: responseHeaders, body: parsed.value, requestId } };
    }
    const error = new HwcError({
      operation: spec.operation,
      status,
      ...parseErrorBody(parsed.ok ? parsed.value : undefined),
      requestId,
      attempts: attempt,
    });
    if (!RETRYABLE_STATUS.has(status)) throw error;
    const retryAfterMs = parseRetryAfter(responseHeaders['retry-after']);
    return retryAfterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs };
  }

  /** A call whose signal aborted before it was sent (while authenticating): the deadline's error, or the caller's. */
  private notSent(operation: string, attempt: number): HwcError {
    if (this.deadline?.aborted) return deadlineError(operation, attempt - 1, 'had passed: the call was not sent');
    return new HwcError({ operation, status: 0, errorCode: LocalErrorCode.network, errorMsg: 'aborted by the caller before it was sent', attempts: attempt - 1 });
  }

  /** A retry its signal stopped: the deadline's error (naming the last failure), or the last failure itself. */
  private notRetried(operation: string, attempt: number, last: HwcError): HwcError {
    if (!this.deadline?.aborted) return last;
    return deadlineError(operation, attempt, `passed before a retry; the last attempt: ${last.message}`, last);
  }

  private authenticate(spec: CallSpec, prepared: PreparedRequest): Promise<Record<string, string>> {
    let signed: Promise<Record<string, string>>;
    try {
      signed = this.options.authenticator.authenticate(prepared);
    } catch (cause) {
      return Promise.reject(authenticationError(spec, cause));
    }
    return signed.catch((cause: unknown) => Promise.reject(authenticationError(spec, cause)));
  }

  /** Full-jitter exponential backoff, never shorter than the server's Retry-After. */
  private backoff(attempt: number, retryAfterMs: number | undefined): number | undefined {
    if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) return undefined;
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    const jittered = Math.floor(this.random() * ceiling);
    return Math.max(jittered, retryAfterMs ?? 0);
  }

  private urlFor(base: string, spec: CallSpec): URL {
    const url = new URL(base + spec.path);
    const query = spec.query;
    if (query) {
      for (const key in query) {
        const value = query[key];
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item);
        else url.searchParams.append(key, String(value));
      }
    }
    return url;
  }

  private target(service: ServiceName): { readonly base: string; readonly pool: Pool } {
    let target = this.targets.get(service);
    if (!target) {
      const base = this.options.endpoints[service].replace(/\/+$/, '');
      target = { base, pool: this.pool(new URL(base).origin) };
      this.targets.set(service, target);
    }
    return target;
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new PoolClass(origin, {
        connections: this.options.connections ?? 16,
        // HTTP/1.1 only (undici's default, allowH2 unset): the build leaves undici's HTTP/2 client out of every
        // function bundle (deploy/build.ts; test/shared/hwc/bundle.test.ts fails if h2 ever gets negotiated).
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connectTimeout: this.timeouts.connectMs,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

/**
 * The body as text, unless it is larger than `cap` bytes: then reading stops (a declared Content-Length over the
 * cap is refused before any of the body is read), the request is aborted and the call fails.
 */
async function readCapped(response: Dispatcher.ResponseData, cap: number, operation: string, attempt: number): Promise<string> {
  const declared = response.headers['content-length'];
  if (typeof declared === 'string' && /^\d+$/.test(declared)) {
    if (Number(declared) > cap) throw tooLarge(response, cap, operation, attempt, `declares ${declared} bytes`);
    // The connection delivers exactly the declared length: nothing more can arrive.
    return response.body.text();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) throw tooLarge(response, cap, operation, attempt, `ran past ${cap} bytes`);
    chunks.push(chunk);
  }
  const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
  // As undici's text() (WHATWG "UTF-8 decode"): a leading byte order mark is not part of the text.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * A success answer read as it arrives, its array `stream.field` split into elements (`CallSpec.streamArray`), under
 * the same size cap as `readCapped`. What is not valid JSON, and an element `stream.element` refuses, fails the
 * call (not retried, as an invalid answer read whole is not); the rest of the body is then not read.
 */
async function readStreamed(response: Dispatcher.ResponseData, cap: number, operation: string, attempt: number, stream: StreamedArray): Promise<{ ok: true; value: unknown }> {
  const declared = response.headers['content-length'];
  if (typeof declared === 'string' && /^\d+$/.test(declared) && Number(declared) > cap) throw tooLarge(response, cap, operation, attempt, `declares ${declared} bytes`);
  const items: unknown[] = [];
  const splitter = new ArrayFieldSplitter(stream.field, (value, index) => {
    items.push(stream.element(value, index));
  });
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) throw tooLarge(response, cap, operation, attempt, `ran past ${cap} bytes`);
    const problem = attemptTo(() => splitter.push(chunk));
    if (problem !== undefined) throw invalidAnswer(response, operation, attempt, problem);
  }
  let body: unknown;
  const problem = attemptTo(() => {
    const split = splitter.end();
    body = split.envelope;
    if (split.streamed && isRecord(body)) body[stream.field] = items;
  });
  if (problem !== undefined) throw invalidAnswer(response, operation, attempt, problem);
  return { ok: true, value: body };
}

/** Runs `step`; what it throws, as the message an invalid answer reports. */
function attemptTo(step: () => void): string | undefined {
  try {
    step();
    return undefined;
  } catch (error) {
    if (error instanceof MalformedJsonError) return `the response body is not valid JSON (${error.message})`;
    return `unexpected response: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function invalidAnswer(response: Dispatcher.ResponseData, operation: string, attempt: number, errorMsg: string): HwcError {
  response.body.on('error', () => undefined);
  response.body.destroy();
  const requestId = response.headers['x-request-id'];
  return new HwcError({
    operation,
    status: response.statusCode,
    errorCode: LocalErrorCode.invalidResponse,
    errorMsg,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    attempts: attempt,
  });
}

function tooLarge(response: Dispatcher.ResponseData, cap: number, operation: string, attempt: number, what: string): HwcError {
  // Destroying the body aborts the request; the abort error it emits is this call's failure, reported by the caller.
  const message = `the response body ${what}, over the ${cap}-byte limit (maxResponseBytes, HUAWEICLOUD_MAX_RESPONSE_BYTES); nothing of it was parsed`;
  return invalidAnswer(response, operation, attempt, message);
}

/** Builds a path from literal parts and parameters, percent-encoding each parameter. */
export function pathOf(strings: TemplateStringsArray, ...params: readonly string[]): string {
  return strings.reduce((path, part, i) => path + part + (i < params.length ? encodeURIComponent(params[i]!) : ''), '');
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // Only now look for a blank body: trimming every answer first costs a copy of it.
    return text.trim() === '' ? { ok: true, value: undefined } : { ok: false };
  }
}

/** A 2xx answer that nevertheless carries an error body is an error. */
function hasErrorBody(body: unknown): boolean {
  return isRecord(body) && isRecord(body['error']) && ('error_code' in body['error'] || 'code' in body['error']);
}

/** undici hands header names in lower case already. */
function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
  }
  return flat;
}

function authenticationError(spec: CallSpec, cause: unknown): HwcError {
  if (cause instanceof HwcError) return cause;
  return new HwcError({
    operation: spec.operation,
    status: 0,
    errorCode: LocalErrorCode.credentials,
    errorMsg: cause instanceof Error ? cause.message : 'could not authenticate the request',
  });
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.includes('TIMEOUT');
}

function networkMessage(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

function deadlineError(operation: string, attempts: number, what: string, cause?: unknown): HwcError {
  return new HwcError({ operation, status: 0, errorCode: LocalErrorCode.deadline, errorMsg: `the deadline ${what}`, attempts, cause });
}

const ABORTED = Symbol('aborted');

/** `promise`, or `ABORTED` as soon as `signal` aborts (what `promise` was doing carries on, its outcome ignored). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const stop = () => resolve(ABORTED);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
