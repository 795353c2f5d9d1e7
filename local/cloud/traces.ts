/** CTS traces, shaped like the `cts` event a FunctionGraph CTS trigger receives. */

export interface CtsUser {
  /** "User" for AK/SK and token users, "AssumedAgency" for an agency's temporary credentials. */
  type: 'User' | 'AssumedAgency';
  name: string;
  id: string;
  domain: { name: string; id: string };
}

export interface CtsTrace {
  cts: {
    /** Epoch milliseconds. */
    time: number;
    user: CtsUser;
    request: unknown;
    response: unknown;
    /** HTTP status of the call. */
    code: number;
    service_type: string;
    resource_type: string;
    resource_name: string;
    resource_id: string;
    trace_name: string;
    trace_type: 'ApiCall';
    trace_rating: 'normal';
    trace_status: 'normal';
    /** Epoch milliseconds. */
    record_time: number;
    trace_id: string;
    project_id: string;
    domain_id: string;
    source_ip: string;
    api_version: string;
    operation_id: string;
    read_only: false;
    message: string;
  };
}

export type TraceListener = (trace: CtsTrace) => void;

/** Keeps the most recent traces; older ones are dropped so a long run cannot grow without bound. */
export const TRACE_LOG_LIMIT = 10_000;

/** Records traces and hands them to in-process subscribers after the response, never inside it. */
export class TraceBus {
  private readonly listeners = new Set<TraceListener>();
  private pending: CtsTrace[] = [];
  private scheduled = false;

  constructor(private readonly log: CtsTrace[]) {}

  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(trace: CtsTrace): void {
    this.log.push(trace);
    if (this.log.length > 2 * TRACE_LOG_LIMIT) this.log.splice(0, this.log.length - TRACE_LOG_LIMIT);
    if (this.listeners.size === 0) return;
    this.pending.push(trace);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.deliver());
    }
  }

  private deliver(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (const trace of batch) {
      for (const listener of this.listeners) {
        try {
          listener(trace);
        } catch {
          // A failing subscriber must not break the cloud or the other subscribers.
        }
      }
    }
  }
}
