import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { LogSink } from '../../shared/runtime/logger.ts';
import { registerSecret } from '../../shared/runtime/redact.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../shared/triggers/envelopes/apig.ts';
import { ProcessRunner } from '../cloud/index.ts';
import type { CtsTrace, LocalCloud } from '../cloud/index.ts';
import { loadServerless } from '../../deploy/serverless.ts';
import { describeUnknownVariable, loadPolicy, unknownWardenVariables } from '../../shared/policy.ts';
import { loopbackRefusal } from '../loopback-guard.ts';
import { apigRoutes, BodyTooLargeError, matchRoute, readBody, sendApigResponse, sendJsonError, toApigEvent } from './apig.ts';
import type { ApigRoute } from './apig.ts';
import { ctsSubscriptions, LoopGuard, operationOf, subscribersOf } from './cts.ts';
import { buildForHost } from './build.ts';
import { functionEnv, hostedFunction, invokeFunction } from './functions.ts';
import type { HostedFunction, Invocation, InvokeRequest, RunnerSeat } from './functions.ts';
import { Journal } from './journal.ts';
import type { HostListener, InvocationRecord } from './journal.ts';
import { statusSnapshot } from './status.ts';
import type { StatusSnapshot } from './status.ts';
import { renderStatusPage } from './status-page.ts';
import { describeSchedule } from './schedule.ts';
import { timerJobs, Timers } from './timers.ts';
import type { TimerJob } from './timers.ts';
import { webhookSecrets } from './webhook-secrets.ts';
import type { WebhookSecret } from './webhook-secrets.ts';

/**
 * The local FunctionGraph: hosts every function serverless.yml declares, with its triggers: APIG as HTTP
 * routes, TIMER on schedules (and once at start), CTS from the local cloud's traces. Each runs from the zip
 * `warden deploy` would upload (./build.ts), in a process of its own, through the embedded FunctionGraph's
 * runner. Serves the status page at `/` (and `/__warden/`), its data at `/__warden/status`.
 */

export interface HostOptions {
  /** The local cloud the functions act on. */
  readonly cloud: LocalCloud;
  /** Repository root: serverless.yml and functions/ live here. Default: the current directory. */
  readonly root?: string;
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The user's environment: its `WARDEN_*` variables override serverless.yml. Default `process.env`. */
  readonly userEnv?: Readonly<Record<string, string | undefined>>;
  /** Webhook secrets by function name. Default: `WARDEN_WEBHOOK_SECRET_<FUNCTION>` from `userEnv`, else a random one each. */
  readonly webhookSecrets?: Readonly<Record<string, string>>;
  /** Speeds up the TIMER schedules' clock (tests, demos). Default 1. */
  readonly timeScale?: number;
  /** Fire every TIMER trigger once at start. Default true. */
  readonly runAtStart?: boolean;
  /** Recent invocations kept. Default 100. */
  readonly historySize?: number;
  /** The functions' own JSON log lines. Default: dropped (the journal and the live log say what happened). */
  readonly functionLog?: LogSink;
  /** Loop guard: at most `limit` CTS invocations of one function for one resource per `windowMs`. */
  readonly loopGuard?: { readonly limit: number; readonly windowMs: number };
  /** Where the built zips are kept between starts (./build.ts). Default `~/.cache/hwc-warden/host-build`. */
  readonly buildCacheDir?: string;
}

