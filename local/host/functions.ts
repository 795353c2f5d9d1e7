import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LogSink } from '../../shared/runtime/logger.ts';
import { maskSecrets } from '../../shared/runtime/redact.ts';
import { sourceOf } from '../../deploy/serverless.ts';
import type { FunctionDefinition, ServiceDefinition, TriggerDefinition } from '../../deploy/serverless.ts';
import { functionEnvironment, functionGraphContext } from '../function-context.ts';
import type { FunctionGraphContext } from '../function-context.ts';
import type { InvocationRecord, Journal, TriggerType } from './journal.ts';

/**
 * One hosted function: its serverless.yml definition, its environment, and its handler, created once (a warm
 * FunctionGraph instance: policy and client live across invocations). `invoke` runs it with a
 * FunctionGraph-like context whose remaining time counts down from the function's timeout.
 */

export type Handler = (event: unknown, context: unknown) => Promise<unknown>;

interface HandlerModule {
  createHandler?: (options?: { env?: Readonly<Record<string, string | undefined>>; logSink?: LogSink }) => Handler;
  handler?: Handler;
}

export interface HostedFunction {
  readonly name: string;
  readonly description: string | undefined;
  readonly timeoutMs: number;
  readonly memorySize: number | undefined;
  readonly env: Readonly<Record<string, string>>;
  /** Active triggers, in serverless.yml order. */
  readonly triggers: readonly TriggerDefinition[];
  readonly handler: Handler;
}

export interface Invocation {
  readonly record: InvocationRecord;
  /** What the handler returned; undefined when it threw or timed out. */
  readonly result: unknown;
  readonly threw: boolean;
  readonly timedOut: boolean;
  /** Settles when the handler itself has settled (after a timeout it may still be running). */
  readonly done: Promise<void>;
}

export interface EnvSources {
  /** Connection to the cloud: `HUAWEICLOUD_*`. */
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

export async function loadFunction(
  root: string,
  service: ServiceDefinition,
  name: string,
  env: Record<string, string>,
  logSink: LogSink,
): Promise<HostedFunction> {
  const definition = service.functions[name] as FunctionDefinition;
  const source = sourceOf(name);
  let module: HandlerModule;
  try {
    module = (await import(pathToFileURL(join(root, source)).href)) as HandlerModule;
  } catch (error) {
    throw new Error(`cannot load ${source} for function ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const handler =
    typeof module.createHandler === 'function' ? module.createHandler({ env, logSink }) : typeof module.handler === 'function' ? module.handler : undefined;
  if (!handler) throw new Error(`${source} exports neither createHandler nor handler`);
  const timeoutSeconds = definition.timeout ?? service.provider.timeout;
  const memory = definition.memorySize ?? (service.provider as { memorySize?: unknown }).memorySize;
  return {
    name,
    description: definition.description,
    timeoutMs: timeoutSeconds * 1000,
    memorySize: typeof memory === 'number' ? memory : undefined,
    env,
    triggers: definition.events.filter((trigger) => trigger.status === 'ACTIVE'),
    handler,
  };
}

/** The FunctionGraph context of one invocation (local/function-context.ts). */
export function functionContext(fn: HostedFunction, requestId: string, deadline: number, logSink: LogSink): FunctionGraphContext {
  return functionGraphContext({
    requestId,
    functionName: fn.name,
    deadline,
    environment: fn.env,
    logSink,
    ...(fn.memorySize === undefined ? {} : { memorySize: fn.memorySize }),
  });
}

export interface InvokeRequest {
  readonly trigger: TriggerType;
  readonly source: string;
  readonly event: unknown;
  /** Default: the function's timeout. */
  readonly timeoutMs?: number;
}

export async function invokeFunction(fn: HostedFunction, request: InvokeRequest, journal: Journal, logSink: LogSink): Promise<Invocation> {
  const requestId = randomBytes(16).toString('hex');
  const record = journal.start({ requestId, function: fn.name, trigger: request.trigger, source: request.source });
  const startedAt = Date.now();
  const limit = Math.min(request.timeoutMs ?? fn.timeoutMs, fn.timeoutMs);
  const context = functionContext(fn, requestId, startedAt + fn.timeoutMs, logSink);

  type Settled = { kind: 'result'; value: unknown } | { kind: 'threw'; error: unknown } | { kind: 'timeout' };
  const running: Promise<Settled> = Promise.resolve()
    .then(() => fn.handler(request.event, context))
    .then(
      (value): Settled => ({ kind: 'result', value }),
      (error: unknown): Settled => ({ kind: 'threw', error }),
    );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), limit);
  });
  const settled = await Promise.race([running, timeout]);
  clearTimeout(timer);

  record.durationMs = Date.now() - startedAt;
  if (settled.kind === 'result') describeResult(record, settled.value);
  else if (settled.kind === 'threw') {
    record.outcome = 'error';
    record.note = maskSecrets(settled.error instanceof Error ? `${settled.error.name}: ${settled.error.message}` : 'non-error thrown');
  } else {
    record.outcome = 'timeout';
    record.note = `no answer within ${limit} ms`;
  }
  journal.finish(record);
  return {
    record,
    result: settled.kind === 'result' ? settled.value : undefined,
    threw: settled.kind === 'threw',
    timedOut: settled.kind === 'timeout',
    done: running.then(() => undefined),
  };
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
