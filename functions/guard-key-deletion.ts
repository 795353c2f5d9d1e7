import { isDefaultKey, KeyState } from '../shared/hwc/kms.ts';
import type { KeyDetails, KmsResource, Tag } from '../shared/hwc/kms.ts';
import { HwcError } from '../shared/hwc/errors.ts';
import type { HuaweiCloud } from '../shared/hwc/index.ts';
import { matchesAnyGlob } from '../shared/policy.ts';
import type { Policy } from '../shared/policy.ts';
import { forEachLimit } from '../shared/runtime/concurrency.ts';
import { guardrail } from '../shared/runtime/guardrail.ts';
import type { GuardrailDefinition, GuardrailOptions, GuardrailRun } from '../shared/runtime/guardrail.ts';
import type { CtsTrace } from '../shared/triggers/schemas/cts.ts';
import { failedCall, undocumentedKeyState } from './lib/documented.ts';
import { failureReason, isKeyGone, KEY_GONE_REASON } from './lib/failure.ts';
import { AuditTrail, CANNOT_TELL, decideReenable } from './lib/key-history.ts';
import type { ReenableDecision } from './lib/key-history.ts';
import { fitTags, TAG_LIMIT_REASON } from './lib/key-tags.ts';
import { keyIdOfTrace } from './lib/key-trace.ts';
import { withTags } from './lib/keys-with-tags.ts';

/**
 * guard-key-deletion: cancels the scheduled deletion of protected keys.
 *
 * A key is protected when (a) it carries the policy's protect tag with value "true" (any case), (b) its alias
 * matches one of the policy's protected alias globs, or (c) the in-use check is on and a CSMS secret names it
 * as its `kms_key_id` (matched by key id, and by alias for good measure: the API stores ids).
 *
 * - CTS `scheduleKeyDeletion` trace (or the same trace through the webhook): that one key.
 * - TIMER sweep (or an empty webhook): every key pending deletion (state "4"), then every key whose earlier
 *   cancel left work unfinished (below).
 *
 * A protected key pending deletion, in this order:
 * 1. our tag `deletion-cancelled-at` = `in-progress` (a cancel is under way; updated in place when present);
 * 2. CancelKeyDeletion (which leaves the key disabled, "3");
 * 3. EnableKey when the policy asks and the audit trail (CTS) shows the key was enabled when its deletion was
 *    scheduled (./lib/key-history.ts); otherwise it stays disabled, and the report says why;
 * 4. `deletion-cancelled-at` = ISO time, once nothing is left to do.
 * A step that fails leaves the key either pending deletion or carrying `in-progress`, and every sweep also
 * lists the keys carrying `in-progress` (ListKmsByTags filters by tag value), so a later run finishes what an
 * earlier one could not. The tag never claims a cancel that did not happen: `in-progress` says one is under
 * way, the time is written only after it. A key with no room for the tag (10 tags) is cancelled anyway, its
 * follow-ups done in the same run only. The cancel waits a run for its tag only while the deletion is more
 * than a day away, and never when the cloud refuses the tag outright (4xx): the key's safety comes first.
 *
 * Unprotected keys are reported with why, never touched (an `in-progress` tag of ours is removed: no cancel
 * is under way any more); default keys are never touched. A key that is no longer pending when we cancel
 * (KMS.1501: someone else cancelled it) is already safe: `skipped`, and our `in-progress` tag comes off.
 */

export const AUDIT_TAG = 'deletion-cancelled-at';
/** Our tag's value from before the cancel until its follow-ups are done: the sweep finds unfinished keys by it. */
export const IN_PROGRESS = 'in-progress';
export const NOT_PENDING_REASON = 'no longer pending deletion';
const SWEEP_PAGE_SIZE = 1000;
const OUT_OF_TIME = 'out of time: left for the next run';
/** Closer to its deletion than this, a key is cancelled even when its `in-progress` tag could not be written. */
const NEAR_DELETION_MS = 86_400_000;

// ---- plan (pure) --------------------------------------------------------------------------------

