import { CTS_RETENTION_MS, CtsApi } from '../../shared/hwc/cts.ts';
import type { Trace } from '../../shared/hwc/cts.ts';
import type { HuaweiCloud } from '../../shared/hwc/index.ts';
import { keyIdOfTrace } from './key-trace.ts';

/**
 * Was a key enabled when its deletion was scheduled? The audit trail (CTS) knows, for seven days: the last
 * operation that set the key's state before its `scheduleKeyDeletion`. Only a key known to have been enabled
 * is enabled again after its deletion is cancelled; what the trail cannot tell leaves the key disabled.
 *
 * - `enable`: the last state change before the scheduling left the key enabled (createKey of a KMS-generated
 *   key, which is usable at once; enableKey; importKeyMaterial).
 * - `leave` (final: asking again tells nothing new): it was disabled (disableKey, or an earlier
 *   cancelKeyDeletion), waiting for key material (createKey with `origin: external`,
 *   deleteImportedKeyMaterial), someone enabled or disabled it after the scheduling, or the trail holds no
 *   scheduling or no state change before it (older than CTS keeps, or CTS does not record).
 * - `fail` (final, a reported failure): a trace of the key that cannot be read (no time, no HTTP status, a
 *   createKey without its request); asking again would read the same.
 * - `retry` (for now: the next run asks again): a scheduleKeyDeletion trace started the run and the trail does
 *   not show it yet (CTS records with a delay, and what it shows before it is then not known to be whole).
 */

export const SCHEDULED = 'scheduleKeyDeletion';
/** KMS operations that change a key's state, and the state each leaves when it succeeds. */
const STATE_CHANGES: Readonly<Record<string, KeyStateAfter>> = {
  createKey: 'enabled', // an `origin: external` key waits for its material instead: see effectOf
  enableKey: 'enabled',
  importKeyMaterial: 'enabled',
  disableKey: 'disabled',
  cancelKeyDeletion: 'disabled',
  deleteImportedKeyMaterial: 'pending import',
  scheduleKeyDeletion: 'pending deletion',
};
/** Trace names the trail is read for (one listing each: ListTraces filters by one name). */
export const HISTORY_TRACES: readonly string[] = Object.keys(STATE_CHANGES);

type KeyStateAfter = 'enabled' | 'disabled' | 'pending import' | 'pending deletion';

export interface ReenableDecision {
  readonly kind: 'enable' | 'leave' | 'fail' | 'retry';
  readonly reason: string;
}

/** The scheduleKeyDeletion trace that started the run, when one did. */
export interface SchedulingTrace {
  readonly traceId: string;
  /** UTC milliseconds. */
  readonly time: number;
}

interface Change {
  readonly name: string;
  readonly time: number;
  readonly traceId: string;
  readonly user: string | undefined;
  readonly after: KeyStateAfter;
}

const LEFT = 'left disabled';
export const CANNOT_TELL = 'cannot tell whether the key was enabled before its deletion was scheduled';

// ---- decide (pure) ------------------------------------------------------------------------------

/** What the key's traces (any order, any of HISTORY_TRACES) say about enabling it again. */
export function decideReenable(traces: readonly Trace[], scheduling?: SchedulingTrace): ReenableDecision {
  const changes: Change[] = [];
  for (const trace of traces) {
    const read = changeOf(trace);
    if (typeof read === 'string') return { kind: 'fail', reason: `${CANNOT_TELL}: WARDEN.INVALID_RESPONSE: cts.listTraces trace ${trace.trace_id} (${trace.trace_name}) ${read}` };
    if (read !== undefined) changes.push(read);
  }
  changes.sort((a, b) => a.time - b.time);
  const schedulings = changes.filter((c) => c.name === SCHEDULED);
  const scheduled = scheduling
    ? schedulings.find((c) => c.traceId === scheduling.traceId || c.time === scheduling.time)
    : schedulings[schedulings.length - 1];
  if (scheduled === undefined) {
    return scheduling
      ? { kind: 'retry', reason: `${CANNOT_TELL}: CTS does not show yet the scheduleKeyDeletion trace ${scheduling.traceId} that started this run (the next sweep asks again)` }
      : { kind: 'leave', reason: `${CANNOT_TELL}: CTS shows no scheduleKeyDeletion of it in the ${retentionDays()} days it keeps; ${LEFT} (enable it by hand if it should be in use)` };
  }
  const same = changes.filter((c) => c !== scheduled && c.time === scheduled.time);
  if (same.length > 0) return { kind: 'leave', reason: `${CANNOT_TELL}: ${describe(same[0] as Change)} has the same time as the scheduling, so their order is unknown; ${LEFT}` };
  const since = changes.filter((c) => c.time > scheduled.time && (c.name === 'enableKey' || c.name === 'disableKey'));
  if (since.length > 0) return { kind: 'leave', reason: `${describe(since[since.length - 1] as Change)}, after its deletion was scheduled: left as it is` };

  const before = changes.filter((c) => c.time < scheduled.time);
  const last = before[before.length - 1];
  if (last === undefined) {
    return { kind: 'leave', reason: `${CANNOT_TELL}: CTS keeps ${retentionDays()} days and shows no state change of it before ${describe(scheduled)}; ${LEFT} (enable it by hand if it should be in use)` };
  }
  const tied = before.filter((c) => c.time === last.time && c.after !== last.after);
  if (tied.length > 0) return { kind: 'leave', reason: `${CANNOT_TELL}: ${describe(last)} and ${describe(tied[0] as Change)} have the same time; ${LEFT}` };
  switch (last.after) {
    case 'enabled':
      return { kind: 'enable', reason: `enabled before its deletion was scheduled (${describe(last)})` };
    case 'disabled':
      return { kind: 'leave', reason: `disabled before its deletion was scheduled (${describe(last)}): ${LEFT}` };
    case 'pending import':
      return { kind: 'leave', reason: `waiting for key material before its deletion was scheduled (${describe(last)}): ${LEFT}` };
    case 'pending deletion':
      return { kind: 'leave', reason: `${CANNOT_TELL}: scheduled twice (${describe(last)}) with no cancel in between in the trail; ${LEFT}` };
  }
}

