import { maskSecrets } from '../../../shared/runtime/redact.ts';

/**
 * What the embedded FunctionGraph ran: one record per invocation (through the API, a TIMER, a CTS trace or an
 * APIG route), newest last, at most `limit` kept. Read by `GET /__admin/functiongraph/invocations` and
 * `cloud.functionGraph.invocations`, for tests and a status page.
 */

export type InvocationTrigger = 'api' | 'timer' | 'cts' | 'apig';
/** `ok`: the handler returned; `failed`: it threw, or its code could not be loaded or its process died; `timeout`: stopped at its timeout. */
export type InvocationStatus = 'running' | 'ok' | 'failed' | 'timeout';

export interface InvocationRecord {
  readonly request_id: string;
  readonly func_urn: string;
  readonly func_name: string;
  readonly project_id: string;
  readonly trigger: { readonly type: InvocationTrigger; readonly name: string };
  readonly mode: 'sync' | 'async';
  /** ISO time (the cloud's clock). */
  readonly started_at: string;
  status: InvocationStatus;
  duration_ms: number | undefined;
  /** The result (or the error), as text, cut to 300 characters, registered secrets masked. */
  summary: string;
}

const SUMMARY_CHARS = 300;

export class InvocationJournal {
  private readonly entries: InvocationRecord[] = [];

  constructor(private readonly limit = 500) {}

  get records(): readonly InvocationRecord[] {
    return this.entries;
  }

  start(record: Omit<InvocationRecord, 'status' | 'duration_ms' | 'summary'>): InvocationRecord {
    const entry: InvocationRecord = { ...record, status: 'running', duration_ms: undefined, summary: '' };
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return entry;
  }

  finish(record: InvocationRecord, status: Exclude<InvocationStatus, 'running'>, durationMs: number, result: string): void {
    record.status = status;
    record.duration_ms = durationMs;
    const text = maskSecrets(result);
    record.summary = text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text;
  }

  clear(): void {
    this.entries.length = 0;
  }
}