export type KeyView = Pick<KeyDetails, 'key_id' | 'key_alias' | 'key_state' | 'default_key_flag' | 'scheduled_deletion_date'>;
export type ProtectionPolicy = Pick<Policy, 'protectTag' | 'protectAliases' | 'protectInUse'>;
export type GuardPolicy = ProtectionPolicy & Pick<Policy, 'reenableCancelled'>;

/** The in-use check's answer: the name of a secret using the key, or undefined when none does. */
export interface SecretUse {
  readonly secret: string | undefined;
}

export interface GuardObservation {
  readonly key: KeyView;
  readonly tags: readonly Tag[];
  /** Absent when not looked up (the key is protected otherwise, or the check is off). */
  readonly inUse?: SecretUse | undefined;
}

/** Why the key is protected (empty: it is not). */
export function protectionReasons(observed: GuardObservation, policy: ProtectionPolicy): string[] {
  const reasons: string[] = [];
  const tag = observed.tags.find((t) => t.key === policy.protectTag);
  if (tag && tag.value.trim().toLowerCase() === 'true') reasons.push(`tag ${tag.key}=${tag.value}`);
  const glob = policy.protectAliases.find((g) => matchesAnyGlob(observed.key.key_alias, [g]));
  if (glob !== undefined) reasons.push(`alias ${observed.key.key_alias} matches ${glob}`);
  if (policy.protectInUse && observed.inUse?.secret !== undefined) reasons.push(`used by CSMS secret ${observed.inUse.secret}`);
  return reasons;
}

/** True when only the in-use check (a ListSecrets) can still tell whether the key is protected. */
export function needsInUseCheck(observed: GuardObservation, policy: ProtectionPolicy): boolean {
  return policy.protectInUse && observed.inUse === undefined && protectionReasons(observed, policy).length === 0;
}

export type GuardPlan =
  /** Not ours to act on (default key, not pending): reported skipped. */
  | { readonly kind: 'skip'; readonly reason: string }
  /** Pending deletion and unprotected: reported skipped with why, never touched but for our `in-progress` tag. */
  | { readonly kind: 'leave'; readonly reason: string; readonly clearTag: boolean }
  | {
      readonly kind: 'cancel';
      readonly because: string;
      /** Write `in-progress` before the cancel (false: it is there already, or there is no room). */
      readonly markFirst: boolean;
      /** Undefined when the key has no room for our tag (see auditTagSkipped): nothing then tracks the follow-ups. */
      readonly auditTag: Tag | undefined;
      readonly auditTagSkipped: string | undefined;
      readonly enable: boolean;
    };

/** Why the key is not ours to act on (default key, not pending deletion); undefined when it is. */
export function skipReason(key: Pick<KeyView, 'key_alias' | 'key_state' | 'default_key_flag'>): string | undefined {
  if (isDefaultKey(key)) return 'default key (alias */default): never touched';
  if (key.key_state !== KeyState.pendingDeletion) return NOT_PENDING_REASON;
  return undefined;
}

export function planGuard(observed: GuardObservation, policy: GuardPolicy, now: Date): GuardPlan {
  const skip = skipReason(observed.key);
  if (skip) return { kind: 'skip', reason: skip };
  const ours = observed.tags.find((tag) => tag.key === AUDIT_TAG);
  const reasons = protectionReasons(observed, policy);
  if (reasons.length === 0) return { kind: 'leave', reason: `not protected: ${whyNotProtected(observed, policy)}`, clearTag: ours?.value === IN_PROGRESS };

  // Our own tag is updated in place, so it never needs room of its own when already there.
  const audit: Tag = { key: AUDIT_TAG, value: now.toISOString() };
  const fits = ours !== undefined || fitTags(observed.tags, [audit]).add.length === 1;
  return {
    kind: 'cancel',
    because: `protected: ${reasons.join('; ')}`,
    markFirst: fits && ours?.value !== IN_PROGRESS,
    auditTag: fits ? audit : undefined,
    auditTagSkipped: fits ? undefined : `${TAG_LIMIT_REASON}: ${AUDIT_TAG} not added`,
    enable: policy.reenableCancelled,
  };
}