export interface Host {
  readonly url: string;
  readonly port: number;
  /** Each function's own webhook secret, where it came from, and the variable the banner exports it as. */
  readonly webhookSecrets: Readonly<Record<string, WebhookSecret>>;
  readonly functions: readonly HostedFunction[];
  readonly routes: readonly ApigRoute[];
  readonly timers: readonly TimerJob[];
  /** Settings no function knows (`WARDEN_MAX_DELETION`: did you mean …?), from your environment or serverless.yml. */
  readonly configurationWarnings: readonly string[];
  /** Invocations started, finished, and timer ticks skipped. */
  onEvent(listener: HostListener): () => void;
  /** Newest first. */
  recent(): InvocationRecord[];
  status(): StatusSnapshot;
  /** Stops timers and CTS, closes the server, waits (briefly) for running invocations. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 3_000;

export async function startHost(options: HostOptions): Promise<Host> {
  const root = options.root ?? process.cwd();
  const { cloud } = options;
  const userEnv = options.userEnv ?? process.env;
  const service = loadServerless(join(root, 'serverless.yml'));
  const secrets = webhookSecrets(Object.keys(service.functions), options.webhookSecrets, userEnv);
  for (const secret of Object.values(secrets)) registerSecret(secret.value);
  registerSecret(cloud.identity.sk);

  const functionLog: LogSink = options.functionLog ?? (() => undefined);
  const { identity } = cloud;
  const cloudEnv = { HUAWEICLOUD_ENDPOINT_URL: cloud.url, HUAWEICLOUD_REGION: identity.region, HUAWEICLOUD_SDK_PROJECT_ID: identity.projectId };
  const envs = new Map<string, Record<string, string>>();
  const unknownSettings = new Set<string>();
  for (const [name, definition] of Object.entries(service.functions)) {
    const env = functionEnv(service, definition, { cloud: cloudEnv, webhookSecret: (secrets[name] as WebhookSecret).value, user: userEnv });
    checkPolicy(name, env);
    for (const unknown of unknownWardenVariables([...Object.keys(env), ...Object.keys(userEnv)])) unknownSettings.add(describeUnknownVariable(unknown));
    envs.set(name, env);
  }
  const builds = await buildForHost(root, [...envs.keys()], options.buildCacheDir === undefined ? {} : { cacheDir: options.buildCacheDir });
  const functions: HostedFunction[] = builds.map((build) =>
    hostedFunction({ service, name: build.name, env: envs.get(build.name) as Record<string, string>, build, cloud: { url: cloud.url, region: identity.region, projectId: identity.projectId } }),
  );
  // The demo user's keys stand in for the agency a deployed function would be given: they open only this cloud.
  const seat: RunnerSeat = {
    // The functions' JSON log lines name their function; anything else they write is prefixed with it.
    runner: new ProcessRunner({ operatorEnv: userEnv, logSink: (line, fn) => functionLog(line.startsWith('{') ? line : `${fn}: ${line}`) }),
    credentials: { accessKey: identity.ak, secretKey: identity.sk, securityToken: '' },
  };

  const journal = new Journal(options.historySize ?? 100);
  const routes = apigRoutes(functions);
  const subscriptions = ctsSubscriptions(functions);
  const guard = new LoopGuard(options.loopGuard?.limit, options.loopGuard?.windowMs);
  const running = new Map<string, number>();
  const inflight = new Set<Promise<void>>();
  let closed = false;

  /** Runs a function, counting it as running (and awaited on close) until its handler has settled. */
  const invoke = (fn: HostedFunction, request: InvokeRequest): Promise<Invocation> => {
    running.set(fn.name, (running.get(fn.name) ?? 0) + 1);
    const invocation = invokeFunction(fn, request, journal, seat);
    const settled: Promise<void> = invocation
      .then((i) => i.done)
      .catch(() => undefined)
      .finally(() => {
        const left = (running.get(fn.name) ?? 1) - 1;
        if (left > 0) running.set(fn.name, left);
        else running.delete(fn.name);
        inflight.delete(settled);
      });
    inflight.add(settled);
    return invocation;
  };

