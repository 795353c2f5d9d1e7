import { isDefaultKey, KeyState } from '../shared/hwc/kms.ts';
import type { KeyDetails, Tag } from '../shared/hwc/kms.ts';
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
 * - TIMER sweep (or an empty webhook): every key pending deletion (state "4").
 *
 * A protected key pending deletion: CancelKeyDeletion (which leaves it disabled, "3"), then the audit tag
 * `deletion-cancelled-at` = ISO time (our own tag, so updated when present; skipped at the 10-tag limit), then
 * EnableKey when the policy asks. Unprotected keys are reported with why, never touched; default keys are
 * never touched. A key that is no longer pending when we cancel (KMS.1501) is already safe: `skipped`.
 */

export const AUDIT_TAG = 'deletion-cancelled-at';
export const NOT_PENDING_REASON = 'no longer pending deletion';
const SWEEP_PAGE_SIZE = 1000;
const OUT_OF_TIME = 'out of time: left for the next run';

// ---- plan (pure) --------------------------------------------------------------------------------

export type KeyView = Pick<KeyDetails, 'key_id' | 'key_alias' | 'key_state' | 'default_key_flag'>;
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
  /** Pending deletion and unprotected: reported skipped with why, never touched. */
  | { readonly kind: 'leave'; readonly reason: string }
  | {
      readonly kind: 'cancel';
      readonly because: string;
      /** Undefined when the key has no room for it (see auditTagSkipped). */
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
  const reasons = protectionReasons(observed, policy);
  if (reasons.length === 0) return { kind: 'leave', reason: `not protected: ${whyNotProtected(observed, policy)}` };

  // Our own audit tag is updated in place, so it never needs room of its own when already there.
  const audit: Tag = { key: AUDIT_TAG, value: now.toISOString() };
  const fit = fitTags(observed.tags.filter((tag) => tag.key !== AUDIT_TAG), [audit]);
  const fits = fit.add.length === 1;
  return {
    kind: 'cancel',
    because: `protected: ${reasons.join('; ')}`,
    auditTag: fits ? audit : undefined,
    auditTagSkipped: fits ? undefined : `${TAG_LIMIT_REASON}: ${AUDIT_TAG} not added`,
    enable: policy.reenableCancelled,
  };
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
    return r.work.kind === 'trace' ? guardTracedKey(r, r.work.trace, secrets) : sweep(r, secrets);
  },
};

export function createHandler(options?: GuardrailOptions) {
  return guardrail(definition, options);
}

export const handler = createHandler();

async function guardTracedKey(r: GuardrailRun, trace: CtsTrace, secrets: SecretIndex): Promise<void> {
  const keyId = keyIdOfTrace(trace);
  if (keyId === undefined) {
    r.report.skipped('cancel-deletion', trace.trace_id, `the trace names no KMS key id (resource_id ${JSON.stringify(trace.resource_id ?? '')})`);
    return;
  }
  if (r.outOfTime()) {
    r.report.deferred('cancel-deletion', keyId, OUT_OF_TIME);
    return;
  }
  const key = await read(r, keyId, () => r.cloud.kms.listKeyDetail({ key_id: keyId }).then((answer) => answer.key_info));
  if (key) await guardKey(r, key, secrets);
}

/**
 * Every key pending deletion, at most `policy.concurrency` at a time. The list is read whole first: its pages
 * are offsets into the keys still pending, and each cancel takes a key out of it, so paging while cancelling
 * would skip keys. Their tags come from one listing of every key when that costs fewer calls than one
 * ShowKmsTags per pending key (./lib/keys-with-tags.ts).
 */
async function sweep(r: GuardrailRun, secrets: SecretIndex): Promise<void> {
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
      await guardKey(r, key, secrets, tags);
    },
    { shouldStop: () => stop },
  );
  for (const key of left.values()) r.report.deferred('cancel-deletion', key.key_id, OUT_OF_TIME);
}