/** What is left for a key carrying `in-progress` that is no longer pending deletion. */
export type FollowUpPlan =
  /** Not for the follow-ups: a default key, or a key still pending deletion (its cancel comes first). */
  | { readonly kind: 'skip'; readonly reason: string }
  /** In a state no cancel leaves: reported failed, left as it is for a person to look at. */
  | { readonly kind: 'odd'; readonly reason: string }
  | { readonly kind: 'finish'; readonly enable: boolean; readonly auditTag: Tag };

export function planFollowUps(key: Pick<KeyView, 'key_alias' | 'key_state' | 'default_key_flag'>, policy: Pick<Policy, 'reenableCancelled'>, now: Date): FollowUpPlan {
  if (isDefaultKey(key)) return { kind: 'skip', reason: 'default key (alias */default): never touched' };
  const auditTag: Tag = { key: AUDIT_TAG, value: now.toISOString() };
  switch (key.key_state) {
    case KeyState.pendingDeletion:
      return { kind: 'skip', reason: 'pending deletion again: its cancel comes first' };
    case KeyState.enabled:
      return { kind: 'finish', enable: false, auditTag };
    case KeyState.disabled:
      return { kind: 'finish', enable: policy.reenableCancelled, auditTag };
    default:
      return { kind: 'odd', reason: `WARDEN.UNEXPECTED_STATE: key_state ${JSON.stringify(key.key_state)}, which a cancel does not leave: ${AUDIT_TAG}=${IN_PROGRESS} left for a person to look at` };
  }
}

function whyNotProtected(observed: GuardObservation, policy: ProtectionPolicy): string {
  const tag = observed.tags.find((t) => t.key === policy.protectTag);
  const parts = [
    tag ? `tag ${policy.protectTag} is ${JSON.stringify(tag.value)}, not "true"` : `no ${policy.protectTag} tag`,
    policy.protectAliases.length === 0
      ? 'no protected aliases configured'
      : `alias ${observed.key.key_alias} matches none of ${policy.protectAliases.join(', ')}`,
    !policy.protectInUse ? 'in-use check off (WARDEN_PROTECT_IN_USE=false)' : 'no CSMS secret uses it',
  ];
  return parts.join('; ');
}

// ---- run: parse (harness) → observe → plan → apply → report ------------------------------------------

export const definition: GuardrailDefinition = {
  name: 'guard-key-deletion',
  traceNames: ['scheduleKeyDeletion'],
  run: (r) => {
    const secrets = new SecretIndex(r.cloud);
    if (r.work.kind === 'sweep') return sweep(r, { secrets, trail: new AuditTrail(r.cloud, r.now) });
    const trace = r.work.trace;
    // The scheduling that started the run bounds the trail: what happened up to it, not since.
    const scheduling = { traceId: trace.trace_id, time: trace.time.getTime() };
    return guardTracedKey(r, trace, { secrets, trail: new AuditTrail(r.cloud, new Date(scheduling.time + 1), scheduling) });
  },
};

export function createHandler(options?: GuardrailOptions) {
  return guardrail(definition, options);
}

export const handler = createHandler();

/** What a run looks up at most once, and only when a key needs it. */
interface Lookups {
  readonly secrets: SecretIndex;
  readonly trail: AuditTrail;
}

async function guardTracedKey(r: GuardrailRun, trace: CtsTrace, lookups: Lookups): Promise<void> {
  const keyId = keyIdOfTrace(trace);
  if (keyId === undefined) {
    r.report.skipped('cancel-deletion', trace.trace_id, `the trace names no KMS key id (resource_id ${JSON.stringify(trace.resource_id ?? '')})`);
    return;
  }
  if (r.outOfTime()) {
    r.report.deferred('cancel-deletion', keyId, OUT_OF_TIME);
    return;
  }
  const key = await read(r, 'cancel-deletion', keyId, () => r.cloud.kms.listKeyDetail({ key_id: keyId }).then((answer) => answer.key_info));
  if (key) await guardKey(r, key, lookups);
}

