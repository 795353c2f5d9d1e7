import { createHandler as createCheck } from '../../functions/check-restorable.ts';
import { createHandler as createGuard } from '../../functions/guard-key-deletion.ts';
import { createHandler as createPrune } from '../../functions/prune-orphan-events.ts';
import { createHandler as createTag } from '../../functions/tag-new-keys.ts';
import { defaultFixture, startCloud } from '../../local/cloud/index.ts';
import type { FaultConfig, Fixture, FixtureEvent, FixtureKey, FixtureSecret, FixtureTrace, HostileKind, LocalCloud } from '../../local/cloud/index.ts';
import type { GuardrailOptions } from '../../shared/runtime/guardrail.ts';
import type { FunctionReport, ReportAction } from '../../shared/runtime/report.ts';

/**
 * Shared by the reliability tests and `npm run soak`: adversarial fixtures for each sweep, a 30% fault
 * profile, a normalised state snapshot, and "run until nothing is left to do".
 */

/**
 * The functions' clock: the current second. The embedded cloud keeps its audit trail (CTS) for the 7 days before
 * its own, real, clock, and guard-key-deletion reads the trail of the 7 days before this one.
 */
export const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;
export const WEBHOOK_SECRET = 'reliability-webhook-secret-0123456789';

export type Handler = (event: unknown, context: unknown) => Promise<unknown>;
export type FunctionName = 'tag-new-keys' | 'guard-key-deletion' | 'prune-orphan-events' | 'check-restorable';
export const FUNCTION_NAMES: readonly FunctionName[] = ['tag-new-keys', 'guard-key-deletion', 'prune-orphan-events', 'check-restorable'];

export function createFunction(name: FunctionName, options: GuardrailOptions): Handler {
  const create = { 'tag-new-keys': createTag, 'guard-key-deletion': createGuard, 'prune-orphan-events': createPrune, 'check-restorable': createCheck }[name];
  return create(options) as unknown as Handler;
}

/** 30% of calls fail: 429 (Retry-After 0), 500, 502, 504 and connection resets, 6% each, before or after the change. */
export function thirtyPercentFaults(seed: number): FaultConfig {
  return { seed, latencyMs: 0, retryAfterSeconds: 0, when: 'both', rate: { '429': 0.06, '500': 0.06, '502': 0.06, '504': 0.06, reset: 0.06 } };
}