/** Observe → plan → apply for one key whose details (and maybe tags) we have. */
async function guardKey(r: GuardrailRun, key: KeyView, secrets: SecretIndex, listedTags?: readonly Tag[]): Promise<void> {
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
  const tags = listedTags ?? (await read(r, key.key_id, async () => (await r.cloud.kms.showKmsTags({ key_id: key.key_id })).tags));
  if (!tags) return;
  let observed: GuardObservation = { key, tags };
  if (needsInUseCheck(observed, r.policy)) {
    try {
      observed = { ...observed, inUse: { secret: await secrets.secretUsing(key) } };
    } catch (error) {
      // Unknown is not "unused": leave the key as it is and say why; the next run asks again.
      r.report.failed('cancel-deletion', key.key_id, `cannot tell whether a secret uses the key: ${failedCall(error)}`);
      return;
    }
  }
  await apply(r, key.key_id, planGuard(observed, r.policy, r.now));
}

async function apply(r: GuardrailRun, keyId: string, plan: GuardPlan): Promise<void> {
  if (plan.kind !== 'cancel') {
    r.report.skipped('cancel-deletion', keyId, plan.reason);
    return;
  }
  const audit = plan.auditTag;
  if (r.dryRun) {
    r.report.planned('cancel-deletion', keyId, plan.because);
    if (audit) r.report.planned('audit-tag', keyId, `${audit.key}=${audit.value}`);
    if (plan.enable) r.report.planned('enable', keyId, 'WARDEN_REENABLE_CANCELLED');
  } else {
    if (!(await cancel(r, keyId, plan.because))) return;
    if (audit) {
      await attempt(r, 'audit-tag', keyId, `${audit.key}=${audit.value}`, () =>
        r.cloud.kms.batchCreateKmsTags({ key_id: keyId, action: 'create', tags: [{ key: audit.key, value: audit.value }] }),
      );
    }
    if (plan.enable) await attempt(r, 'enable', keyId, 'WARDEN_REENABLE_CANCELLED', () => r.cloud.kms.enableKey({ key_id: keyId }));
  }
  if (plan.auditTagSkipped) r.report.skipped('audit-tag', keyId, plan.auditTagSkipped);
}

const CONFIRMED = 'the answer was lost; the key, read again, is no longer pending deletion';

/** Cancels and reports it; true when the deletion is now cancelled by this run, so the follow-ups are due. */
async function cancel(r: GuardrailRun, keyId: string, because: string): Promise<boolean> {
  try {
    await r.cloud.kms.cancelKeyDeletion({ key_id: keyId });
    r.report.applied('cancel-deletion', keyId, because);
    return true;
  } catch (error) {
    if (error instanceof HwcError && error.is('KMS.1501')) {
      r.report.skipped('cancel-deletion', keyId, NOT_PENDING_REASON);
      return false;
    }
    if (isKeyGone(error)) {
      r.report.skipped('cancel-deletion', keyId, KEY_GONE_REASON);
      return false;
    }
    if (await cancelTookEffect(r, keyId, error)) {
      r.report.applied('cancel-deletion', keyId, `${because} (${CONFIRMED})`);
      return true;
    }
    r.report.failed('cancel-deletion', keyId, failureReason(error));
    return false;
  }
}

/**
 * A cancel that failed without a clear refusal (no answer, a 5xx or 429 after every retry) may still have been
 * applied: by an earlier attempt whose answer was lost, if not by the last. Reading the key tells: if it left
 * state "4", the cancel took effect and the audit tag and re-enable must follow now, since no later sweep comes
 * back to a key that is no longer pending deletion.
 */
async function cancelTookEffect(r: GuardrailRun, keyId: string, error: unknown): Promise<boolean> {
  if (error instanceof HwcError && error.status >= 400 && error.status < 500 && error.status !== 429) return false;
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
async function read<T>(r: GuardrailRun, keyId: string, get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (error) {
    if (isKeyGone(error)) r.report.skipped('cancel-deletion', keyId, KEY_GONE_REASON);
    else r.report.failed('cancel-deletion', keyId, failureReason(error));
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
