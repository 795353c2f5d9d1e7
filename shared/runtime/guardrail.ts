import middy from '@middy/core';
import { HuaweiCloud } from '../hwc/index.ts';
import { HwcError } from '../hwc/errors.ts';
import type { Credentials } from '../hwc/credentials.ts';
import { describeUnknownVariable, loadPolicy, unknownWardenVariables } from '../policy.ts';
import type { Policy } from '../policy.ts';
import { classifyTrigger } from '../triggers/parse.ts';
import type { TriggerKind } from '../triggers/parse.ts';
import { parseWebhookRequest, refuseQueryParameters } from '../triggers/webhook.ts';
import type { CtsTrace } from '../triggers/schemas/cts.ts';
import { toApigResponse } from './apig-response.ts';
import { exposeRemainingTime, runtimeContext, runtimeOf } from './context.ts';
import type { RuntimeContext } from './context.ts';
import { Deadline } from './deadline.ts';
import { errorResponse } from './error-response.ts';
import { createLogger, registerSecret } from './logger.ts';
import type { Logger, LogSink } from './logger.ts';
import { notify } from './notify.ts';
import { failureReason, ignoredResult, ReportBuilder } from './report.ts';
import type { FunctionReport, FunctionResult } from './report.ts';
import { ReplayGuard, verifyApigWebhook } from './webhook-auth.ts';

/**
 * What every guardrail shares: policy loaded once, the trigger parsed and authenticated, a Huawei Cloud
 * client, a report, JSON logs, an SMN summary. A function supplies only `run`: observe → plan → apply.
 */

/** What the function is asked to do: look at everything, or at the one resource a trace names. */
export type Work =
  | { readonly kind: 'sweep'; readonly via: 'timer' | 'apig' }
  | { readonly kind: 'trace'; readonly via: 'cts' | 'apig'; readonly trace: CtsTrace };

export interface GuardrailRun {
  readonly work: Work;
  readonly policy: Policy;
  readonly dryRun: boolean;
  /** The client, bounded by the run's deadline: once it passes, nothing is sent and calls in flight are cut. */
  readonly cloud: HuaweiCloud;
  readonly log: Logger;
  /** Reports a failure the deadline caused as `deferred`. */
  readonly report: ReportBuilder;
  readonly runtime: RuntimeContext;
  /** True once the run's deadline has passed: take no new work, defer the rest. */
  outOfTime(): boolean;
  /** Aborts when the run's deadline passes (what `cloud` already receives), for anything else worth cutting short. */
  readonly signal: AbortSignal;
  readonly now: Date;
}

export interface GuardrailDefinition {
  readonly name: string;
  /** Trace names (CTS `trace_name`) this function acts on, for CTS triggers and webhooks. Empty: sweeps only. */
  readonly traceNames: readonly string[];
  run(run: GuardrailRun): Promise<void>;
}

export interface GuardrailOptions {
  /** Environment and FunctionGraph-style configuration; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Log sink; default stderr. */
  readonly logSink?: LogSink;
  readonly now?: () => Date;
  /**
   * The run's deadline falls this many milliseconds before the platform's time limit (default 5,000): from then
   * on no new work is taken and no cloud call is sent, and the calls in flight are cut. Of the margin, the SMN
   * summary may use the first half; middy's last-resort timeout answers a tenth of it before the limit.
   */
  readonly safetyMarginMs?: number;
}

const DEFAULT_SAFETY_MARGIN_MS = 5_000;

export type GuardrailHandler = ReturnType<typeof guardrail>;

export function guardrail(definition: GuardrailDefinition, options: GuardrailOptions = {}) {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const baseLog = createLogger({ function: definition.name, ...(options.logSink ? { sink: options.logSink } : {}) });
  let policy: Policy | undefined;
  let cloud: HuaweiCloud | undefined;
  let currentContext: RuntimeContext | undefined;
  // Per function instance: a signed webhook is accepted once within its tolerance window.
  const replayGuard = new ReplayGuard();

  const margin = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  if (!Number.isFinite(margin) || margin < 0) throw new RangeError(`safetyMarginMs must be a number of milliseconds ≥ 0, got ${margin}`);

  const handle = async (event: unknown, context: unknown): Promise<unknown> => {
    const runtime = runtimeOf(context);
    currentContext = runtime;
    const log = baseLog.child({ requestId: runtime.requestId });
    if (policy === undefined) {
      policy = loadPolicy({ env, userData: (name) => runtime.userData(name) });
      // Once per cold start: a misspelt setting (WARDEN_MAX_DELETION) would otherwise leave its default in force unsaid.
      for (const unknown of unknownWardenVariables(Object.keys(env))) log.warn(describeUnknownVariable(unknown), { variable: unknown.name });
    }

    const trigger = classifyTrigger(event);
    const { work, dryRunRequested } = toWork(trigger, event, policy, definition, replayGuard);
    if ('ignored' in work) {
      log.info('event ignored', { reason: work.ignored });
      const result = ignoredResult(definition.name, trigger.kind, work.ignored);
      return trigger.kind === 'apig' ? toApigResponse(result, 202) : result;
    }

    const dryRun = decideDryRun(policy, dryRunRequested, log);
    cloud ??= createCloud(env, () => currentContext);
    const remaining = () => runtime.remainingMs();
    // One deadline for the run, whose signal every cloud call receives.
    const deadline = new Deadline(remaining, margin);
    const report = new ReportBuilder(definition.name, trigger.kind, dryRun, deadline.signal);
    const onDeadline = () => log.warn('deadline reached: nothing more is sent, calls in flight are cut', { marginMs: margin });
    if (deadline.signal.aborted) onDeadline();
    else deadline.signal.addEventListener('abort', onDeadline, { once: true });
    const started = Date.now();
    try {
      await definition.run({
        work,
        policy,
        dryRun,
        cloud: cloud.withDeadline(deadline.signal),
        log,
        report,
        runtime,
        outOfTime: () => deadline.passed(),
        signal: deadline.signal,
        now: now(),
      });
    } catch (error) {
      // The cloud failed a call the whole run depends on (e.g. a listing): what was done stands, the rest is
      // reported failed (deferred, if the deadline stopped it), and the summary still goes out. Anything else is a
      // bug and fails the invocation.
      if (!(error instanceof HwcError)) throw error;
      report.failed(work.kind, error.operation, failureReason(error));
    } finally {
      deadline.end();
      deadline.signal.removeEventListener('abort', onDeadline);
    }
    const result = report.build();
    logReport(log, result, Date.now() - started);
    // The summary may use the first half of the margin, so the report is still returned in time.
    const summaryDeadline = new Deadline(remaining, margin / 2);
    try {
      await notify(cloud.withDeadline(summaryDeadline.signal), policy, result, log);
    } finally {
      summaryDeadline.end();
    }
    return trigger.kind === 'apig' ? toApigResponse(result) : result;
  };

  return middy(handle as (event: unknown, context: any) => Promise<FunctionResult | unknown>, {
    // A last resort, behind the run's own deadline, for a run that does not heed it: a 504 (APIG) or a timeout
    // error (TIMER, CTS) before the platform's limit, rather than no answer at all.
    timeoutEarlyInMillis: Math.max(1, Math.floor(margin / 10)),
    requestStart: exposeRemainingTime,
  })
    .use(errorResponse({ logger: baseLog }))
    .use(runtimeContext());
}

