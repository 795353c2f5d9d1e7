import { createHandler as createCheck } from '../../functions/check-restorable.ts';
import { createHandler as createGuard } from '../../functions/guard-key-deletion.ts';
import { createHandler as createPrune } from '../../functions/prune-orphan-events.ts';
import { createHandler as createTag } from '../../functions/tag-new-keys.ts';
import { defaultFixture, startCloud } from '../../local/cloud/index.ts';
import { HOSTILE_KINDS } from '../../local/cloud/index.ts';
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

/**
 * check-restorable's adversarial fixture: `checkFixture`, and among its servers some a run must report failed:
 * one whose backup is of a disk it no longer has (not restorable), one whose only backup failed (none
 * available), one whose newest available backup is stale; spread over the listing's pages.
 */
export function badServersFixture(servers = 25): Fixture {
  const base = checkFixture(servers);
  const old = new Date(NOW.getTime() - 60 * 3_600_000).toISOString().replace('Z', '000').slice(0, 26);
  const items = (base.checkpointItems ?? []).map((item, i) => {
    if (i === 3) return { ...item, volume_backups: item.volume_backups.map((b, d) => (d === 1 ? { ...b, source_volume_id: 'detached-volume' } : b)) };
    if (i === 12) return { ...item, status: 'error' };
    if (i === 21) return { ...item, created_at: old };
    return item;
  });
  return { ...base, checkpointItems: items };
}

/** Secrets that use nothing, named to sort before the fixtures' own, so that those are on a later page. */
function fillerSecrets(count: number): FixtureSecret[] {
  return Array.from({ length: count }, (_, i) => ({ name: `a-filler-${String(i).padStart(2, '0')}` }));
}

export type HostileMode = HostileKind | 'capped-pages';
/**
 * Every hostile mode: `capped-pages` is the page cap alone (a cloud that pages by fewer than asked,
 * honestly), then each hostile kind of the embedded cloud, all under that cap.
 */
export const HOSTILE_MODES: readonly HostileMode[] = ['capped-pages', ...HOSTILE_KINDS];
/** Items per page in the hostile runs: every listing of the fixtures below spans pages. */
export const HOSTILE_PAGE_CAP = 10;

export interface HostileScenario {
  readonly name: 'tag' | 'guard' | 'prune' | 'check';
  readonly fn: FunctionName;
  readonly fixture: () => Fixture;
  readonly env: Readonly<Record<string, string>>;
  /** Read-only (check-restorable): one fault-free run says it all. */
  readonly readOnly?: boolean;
}

/** The sweeps under hostile answers, on fixtures whose listings span pages under `HOSTILE_PAGE_CAP`. */
export const HOSTILE_SCENARIOS: readonly HostileScenario[] = [
  { name: 'tag', fn: 'tag-new-keys', fixture: () => tagFixture(), env: TAG_ENV },
  { name: 'guard', fn: 'guard-key-deletion', fixture: () => ({ ...guardFixture(), secrets: [...fillerSecrets(9), ...(guardFixture().secrets ?? [])] }), env: GUARD_ENV },
  { name: 'prune', fn: 'prune-orphan-events', fixture: () => ({ ...pruneFixture(), secrets: [...fillerSecrets(8), ...(pruneFixture().secrets ?? [])] }), env: PRUNE_ENV },
  { name: 'check', fn: 'check-restorable', fixture: () => badServersFixture(), env: {}, readOnly: true },
];

export interface HostileResult {
  readonly scenario: HostileScenario['name'];
  readonly mode: HostileMode;
  /** Function invocations under hostile answers. */
  readonly runs: number;
  readonly injected: number;
  /**
   * What the runs missed (must be none): a protected key left pending deletion and not reported failed, a
   * DELETE sent for (or the loss of) an event a secret subscribes to, a server a fault-free run reports
   * failed (or reports at all) that a run reports otherwise or not at all, a key a fault-free run tags left
   * untagged and not reported failed. A run that fails as a whole (a failed `sweep` naming the call, or a
   * throw) reports everything failed.
   */
  readonly misses: readonly string[];
  /** Changes made under hostile answers that the fault-free run does not make (must be none). */
  readonly wrongChanges: readonly string[];
  /** Failures reported (actions failed + runs that threw). */
  readonly failures: number;
  /** Failures whose text names neither an error code, the operation, nor the undocumented value. */
  readonly unclear: readonly string[];
}