/**
 * Every key pending deletion, at most `policy.concurrency` at a time; then the keys an earlier run left
 * carrying `in-progress`. The pending list is read whole first: its pages are offsets into the keys still
 * pending, and each cancel takes a key out of it, so paging while cancelling would skip keys. Their tags come
 * from one listing of every key when that costs fewer calls than one ShowKmsTags per pending key
 * (./lib/keys-with-tags.ts).
 */
async function sweep(r: GuardrailRun, lookups: Lookups): Promise<void> {
  const pending: KeyView[] = [];
  try {
    for await (const key of r.cloud.kms.listKeys({ key_state: KeyState.pendingDeletion, key_spec: 'ALL', limit: SWEEP_PAGE_SIZE })) {
      // The filter is the API's; do not rely on it. A key in an undocumented state is reported by guardKey.
      if (key.key_state === KeyState.pendingDeletion || undocumentedKeyState(key) !== undefined) pending.push(key);
    }
  } catch (error) {
    r.report.failed('sweep', 'kms.listKeys', failureReason(error));
    return;
  }
  const left = new Map(pending.map((key) => [key.key_id, key]));
  let stop = false;
  await forEachLimit(
    withTags(r.cloud, pending, r.log, () => r.outOfTime()),
    r.policy.concurrency,
    async ({ key, tags }) => {
      if (r.outOfTime()) {
        stop = true;
        return;
      }
      left.delete(key.key_id);
      await guardKey(r, key, lookups, tags);
    },
    { shouldStop: () => stop },
  );
  for (const key of left.values()) r.report.deferred('cancel-deletion', key.key_id, OUT_OF_TIME);
  if (stop || r.outOfTime()) {
    r.report.deferred('sweep', `${AUDIT_TAG}=${IN_PROGRESS}`, `${OUT_OF_TIME} (keys whose earlier cancel left work unfinished)`);
    return;
  }
  await finishEarlierCancels(r, new Set(pending.map((key) => key.key_id)), lookups);
}

/** Observe → plan → apply for one key whose details (and maybe tags) we have. */
async function guardKey(r: GuardrailRun, key: KeyView, lookups: Lookups, listedTags?: readonly Tag[]): Promise<void> {
  const unknown = undocumentedKeyState(key);
  if (unknown) {
    // Not "no longer pending deletion": a state we do not understand may be one.
    r.report.failed('cancel-deletion', key.key_id, `${unknown}: cannot tell whether it is pending deletion`);
    return;
  }
  const skip = skipReason(key);
  if (skip) {
    r.report.skipped('cancel-deletion', key.key_id, skip);
    return;
  }
  const tags = listedTags ?? (await read(r, 'cancel-deletion', key.key_id, async () => (await r.cloud.kms.showKmsTags({ key_id: key.key_id })).tags));
  if (!tags) return;
  let observed: GuardObservation = { key, tags };
  if (needsInUseCheck(observed, r.policy)) {
    try {
      observed = { ...observed, inUse: { secret: await lookups.secrets.secretUsing(key) } };
    } catch (error) {
      // Unknown is not "unused": leave the key as it is and say why; the next run asks again.
      r.report.failed('cancel-deletion', key.key_id, `cannot tell whether a secret uses the key: ${failedCall(error)}`);
      return;
    }
  }
  await apply(r, key, planGuard(observed, r.policy, r.now), lookups.trail);
}

/**
 * Keys carrying `in-progress` that are no longer pending deletion (found with a ListKmsByTags filtered on
 * it): an earlier run cancelled their deletion, or saw it cancelled, and could not finish the re-enable or the
 * audit tag. Keys this run already handled are left to the next one.
 */
