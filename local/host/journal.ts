import type { ReportAction } from '../../shared/runtime/report.ts';

/**
 * What the host did, for the live log and the status page: the most recent invocations (a ring buffer), what
 * the latest run acting on each target did to it (e.g. a server's last restorability check), and live listeners.
 */

export type TriggerType = 'apig' | 'timer' | 'cts';

/**
 * - `ok`: a report without failed actions; `failed`: a report with some
 * - `ignored`: the function declined the event; `rejected`: an APIG answer 4xx (e.g. a bad signature)
 * - `error`: the handler threw or answered 5xx; `timeout`: it did not finish within its timeout
 */
export type Outcome = 'running' | 'ok' | 'failed' | 'ignored' | 'rejected' | 'error' | 'timeout';

export interface InvocationRecord {
  readonly id: number;
  readonly requestId: string;
  readonly function: string;
  readonly trigger: TriggerType;
  /** What fired it: `warden-tag-sweep (every 1h)`, `POST /warden/x`, `KMS:cmk:createKey <resource>`. */
  readonly source: string;
  /** ISO time. */
  readonly started: string;
  durationMs?: number;
  outcome: Outcome;
  statusCode?: number;
  dryRun?: boolean;
  actions: readonly ReportAction[];
  counts?: Readonly<Record<string, number>>;
  /** Why it was ignored, rejected or failed (masked, never a stack). */
  note?: string;
}

/** What the latest run that acted on a resource did to it. */
export interface TargetHistory {
  readonly function: string;
  /** ISO time the run started. */
  readonly at: string;
  readonly actions: readonly ReportAction[];
}

export type HostEvent =
  | { readonly type: 'started'; readonly record: InvocationRecord }
  | { readonly type: 'finished'; readonly record: InvocationRecord }
  | { readonly type: 'skipped'; readonly function: string; readonly trigger: TriggerType; readonly source: string; readonly reason: string };

export type HostListener = (event: HostEvent) => void;

const TARGET_LIMIT = 5_000;

export class Journal {
  private readonly records: InvocationRecord[] = [];
  private readonly targets = new Map<string, TargetHistory>();
  private readonly listeners = new Set<HostListener>();
  private nextId = 1;

  constructor(private readonly capacity = 100) {}

  subscribe(listener: HostListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  start(fields: Pick<InvocationRecord, 'requestId' | 'function' | 'trigger' | 'source'>): InvocationRecord {
    const record: InvocationRecord = { id: this.nextId++, ...fields, started: new Date().toISOString(), outcome: 'running', actions: [] };
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    this.emit({ type: 'started', record });
    return record;
  }

  finish(record: InvocationRecord): void {
    const byTarget = new Map<string, ReportAction[]>();
    for (const action of record.actions) {
      const list = byTarget.get(action.target);
      if (list) list.push(action);
      else byTarget.set(action.target, [action]);
    }
    for (const [target, actions] of byTarget) {
      this.targets.delete(target);
      this.targets.set(target, { function: record.function, at: record.started, actions });
    }
    while (this.targets.size > TARGET_LIMIT) {
      const oldest = this.targets.keys().next();
      if (oldest.done) break;
      this.targets.delete(oldest.value);
    }
    this.emit({ type: 'finished', record });
  }

  skipped(event: Omit<Extract<HostEvent, { type: 'skipped' }>, 'type'>): void {
    this.emit({ type: 'skipped', ...event });
  }

  /** Newest first. */
  recent(): InvocationRecord[] {
    return [...this.records].reverse();
  }

  /** What the latest run that acted on `target` did to it. */
  lastRunOn(target: string): TargetHistory | undefined {
    return this.targets.get(target);
  }

  private emit(event: HostEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (e.g. a closed terminal) must not break an invocation.
      }
    }
  }
}