/** A failure says what went wrong: an error code, or the value it did not understand. */
const CLEAR_REASON = /([A-Z]+\.[A-Z_0-9]+|HTTP \d{3}): |\bundocumented [a-z_]+ "/;

/**
 * One scenario under a hostile mode (`rate` of matching calls, before or after the change; `operations` to aim
 * it), every listing paged by `HOSTILE_PAGE_CAP`, three runs: every change a run makes must be one a fault-free
 * run (uncapped) makes too, nothing may be missed (see `HostileResult.misses`), and every failure must say what
 * went wrong (an error code, the undocumented value, or the operation for a run that threw).
 */
export async function hostileRun(scenario: HostileScenario, mode: HostileMode, seed: number, rate = 0.3, operations?: string[]): Promise<HostileResult> {
  const baseline = await baselineOf(scenario);
  const faults: FaultConfig | undefined = mode === 'capped-pages' ? undefined : { seed, when: 'both', rate: { [mode]: rate }, ...(operations ? { operations } : {}) };
  const hostile = await startCloud({ port: 0, fixture: scenario.fixture(), variants: { pageCap: HOSTILE_PAGE_CAP }, ...(faults ? { faults } : {}) });
  try {
    const handler = createFunction(scenario.fn, { env: envFor(hostile, { ...scenario.env, HUAWEICLOUD_RETRY_ATTEMPTS: '2' }), now: () => NOW, logSink: () => undefined });
    const missed = mustNotMiss(scenario, baseline);
    let failures = 0;
    const unclear: string[] = [];
    const misses: string[] = [];
    const RUNS = 3;
    for (let run = 0; run < RUNS; run++) {
      let report: FunctionReport | undefined;
      try {
        report = (await handler(timerEvent(), context())) as FunctionReport;
        for (const a of report.actions) {
          if (a.status !== 'failed') continue;
          failures++;
          // A failure the fault-free run reports too (a stale backup, say) is a finding, not an error to explain.
          const clear = CLEAR_REASON.test(a.reason ?? '') || /^[a-z]+\.[a-zA-Z]+$/.test(a.target) || baseline.failures.has(`${a.target} ${a.reason}`);
          if (!clear) unclear.push(JSON.stringify(a));
        }
      } catch (error) {
        failures++;
        const message = (error as Error).message;
        if (!/\b(kms|csms|csbs|smn|iam)\.[a-zA-Z]+ failed\b/.test(message)) unclear.push(message);
      }
      misses.push(...missed(hostile, report).map((m) => `run ${run + 1}: ${m}`));
    }
    const after = changeCounts(hostile);
    const wrongChanges = Object.keys(after).filter((id) => (after[id] ?? 0) > (baseline.changes[id] ?? 0));
    return { scenario: scenario.name, mode, runs: RUNS, injected: hostile.faultStats.total, misses, wrongChanges, failures, unclear };
  } finally {
    await hostile.close();
  }
}

/** What the fault-free run of a scenario (uncapped pages) does, reports and ends with: the yardstick of its hostile runs. */
interface Baseline {
  /** Changes made (CTS traces), by `trace_name resource`. */
  readonly changes: Readonly<Record<string, number>>;
  /** Ids of the resources changed, by trace name. */
  readonly changed: ReadonlyMap<string, ReadonlySet<string>>;
  /** Tag keys of every key at the end. */
  readonly tags: ReadonlyMap<string, readonly string[]>;
  /** Events some secret subscribes to. */
  readonly referenced: ReadonlySet<string>;
  /** Every action's status in the last report, by target. */
  readonly verdicts: ReadonlyMap<string, ReportAction['status']>;
  /** `target reason` of every failure reported. */
  readonly failures: ReadonlySet<string>;
}

const baselines = new Map<HostileScenario['name'], Promise<Baseline>>();

/** The scenario's baseline, found once per process (its fixture and policy never change). */
function baselineOf(scenario: HostileScenario): Promise<Baseline> {
  let baseline = baselines.get(scenario.name);
  if (baseline === undefined) baselines.set(scenario.name, (baseline = findBaseline(scenario)));
  return baseline;
}