async function finishEarlierCancels(r: GuardrailRun, handled: ReadonlySet<string>, lookups: Lookups): Promise<void> {
  const unfinished: KmsResource[] = [];
  try {
    for await (const resource of r.cloud.kms.listKmsByTags({ tags: [{ key: AUDIT_TAG, values: [IN_PROGRESS] }], limit: SWEEP_PAGE_SIZE })) {
      // The filter is the API's; do not rely on it.
      const ours = resource.tags.some((tag) => tag.key === AUDIT_TAG && tag.value === IN_PROGRESS);
      if (ours && !handled.has(resource.resource_id)) unfinished.push(resource);
    }
  } catch (error) {
    r.report.failed('sweep', 'kms.listKmsByTags', failureReason(error));
    return;
  }
  let stop = false;
  const left = new Set(unfinished.map((resource) => resource.resource_id));
  await forEachLimit(
    unfinished,
    r.policy.concurrency,
    async (resource) => {
      if (r.outOfTime()) {
        stop = true;
        return;
      }
      left.delete(resource.resource_id);
      const keyId = resource.resource_id;
      const detail = resource.resource_detail;
      const key = detail?.key_id === keyId ? detail : await read(r, 'audit-tag', keyId, async () => (await r.cloud.kms.listKeyDetail({ key_id: keyId })).key_info);
      if (key) await applyFollowUps(r, keyId, planFollowUps(key, r.policy, r.now), lookups.trail);
    },
    { shouldStop: () => stop },
  );
  for (const keyId of left) r.report.deferred('audit-tag', keyId, OUT_OF_TIME);
}

// ---- apply --------------------------------------------------------------------------------------

const MARK_REASON = `${AUDIT_TAG}=${IN_PROGRESS}: set before the cancel, so that a later run finishes what this one cannot`;

async function apply(r: GuardrailRun, key: KeyView, plan: GuardPlan, trail: AuditTrail): Promise<void> {
  const keyId = key.key_id;
  if (plan.kind !== 'cancel') {
    r.report.skipped('cancel-deletion', keyId, plan.reason);
    if (plan.kind === 'leave' && plan.clearTag) await clearTag(r, keyId, 'the key is not protected');
    return;
  }
  let tracked = plan.auditTag !== undefined;
  if (r.dryRun) {
    if (plan.markFirst) r.report.planned('audit-tag', keyId, MARK_REASON);
    r.report.planned('cancel-deletion', keyId, plan.because);
  } else {
    if (plan.markFirst) {
      const marked = await markFirst(r, key);
      if (marked === 'stop') return;
      tracked = marked === 'tracked';
    }
    const outcome = await cancel(r, keyId, plan.because);
    if (outcome === 'not pending' && tracked) await clearTag(r, keyId, 'someone else cancelled the deletion');
    if (outcome !== 'cancelled') return;
  }
  await finish(r, keyId, { enable: plan.enable, auditTag: plan.auditTag, tracked, earlier: false }, trail);
  if (plan.auditTagSkipped) r.report.skipped('audit-tag', keyId, plan.auditTagSkipped);
}

async function applyFollowUps(r: GuardrailRun, keyId: string, plan: FollowUpPlan, trail: AuditTrail): Promise<void> {
  if (plan.kind === 'skip') r.report.skipped('audit-tag', keyId, plan.reason);
  else if (plan.kind === 'odd') r.report.failed('audit-tag', keyId, plan.reason);
  else await finish(r, keyId, { enable: plan.enable, auditTag: plan.auditTag, tracked: true, earlier: true }, trail);
}

/**
 * `in-progress` before the cancel. When it cannot be written, the cancel waits for the next run (which finds
 * the key still pending), unless the cloud refused the tag outright (4xx: waiting would not help) or the
 * deletion is near: then the cancel goes ahead untracked, its follow-ups done in this run only.
 */
async function markFirst(r: GuardrailRun, key: KeyView): Promise<'tracked' | 'untracked' | 'stop'> {
  try {
    await writeAuditTag(r, key.key_id, IN_PROGRESS);
    r.report.applied('audit-tag', key.key_id, MARK_REASON);
    return 'tracked';
  } catch (error) {
    if (isKeyGone(error)) {
      r.report.skipped('cancel-deletion', key.key_id, KEY_GONE_REASON);
      return 'stop';
    }
    r.report.failed('audit-tag', key.key_id, failureReason(error));
    if (isRefusal(error) || deletionIsNear(key, r.now)) return 'untracked';
    r.report.deferred('cancel-deletion', key.key_id, `waits for ${AUDIT_TAG}=${IN_PROGRESS}, so that a later run can finish it: the next run tries again`);
    return 'stop';
  }
}

