import { isDefaultKey, KeyState } from '../shared/hwc/kms.ts';
import type { KeyDetails, Tag } from '../shared/hwc/kms.ts';
import { HwcError } from '../shared/hwc/errors.ts';
import type { HuaweiCloud } from '../shared/hwc/index.ts';
import { renderDescription } from '../shared/policy.ts';
import type { Policy } from '../shared/policy.ts';
import { forEachLimit } from '../shared/runtime/concurrency.ts';
import { guardrail } from '../shared/runtime/guardrail.ts';
import type { GuardrailDefinition, GuardrailOptions, GuardrailRun } from '../shared/runtime/guardrail.ts';
import type { CtsTrace } from '../shared/triggers/schemas/cts.ts';
import { toIsoDate, tryCtsTimeToDate } from '../shared/triggers/time.ts';
import { describeUser } from '../shared/triggers/user.ts';
import type { CtsUserLike } from '../shared/triggers/user.ts';
import { undocumentedKeyState } from './lib/documented.ts';
import { failureReason, isKeyGone, KEY_GONE_REASON } from './lib/failure.ts';
import { fitTags, formatTags, sanitizeTags, TAG_LIMIT_REASON, truncateChars } from './lib/key-tags.ts';
import type { SanitizedTags, TagFit } from './lib/key-tags.ts';
import { keyIdOfTrace } from './lib/key-trace.ts';
import { everyKey } from './lib/keys-with-tags.ts';
import type { ListedKey } from './lib/keys-with-tags.ts';

/**
 * tag-new-keys: each new KMS key gets `created-by` (who created it), `created-at` (the trace's date, UTC
 * `YYYY-MM-DD`) and the policy's static tags; an empty description is filled from the policy's template.
 *
 * - CTS `createKey` trace (or the same trace through the webhook): that one key. Its creator is taken from the
 *   trace only when the key's own `creation_date` agrees with the trace's time (CREATION_TOLERANCE_MS): a trace
 *   naming some other, older key tags that key with the policy's tags only, and says why.
 * - TIMER sweep (or an empty webhook): every key lacking a policy tag gets the policy tags. A sweep has no
 *   trace, so it knows neither creator nor creation trace: it leaves `created-*` tags and descriptions alone.
 *
 * Tag values are made valid (forbidden characters stripped, truncated), a tag the key already has is never
 * overwritten, and a key never goes over 10 tags: what fits is added in priority order (created-by,
 * created-at, then the policy's tags in order), the rest is reported `skipped` with "10-tag limit".
 */

export const CREATED_BY = 'created-by';
export const CREATED_AT = 'created-at';
const DESCRIPTION_MAX_CHARS = 255;
const OUT_OF_TIME = 'out of time: left for the next run';

/**
 * How far a createKey trace's `time` may be from the key's `creation_date` for the trace to name the key's
 * creator. Both stamp the same request, so they differ by the request's own duration, the skew between the KMS
 * and CTS hosts' clocks (NTP-synced: well under a minute) and, where a trace is stamped when CTS records it
 * rather than when KMS acts, the delivery delay (minutes at most). Ten minutes covers these with room to spare
 * and still refuses any trace about a key created earlier or later, e.g. a createKey trace sent again, or
 * edited to name another key.
 */
export const CREATION_TOLERANCE_MS = 10 * 60_000;
const CREATOR_LEFT_ALONE = 'created-by, created-at and the description left alone';

// ---- plan (pure) --------------------------------------------------------------------------------

/** Who created the key and when, from its createKey trace. */
export interface Creation {
  readonly user: string;
  readonly at: Date;
}

export type KeyView = Pick<KeyDetails, 'key_id' | 'key_alias' | 'key_state' | 'key_description' | 'default_key_flag'>;
type CreationTrace = { readonly time: Date; readonly user: CtsUserLike };
export type TagPolicy = Pick<Policy, 'keyTags' | 'keyDescriptionTemplate'>;

/**
 * The key's creation from its createKey trace, when the key's own `creation_date` is within
 * CREATION_TOLERANCE_MS of the trace's time; otherwise (apart, missing or unreadable) why the trace is not used.
 */