/** The state change a trace records; undefined when it changed nothing (it failed); a string when unreadable. */
function changeOf(trace: Trace): Change | undefined | string {
  const after = STATE_CHANGES[trace.trace_name];
  if (after === undefined) return undefined;
  if (!Number.isSafeInteger(trace.time) || trace.time <= 0) return `has no usable time (${JSON.stringify(trace.time)})`;
  const code = trace.code;
  if (code === undefined || !/^\d{3}$/.test(code.trim())) return `has no HTTP status (code ${JSON.stringify(code)})`;
  const status = Number(code.trim());
  if (status < 200 || status >= 300) return undefined;
  const change = { name: trace.trace_name, time: trace.time, traceId: trace.trace_id, user: trace.user?.name ?? trace.user?.user_name, after };
  if (trace.trace_name !== 'createKey') return change;
  const origin = trace.request?.['origin'];
  if (trace.request === undefined) return 'shows no request, so the key\'s origin is unknown';
  if (origin === undefined || origin === 'kms') return change;
  if (origin === 'external') return { ...change, after: 'pending import' };
  return `names an unknown origin ${JSON.stringify(origin)}`;
}

function describe(change: Change): string {
  return `${change.name}${change.user ? ` by ${change.user}` : ''} at ${new Date(change.time).toISOString()}`;
}

function retentionDays(): number {
  return CTS_RETENTION_MS / 86_400_000;
}

// ---- observe ------------------------------------------------------------------------------------

/**
 * The trail of every key, read once per run and only when a decision needs it: one ListTraces listing per
 * name in HISTORY_TRACES (service KMS), over CTS's seven days before `to`. A listing of every KMS trace would
 * also hold every encrypt and decrypt call; one listing per key would cost a call per key. A failed or
 * incomplete listing fails every decision of the run with its cause; the next run reads again.
 */
export class AuditTrail {
  private byKey: Promise<Map<string, Trace[]>> | undefined;

  /** `to`: the end of the window (exclusive). `scheduling`: the trace that started the run, if one did. */
  constructor(
    private readonly cloud: HuaweiCloud,
    private readonly to: Date,
    readonly scheduling?: SchedulingTrace,
  ) {}

  /** The key's traces; throws (an HwcError) when the trail cannot be read whole. */
  async tracesOf(keyId: string): Promise<readonly Trace[]> {
    this.byKey ??= this.load();
    return (await this.byKey).get(keyId) ?? [];
  }

  private async load(): Promise<Map<string, Trace[]>> {
    const cts = this.cloud.use(CtsApi);
    const to = this.to.getTime();
    const window = { service_type: 'KMS', from: to - CTS_RETENTION_MS, to };
    // One failure is enough: the other listings are stopped rather than read for nothing.
    const stops = HISTORY_TRACES.map(() => new AbortController());
    const lists = await Promise.all(
      HISTORY_TRACES.map(async (name, i) => {
        const traces: Trace[] = [];
        try {
          for await (const trace of cts.listTraces({ ...window, trace_name: name }, { signal: stops[i]?.signal })) traces.push(trace);
        } catch (error) {
          for (const stop of stops) stop.abort();
          throw error;
        }
        return traces;
      }),
    );
    const byKey = new Map<string, Trace[]>();
    for (const trace of lists.flat()) {
      const keyId = keyIdOfTrace({ resource_id: trace.resource_id, request: trace.request, response: trace.response });
      if (keyId === undefined) continue;
      const traces = byKey.get(keyId);
      if (traces) traces.push(trace);
      else byKey.set(keyId, [trace]);
    }
    return byKey;
  }
}
