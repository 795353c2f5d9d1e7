import type { CtsTrace } from '../traces.ts';

/**
 * CTS trigger operations, as FunctionGraph reads them: `SERVICE:resourceType:traceName`, where resource types and
 * trace names may list alternatives with `;` (`KMS:cmk:createKey;scheduleKeyDeletion`). Shared by the embedded
 * FunctionGraph's CTS triggers and the local host.
 */

export interface CtsOperation {
  readonly text: string;
  readonly service: string;
  readonly resourceTypes: ReadonlySet<string>;
  readonly traceNames: ReadonlySet<string>;
}

export function parseOperation(text: string): CtsOperation {
  const [service = '', resourceTypes = '', traceNames = ''] = text.split(':');
  const list = (part: string) => new Set(part.split(';').filter((item) => item !== ''));
  return { text, service, resourceTypes: list(resourceTypes), traceNames: list(traceNames) };
}

/** `KMS:cmk:createKey`: how a trace is matched and shown. */
export function operationOf(trace: CtsTrace): string {
  return `${trace.cts.service_type}:${trace.cts.resource_type}:${trace.cts.trace_name}`;
}

export function matches(operation: CtsOperation, trace: CtsTrace): boolean {
  const { service_type, resource_type, trace_name } = trace.cts;
  return operation.service === service_type && operation.resourceTypes.has(resource_type) && operation.traceNames.has(trace_name);
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
