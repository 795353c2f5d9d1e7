import type { ApiContext, ApiResult } from '../api.ts';
import { isRecord } from '../api.ts';
import { ApiError, NOT_EMULATED } from '../errors.ts';
import type { FgsFunction } from '../state.ts';
import * as rules from './rules.ts';
import { namedFunction } from './urn.ts';

/**
 * InvokeFunction and AsyncInvokeFunction. The routes check their input as the API does; running the code is
 * the job of a `FunctionRunner` plugged in behind them. Without one, an invocation answers 501 "not emulated
 * yet: running functions", naming the operation.
 */

/** What a runner gets of a function: its configuration and code as of the invocation. */
export interface FunctionSnapshot {
  readonly func_urn: string;
  readonly func_name: string;
  readonly package: string;
  readonly project_id: string;
  readonly domain_id: string;
  readonly runtime: string;
  readonly handler: string;
  readonly memory_size: number;
  /** Seconds. */
  readonly timeout: number;
  readonly user_data: Readonly<Record<string, string>>;
  readonly encrypted_user_data: Readonly<Record<string, string>>;
  readonly xrole: string;
  readonly code: { readonly code_type: string; readonly code_filename: string; readonly file: Buffer; readonly digest: string };
  /** Changes whenever the code or the configuration does. */
  readonly revision: string;
}

export interface InvocationRequest {
  readonly requestId: string;
  readonly event: Readonly<Record<string, unknown>>;
  readonly mode: 'sync' | 'async';
  /** `X-Cff-Log-Type: tail`: the answer carries the last 4 KB of the log. */
  readonly logTail: boolean;
  /** `X-Cff-Instance-Memory`, MB. */
  readonly instanceMemory: number | undefined;
}

export interface InvocationOutcome {
  /** What the function returned, as text (JSON for an object), or its error. */
  readonly result: string;
  /** 200 when the function ran to completion. */
  readonly status: number;
  readonly log: string;
}

/** Runs deployed code: `start` loads a revision, `invoke` runs it, `stop` releases what `start` loaded. */
export interface FunctionRunner {
  start(fn: FunctionSnapshot): Promise<void>;
  invoke(fn: FunctionSnapshot, request: InvocationRequest): Promise<InvocationOutcome>;
  stop(funcUrn: string): Promise<void>;
}

/** Starts each revision of a function once before running it, and stops it when replaced or deleted. */
export class FunctionInvoker {
  private readonly started = new Map<string, string>();

  constructor(private readonly runner: FunctionRunner | undefined) {}

  async invoke(fn: FgsFunction, request: InvocationRequest, operation: string): Promise<InvocationOutcome> {
    if (!this.runner) throw new ApiError(501, NOT_EMULATED, `not emulated yet: running functions (${operation})`, 'fgs');
    const snapshot = snapshotOf(fn);
    const running = this.started.get(fn.func_urn);
    if (running !== snapshot.revision) {
      if (running !== undefined) await this.runner.stop(fn.func_urn);
      await this.runner.start(snapshot);
      this.started.set(fn.func_urn, snapshot.revision);
    }
    return this.runner.invoke(snapshot, request);
  }

  /** The function's code changed or it was deleted: what runs it can go. */
  release(funcUrn: string): void {
    if (!this.started.delete(funcUrn)) return;
    this.runner?.stop(funcUrn).catch(() => undefined);
  }
}

export function invokeFunction(invoker: FunctionInvoker) {
  return async (ctx: ApiContext): Promise<ApiResult> => {
    const { fn } = namedFunction(ctx);
    const logType = header(ctx, 'x-cff-log-type');
    if (logType !== undefined && logType !== '' && logType !== 'tail') throw rules.badParameter('X-Cff-Log-Type must be tail or empty');
    const version = header(ctx, 'x-cff-request-version');
    if (version !== undefined && version !== 'v0' && version !== 'v1') throw rules.badParameter('X-CFF-Request-Version must be v0 or v1');
    const request = invocation(ctx, 'sync', logType === 'tail');
    const outcome = await invoker.invoke(fn, request, 'functiongraph.invokeFunction');
    // The v1 answer (what the SDKs ask for); v0's bare result text waits for a runner that produces one.
    return { status: 200, body: { request_id: ctx.requestId, result: outcome.result, log: request.logTail ? outcome.log : '', status: outcome.status } };
  };
}

export function asyncInvokeFunction(invoker: FunctionInvoker) {
  return async (ctx: ApiContext): Promise<ApiResult> => {
    const { fn } = namedFunction(ctx);
    const request = invocation(ctx, 'async', false);
    await invoker.invoke(fn, request, 'functiongraph.asyncInvokeFunction');
    return { status: 202, body: { request_id: ctx.requestId } };
  };
}

function invocation(ctx: ApiContext, mode: 'sync' | 'async', logTail: boolean): InvocationRequest {
  if (!isRecord(ctx.body)) throw rules.badParameter('the request body (the event) must be a JSON object');
  const memory = header(ctx, 'x-cff-instance-memory');
  if (memory !== undefined && !rules.INSTANCE_MEMORY_SIZES.has(Number(memory))) {
    throw rules.badParameter(`X-Cff-Instance-Memory must be one of ${[...rules.INSTANCE_MEMORY_SIZES].join(', ')}`);
  }
  return { requestId: ctx.requestId, event: ctx.body, mode, logTail, instanceMemory: memory === undefined ? undefined : Number(memory) };
}

function header(ctx: ApiContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function snapshotOf(fn: FgsFunction): FunctionSnapshot {
  const variables = (text: string): Record<string, string> => (text === '' ? {} : (JSON.parse(text) as Record<string, string>));
  return {
    func_urn: fn.func_urn,
    func_name: fn.func_name,
    package: fn.package,
    project_id: fn.project_id,
    domain_id: fn.domain_id,
    runtime: fn.runtime,
    handler: fn.handler,
    memory_size: fn.memory_size,
    timeout: fn.timeout,
    user_data: variables(fn.user_data),
    encrypted_user_data: variables(fn.encrypted_user_data),
    xrole: fn.xrole,
    code: { code_type: fn.code.code_type, code_filename: fn.code.code_filename, file: fn.code.file, digest: fn.code.digest },
    revision: `${fn.code.digest}@${fn.last_modified}`,
  };
}
