import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { ApiContext, ApiResult, Route } from './api.ts';
import type { Caller, Identities } from './auth.ts';
import { handleAdmin } from './admin.ts';
import type { AdminControl } from './admin.ts';
import { ApiError, forbiddenProject, injectedFault, invalidBody, notEmulated, renderError } from './errors.ts';
import type { ErrorStyle } from './errors.ts';
import { isHostile, rewriteAnswer, rewritesAnswer } from './faults.ts';
import type { FaultDecision, FaultInjector, HostileKind } from './faults.ts';
import { Router } from './router.ts';
import type { CloudState } from './state.ts';
import type { CtsTrace, TraceBus } from './traces.ts';

/**
 * One HTTP origin for every service. Each API call goes: route → count → body → authenticate → project
 * check → latency → fault (before) → handler (with KMS sequence replay) → CTS trace → fault (after) →
 * response. A method and path no route serves answers 501 "not emulated", naming them.
 */

export interface CloudStats {
  requests: number;
  byOperation: Record<string, number>;
  /**
   * Mutating calls that reached their handler (authenticated, not failed before by a fault), by
   * `operation target`, whatever they were answered: e.g. `csms.deleteSecretEvent used-1` for a DELETE the
   * cloud refused.
   */
  attempts: Record<string, number>;
}