export function creationOf(trace: CreationTrace, key: Pick<KeyDetails, 'creation_date'>): Creation | { readonly unverified: string } {
  const traced = `the trace's time ${trace.time.toISOString()}`;
  const raw = key.creation_date;
  if (raw === undefined || raw.trim() === '') return { unverified: `${CREATOR_LEFT_ALONE}: the key has no creation_date to check ${traced} against` };
  const created = keyCreationDate(raw);
  if (!created) return { unverified: `${CREATOR_LEFT_ALONE}: the key's creation_date ${JSON.stringify(raw)} is not an epoch time (${traced})` };
  const gap = Math.abs(created.getTime() - trace.time.getTime());
  if (gap > CREATION_TOLERANCE_MS) {
    return {
      unverified: `${CREATOR_LEFT_ALONE}: ${traced} and the key's creation_date ${created.toISOString()} (${raw}) are ${describeGap(gap)} apart, more than the ${CREATION_TOLERANCE_MS / 60_000}-minute tolerance: the trace is not this key's creation`,
    };
  }
  return { user: describeUser(trace.user), at: trace.time };
}

/**
 * KMS `creation_date`: documented as a 13-character string whose example is epoch milliseconds
 * (`"1502799822000"`), though its description says seconds; read by magnitude, as CTS times are, so either
 * unit reads right. Anything but digits is unreadable.
 */
export function keyCreationDate(raw: string): Date | undefined {
  const text = raw.trim();
  return /^\d{1,16}$/.test(text) ? tryCtsTimeToDate(Number(text)) : undefined;
}

function describeGap(ms: number): string {
  if (ms >= 2 * 86_400_000) return `${Math.floor(ms / 86_400_000)} days`;
  if (ms >= 2 * 3_600_000) return `${Math.floor(ms / 3_600_000)} hours`;
  return `${Math.floor(ms / 60_000)} minutes`;
}

/** The tags a key should carry, highest priority first, made valid: who and when (with a trace), then the policy's. */
export function wantedTags(policy: Pick<Policy, 'keyTags'>, creation?: Creation): SanitizedTags {
  const raw: Tag[] = [];
  if (creation) raw.push({ key: CREATED_BY, value: creation.user }, { key: CREATED_AT, value: toIsoDate(creation.at) });
  for (const [key, value] of Object.entries(policy.keyTags)) raw.push({ key, value });
  return sanitizeTags(raw);
}

/** The description template filled for this key, cut to 255 characters. */
export function renderKeyDescription(template: string, creation: Creation, key: Pick<KeyView, 'key_id' | 'key_alias'>): string {
  const text = renderDescription(template, {
    user: creation.user,
    date: toIsoDate(creation.at),
    time: `${creation.at.toISOString().slice(0, 19)}Z`,
    keyId: key.key_id,
    alias: key.key_alias,
  });
  return truncateChars(text, DESCRIPTION_MAX_CHARS);
}

/**
 * Why a key is never tagged or described; undefined when it may be (or when its state is undocumented, which
 * is a failure rather than a reason to skip: see `planKey`).
 */
export function skipReason(key: Pick<KeyView, 'key_alias' | 'key_state' | 'default_key_flag'>): string | undefined {
  if (isDefaultKey(key)) return 'default key (alias */default): never tagged or described';
  if (key.key_state === KeyState.pendingDeletion) return 'key is pending deletion (state 4)';
  if (key.key_state === KeyState.frozen) return 'key is frozen (state 7): left alone';
  return undefined;
}

export type KeyPlan =
  | { readonly skip: string }
  /** A key we do not understand (an undocumented state): reported failed, left alone. */
  | { readonly fail: string }
  | {
      readonly tags: TagFit;
      /** Wanted tag keys that are empty once made valid. */
      readonly invalidKeys: readonly string[];
      /** The description to set; undefined when the key has one (or there is no trace to fill it from). */
      readonly description: string | undefined;
    };

export interface KeyObservation {
  readonly key: KeyView;
  readonly tags: readonly Tag[];
}