/** A valid KMS key id from a number. */
export function kid(n: number, prefix = 'a'): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${prefix.repeat(8).slice(0, 8)}-0000-4000-8000-${hex}`;
}

const users = () => defaultFixture().users;

/** Keys for tag-new-keys: untagged, partly tagged, tagged, a default key, one at 9 tags, one pending deletion. */
export function tagFixture(size = 12): Fixture {
  const keys: FixtureKey[] = [];
  for (let i = 0; i < size; i++) keys.push({ key_id: kid(i, 't'), key_alias: `app-${i}` });
  keys.push({ key_id: kid(100, 't'), key_alias: 'partly', tags: { team: 'payments' } });
  keys.push({ key_id: kid(101, 't'), key_alias: 'other-team', tags: { team: 'search' } });
  keys.push({ key_id: kid(102, 't'), key_alias: 'done', tags: { team: 'payments', env: 'prod' } });
  keys.push({ key_id: kid(103, 't'), key_alias: 'kms/default' });
  keys.push({ key_id: kid(104, 't'), key_alias: 'csms/default', default_key_flag: '1' });
  keys.push({ key_id: kid(105, 't'), key_alias: 'nine-tags', tags: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`t${i}`, 'x'])) });
  keys.push({ key_id: kid(106, 't'), key_alias: 'leaving', key_state: '4' });
  keys.push({ key_id: kid(107, 't'), key_alias: 'disabled', key_state: '3' });
  return { users: users(), keys };
}
export const TAG_ENV = { WARDEN_KEY_TAGS: JSON.stringify({ team: 'payments', env: 'prod' }) };

/**
 * Keys pending deletion for guard-key-deletion: protected by tag, by alias glob, by a secret's use; and
 * unprotected ones whose aliases almost match the glob; a protected default key; a full key (10 tags). Their
 * audit trail (CTS): the keys protected by the glob were enabled when their deletion was scheduled (they are
 * enabled again), those protected by tag had been disabled (they stay disabled), those a secret uses have no
 * trail (they stay disabled: nothing tells). The full key, which has no room for our tag, had been disabled: its
 * follow-ups could only be done in the run that cancels it (see RELIABILITY.md).
 */
export function guardFixture(size = 3): Fixture {
  const keys: FixtureKey[] = [];
  const secrets: FixtureSecret[] = [];
  const traces: FixtureTrace[] = [];
  const scheduled = NOW.getTime() - DAY;
  const pending = (key: Omit<FixtureKey, 'key_state'>, history: readonly string[] = []): void => {
    keys.push({ ...key, key_state: '4', scheduled_deletion_date: String(scheduled + 7 * DAY) });
    history.forEach((trace_name, i) => traces.push({ trace_name, resource_id: key.key_id, time: scheduled - (history.length - i) * DAY }));
    if (history.length > 0) traces.push({ trace_name: 'scheduleKeyDeletion', resource_id: key.key_id, time: scheduled, request: { key_id: key.key_id, pending_days: '7' } });
  };
  for (let i = 0; i < size; i++) {
    pending({ key_id: kid(i, 'b'), key_alias: `tagged-${i}`, tags: { 'deletion-protection': 'true' } }, ['createKey', 'disableKey']);
    pending({ key_id: kid(100 + i, 'b'), key_alias: `prod-${i}` }, ['createKey']);
    pending({ key_id: kid(200 + i, 'b'), key_alias: `used-${i}` });
    secrets.push({ name: `secret-${i}`, kms_key_id: kid(200 + i, 'b') });
  }
  // Near misses: none of these is protected.
  for (const [i, alias] of ['prod', 'Prod-x', 'xprod-1', 'prod_1', 'pro-d', 'production'].entries()) pending({ key_id: kid(300 + i, 'b'), key_alias: alias }, ['createKey']);
  pending({ key_id: kid(400, 'b'), key_alias: 'protect-false', tags: { 'deletion-protection': 'false' } });
  pending({ key_id: kid(401, 'b'), key_alias: 'protect-yes', tags: { 'deletion-protection': 'yes' } });
  // Never touched, whatever protects them.
  pending({ key_id: kid(500, 'b'), key_alias: 'prod-kms/default', tags: { 'deletion-protection': 'true' } }, ['createKey']);
  keys.push({ key_id: kid(501, 'b'), key_alias: 'prod-enabled', tags: { 'deletion-protection': 'true' } });
  pending({ key_id: kid(502, 'b'), key_alias: 'prod-full', tags: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`t${i}`, 'x'])) }, ['createKey', 'disableKey']);
  return { users: users(), keys, secrets, traces };
}
export const GUARD_ENV = { WARDEN_PROTECT_ALIASES: 'prod-*', WARDEN_REENABLE_CANCELLED: 'true' };

const TOPIC = 'urn:smn:cn-north-4:0b3e1f0c5a8d4f6e9c2a7d1b4e6f8a90:warden-alerts';
function event(name: string, ageMs: number): FixtureEvent {
  return { name, event_types: ['SECRET_ROTATED'], notification: { target_type: 'SMN', target_id: TOPIC, target_name: 'warden-alerts' }, create_time: NOW.getTime() - ageMs };
}

/** Old orphans (more than the cap), referenced events, young orphans, keep-glob matches. */
export function pruneFixture(orphans = 25): Fixture {
  const events: FixtureEvent[] = [];
  const secrets: FixtureSecret[] = [];
  for (let i = 0; i < orphans; i++) events.push(event(`orphan-${String(i).padStart(5, '0')}`, (30 + i) * DAY));
  for (let i = 0; i < 4; i++) {
    events.push(event(`used-${i}`, 90 * DAY));
    secrets.push({ name: `secret-${i}`, event_subscriptions: [`used-${i}`] });
  }
  for (let i = 0; i < 3; i++) events.push(event(`young-${i}`, 2 * DAY));
  for (let i = 0; i < 3; i++) events.push(event(`keep-${i}`, 90 * DAY));
  events.push(event('keepsake', 90 * DAY)); // almost matches keep-*: deleted
  return { users: users(), events, secrets };
}
export const PRUNE_ENV = { WARDEN_MAX_DELETIONS: '10', WARDEN_KEEP_EVENTS: 'keep-*' };

export interface Scenario {
  readonly name: 'tag' | 'guard' | 'prune';
  readonly fn: FunctionName;
  readonly fixture: () => Fixture;
  readonly env: Readonly<Record<string, string>>;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'tag', fn: 'tag-new-keys', fixture: () => tagFixture(), env: TAG_ENV },
  { name: 'guard', fn: 'guard-key-deletion', fixture: () => guardFixture(), env: GUARD_ENV },
  { name: 'prune', fn: 'prune-orphan-events', fixture: () => pruneFixture(), env: PRUNE_ENV },
];

/** Environment pointing a handler at `cloud`, with fast retries. */
export function envFor(cloud: LocalCloud, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    HUAWEICLOUD_REGION: cloud.identity.region,
    HUAWEICLOUD_SDK_PROJECT_ID: cloud.identity.projectId,
    HUAWEICLOUD_SDK_AK: cloud.identity.ak,
    HUAWEICLOUD_SDK_SK: cloud.identity.sk,
    HUAWEICLOUD_ENDPOINT_URL: cloud.url,
    HUAWEICLOUD_RETRY_ATTEMPTS: '5',
    HUAWEICLOUD_RETRY_BASE_DELAY_MS: '1',
    WARDEN_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...extra,
  };
}

/** A FunctionGraph-like context; `remainingMs` is asked afresh on every call. */
export function context(remainingMs: () => number = () => 60_000, requestId = `req-${Math.random().toString(16).slice(2)}`): Record<string, unknown> {
  return {
    getRequestID: () => requestId,
    getRemainingTimeInMilliSeconds: () => remainingMs(),
    getUserData: () => undefined,
    getFunctionName: () => 'reliability',
  };
}

export function timerEvent(): Record<string, unknown> {
  return { version: 'v1.0', time: NOW.toISOString(), trigger_type: 'TIMER', trigger_name: 'sweep', user_event: '' };
}

/** What the guardrails may change, normalised (no update times): keys, secrets' subscriptions, events. */
export function snapshot(cloud: LocalCloud): unknown {
  const state = cloud.state.resources();
  return {
    keys: (state.keys ?? [])
      .map((k) => ({ id: k.key_id, alias: k.key_alias, state: k.key_state, description: k.key_description, tags: k.tags }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    secrets: (state.secrets ?? []).map((s) => ({ name: s.name, kms: s.kms_key_id, events: s.event_subscriptions, state: s.state })).sort((a, b) => a.name.localeCompare(b.name)),
    events: (state.events ?? []).map((e) => e.name).sort(),
  };
}

/** Changes the cloud recorded (CTS traces), counted by `trace_name resource_id`. */
export function changeCounts(cloud: LocalCloud): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const trace of cloud.state.traces) {
    const id = `${trace.cts.trace_name} ${trace.cts.resource_name || trace.cts.resource_id}`; // event ids differ between clouds
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

export interface SettledRuns {
  readonly runs: number;
  /** Runs that threw (e.g. a listing failed after every retry). */
  readonly thrown: number;
  readonly reports: readonly FunctionReport[];
  /** True when the last run found nothing to do and nothing failed. */
  readonly settled: boolean;
}

/** Runs `handler` (TIMER sweeps) until a run applies, fails and defers nothing, at most `maxRuns` times. */
export async function runUntilSettled(handler: Handler, maxRuns = 15, remaining?: () => () => number): Promise<SettledRuns> {
  const reports: FunctionReport[] = [];
  let thrown = 0;
  for (let run = 1; run <= maxRuns; run++) {
    let report: FunctionReport;
    try {
      report = (await handler(timerEvent(), context(remaining?.()))) as FunctionReport;
    } catch {
      thrown++;
      continue;
    }
    reports.push(report);
    const { applied, failed, deferred } = report.counts;
    if (applied === 0 && failed === 0 && deferred === 0) return { runs: run, thrown, reports, settled: true };
  }
  return { runs: maxRuns, thrown, reports, settled: false };
}

/** `kind target` of every action with this status, over all reports. */
export function targets(reports: readonly FunctionReport[], status: ReportAction['status']): string[] {
  return reports.flatMap((r) => r.actions.filter((a) => a.status === status).map((a) => `${a.kind} ${a.target}`));
}

export interface ConvergenceResult {
  readonly scenario: Scenario['name'];
  readonly seed: number;
  readonly attempts: number;
  readonly converged: boolean;
  readonly settled: boolean;
  readonly runs: number;
  readonly cleanRuns: number;
  readonly faultsInjected: number;
  readonly requests: number;
  readonly failedReported: number;
  readonly problems: readonly string[];
}

/** One scenario, fault-free then under 30% faults (same fixture); compares end states, changes and reports. */
export async function convergence(scenario: Scenario, seed: number, attempts = 5): Promise<ConvergenceResult> {
  const clean = await startCloud({ port: 0, fixture: scenario.fixture() });
  const faulty = await startCloud({ port: 0, fixture: scenario.fixture(), faults: thirtyPercentFaults(seed) });
  let injected = 0;
  try {
    const logs: string[] = [];
    const make = (cloud: LocalCloud) => createFunction(scenario.fn, { env: envFor(cloud, { ...scenario.env, HUAWEICLOUD_RETRY_ATTEMPTS: String(attempts) }), now: () => NOW, logSink: (l) => logs.push(l) });
    const cleanRuns = await runUntilSettled(make(clean));
    const faultyRuns = await runUntilSettled(make(faulty), 25);
    faulty.setFaults(undefined);
    const confirm = await runUntilSettled(make(faulty), 1);
    injected = faultyRequests(faulty);

    const problems: string[] = [];
    if (!cleanRuns.settled) problems.push('the fault-free run did not settle');
    const same = JSON.stringify(snapshot(clean)) === JSON.stringify(snapshot(faulty));
    if (!same) problems.push(`end states differ:\n clean  ${JSON.stringify(snapshot(clean))}\n faulty ${JSON.stringify(snapshot(faulty))}`);
    if (!confirm.settled) problems.push(`a fault-free run after the faulty ones still had work: ${JSON.stringify(confirm.reports.at(-1)?.counts)}`);
    const cleanChanges = changeCounts(clean);
    const faultyChanges = changeCounts(faulty);
    for (const id of new Set([...Object.keys(cleanChanges), ...Object.keys(faultyChanges)])) {
      if ((faultyChanges[id] ?? 0) > (cleanChanges[id] ?? 0)) problems.push(`applied more often under faults: ${id} ${faultyChanges[id]} vs ${cleanChanges[id] ?? 0}`);
    }
    // Honest reports: nothing reported applied that a fault-free run would not apply; every change the
    // fault-free run made is reported applied or failed somewhere under faults (none silently lost).
    const cleanApplied = new Set(targets(cleanRuns.reports, 'applied'));
    const faultyApplied = targets(faultyRuns.reports, 'applied');
    const faultyFailed = new Set(targets(faultyRuns.reports, 'failed'));
    for (const t of faultyApplied) if (!cleanApplied.has(t)) problems.push(`reported applied only under faults: ${t}`);
    const faultySeen = new Set([...faultyApplied, ...faultyFailed]);
    for (const t of cleanApplied) if (!faultySeen.has(t)) problems.push(`a change never reported under faults: ${t}`);
    for (const r of faultyRuns.reports) {
      for (const a of r.actions) if (a.status === 'failed' && !/(^|: )([A-Z]+\.[A-Z_0-9]+|HTTP \d{3}|no response): /.test(a.reason ?? '')) problems.push(`failure without a cause: ${JSON.stringify(a)}`);
    }
    return {
      scenario: scenario.name,
      seed,
      attempts,
      converged: problems.length === 0,
      settled: faultyRuns.settled,
      runs: faultyRuns.runs,
      cleanRuns: cleanRuns.runs,
      faultsInjected: injected,
      requests: faulty.stats.requests,
      failedReported: faultyRuns.reports.reduce((n, r) => n + r.counts.failed, 0) + faultyRuns.thrown,
      problems,
    };
  } finally {
    await Promise.all([clean.close(), faulty.close()]);
  }
}

function faultyRequests(cloud: LocalCloud): number {
  return cloud.faultStats.total;
}

/** Servers for check-restorable, each with one fresh available backup of its two disks. */
export function checkFixture(servers = 25): Fixture {
  const created = new Date(NOW.getTime() - 3_600_000).toISOString().replace('Z', '000').slice(0, 26);
  return {
    users: users(),
    servers: Array.from({ length: servers }, (_, i) => ({ id: `srv-${i}`, name: `srv-${i}`, volumes: [`srv-${i}-sys`, `srv-${i}-data`] })),
    checkpointItems: Array.from({ length: servers }, (_, i) => ({
      id: `item-${i}`,
      status: 'available',
      created_at: created,
      resource_id: `srv-${i}`,
      volume_backups: [`srv-${i}-sys`, `srv-${i}-data`].map((volume, d) => ({ id: `item-${i}-disk-${d}`, source_volume_id: volume, bootable: d === 0 })),
    })),
  };
}

export interface HostileResult {
  readonly scenario: Scenario['name'];
  readonly kind: HostileKind;
  readonly injected: number;
  /** Changes made under hostile answers that the fault-free run does not make (must be none). */
  readonly wrongChanges: readonly string[];
  /** Failures reported (actions failed + runs that threw). */
  readonly failures: number;
  /** Failures whose text names neither an error code nor the operation. */
  readonly unclear: readonly string[];
}

/**
 * One scenario under a hostile-answer mode (`rate` of matching calls, before or after the change; `operations`
 * to aim it), three runs: every change it makes must be one a fault-free run makes too, and every failure
 * must say what went wrong (an error code, or the operation for a run that threw).
 */
export async function hostileRun(scenario: Scenario, kind: HostileKind, seed: number, rate = 0.3, operations?: string[]): Promise<HostileResult> {
  const clean = await startCloud({ port: 0, fixture: scenario.fixture() });
  const hostile = await startCloud({
    port: 0,
    fixture: scenario.fixture(),
    faults: { seed, when: 'both', rate: { [kind]: rate }, ...(operations ? { operations } : {}) },
  });
  try {
    const make = (cloud: LocalCloud) =>
      createFunction(scenario.fn, { env: envFor(cloud, { ...scenario.env, HUAWEICLOUD_RETRY_ATTEMPTS: '2' }), now: () => NOW, logSink: () => undefined });
    await runUntilSettled(make(clean));
    const handler = make(hostile);
    let failures = 0;
    const unclear: string[] = [];
    for (let run = 0; run < 3; run++) {
      try {
        const report = (await handler(timerEvent(), context())) as FunctionReport;
        for (const a of report.actions) {
          if (a.status !== 'failed') continue;
          failures++;
          if (!/([A-Z]+\.[A-Z_0-9]+|HTTP \d{3}): /.test(a.reason ?? '') && !/^[a-z]+\.[a-zA-Z]+$/.test(a.target)) unclear.push(JSON.stringify(a));
        }
      } catch (error) {
        failures++;
        const message = (error as Error).message;
        if (!/\b(kms|csms|csbs|smn|iam)\.[a-zA-Z]+ failed\b/.test(message)) unclear.push(message);
      }
    }
    const before = changeCounts(clean);
    const after = changeCounts(hostile);
    const wrongChanges = Object.keys(after).filter((id) => (after[id] ?? 0) > (before[id] ?? 0));
    return { scenario: scenario.name, kind, injected: hostile.faultStats.total, wrongChanges, failures, unclear };
  } finally {
    await Promise.all([clean.close(), hostile.close()]);
  }
}