export interface CloudRuntime {
  readonly state: CloudState;
  readonly identities: Identities;
  readonly faults: FaultInjector;
  readonly traces: TraceBus;
  readonly stats: CloudStats;
  readonly clock: () => Date;
  readonly admin: AdminControl;
  /** `/apig/<group_id><path>`: the embedded FunctionGraph's APIG triggers (only while it runs functions). */
  readonly apig?: ((req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>) | undefined;
}

const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPE = 'application/json;charset=UTF-8';

export function createCloudServer(runtime: CloudRuntime, routes: readonly Route[]): HttpServer {
  const router = new Router(routes);
  const server = createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    handle(runtime, router, req, res).catch((error: unknown) => {
      process.stderr.write(`local cloud: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      if (!res.headersSent) send(res, newRequestId(), 500, renderError('gateway', 500, 'APIGW.0103', 'Internal error', ''));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  return server;
}

async function handle(runtime: CloudRuntime, router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = newRequestId();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const method = req.method ?? 'GET';

  if (path === '/__admin' || path.startsWith('/__admin/')) {
    const answer = handleAdmin(runtime.admin, { method, path, body: await readBody(req, MAX_BODY_BYTES), headers: req.headers, remoteAddress: req.socket.remoteAddress, localPort: req.socket.localPort });
    send(res, requestId, answer.status, answer.body);
    return;
  }

  if (runtime.apig && path.startsWith('/apig/')) {
    res.setHeader('X-Request-Id', requestId);
    await runtime.apig(req, res, requestId);
    return;
  }

  runtime.stats.requests++;
  const match = router.match(method, path);
  if (!match) {
    await readBody(req, MAX_BODY_BYTES);
    sendError(res, requestId, notEmulated(`${method} ${path} (no route of the embedded cloud serves it)`), 'gateway');
    return;
  }
  const { route, params } = match;
  runtime.stats.byOperation[route.operation] = (runtime.stats.byOperation[route.operation] ?? 0) + 1;
  const body = await readBody(req, route.maxBodyBytes ?? MAX_BODY_BYTES);
  if (body === TOO_LARGE) {
    sendError(res, requestId, new ApiError(413, 'APIGW.0201', 'Request entity too large', 'gateway'), route.style);
    return;
  }

  let fault: FaultDecision | undefined;
  let result: ApiResult;
  try {
    const now = runtime.clock();
    let caller: Caller | undefined;
    if (route.authenticated !== false) {
      caller = runtime.identities.authenticate({ method, path, query, headers: req.headers, body }, now);
      const headerProject = req.headers['x-project-id'];
      const projectMismatch = (params['project_id'] !== undefined && !mayActIn(runtime, caller, req.headers, params['project_id'])) ||
        (typeof headerProject === 'string' && !mayActIn(runtime, caller, req.headers, headerProject));
      if (projectMismatch) throw forbiddenProject(route.style);
    }
    const latency = runtime.faults.latencyFor(route.operation);
    if (latency > 0) await sleep(latency);
    fault = runtime.faults.decide(route.operation, route.listing === true);
    if (fault?.phase === 'before' && !rewritesAnswer(fault.kind)) {
      injectFault(runtime, res, requestId, route.style, fault);
      return;
    }
    result = await execute(runtime, route, {
      params,
      query,
      headers: req.headers,
      body,
      caller,
      now,
      requestId,
      method,
      path,
      sourceIp: req.socket.remoteAddress ?? '',
      withoutCursor: fault?.kind === 'repeated-cursor',
    });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (fault) {
      injectFault(runtime, res, requestId, route.style, fault);
      return;
    }
    sendError(res, requestId, error, route.style);
    return;
  }
  if (fault && rewritesAnswer(fault.kind)) {
    const rewritten = result.status >= 200 && result.status < 300 ? rewriteAnswer(fault.kind, result.body) : result.body;
    send(res, requestId, result.status, rewritten, result.headers);
    return;
  }
  if (fault) {
    injectFault(runtime, res, requestId, route.style, fault);
    return;
  }
  send(res, requestId, result.status, result.body, result.headers);
}

interface Call {
  readonly params: Record<string, string>;
  readonly query: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly caller: Caller | undefined;
  readonly now: Date;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly sourceIp: string;
  /** `repeated-cursor`: answer as if no `marker` or `offset` had been sent. */
  readonly withoutCursor: boolean;
}

/** Runs the handler; replays a KMS sequence already answered; records the CTS traces of a successful change. */
/**
 * Whether the caller may act in `projectId`: the project its credentials are scoped to, or, for an IAM user's
 * permanent access key (AK/SK signature), any project of its account, as on the real cloud, where one key pair
 * reaches every region's project (what `warden deploy --region a,b` relies on). Tokens and an agency's
 * temporary credentials stay bound to their project.
 */
function mayActIn(runtime: CloudRuntime, caller: Caller, headers: IncomingMessage['headers'], projectId: string): boolean {
  if (projectId === caller.projectId) return true;
  const signed = typeof headers.authorization === 'string' && headers.authorization.startsWith('SDK-HMAC-SHA256') && headers['x-security-token'] === undefined;
  return signed && caller.kind === 'user' && runtime.identities.projectsOf(caller.domainId).some((project) => project.id === projectId);
}

async function execute(runtime: CloudRuntime, route: Route, call: Call): Promise<ApiResult> {
  const parsed = call.method === 'POST' || call.method === 'PUT' ? parseJson(call.body, route.style) : undefined;
  const query = new URLSearchParams(call.query);
  if (call.withoutCursor) {
    // The cursors of every listing served: KMS/CSMS/CSBS/CBR/FunctionGraph `marker`, `offset`; CTS `next`.
    for (const cursor of ['marker', 'offset', 'next']) {
      query.delete(cursor);
      if (typeof parsed === 'object' && parsed !== null) delete (parsed as Record<string, unknown>)[cursor];
    }
  }
  const sequenceKey = route.sequenced && call.caller ? sequenceKeyOf(parsed, call.caller, route) : undefined;
  if (sequenceKey !== undefined) {
    const stored = runtime.state.sequences.get(sequenceKey);
    if (stored) return { status: stored.status, body: stored.body };
  }
  const projectId = call.params['project_id'] ?? call.caller?.projectId ?? runtime.state.defaultProjectId;
  const ctx: ApiContext = {
    params: call.params,
    query,
    body: parsed,
    headers: call.headers,
    caller: call.caller,
    project: runtime.state.project(projectId),
    state: runtime.state,
    identities: runtime.identities,
    now: call.now,
    requestId: call.requestId,
  };
  if (route.trace) countAttempt(runtime.stats, route, call.params, parsed);
  // A synchronous handler's answer is taken without awaiting, so nothing runs between the sequence check above
  // and remembering the answer below (a retry arriving meanwhile must see it).
  const answered = route.handler(ctx);
  const result = answered instanceof Promise ? await answered : answered;
  const succeeded = result.status >= 200 && result.status < 300;
  if (sequenceKey !== undefined && succeeded) runtime.state.rememberResponse(sequenceKey, { status: result.status, body: result.body });
  if (route.trace && succeeded && call.caller) {
    const traced = result.traces ?? [{ resource: result.resource ?? { id: '', name: '' } }];
    for (const { trace_name, resource } of traced) {
      runtime.traces.publish(traceOf(route, call, call.caller, projectId, parsed, result, trace_name ?? route.trace.trace_name, resource));
    }
  }
  return result;
}

/** A mutating call received, by `operation target` (the path's resource, else the body's `key_id`), whatever its answer. */
function countAttempt(stats: CloudStats, route: Route, params: Readonly<Record<string, string>>, body: unknown): void {
  const named = Object.entries(params).filter(([name]) => name !== 'project_id').map(([, value]) => value);
  const keyId = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['key_id'] : undefined;
  const target = named.length > 0 ? named.join('/') : typeof keyId === 'string' ? keyId : '';
  const id = `${route.operation} ${target}`;
  stats.attempts[id] = (stats.attempts[id] ?? 0) + 1;
}

function sequenceKeyOf(body: unknown, caller: Caller, route: Route): string | undefined {
  const sequence = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['sequence'] : undefined;
  if (sequence === undefined || sequence === '') return undefined;
  if (typeof sequence !== 'string' || sequence.length > 36) throw new ApiError(400, 'KMS.0206', 'Invalid sequence number.');
  return `${caller.principal}|${route.operation}|${sequence}`;
}

function traceOf(
  route: Route,
  call: Call,
  caller: Caller,
  projectId: string,
  request: unknown,
  result: ApiResult,
  traceName: string,
  resource: { readonly id: string; readonly name: string },
): CtsTrace {
  const spec = route.trace as NonNullable<Route['trace']>;
  const time = call.now.getTime();
  return {
    cts: {
      time,
      user: {
        type: caller.kind === 'agency' ? 'AssumedAgency' : 'User',
        name: caller.name,
        id: caller.id,
        domain: { name: caller.domainName, id: caller.domainId },
      },
      request: result.traceRequest ?? request ?? {},
      response: result.traceResponse ?? result.body ?? {},
      code: result.status,
      service_type: spec.service_type,
      resource_type: spec.resource_type,
      resource_name: resource.name,
      resource_id: resource.id,
      trace_name: traceName,
      trace_type: 'ApiCall',
      trace_rating: 'normal',
      trace_status: 'normal',
      record_time: time,
      trace_id: randomUUID(),
      project_id: projectId,
      domain_id: caller.domainId,
      source_ip: call.sourceIp,
      api_version: spec.api_version,
      operation_id: route.operationId,
      read_only: false,
      message: `${call.method} ${call.path}`,
    },
  };
}

function injectFault(runtime: CloudRuntime, res: ServerResponse, requestId: string, style: ErrorStyle, fault: FaultDecision): void {
  if (isHostile(fault.kind)) {
    sendHostile(res, requestId, fault.kind);
    return;
  }
  if (fault.kind === 'reset') {
    res.socket?.destroy();
    res.destroy();
    return;
  }
  sendError(res, requestId, injectedFault(style, Number(fault.kind), runtime.faults.retryAfterSeconds), style);
}

function sendHostile(res: ServerResponse, requestId: string, kind: HostileKind): void {
  const raw = (status: number, type: string, text: string) => {
    res.writeHead(status, { 'X-Request-Id': requestId, 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  switch (kind) {
    case 'malformed-json':
      return raw(200, JSON_TYPE, '{"keys":[{"key_id":"0d0466b0-e727-4d9c-b35d-f84bb474a37f","key_state":');
    case 'odd-4xx':
      return raw(400, 'text/html', '<html><body><h1>400 Bad Request</h1></body></html>');
    case 'error-200':
      return send(res, requestId, 200, { error: { error_code: 'APIGW.0308', error_msg: 'injected: an error answered with 200' } });
    default:
      return send(res, requestId, 200, {});
  }
}

function parseJson(body: Buffer, style: ErrorStyle): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidBody(style);
  }
}

function sendError(res: ServerResponse, requestId: string, error: ApiError, style: ErrorStyle): void {
  const effective = error.style ?? style;
  send(res, requestId, error.status, renderError(effective, error.status, error.code, error.message, requestId), error.headers);
}

function send(res: ServerResponse, requestId: string, status: number, body: unknown, headers?: Readonly<Record<string, string>>): void {
  const out: Record<string, string | number> = { 'X-Request-Id': requestId, ...headers };
  if (body === undefined || status === 204) {
    if (status !== 204) out['Content-Length'] = 0;
    res.writeHead(status, out);
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  out['Content-Type'] = JSON_TYPE;
  out['Content-Length'] = Buffer.byteLength(payload);
  res.writeHead(status, out);
  res.end(payload);
}

const TOO_LARGE = Buffer.alloc(0);
const EMPTY = Buffer.alloc(0);

/** The whole body; `TOO_LARGE` (drained, not kept) past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) resolve(TOO_LARGE);
      else resolve(chunks.length === 0 ? EMPTY : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function newRequestId(): string {
  return randomUUID().replace(/-/g, '');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