async function findBaseline(scenario: HostileScenario): Promise<Baseline> {
  const clean = await startCloud({ port: 0, fixture: scenario.fixture() });
  try {
    const handler = createFunction(scenario.fn, { env: envFor(clean, { ...scenario.env, HUAWEICLOUD_RETRY_ATTEMPTS: '2' }), now: () => NOW, logSink: () => undefined });
    const { reports } = await runUntilSettled(handler, scenario.readOnly ? 1 : 15);
    const changed = new Map<string, Set<string>>();
    for (const { cts } of clean.state.traces) {
      const ids = changed.get(cts.trace_name) ?? new Set<string>();
      changed.set(cts.trace_name, ids.add(cts.resource_id));
    }
    return {
      changes: changeCounts(clean),
      changed,
      tags: new Map([...clean.state.keys.values()].map((key) => [key.key_id, [...key.tags.keys()]])),
      referenced: new Set([...clean.state.secrets.values()].flatMap((secret) => secret.event_subscriptions)),
      verdicts: new Map((reports.at(-1)?.actions ?? []).map((a) => [a.target, a.status])),
      failures: new Set(reports.flatMap((r) => r.actions.filter((a) => a.status === 'failed').map((a) => `${a.target} ${a.reason}`))),
    };
  } finally {
    await clean.close();
  }
}

/** True when the run failed as a whole: a failed `sweep` (a listing, or what it listed, not understood). */
function failedAsAWhole(report: FunctionReport): boolean {
  return report.actions.some((a) => a.status === 'failed' && a.kind === 'sweep');
}

/**
 * What a run under hostile answers must not miss, learnt from the fault-free run: a function of the hostile
 * cloud after a run and that run's report (undefined when it threw), giving what it missed.
 */
function mustNotMiss(scenario: HostileScenario, baseline: Baseline): (hostile: LocalCloud, report: FunctionReport | undefined) => string[] {
  const reportedFailed = (report: FunctionReport, target: string) => report.actions.some((a) => a.target === target && a.status === 'failed');
  const changed = (name: string) => [...(baseline.changed.get(name) ?? [])];
  switch (scenario.name) {
    case 'guard':
      return (hostile, report) => {
        if (report === undefined || failedAsAWhole(report)) return [];
        return changed('cancelKeyDeletion')
          .filter((id) => hostile.state.keys.get(id)?.key_state === '4' && !reportedFailed(report, id))
          .map((id) => `protected key ${id} left pending deletion, not reported failed`);
      };
    case 'tag':
      return (hostile, report) => {
        if (report === undefined || failedAsAWhole(report)) return [];
        const lacks = (id: string) => (baseline.tags.get(id) ?? []).some((tag) => !hostile.state.keys.get(id)?.tags.has(tag));
        return changed('dealUnifiedTags')
          .filter((id) => lacks(id) && !reportedFailed(report, id))
          .map((id) => `key ${id} left without the tags a fault-free run gives it, not reported failed`);
      };
    case 'prune': {
      const counted = new Set<string>();
      return (hostile) => {
        const out: string[] = [];
        for (const name of baseline.referenced) {
          const attempts = hostile.stats.attempts[`csms.deleteSecretEvent ${name}`] ?? 0;
          if ((attempts > 0 || !hostile.state.events.has(name)) && !counted.has(name)) {
            counted.add(name);
            out.push(`event ${name}, which a secret subscribes to, ${hostile.state.events.has(name) ? `was sent a DELETE (${attempts})` : 'was deleted'}`);
          }
        }
        return out;
      };
    }
    case 'check':
      return (_hostile, report) => {
        if (report === undefined || failedAsAWhole(report)) return [];
        const reported = new Map(report.actions.map((a) => [a.target, a.status]));
        return [...baseline.verdicts]
          .filter(([server, status]) => !reported.has(server) || (status === 'failed' && reported.get(server) !== 'failed'))
          .map(([server, status]) => `server ${server} (${status} without faults) reported ${reported.get(server) ?? 'not at all'}`);
      };
  }
}
