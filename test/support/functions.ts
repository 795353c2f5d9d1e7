import { afterEach, expect } from 'vitest';
import { startCloud } from '../../local/cloud/index.ts';
import type { CloudOptions, CtsTrace, Fixture, LocalCloud } from '../../local/cloud/index.ts';
import { signWebhook } from '../../shared/runtime/webhook-auth.ts';
import { functionGraphContext } from '../../local/function-context.ts';
import type { FunctionGraphContext } from '../../local/function-context.ts';
import type { GuardrailOptions } from '../../shared/runtime/guardrail.ts';

/** Helpers for driving a function's handler against a fresh embedded cloud, as FunctionGraph would. */

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export interface FunctionRig {
  readonly cloud: LocalCloud;
  /** Environment that points a handler at `cloud` with the fixture's first user. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Options for `createHandler`: that environment plus a captured log. */
  options(extra?: Record<string, string>): GuardrailOptions;
  /** Every log line written through `options()`. */
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startRig(fixture?: Fixture, cloudOptions: Omit<CloudOptions, 'fixture'> = {}): Promise<FunctionRig> {
  const cloud = await startCloud({ port: 0, ...cloudOptions, ...(fixture ? { fixture } : {}) });
  const logs: string[] = [];
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    HUAWEICLOUD_REGION: cloud.identity.region,
    HUAWEICLOUD_SDK_PROJECT_ID: cloud.identity.projectId,
    HUAWEICLOUD_SDK_AK: cloud.identity.ak,
    HUAWEICLOUD_SDK_SK: cloud.identity.sk,
    HUAWEICLOUD_ENDPOINT_URL: cloud.url,
    HUAWEICLOUD_RETRY_ATTEMPTS: '3',
    WARDEN_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...extra,
  });
  return {
    cloud,
    env,
    options: (extra) => ({ env: env(extra), logSink: (line) => logs.push(line) }),
    logs,
    close: () => cloud.close(),
  };
}

/** A FunctionGraph context (local/function-context.ts) whose time left stays at `remainingMs` (default 60 s). */
export function fgContext(overrides: { remainingMs?: number; requestId?: string; environment?: Record<string, string> } = {}): FunctionGraphContext {
  return functionGraphContext({
    requestId: overrides.requestId ?? `req-${Math.random().toString(16).slice(2)}`,
    functionName: 'test',
    // A clock that stands still: the remaining time is what the test says.
    now: () => 0,
    deadline: overrides.remainingMs ?? 60_000,
    ...(overrides.environment ? { environment: overrides.environment } : {}),
  });
}

export function timerEvent(name = 'sweep'): Record<string, unknown> {
  return {
    version: 'v1.0',
    time: new Date().toISOString(),
    trigger_type: 'TIMER',
    trigger_name: name,
    user_event: '',
  };
}

/** An APIG event with `body`, signed with WEBHOOK_SECRET unless `signature` says otherwise. */
export function apigEvent(
  body: unknown,
  options: { signature?: string | null; query?: Record<string, string>; secret?: string } = {},
): Record<string, unknown> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined ? signWebhook(text, options.secret ?? WEBHOOK_SECRET) : options.signature;
  if (signature !== null) headers['x-warden-signature'] = signature;
  return {
    body: text,
    requestContext: { apiId: 'api', requestId: 'apig-req', stage: 'RELEASE' },
    queryStringParameters: options.query ?? {},
    httpMethod: 'POST',
    pathParameters: {},
    headers,
    path: '/hook',
    isBase64Encoded: false,
  };
}

/** The body of an APIG handler response, parsed. */
export function apigBody(response: unknown): any {
  return JSON.parse((response as { body: string }).body);
}

/**
 * A `start(fixture)` for tests that want a fresh rig each: the rig started last is closed after the test, and
 * the test fails if its logs carry the cloud's secret key or the webhook secret, whatever the test did.
 */
export function rigPerTest(defaultFixture?: () => Fixture, cloudOptions?: () => Omit<CloudOptions, 'fixture'>): (fixture?: Fixture) => Promise<FunctionRig> {
  let rig: FunctionRig | undefined;
  afterEach(async () => {
    if (!rig) return;
    const logs = rig.logs.join('\n');
    expect(logs).not.toContain(rig.cloud.identity.sk);
    expect(logs).not.toContain(WEBHOOK_SECRET);
    await rig.close();
    rig = undefined;
  });
  return async (fixture) => {
    rig = await startRig(fixture ?? defaultFixture?.(), cloudOptions?.());
    return rig;
  };
}

/** The next CTS trace named `name` the cloud records. */
export function nextTrace(cloud: LocalCloud, name: string): Promise<CtsTrace> {
  return new Promise((resolve) => {
    const off = cloud.onTrace((trace) => {
      if (trace.cts.trace_name !== name) return;
      off();
      resolve(trace);
    });
  });
}

/**
 * Runs `act` when the cloud receives `operation`, before it handles it: another client winning a race
 * between our observe and our apply. (The cloud counts a call before handling it: see local/cloud/server.ts.)
 */
export function beforeCloudHandles(cloud: LocalCloud, operation: string, act: () => void): void {
  const counts = cloud.stats.byOperation;
  let value = counts[operation] ?? 0;
  let done = false;
  Object.defineProperty(counts, operation, {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: (next: number) => {
      value = next;
      if (!done) {
        done = true;
        act();
      }
    },
  });
}
