import { HwcError, LocalErrorCode } from '../hwc/errors.ts';
import type { TriggerKind } from '../triggers/parse.ts';
import { maskSecrets } from './redact.ts';

/**
 * What every function returns: the actions it applied, planned (dry run), skipped, failed or deferred
 * (e.g. over a cap, or out of time), with a tally; or an `ignored` result for events it does not handle.
 */

export const ACTION_STATUSES = ['applied', 'planned', 'skipped', 'failed', 'deferred'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export interface ReportAction {
  /** What was (to be) done, e.g. "tag", "describe", "cancel-deletion", "delete-event". */
  readonly kind: string;
  /** What it was done to, e.g. a key id or event name. */
  readonly target: string;
  readonly status: ActionStatus;
  readonly reason?: string;
}

export type ActionCounts = Readonly<Record<ActionStatus, number>>;

export interface FunctionReport {
  readonly function: string;
  readonly trigger: TriggerKind;
  readonly dryRun: boolean;
  readonly actions: readonly ReportAction[];
  readonly counts: ActionCounts;
}

export interface IgnoredResult {
  readonly function: string;
  readonly trigger: TriggerKind;
  readonly ignored: true;
  readonly reason: string;
}

export type FunctionResult = FunctionReport | IgnoredResult;

/** Tally by status; all five keys are always present. */
export function countActions(actions: readonly Pick<ReportAction, 'status'>[]): ActionCounts {
  const counts: Record<ActionStatus, number> = { applied: 0, planned: 0, skipped: 0, failed: 0, deferred: 0 };
  for (const action of actions) counts[action.status]++;
  return counts;
}

export interface ReportInput {
  function: string;
  trigger: TriggerKind;
  dryRun: boolean;
  actions: readonly ReportAction[];
}

/** A report with counts computed from `actions`; reasons have registered secrets masked. */
export function buildReport(input: ReportInput): FunctionReport {
  const actions = input.actions.map(sanitizeAction);
  return { function: input.function, trigger: input.trigger, dryRun: input.dryRun, actions, counts: countActions(actions) };
}

export function ignoredResult(fn: string, trigger: TriggerKind, reason: string): IgnoredResult {
  return { function: fn, trigger, ignored: true, reason: maskSecrets(reason) };
}

export function isIgnoredResult(result: unknown): result is IgnoredResult {
  return typeof result === 'object' && result !== null && (result as { ignored?: unknown }).ignored === true;
}

/** Added to the reason of a failure the deadline caused, once it is reported deferred. */
export const DEADLINE_DEFERRAL = 'the next run checks';
const DEADLINE_MARK = `${LocalErrorCode.deadline}: `;

/**
 * Collects actions while a function applies its plan, then builds the report.
 *
 * Given the run's deadline, it reports a failure the deadline caused as `deferred`: a call the deadline stopped
 * (not sent, cut in flight, or not retried) is not a refusal of the cloud's, and what it may have done is for the
 * next run to check. Functions report failures with `failureReason`, which names the deadline's code
 * (`WARDEN.DEADLINE: …`), so they need not tell these apart themselves. Only once the deadline has passed: an
 * answer of the cloud's naming that code, reported before, stays a failure.
 */
export class ReportBuilder {
  private readonly actions: ReportAction[] = [];

  constructor(
    readonly fn: string,
    readonly trigger: TriggerKind,
    readonly dryRun: boolean,
    private readonly deadline?: AbortSignal,
  ) {}

  add(action: ReportAction): this {
    this.actions.push(sanitizeAction(this.cutByDeadline(action) ? { ...action, status: 'deferred', reason: `${action.reason}; ${DEADLINE_DEFERRAL}` } : action));
    return this;
  }

  applied(kind: string, target: string, reason?: string): this {
    return this.add(withReason({ kind, target, status: 'applied' }, reason));
  }

  planned(kind: string, target: string, reason?: string): this {
    return this.add(withReason({ kind, target, status: 'planned' }, reason));
  }

  skipped(kind: string, target: string, reason: string): this {
    return this.add({ kind, target, status: 'skipped', reason });
  }

  failed(kind: string, target: string, reason: string): this {
    return this.add({ kind, target, status: 'failed', reason });
  }

  deferred(kind: string, target: string, reason: string): this {
    return this.add({ kind, target, status: 'deferred', reason });
  }

  build(): FunctionReport {
    return buildReport({ function: this.fn, trigger: this.trigger, dryRun: this.dryRun, actions: this.actions });
  }

  private cutByDeadline(action: ReportAction): boolean {
    return action.status === 'failed' && this.deadline?.aborted === true && action.reason?.includes(DEADLINE_MARK) === true;
  }
}

function withReason(action: ReportAction, reason: string | undefined): ReportAction {
  return reason === undefined ? action : { ...action, reason };
}

function sanitizeAction(action: ReportAction): ReportAction {
  const clean: ReportAction = { kind: action.kind, target: maskSecrets(action.target), status: action.status };
  return action.reason === undefined ? clean : { ...clean, reason: maskSecrets(action.reason) };
}

/** How a failed call reads in a report: the cloud's error code first. */
export function failureReason(error: unknown): string {
  if (error instanceof HwcError) {
    const code = error.errorCode ?? (error.status ? `HTTP ${error.status}` : 'no response');
    return `${code}: ${error.errorMsg ?? error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
