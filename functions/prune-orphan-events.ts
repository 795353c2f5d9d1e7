import { SECRET_EVENT_STATES, SECRET_STATES } from '../shared/hwc/csms.ts';
import { HwcError } from '../shared/hwc/errors.ts';
import type { HuaweiCloud } from '../shared/hwc/index.ts';
import { matchesGlob } from '../shared/policy.ts';
import type { Policy } from '../shared/policy.ts';
import { mapLimit } from '../shared/runtime/concurrency.ts';
import { guardrail } from '../shared/runtime/guardrail.ts';
import type { GuardrailDefinition, GuardrailOptions, GuardrailRun } from '../shared/runtime/guardrail.ts';
import type { ReportAction } from '../shared/runtime/report.ts';
import { tryCtsTimeToDate } from '../shared/triggers/time.ts';
import { undocumented } from './lib/documented.ts';
import { failureReason } from './lib/failure.ts';

/**
 * prune-orphan-events: deletes CSMS events that no secret subscribes to, once they are older than the grace
 * period and match no keep glob, oldest first, at most `maxDeletions` per run. TIMER and APIG both mean a sweep.
 *
 * - The cap counts deletion *attempts*, not successes: a run never sends more than `maxDeletions` DELETEs,
 *   whatever they answer. The orphans past the cap are reported `deferred`; the next run takes them.
 * - The cloud refuses to delete an event a secret subscribes to (seed 003). When a DELETE is refused with a
 *   400 we ask ListSecrets?event_name whether a secret took the event up since we looked: then the event is
 *   `skipped` ("kept: now referenced by a secret"), not failed. An event already gone is `skipped` too.
 * - Events in use are not actions: they are counted in the log, not listed (there can be thousands).
 * - If any listing fails (or cannot prove it was read to its end) the run fails before deleting anything:
 *   orphans are only orphans over *every* secret. So does a secret in a state the API does not document: what
 *   it references cannot be trusted. An orphan in an undocumented state is reported `failed`, not deleted.
 */

export const KIND = 'delete-event';
const DAY_MS = 86_400_000;
const OUT_OF_TIME = 'out of time: left for the next run';

export interface ObservedEvent {
  readonly name: string;
  /** Undefined when the cloud gave no readable `create_time`. */
  readonly createdAt: Date | undefined;
  /** Why the event's state is not understood (undocumented); undefined when it is. */
  readonly unknownState?: string | undefined;
}

export interface ObservedEvents {
  readonly events: readonly ObservedEvent[];
  /** Names of the events at least one secret subscribes to. */
  readonly referenced: ReadonlySet<string>;
  readonly secretCount: number;
  /** Secrets the cloud listed without `event_subscriptions`: what they reference is unknown. */
  readonly unknownReferences: readonly string[];
  /** Secrets in a state the API does not document, with it: what they reference cannot be trusted. */
  readonly unknownStates: readonly string[];
}

export interface PlannedEvent {
  readonly name: string;
  readonly reason: string;
}

export interface PrunePlan {
  /** Orphans to delete, oldest first; never more than `maxDeletions`. */
  readonly deletions: readonly PlannedEvent[];
  /** Orphans past the cap, for a later run. */
  readonly overCap: readonly PlannedEvent[];
  /** Orphans kept: matching a keep glob, within the grace period, or of unknown age. */
  readonly kept: readonly PlannedEvent[];
  /** Orphans not understood (an undocumented state): reported failed, not deleted. */
  readonly unknown: readonly PlannedEvent[];
  /** Events a secret subscribes to: not acted on. */
  readonly referenced: number;
}

export type PrunePolicy = Pick<Policy, 'orphanGraceDays' | 'keepEvents' | 'maxDeletions'>;

export const definition: GuardrailDefinition = {
  name: 'prune-orphan-events',
  traceNames: [],
  async run(r) {
    const observed = await observe(r.cloud);
    if (observed.unknownReferences.length > 0) {
      // An orphan is only an orphan over every secret: with some secrets' references unknown, delete nothing.
      const names = observed.unknownReferences.slice(0, 5).join(', ');
      r.report.failed('sweep', 'csms.listSecrets', `no event_subscriptions for ${observed.unknownReferences.length} secret(s) (${names}): which events they use is unknown, nothing deleted`);
      return;
    }
    if (observed.unknownStates.length > 0) {
      const which = observed.unknownStates.slice(0, 5).join('; ');
      r.report.failed('sweep', 'csms.listSecrets', `${observed.unknownStates.length} secret(s) in a state not understood (${which}): which events they use cannot be trusted, nothing deleted`);
      return;
    }
    const plan = planPrune(observed, r.policy, r.now);
    r.log.info('observed', {
      events: observed.events.length,
      secrets: observed.secretCount,
      referenced: plan.referenced,
      toDelete: plan.deletions.length,
      overCap: plan.overCap.length,
      kept: plan.kept.length,
      unknown: plan.unknown.length,
    });
    await applyPrune(plan, r);
  },
};

export function createHandler(options?: GuardrailOptions) {
  return guardrail(definition, options);
}

export const handler = createHandler();

// ---- observe ----------------------------------------------------------------------------------

/**
 * Every event, then every secret's subscriptions. Events are listed first so that any reference present
 * by the time the secrets are read is seen; one added later is caught by the cloud's own refusal.
 */
