import { randomBytes } from 'node:crypto';
import { maskSecrets } from '../../shared/runtime/redact.ts';
import type { FunctionDefinition, ServiceDefinition, TriggerDefinition } from '../../deploy/serverless.ts';
import type { FunctionRunner, FunctionSnapshot, InvocationOutcome } from '../cloud/index.ts';
import { functionEnvironment } from '../function-context.ts';
import type { AgencyCredentials } from '../function-context.ts';
import type { HostBuild } from './build.ts';
import type { InvocationRecord, Journal, TriggerType } from './journal.ts';

/**
 * One hosted function: its serverless.yml definition, its environment, and the zip `npm run build` makes of it
 * (./build.ts), run by the embedded FunctionGraph's runner (local/cloud/functiongraph/process-runner.ts) as
 * FunctionGraph runs it: unpacked, its handler string (`index.handler`) loaded in a warm Node.js process of its
 * own, with a FunctionGraph context. `invoke` runs it once and says how it went.
 */

export interface HostedFunction {
  readonly name: string;
  readonly description: string | undefined;
  readonly timeoutMs: number;
  readonly memorySize: number | undefined;
  /** What the function's process sees (its webhook secret included); credentials come through its context. */
  readonly env: Readonly<Record<string, string>>;
  /** Active triggers, in serverless.yml order. */
  readonly triggers: readonly TriggerDefinition[];
  /** The function as the runner takes it: code, handler, memory, timeout, user data. */
  readonly snapshot: FunctionSnapshot;
}

export interface Invocation {
  readonly record: InvocationRecord;
  /** What the handler returned; undefined when it threw or timed out. */
  readonly result: unknown;
  readonly threw: boolean;
  readonly timedOut: boolean;
  /** Settles when the run itself has ended (after a shorter APIG timeout it may still be running). */
  readonly done: Promise<void>;
}

export interface EnvSources {
  /** Where the cloud is: `HUAWEICLOUD_ENDPOINT_URL`, `_REGION`, `_SDK_PROJECT_ID`. */
  readonly cloud: Readonly<Record<string, string>>;
  /** This function's own webhook secret. */
  readonly webhookSecret: string;
  /** The user's environment: its `WARDEN_*` variables win over everything else. */
  readonly user: Readonly<Record<string, string | undefined>>;
}

/** The function's environment, in the one order local/function-context.ts sets out; its webhook secret is its own. */
export function functionEnv(service: ServiceDefinition, definition: FunctionDefinition, sources: EnvSources): Record<string, string> {
  return functionEnvironment({
    service: service.provider.environment.variables,
    userData: definition.userData,
    connection: sources.cloud,
    operator: sources.user,
    run: { WARDEN_WEBHOOK_SECRET: sources.webhookSecret },
  });
}

export interface HostedFunctionSources {
  readonly service: ServiceDefinition;
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly build: HostBuild;
  /** The embedded cloud the function acts on. */
  readonly cloud: { readonly url: string; readonly region: string; readonly projectId: string };
}

export function hostedFunction({ service, name, env, build, cloud }: HostedFunctionSources): HostedFunction {
  const definition = service.functions[name] as FunctionDefinition;
  // As `warden deploy` configures it: serverless.yml's variables as user data, the webhook secret encrypted.
  const { WARDEN_WEBHOOK_SECRET: secret, ...userData } = functionEnvironment({ service: service.provider.environment.variables, userData: definition.userData });
  const snapshot = functionSnapshot({
    service,
    name,
    build,
    userData,
    encryptedUserData: { WARDEN_WEBHOOK_SECRET: env['WARDEN_WEBHOOK_SECRET'] ?? secret ?? '' },
    connection: { endpoint: env['HUAWEICLOUD_ENDPOINT_URL'] ?? cloud.url, region: cloud.region, projectId: cloud.projectId },
  });
  return {
    name,
    description: definition.description,
    timeoutMs: snapshot.timeout * 1000,
    memorySize: memorySizeOf(service, definition),
    env,
    triggers: definition.events.filter((trigger) => trigger.status === 'ACTIVE'),
    snapshot,
  };
}

export interface SnapshotSources {
  readonly service: ServiceDefinition;
  readonly name: string;
  readonly build: HostBuild;
  readonly userData: Readonly<Record<string, string>>;
  readonly encryptedUserData: Readonly<Record<string, string>>;
  /** `endpoint` "" for the region's own endpoints (a real project). */
  readonly connection: { readonly endpoint: string; readonly region: string; readonly projectId: string };
}

/** A function of serverless.yml as the embedded FunctionGraph's runner takes it: its built zip, handler, memory, timeout, user data. */
export function functionSnapshot({ service, name, build, userData, encryptedUserData, connection }: SnapshotSources): FunctionSnapshot {
  const definition = service.functions[name] as FunctionDefinition;
  return {
    func_urn: `urn:fss:${connection.region}:${connection.projectId}:function:default:${name}:latest`,
    func_name: name,
    package: 'default',
    project_id: connection.projectId,
    domain_id: '',
    runtime: definition.runtime ?? service.provider.runtime,
    handler: definition.handler,
    memory_size: memorySizeOf(service, definition) ?? 256,
    timeout: definition.timeout ?? service.provider.timeout,
    user_data: userData,
    encrypted_user_data: encryptedUserData,
    xrole: '',
    code: { code_type: 'zip', code_filename: `${name}.zip`, file: build.zip, digest: build.digest },
    revision: build.digest,
    connection: { endpoint: connection.endpoint, region: connection.region },
  };
}

