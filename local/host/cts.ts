import type { CtsTrace } from '../cloud/index.ts';
import type { HostedFunction } from './functions.ts';

/**
 * CTS triggers: a trace fires every function with an operation `SERVICE:resourceType:traceName` matching it.
 * As in FunctionGraph, an operation's resource types and trace names may list alternatives with `;`
 * (`KMS:cmk:createKey;scheduleKeyDeletion`).
 */

export interface CtsOperation {
  readonly text: string;
  readonly service: string;
  readonly resourceTypes: ReadonlySet<string>;
  readonly traceNames: ReadonlySet<string>;
}

export interface CtsSubscription {
  readonly fn: HostedFunction;
  readonly name: string;
  readonly operations: readonly CtsOperation[];
}

export function parseOperation(text: string): CtsOperation {
  const [service = '', resourceTypes = '', traceNames = ''] = text.split(':');
  const list = (part: string) => new Set(part.split(';').filter((item) => item !== ''));
  return { text, service, resourceTypes: list(resourceTypes), traceNames: list(traceNames) };
}

export function ctsSubscriptions(functions: readonly HostedFunction[]): CtsSubscription[] {
  const subscriptions: CtsSubscription[] = [];
  for (const fn of functions) {
    for (const trigger of fn.triggers) {
      if (trigger.triggerTypeCode !== 'CTS') continue;
      subscriptions.push({ fn, name: trigger.eventData.name ?? fn.name, operations: trigger.eventData.operations.map(parseOperation) });
    }
  }
  return subscriptions;
}

/** `KMS:cmk:createKey`: how a trace is matched and shown. */
export function operationOf(trace: CtsTrace): string {
  return `${trace.cts.service_type}:${trace.cts.resource_type}:${trace.cts.trace_name}`;
}

export function matches(operation: CtsOperation, trace: CtsTrace): boolean {
  const { service_type, resource_type, trace_name } = trace.cts;
  return operation.service === service_type && operation.resourceTypes.has(resource_type) && operation.traceNames.has(trace_name);
}

/** The subscriptions a trace fires: at most once per function, even if several of its triggers match. */
export function subscribersOf(subscriptions: readonly CtsSubscription[], trace: CtsTrace): CtsSubscription[] {
  const seen = new Set<string>();
  return subscriptions.filter((subscription) => {
    if (seen.has(subscription.fn.name) || !subscription.operations.some((op) => matches(op, trace))) return false;
    seen.add(subscription.fn.name);
    return true;
  });
}

/**
 * Guards against a loop (a function whose own changes fire it again, directly or through another): a
 * function is fired for one resource at most `limit` times per `windowMs`; beyond that the trace is dropped.
 * With serverless.yml's operations no loop exists (the functions' own changes are other operations), so this
 * only ever trips on a misconfiguration.
 */
export class LoopGuard {
  private readonly fired = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 10_000,
  ) {}

  /** True when the invocation may go ahead (and counts it). */
  allow(fn: string, resource: string, now = Date.now()): boolean {
    const key = `${fn}\u0000${resource}`;
    const recent = (this.fired.get(key) ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length >= this.limit) {
      this.fired.set(key, recent);
      return false;
    }
    recent.push(now);
    this.fired.set(key, recent);
    if (this.fired.size > 10_000) this.prune(now);
    return true;
  }

  private prune(now: number): void {
    for (const [key, times] of this.fired) {
      if (times.every((at) => now - at >= this.windowMs)) this.fired.delete(key);
    }
  }
}