/** What to do to one key, from what was observed, the policy, and (trace only) its creation. */
export function planKey(observed: KeyObservation, policy: TagPolicy, creation?: Creation): KeyPlan {
  const skip = skipReason(observed.key);
  if (skip) return { skip };
  const unknown = undocumentedKeyState(observed.key);
  if (unknown) return { fail: `${unknown}: left alone` };
  const wanted = wantedTags(policy, creation);
  const hasDescription = (observed.key.key_description ?? '').trim() !== '';
  const rendered = creation && !hasDescription ? renderKeyDescription(policy.keyDescriptionTemplate, creation, observed.key) : undefined;
  return {
    tags: fitTags(observed.tags, wanted.tags),
    invalidKeys: wanted.dropped,
    description: rendered?.trim() ? rendered : undefined,
  };
}

// ---- run: parse (harness) → observe → plan → apply → report ------------------------------------------

export const definition: GuardrailDefinition = {
  name: 'tag-new-keys',
  traceNames: ['createKey'],
  run: (r) => (r.work.kind === 'trace' ? tagTracedKey(r, r.work.trace) : sweep(r)),
};

export function createHandler(options?: GuardrailOptions) {
  return guardrail(definition, options);
}

export const handler = createHandler();

async function tagTracedKey(r: GuardrailRun, trace: CtsTrace): Promise<void> {
  const keyId = keyIdOfTrace(trace);
  if (keyId === undefined) {
    r.report.skipped('tag', trace.trace_id, `the trace names no KMS key id (resource_id ${JSON.stringify(trace.resource_id ?? '')})`);
    return;
  }
  if (r.outOfTime()) {
    r.report.deferred('tag', keyId, OUT_OF_TIME);
    return;
  }
  const key = await observe(r, keyId, () => r.cloud.kms.listKeyDetail({ key_id: keyId }).then((answer) => answer.key_info));
  if (!key) return;
  const tags = skipReason(key) || undocumentedKeyState(key) ? [] : await observe(r, keyId, () => showTags(r.cloud, keyId));
  if (!tags) return;
  const creation = skipReason(key) ? undefined : creationOf(trace, key);
  if (creation && 'unverified' in creation) r.report.skipped('tag', keyId, creation.unverified);
  const plan = planKey({ key, tags }, r.policy, creation && 'user' in creation ? creation : undefined);
  await apply(r, keyId, plan, { explain: true });
}

/**
 * Policy tags for every key that lacks one. Keys come with their details and tags from one listing where the
 * cloud allows it (./lib/keys-with-tags.ts), so only keys that need tags cost a call; a key the listing says
 * nothing about is read on its own (ShowKmsTags: its own values stay, and count toward the limit).
 */
async function sweep(r: GuardrailRun): Promise<void> {
  const wanted = wantedTags(r.policy);
  for (const key of wanted.dropped) r.report.skipped('tag', 'policy', `tag key ${JSON.stringify(key)} is empty once made valid`);
  if (wanted.tags.length === 0) {
    r.log.info('sweep: nothing to do', { why: 'no policy tags configured (WARDEN_KEY_TAGS); created-by/created-at need a trace' });
    return;
  }

  let stop = false;
  const onShort = (shown: number, counted: number) =>
    r.report.deferred('sweep', 'remaining keys', `the listing showed ${shown} keys, ListKeys counts ${counted} (keys deleted meanwhile, or a listing that lost some): the rest were not examined`);
  try {
    const outcome = await forEachLimit(
      everyKey(r.cloud, wanted.tags, r.log, onShort),
      r.policy.concurrency,
      async (listed) => {
        if (r.outOfTime()) stop = true;
        const unknown = listed.key !== undefined && skipReason(listed.key) === undefined ? undocumentedKeyState(listed.key) : undefined;
        if (unknown !== undefined) {
          r.report.failed('tag', listed.keyId, `${unknown}: left alone`);
          return;
        }
        if (!needsWork(listed, wanted.tags)) return;
        if (stop) {
          r.report.deferred('tag', listed.keyId, OUT_OF_TIME);
          return;
        }
        const key = listed.key ?? (await observe(r, listed.keyId, () => r.cloud.kms.listKeyDetail({ key_id: listed.keyId }).then((a) => a.key_info)));
        if (!key || skipReason(key) !== undefined) return;
        const tags = listed.tags ?? (await observe(r, listed.keyId, () => showTags(r.cloud, listed.keyId)));
        if (tags) await apply(r, listed.keyId, planKey({ key, tags }, r.policy), { explain: false });
      },
      { shouldStop: () => stop },
    );
    if (!outcome.exhausted) r.report.deferred('sweep', 'remaining keys', `${OUT_OF_TIME}; keys not yet listed were not examined`);
  } catch (error) {
    r.report.failed('sweep', error instanceof HwcError ? error.operation : 'key listing', failureReason(error));
  }
}