function memorySizeOf(service: ServiceDefinition, definition: FunctionDefinition): number | undefined {
  const memory = definition.memorySize ?? (service.provider as { memorySize?: unknown }).memorySize;
  return typeof memory === 'number' ? memory : undefined;
}

export interface InvokeRequest {
  readonly trigger: TriggerType;
  readonly source: string;
  readonly event: unknown;
  /** Default: the function's timeout. */
  readonly timeoutMs?: number;
}

export interface RunnerSeat {
  readonly runner: FunctionRunner;
  /** What the function's context hands out as its agency's credentials. */
  readonly credentials: AgencyCredentials;
}

export async function invokeFunction(fn: HostedFunction, request: InvokeRequest, journal: Journal, seat: RunnerSeat): Promise<Invocation> {
  const requestId = randomBytes(16).toString('hex');
  const record = journal.start({ requestId, function: fn.name, trigger: request.trigger, source: request.source });
  const startedAt = Date.now();
  const limit = Math.min(request.timeoutMs ?? fn.timeoutMs, fn.timeoutMs);

  // The runner stops the run at the function's own timeout (408); an APIG trigger's shorter one is the host's.
  const running: Promise<InvocationOutcome> = seat.runner
    .invoke(fn.snapshot, { requestId, event: request.event as Record<string, unknown>, mode: 'sync', logTail: false, instanceMemory: undefined, credentials: seat.credentials })
    .catch((error: unknown) => ({ status: 500, result: JSON.stringify({ errorType: 'RuntimeError', errorMessage: error instanceof Error ? error.message : String(error) }), log: '' }));
  let timer: NodeJS.Timeout | undefined;
  const shorterTimeout = new Promise<undefined>((resolve) => {
    if (limit < fn.timeoutMs) timer = setTimeout(() => resolve(undefined), limit);
  });
  const outcome = await Promise.race([running, shorterTimeout]);
  clearTimeout(timer);

  record.durationMs = Date.now() - startedAt;
  const timedOut = outcome === undefined || outcome.status === 408;
  const threw = !timedOut && outcome.status !== 200;
  const result = timedOut || threw ? undefined : parseResult(outcome.result);
  if (timedOut) {
    record.outcome = 'timeout';
    record.note = `no answer within ${limit} ms`;
  } else if (threw) {
    record.outcome = 'error';
    record.note = maskSecrets(errorOf(outcome.result));
  } else describeResult(record, result);
  journal.finish(record);
  return { record, result, threw, timedOut, done: running.then(() => undefined) };
}

/** The function's answer: JSON when it returned an object, its text when it returned a string. */
export function parseResult(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `TypeError: …` from the runner's `{ errorType, errorMessage }`. */
export function errorOf(result: string): string {
  const error = parseResult(result);
  if (isObject(error) && typeof error['errorMessage'] === 'string') return `${typeof error['errorType'] === 'string' ? error['errorType'] : 'Error'}: ${error['errorMessage']}`;
  return 'the function failed';
}

/** Reads a report (bare, or as an APIG response body) into the record. */
export function describeResult(record: InvocationRecord, result: unknown): void {
  let payload = result;
  if (isObject(result) && typeof result['statusCode'] === 'number') {
    const status = result['statusCode'];
    record.statusCode = status;
    payload = parseBody(result);
    if (status >= 400) {
      record.outcome = status >= 500 ? 'error' : 'rejected';
      const error = isObject(payload) && isObject(payload['error']) ? payload['error'] : undefined;
      record.note = maskSecrets(typeof error?.['message'] === 'string' ? error['message'] : `HTTP ${status}`);
      return;
    }
  }
  if (isObject(payload) && payload['ignored'] === true) {
    record.outcome = 'ignored';
    record.note = typeof payload['reason'] === 'string' ? payload['reason'] : 'ignored';
    return;
  }
  if (isObject(payload) && Array.isArray(payload['actions'])) {
    record.actions = payload['actions'].filter(isAction);
    if (isObject(payload['counts'])) record.counts = payload['counts'] as Record<string, number>;
    if (typeof payload['dryRun'] === 'boolean') record.dryRun = payload['dryRun'];
    record.outcome = record.actions.some((action) => action.status === 'failed') ? 'failed' : 'ok';
    return;
  }
  record.outcome = 'ok';
}

function parseBody(response: Record<string, unknown>): unknown {
  if (typeof response['body'] !== 'string') return undefined;
  const text = response['isBase64Encoded'] === true ? Buffer.from(response['body'], 'base64').toString('utf8') : response['body'];
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isAction(value: unknown): value is InvocationRecord['actions'][number] {
  return isObject(value) && typeof value['kind'] === 'string' && typeof value['target'] === 'string' && typeof value['status'] === 'string';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