interface FollowUps {
  readonly enable: boolean;
  /** Undefined: no room for it. */
  readonly auditTag: Tag | undefined;
  /** `in-progress` is on the key: a later sweep comes back to what is left. */
  readonly tracked: boolean;
  /** Finishing an earlier run's cancel. */
  readonly earlier: boolean;
}

/** The re-enable (when asked), then the audit tag once nothing is left; a dry run plans them. */
async function finish(r: GuardrailRun, keyId: string, todo: FollowUps, trail: AuditTrail): Promise<void> {
  const settled = todo.enable ? await reenable(r, keyId, trail) : true;
  const audit = todo.auditTag;
  if (!audit) return;
  const what = `${audit.key}=${audit.value}${todo.earlier ? " (finishing an earlier run's cancel)" : ''}`;
  if (r.dryRun) {
    r.report.planned('audit-tag', keyId, what);
  } else if (!settled && todo.tracked) {
    r.report.deferred('audit-tag', keyId, `${AUDIT_TAG} stays ${IN_PROGRESS} until the re-enable is settled: a later sweep finishes it`);
  } else {
    await attempt(r, 'audit-tag', keyId, what, () => writeAuditTag(r, keyId, audit.value));
  }
}

/**
 * EnableKey when the audit trail shows the key was enabled when its deletion was scheduled; skipped with the
 * reason when it was not, or when the trail cannot tell. True when that is settled; false when a later run
 * must ask again (the trail could not be read, or the enable failed).
 */
async function reenable(r: GuardrailRun, keyId: string, trail: AuditTrail): Promise<boolean> {
  let decision: ReenableDecision;
  try {
    decision = decideReenable(await trail.tracesOf(keyId), trail.scheduling);
  } catch (error) {
    r.report.failed('enable', keyId, `${CANNOT_TELL}: ${failureReason(error)}`);
    return false;
  }
  switch (decision.kind) {
    case 'leave':
      r.report.skipped('enable', keyId, decision.reason);
      return true;
    case 'fail':
      r.report.failed('enable', keyId, decision.reason);
      return true;
    case 'retry':
      r.report.failed('enable', keyId, decision.reason);
      return false;
    case 'enable':
      break;
  }
  if (r.dryRun) {
    r.report.planned('enable', keyId, decision.reason);
    return true;
  }
  try {
    await r.cloud.kms.enableKey({ key_id: keyId });
    r.report.applied('enable', keyId, decision.reason);
    return true;
  } catch (error) {
    if (error instanceof HwcError && error.is('KMS.1201')) {
      r.report.skipped('enable', keyId, 'no longer disabled (KMS.1201): left as it is');
      return true;
    }
    if (isKeyGone(error)) {
      r.report.skipped('enable', keyId, KEY_GONE_REASON);
      return true;
    }
    r.report.failed('enable', keyId, failureReason(error));
    return false;
  }
}

/** `in-progress` comes off a key whose deletion we are not cancelling after all (`why`). */
async function clearTag(r: GuardrailRun, keyId: string, why: string): Promise<void> {
  const what = `${AUDIT_TAG}=${IN_PROGRESS} removed: ${why}, so no cancel of ours is under way`;
  if (r.dryRun) r.report.planned('audit-tag', keyId, what);
  else await attempt(r, 'audit-tag', keyId, what, () => r.cloud.kms.batchCreateKmsTags({ key_id: keyId, action: 'delete', tags: [{ key: AUDIT_TAG, value: IN_PROGRESS }] }));
}

function writeAuditTag(r: GuardrailRun, keyId: string, value: string): Promise<unknown> {
  return r.cloud.kms.batchCreateKmsTags({ key_id: keyId, action: 'create', tags: [{ key: AUDIT_TAG, value }] });
}