/**
 * False when what was listed already shows there is nothing to do: a key that is skipped, or one whose tags
 * leave nothing to add (then its details do not matter either).
 */
function needsWork(listed: ListedKey, wanted: readonly Tag[]): boolean {
  if (listed.key !== undefined && skipReason(listed.key) !== undefined) return false;
  if (listed.tags === undefined) return true;
  const fit = fitTags(listed.tags, wanted);
  return fit.add.length > 0 || fit.overLimit.length > 0;
}

// ---- observe ------------------------------------------------------------------------------------

async function showTags(cloud: HuaweiCloud, keyId: string): Promise<readonly Tag[]> {
  return (await cloud.kms.showKmsTags({ key_id: keyId })).tags;
}

/** One read about a key; a key deleted meanwhile is reported skipped, any other error failed. */
async function observe<T>(r: GuardrailRun, keyId: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isKeyGone(error)) r.report.skipped('tag', keyId, KEY_GONE_REASON);
    else r.report.failed('tag', keyId, failureReason(error));
    return undefined;
  }
}

// ---- apply --------------------------------------------------------------------------------------

/** `explain`: also report what was left as is (tags already there, unusable tag keys); a sweep reports those once or not at all. */
async function apply(r: GuardrailRun, keyId: string, plan: KeyPlan, options: { explain: boolean }): Promise<void> {
  if ('skip' in plan) {
    r.report.skipped('tag', keyId, plan.skip);
    return;
  }
  if ('fail' in plan) {
    r.report.failed('tag', keyId, plan.fail);
    return;
  }
  const { add, kept, overLimit } = plan.tags;
  if (options.explain) {
    for (const key of plan.invalidKeys) r.report.skipped('tag', keyId, `tag key ${JSON.stringify(key)} is empty once made valid`);
  }
  if (add.length > 0) {
    await change(r, 'tag', keyId, formatTags(add), () =>
      r.cloud.kms.batchCreateKmsTags({ key_id: keyId, action: 'create', tags: add.map((tag) => ({ key: tag.key, value: tag.value })) }),
    );
  }
  if (overLimit.length > 0) r.report.skipped('tag', keyId, `${TAG_LIMIT_REASON}: ${formatTags(overLimit)} not added`);
  if (options.explain && kept.length > 0) {
    r.report.skipped('tag', keyId, `already has ${kept.map((tag) => tag.key).join(', ')}; existing values kept`);
  }
  const description = plan.description;
  if (description !== undefined) {
    await change(r, 'describe', keyId, description, () => r.cloud.kms.updateKeyDescription({ key_id: keyId, key_description: description }));
  }
}

/** One change: `planned` in a dry run, else made and reported `applied`, `skipped` (key gone) or `failed`. */
async function change(r: GuardrailRun, kind: string, keyId: string, what: string, make: () => Promise<unknown>): Promise<void> {
  if (r.dryRun) {
    r.report.planned(kind, keyId, what);
    return;
  }
  try {
    await make();
    r.report.applied(kind, keyId, what);
  } catch (error) {
    if (isKeyGone(error)) r.report.skipped(kind, keyId, KEY_GONE_REASON);
    else r.report.failed(kind, keyId, failureReason(error));
  }
}
