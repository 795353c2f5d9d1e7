import type { ApiContext, ApiResult } from '../api.ts';
import { isRecord } from '../api.ts';
import { ApiError, NOT_EMULATED } from '../errors.ts';
import type { AgencyCredentials } from '../../function-context.ts';
import type { FgsFunction } from '../state.ts';
import type { InvocationJournal, InvocationTrigger } from './journal.ts';
import * as rules from './rules.ts';
import { namedFunction } from './urn.ts';

/**
 * InvokeFunction and AsyncInvokeFunction. The routes check their input as the API does; running the code is
 * the job of a `FunctionRunner` plugged in behind them (./process-runner.ts). Without one, an invocation answers
 * 501 "not emulated yet: running functions", naming the operation. A function's error is its result (200,
 * `status` 500); a run stopped at the function's timeout answers 408 `FSS.0408` (FunctionGraph's "Request
 * timeout"), as the documents leave both open.
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
  /** Where the function's cloud is: this cloud's URL and region (a runner gives them as `HUAWEICLOUD_*`). */
  readonly connection: { readonly endpoint: string; readonly region: string };
}

export interface InvocationRequest {
  readonly requestId: string;
  readonly event: Readonly<Record<string, unknown>>;
  readonly mode: 'sync' | 'async';
  /** `X-Cff-Log-Type: tail`: the answer carries the last 4 KB of the log. */
  readonly logTail: boolean;
  /** `X-Cff-Instance-Memory`, MB. */
  readonly instanceMemory: number | undefined;
  /** The temporary credentials of the function's agency (`xrole`) for this invocation; absent without one. */
  readonly credentials?: AgencyCredentials | undefined;
}

export interface InvocationOutcome {
  /** What the function returned, as text (JSON for an object), or its error. */
  readonly result: string;
  /** 200 when the function ran to completion; 500 when it failed (threw, could not load, its process died); 408 when stopped at its timeout. */
  readonly status: number;
  readonly log: string;
}

/** Runs deployed code: `start` loads a revision, `invoke` runs it, `stop` releases what `start` loaded. */
export interface FunctionRunner {
  start(fn: FunctionSnapshot): Promise<void>;
  invoke(fn: FunctionSnapshot, request: InvocationRequest): Promise<InvocationOutcome>;
  stop(funcUrn: string): Promise<void>;
  /** Stops everything (the cloud closes). */
  close?(): Promise<void>;
}

/** What the cloud gives the invoker: where it is, its clock, the agencies' credentials, the journal. */
export interface FunctionPlatform {
  readonly journal: InvocationJournal;
  endpoint(): string;
  region(): string;
  now(): Date;
  /** Temporary credentials of `fn`'s agency, valid for `ttlMs`; undefined without an agency (or an unknown one). */
  credentialsFor(fn: FgsFunction, ttlMs: number): AgencyCredentials | undefined;
}

/** How an invocation came: the API, or a trigger (its type and name). */
export interface InvocationSource {
  readonly type: InvocationTrigger;
  readonly name: string;
}

/** Starts each revision of a function once before running it, stops it when replaced or deleted, and journals every run. */
export class FunctionInvoker {
  /** Per function, the revision started (or being started): invocations that arrive together wait for one start. */
  private readonly started = new Map<string, { readonly revision: string; readonly ready: Promise<void> }>();
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly runner: FunctionRunner | undefined,
    private readonly platform: FunctionPlatform,
  ) {}

  get runs(): boolean {
    return this.runner !== undefined;
  }

  async invoke(fn: FgsFunction, request: Omit<InvocationRequest, 'credentials'>, operation: string, source: InvocationSource = { type: 'api', name: operation }): Promise<InvocationOutcome> {
    const runner = this.runner;
    if (!runner) throw new ApiError(501, NOT_EMULATED, `not emulated yet: running functions (${operation})`, 'fgs');
    const snapshot = snapshotOf(fn, this.platform);
    const record = this.platform.journal.start({
      request_id: request.requestId,
      func_urn: fn.func_urn,
      func_name: fn.func_name,
      project_id: fn.project_id,
      trigger: source,
      mode: request.mode,
      started_at: this.platform.now().toISOString(),
    });
    const startedAt = performance.now();
    const running = (async () => {
      await this.startRevision(runner, snapshot);
      // Valid a little longer than the function may run, as the agency's credentials outlive an invocation.
      const credentials = this.platform.credentialsFor(fn, fn.timeout * 1000 + 60_000);
      return runner.invoke(snapshot, { ...request, credentials });
    })();
    const tracked = running.then(
      (outcome) => this.platform.journal.finish(record, outcome.status === 200 ? 'ok' : outcome.status === 408 ? 'timeout' : 'failed', performance.now() - startedAt, outcome.result),
      (error: unknown) => this.platform.journal.finish(record, 'failed', performance.now() - startedAt, error instanceof Error ? error.message : String(error)),
    );
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
    return running;
  }

  /** Runs an invocation in the background (async invocations, triggers); its outcome goes to the journal only. */
  background(fn: FgsFunction, request: Omit<InvocationRequest, 'credentials'>, operation: string, source: InvocationSource): void {
    this.invoke(fn, request, operation, source).catch(() => undefined);
  }

  private startRevision(runner: FunctionRunner, snapshot: FunctionSnapshot): Promise<void> {
    const urn = snapshot.func_urn;
    const current = this.started.get(urn);
    if (current?.revision === snapshot.revision) return current.ready;
    const ready = (current?.ready ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        if (current !== undefined) await runner.stop(urn);
        await runner.start(snapshot);
      });
    this.started.set(urn, { revision: snapshot.revision, ready });
    // A start that failed is tried again by the next invocation.
    ready.catch(() => {
      if (this.started.get(urn)?.ready === ready) this.started.delete(urn);
    });
    return ready;
  }

  /** Resolves once every invocation running now (and any it started meanwhile) has finished. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** The function's code changed or it was deleted: what runs it can go. */
  release(funcUrn: string): void {
    if (!this.started.delete(funcUrn)) return;
    this.runner?.stop(funcUrn).catch(() => undefined);
  }

  /** Everything goes (a reset): every started function is stopped. */
  releaseAll(): void {
    for (const urn of [...this.started.keys()]) this.release(urn);
  }

  async close(): Promise<void> {
    this.started.clear();
    await this.runner?.close?.();
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
    if (outcome.status === 408) throw new ApiError(408, 'FSS.0408', `Request timeout: ${outcome.result}`, 'fgs');
    // The v1 answer (what the SDKs ask for); v0's bare result text waits for a runner that produces one.
    return { status: 200, body: { request_id: ctx.requestId, result: outcome.result, log: request.logTail ? outcome.log : '', status: outcome.status } };
  };
}

export function asyncInvokeFunction(invoker: FunctionInvoker) {
  return async (ctx: ApiContext): Promise<ApiResult> => {
    const { fn } = namedFunction(ctx);
    const request = invocation(ctx, 'async', false);
    if (!invoker.runs) throw new ApiError(501, NOT_EMULATED, 'not emulated yet: running functions (functiongraph.asyncInvokeFunction)', 'fgs');
    // Accepted, then run in the background: the outcome goes to the invocation journal.
    invoker.background(fn, request, 'functiongraph.asyncInvokeFunction', { type: 'api', name: 'functiongraph.asyncInvokeFunction' });
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

function snapshotOf(fn: FgsFunction, platform: FunctionPlatform): FunctionSnapshot {
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
    connection: { endpoint: platform.endpoint(), region: platform.region() },
  };
}