/** The work an event asks for, and (webhooks only) the dry-run choice its signed body makes. */
interface WorkRequest {
  readonly work: Work | { ignored: string };
  readonly dryRunRequested?: boolean | undefined;
}

function toWork(
  trigger: ReturnType<typeof classifyTrigger>,
  event: unknown,
  policy: Policy,
  definition: GuardrailDefinition,
  replayGuard: ReplayGuard,
): WorkRequest {
  switch (trigger.kind) {
    case 'timer':
      return { work: { kind: 'sweep', via: 'timer' } };
    case 'cts':
      return { work: traceWork(trigger.trace, 'cts', definition) };
    case 'apig': {
      const limits = { maxBytes: policy.maxBodyBytes };
      // The signature covers the body, not the URL: nothing is read from the query, and anything there is refused.
      refuseQueryParameters(trigger.event);
      verifyApigWebhook(event, {
        mode: policy.webhookAuth,
        ...(policy.webhookSecret ? { secret: policy.webhookSecret } : {}),
        replayGuard,
        ...limits,
      });
      const request = parseWebhookRequest(trigger.event, { ...limits, functionName: definition.name, acceptsTraces: definition.traceNames.length > 0 });
      const work = request.kind === 'sweep' ? ({ kind: 'sweep', via: 'apig' } as const) : traceWork(request.trace, 'apig', definition);
      return { work, dryRunRequested: request.dryRun };
    }
    case 'unknown':
      return { work: { ignored: trigger.reason } };
  }
}

function traceWork(trace: CtsTrace, via: 'cts' | 'apig', definition: GuardrailDefinition): Work | { ignored: string } {
  if (!definition.traceNames.includes(trace.trace_name)) {
    return { ignored: `trace ${trace.trace_name} is not one of ${definition.traceNames.join(', ') || 'the traces this function handles'}` };
  }
  return { kind: 'trace', via, trace };
}

/** WARDEN_DRY_RUN=true wins over any request: a webhook can ask for a dry run, never for a real one. */
function decideDryRun(policy: Policy, requested: boolean | undefined, log: Logger): boolean {
  if (policy.dryRun && requested === false) log.info('dry run: WARDEN_DRY_RUN=true; the request\'s "dryRun": false does not change that');
  return policy.dryRun || requested === true;
}

/**
 * One client per function instance (its connection pools outlive an invocation). Credentials come from
 * the environment when given (local runs), otherwise from the current invocation's FunctionGraph agency.
 */
function createCloud(
  env: Readonly<Record<string, string | undefined>>,
  current: () => RuntimeContext | undefined,
): HuaweiCloud {
  if (env['HUAWEICLOUD_SDK_AK'] || env['HUAWEICLOUD_SDK_IAM_USER']) {
    for (const name of ['HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_IAM_PASSWORD']) registerSecret(env[name]);
    return HuaweiCloud.fromEnv(env);
  }
  const credentials: Credentials = {
    type: 'dynamic',
    resolve: () => {
      const runtime = current();
      const given = runtime?.credentials?.();
      if (given) return { type: 'aksk', ak: given.accessKey, sk: given.secretKey, securityToken: given.securityToken };
      const token = runtime?.iamToken?.();
      if (token) return { type: 'token', token };
      throw new Error('no credentials: give the function an agency, or set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK');
    },
  };
  return HuaweiCloud.fromEnv(env, { credentials });
}

function logReport(log: Logger, report: FunctionReport, elapsedMs: number): void {
  for (const action of report.actions) {
    const level = action.status === 'failed' ? 'warn' : 'info';
    log[level]('action', { ...action });
  }
  log.info('run finished', { trigger: report.trigger, dryRun: report.dryRun, counts: report.counts, elapsedMs });
}

export type { TriggerKind };