/** The cloud said no (4xx other than throttling): trying again would not help. */
function isRefusal(error: unknown): boolean {
  return error instanceof HwcError && error.status >= 400 && error.status < 500 && error.status !== 429;
}

/** Less than a day before the deletion, or the date unknown: the cancel must not wait. */
function deletionIsNear(key: Pick<KeyView, 'scheduled_deletion_date'>, now: Date): boolean {
  const at = Number(key.scheduled_deletion_date);
  return !key.scheduled_deletion_date || !Number.isFinite(at) || at - now.getTime() < NEAR_DELETION_MS;
}

const CONFIRMED = 'the answer was lost; the key, read again, is no longer pending deletion';

/** Cancels and reports it: `cancelled` (by this run: the follow-ups are due), `not pending` (KMS.1501), or `stop`. */
async function cancel(r: GuardrailRun, keyId: string, because: string): Promise<'cancelled' | 'not pending' | 'stop'> {
  try {
    await r.cloud.kms.cancelKeyDeletion({ key_id: keyId });
    r.report.applied('cancel-deletion', keyId, because);
    return 'cancelled';
  } catch (error) {
    if (error instanceof HwcError && error.is('KMS.1501')) {
      r.report.skipped('cancel-deletion', keyId, NOT_PENDING_REASON);
      return 'not pending';
    }
    if (isKeyGone(error)) {
      r.report.skipped('cancel-deletion', keyId, KEY_GONE_REASON);
      return 'stop';
    }
    if (await cancelTookEffect(r, keyId, error)) {
      r.report.applied('cancel-deletion', keyId, `${because} (${CONFIRMED})`);
      return 'cancelled';
    }
    r.report.failed('cancel-deletion', keyId, failureReason(error));
    return 'stop';
  }
}

/**
 * A cancel that failed without a clear refusal (no answer, a 5xx or 429 after every retry) may still have been
 * applied: by an earlier attempt whose answer was lost, if not by the last. Reading the key tells: if it left
 * state "4", the cancel took effect and the follow-ups are due now (when even that read fails, the key keeps
 * `in-progress` and a later sweep finishes it).
 */
async function cancelTookEffect(r: GuardrailRun, keyId: string, error: unknown): Promise<boolean> {
  if (isRefusal(error)) return false;
  try {
    const { key_info: key } = await r.cloud.kms.listKeyDetail({ key_id: keyId });
    return key.key_state === KeyState.disabled;
  } catch {
    return false;
  }
}

async function attempt(r: GuardrailRun, kind: string, keyId: string, what: string, make: () => Promise<unknown>): Promise<void> {
  try {
    await make();
    r.report.applied(kind, keyId, what);
  } catch (error) {
    r.report.failed(kind, keyId, failureReason(error));
  }
}

// ---- observe ------------------------------------------------------------------------------------

/** One read about a key; a key deleted meanwhile is already safe from us: skipped. Other errors: failed. */
async function read<T>(r: GuardrailRun, kind: string, keyId: string, get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (error) {
    if (isKeyGone(error)) r.report.skipped(kind, keyId, KEY_GONE_REASON);
    else r.report.failed(kind, keyId, failureReason(error));
    return undefined;
  }
}

/**
 * Which secret uses which key: CSMS secrets listed at most once per run, and only when a key's protection
 * depends on it. Secrets in any state count (a secret pending deletion can still be restored). A failed
 * listing is remembered for the run, so every key that needs it reports the failure without asking again.
 */
class SecretIndex {
  private index: Promise<Map<string, string>> | undefined;

  constructor(private readonly cloud: HuaweiCloud) {}

  async secretUsing(key: Pick<KeyView, 'key_id' | 'key_alias'>): Promise<string | undefined> {
    this.index ??= this.load();
    const index = await this.index;
    return index.get(key.key_id) ?? index.get(key.key_alias);
  }

  private async load(): Promise<Map<string, string>> {
    const index = new Map<string, string>();
    for await (const secret of this.cloud.csms.listSecrets()) {
      if (secret.kms_key_id && !index.has(secret.kms_key_id)) index.set(secret.kms_key_id, secret.name);
    }
    return index;
  }
}