export async function observe(cloud: HuaweiCloud): Promise<ObservedEvents> {
  const events: ObservedEvent[] = [];
  for await (const event of cloud.csms.listSecretEvents()) {
    events.push({ name: event.name, createdAt: tryCtsTimeToDate(event.create_time), unknownState: undocumented('state', event.state, SECRET_EVENT_STATES) });
  }
  const referenced = new Set<string>();
  const unknownReferences: string[] = [];
  const unknownStates: string[] = [];
  let secretCount = 0;
  for await (const secret of cloud.csms.listSecrets()) {
    secretCount++;
    if (secret.event_subscriptions === undefined) unknownReferences.push(secret.name);
    const state = undocumented('state', secret.state, SECRET_STATES);
    if (state !== undefined) unknownStates.push(`${secret.name}: ${state}`);
    for (const name of secret.event_subscriptions ?? []) referenced.add(name);
  }
  return { events, referenced, secretCount, unknownReferences, unknownStates };
}

// ---- plan -------------------------------------------------------------------------------------

/** Pure: which events to delete now, which wait for a later run, which are kept and why. */
export function planPrune(observed: Pick<ObservedEvents, 'events' | 'referenced' | 'secretCount'>, policy: PrunePolicy, now: Date): PrunePlan {
  const graceMs = policy.orphanGraceDays * DAY_MS;
  const orphans: Array<{ name: string; createdAt: Date }> = [];
  const kept: PlannedEvent[] = [];
  const unknown: PlannedEvent[] = [];
  let referenced = 0;
  for (const event of observed.events) {
    const keepGlob = policy.keepEvents.find((glob) => matchesGlob(event.name, glob));
    if (observed.referenced.has(event.name)) {
      referenced++;
    } else if (event.unknownState !== undefined) {
      unknown.push({ name: event.name, reason: `${event.unknownState}: not deleted` });
    } else if (keepGlob !== undefined) {
      kept.push({ name: event.name, reason: `kept: matches keep glob ${JSON.stringify(keepGlob)}` });
    } else if (event.createdAt === undefined) {
      kept.push({ name: event.name, reason: 'kept: creation time unknown' });
    } else if (now.getTime() - event.createdAt.getTime() <= graceMs) {
      kept.push({
        name: event.name,
        reason: `kept: orphan within the ${policy.orphanGraceDays}-day grace period (created ${event.createdAt.toISOString()})`,
      });
    } else {
      orphans.push({ name: event.name, createdAt: event.createdAt });
    }
  }
  orphans.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const cap = policy.maxDeletions;
  const deletions = orphans.slice(0, cap).map((o) => ({
    name: o.name,
    reason: `no secret subscribes to it (created ${o.createdAt.toISOString()})`,
  }));
  const overCap = orphans.slice(cap).map((o) => ({ name: o.name, reason: `over the cap of ${cap} deletions per run` }));
  return { deletions, overCap, kept, unknown, referenced };
}

// ---- apply + report ---------------------------------------------------------------------------

export type ApplyRun = Pick<GuardrailRun, 'cloud' | 'dryRun' | 'report' | 'outOfTime'> & {
  readonly policy: Pick<Policy, 'concurrency'>;
};

/** Deletes the planned events (unless dry run) and reports every planned item, in plan order. */
export async function applyPrune(plan: PrunePlan, r: ApplyRun): Promise<void> {
  const outcomes = r.dryRun
    ? plan.deletions.map((e): ReportAction => ({ kind: KIND, target: e.name, status: 'planned', reason: e.reason }))
    : await mapLimit(plan.deletions, r.policy.concurrency, (e) =>
        r.outOfTime()
          ? Promise.resolve<ReportAction>({ kind: KIND, target: e.name, status: 'deferred', reason: OUT_OF_TIME })
          : deleteEvent(r.cloud, e),
      );
  for (const outcome of outcomes) r.report.add(outcome);
  for (const e of plan.overCap) r.report.deferred(KIND, e.name, e.reason);
  for (const e of plan.kept) r.report.skipped(KIND, e.name, e.reason);
  for (const e of plan.unknown) r.report.failed(KIND, e.name, e.reason);
}

async function deleteEvent(cloud: HuaweiCloud, event: PlannedEvent): Promise<ReportAction> {
  const done = (status: ReportAction['status'], reason: string): ReportAction => ({ kind: KIND, target: event.name, status, reason });
  try {
    await cloud.csms.deleteSecretEvent({ event_name: event.name });
    return done('applied', event.reason);
  } catch (error) {
    if (!(error instanceof HwcError)) return done('failed', failureReason(error));
    // 404 here; the error-code table lists CSMS.0005 "resource does not exist" under 400.
    if (error.status === 404 || error.is('CSMS.0005')) return done('skipped', 'already deleted');
    if (error.status === 400 && (await nowReferenced(cloud, event.name))) return done('skipped', 'kept: now referenced by a secret');
    return done('failed', failureReason(error));
  }
}

/** Whether a secret subscribes to the event now; false when that cannot be told (the refusal then stands as a failure). */
async function nowReferenced(cloud: HuaweiCloud, eventName: string): Promise<boolean> {
  try {
    const page = await cloud.csms.listSecretsPage({ event_name: eventName, limit: 1 });
    return page.secrets.length > 0;
  } catch {
    return false;
  }
}