  const jobs = timerJobs(functions);
  const timers = new Timers(jobs, {
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.runAtStart !== undefined ? { runAtStart: options.runAtStart } : {}),
    run: async (job, event) => {
      const invocation = await invoke(job.fn, { trigger: 'timer', source: `${job.name} (${describeSchedule(job.schedule)})`, event });
      await invocation.done;
    },
    onSkip: (job, since) =>
      journal.skipped({
        function: job.fn.name,
        trigger: 'timer',
        source: job.name,
        reason: `tick skipped: the previous run (started ${since.toISOString()}) is still going`,
      }),
  });

  const onTrace = (trace: CtsTrace) => {
    if (closed) return;
    const { resource_id, resource_name, user } = trace.cts;
    const resource = resource_id || resource_name || '';
    const source = `${operationOf(trace)} ${resource_name || resource_id}${user?.name ? ` by ${user.name}` : ''}`;
    for (const subscription of subscribersOf(subscriptions, trace)) {
      if (!guard.allow(subscription.fn.name, resource)) {
        journal.skipped({ function: subscription.fn.name, trigger: 'cts', source, reason: 'loop guard: fired too often for this resource; trace dropped' });
        continue;
      }
      invoke(subscription.fn, { trigger: 'cts', source, event: structuredClone(trace) }).catch(() => undefined);
    }
  };

  let url = '';
  const boundHosts = boundHostNames(options.host);
  const status = () =>
    statusSnapshot({ service: service.service, hostUrl: url, functions, timers: jobs, running: (name) => running.has(name), journal, cloud, timeScale: options.timeScale ?? 1 });

  const server = createServer((req, res) => {
    handleRequest(req, res).catch(() => {
      if (!res.headersSent) sendJsonError(res, 500, 'internal_error', 'internal error');
      else res.destroy();
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every route (the status page and its data, the functions' APIG routes) is for this machine: a rebound
    // name or a page on another site gets nothing (local/loopback-guard.ts).
    const refused = loopbackRefusal({ headers: req.headers, localPort: req.socket.localPort }, boundHosts);
    if (refused) {
      sendJsonError(res, refused.status, refused.code, refused.message, { connection: 'close' });
      req.resume();
      return;
    }
    const requestUrl = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = requestUrl.pathname;
    const match = matchRoute(routes, method, path);
    const read = method === 'GET' || method === 'HEAD';

    if (read && (path === '/__warden/status' || path === '/__warden/status.json')) return sendStatus(res, status());
    if (read && (path === '/__warden/' || path === '/__warden' || (path === '/' && match.kind !== 'found'))) return sendPage(res);
    if (match.kind === 'none' || path.startsWith('/__warden/')) {
      return sendJsonError(res, 404, 'not_found', `no function is routed at ${method} ${path}`);
    }
    if (match.kind === 'wrong-method') {
      return sendJsonError(res, 405, 'method_not_allowed', `${path} accepts ${match.allowed.join(', ')}`, { allow: match.allowed.join(', ') });
    }

    const { route, pathParameters } = match;
    let body: Buffer;
    try {
      body = await readBody(req, bodyLimit(route.fn));
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendJsonError(res, 413, 'body_too_large', error.message, { connection: 'close' });
        req.resume();
        return;
      }
      throw error;
    }
    const requestId = randomBytes(16).toString('hex');
    const event = toApigEvent({ req, url: requestUrl, body, pathParameters, requestId, apiId: route.name });
    const invocation = await invoke(route.fn, { trigger: 'apig', source: `${method} ${path}`, event, timeoutMs: route.timeoutMs });
    res.setHeader('x-request-id', requestId);
    if (invocation.timedOut) return sendJsonError(res, 504, 'timeout', `the function did not answer within ${Math.min(route.timeoutMs, route.fn.timeoutMs)} ms`);
    // Whatever it threw stays in the log: the caller learns nothing about the function's insides.
    if (invocation.threw) return sendJsonError(res, 500, 'internal_error', 'internal error');
    sendApigResponse(res, invocation.result, method === 'HEAD');
  }

  try {
    // Unpacked last, so that nothing that can still refuse the start leaves their folders behind.
    for (const fn of functions) await seat.runner.start(fn.snapshot);
    await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1');
  } catch (error) {
    await seat.runner.close?.();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const hostName = options.host ?? '127.0.0.1';
  url = `http://${hostName.includes(':') ? `[${hostName}]` : hostName}:${address.port}`;

  const unsubscribe = cloud.onTrace(onTrace);
  timers.start();

  return {
    url,
    port: address.port,
    webhookSecrets: secrets,
    functions,
    routes,
    timers: jobs,
    configurationWarnings: [...unknownSettings],
    onEvent: (listener) => journal.subscribe(listener),
    recent: () => journal.recent(),
    status,
    async close() {
      if (closed) return;
      closed = true;
      timers.stop();
      unsubscribe();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inflight]),
        new Promise((resolve) => {
          grace = setTimeout(resolve, CLOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(grace);
      await seat.runner.close?.();
    },
  };
}

/** A specific address the host was bound to (not a wildcard) is a name requests may use, besides loopback. */
function boundHostNames(host: string | undefined): string[] {
  if (host === undefined || host === '0.0.0.0' || host === '::') return [];
  return [host.includes(':') ? `[${host.toLowerCase()}]` : host.toLowerCase()];
}

function bodyLimit(fn: HostedFunction): number {
  const configured = Number(fn.env['WARDEN_MAX_BODY_BYTES']);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_BODY_BYTES;
}

function sendStatus(res: ServerResponse, snapshot: StatusSnapshot): void {
  const body = JSON.stringify(snapshot);
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function sendPage(res: ServerResponse): void {
  const nonce = randomBytes(16).toString('base64');
  const html = renderStatusPage(nonce);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  });
  res.end(html);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A policy value the function would refuse at every cold start (`WARDEN_MAX_DELETIONS=abc`) stops the host at start,
 * naming it, instead of starting and failing every trigger.
 */
function checkPolicy(name: string, env: Readonly<Record<string, string>>): void {
  try {
    loadPolicy({ env });
  } catch (error) {
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)} (set in your environment or serverless.yml)`);
  }
}
