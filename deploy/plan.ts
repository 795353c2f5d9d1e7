import type { ActionStatus, ReportAction } from '../shared/runtime/report.ts';
import type { DesiredFunction, DesiredState, DesiredTrigger, TriggerBody } from './desired.ts';
import { DISABLEABLE_TRIGGERS } from './functiongraph-rules.ts';
import type { TriggerType } from './functiongraph-rules.ts';
import { MARKER_KEY, functionNameOf, latestUrn, ownedFunctionKey, parseMarker, parseUserData, unversionedUrn } from './naming.ts';
import type { Owner } from './naming.ts';
import type { ObservedFunction, ObservedRegion, ObservedTrigger } from './observed.ts';
import { secretsMatch } from './user-data.ts';

/**
 * The deploy plan: observed state + desired state → the FunctionGraph calls that make the one the other, one
 * action per call, in the order they are to be made. Pure: no I/O, no clock. `--plan` prints it with status
 * "planned"; apply makes the calls in order and reports each as applied or failed (and what it did not reach
 * as deferred), so a deploy that stops halfway says what was done, and the next run plans only the rest.
 *
 * Like terraform-provider-huaweicloud's FunctionGraph resource, changes are grouped by the call that carries
 * them: the code (UpdateFunctionCode, compared by `digest`, the SHA-512 of the zip), the configuration
 * (UpdateFunctionConfig, compared field by field with defaults normalised; secrets through deploy's
 * fingerprint), and each trigger. What cannot change in place is replaced: a function whose runtime changes is
 * deleted and created again; a trigger that differs in anything but its status is deleted and created again
 * (UpdateTrigger changes only the status). Like serverless, nothing deploy did not create is ever touched.
 */

export type DeployActionKind = 'create-function' | 'update-code' | 'update-config' | 'delete-function' | 'create-trigger' | 'delete-trigger' | 'update-trigger-status';

/** The FunctionGraph client operation each action is. */
export const OPERATION_OF: Readonly<Record<DeployActionKind, string>> = {
  'create-function': 'functiongraph.createFunction',
  'update-code': 'functiongraph.updateFunctionCode',
  'update-config': 'functiongraph.updateFunctionConfig',
  'delete-function': 'functiongraph.deleteFunction',
  'create-trigger': 'functiongraph.createFunctionTrigger',
  'delete-trigger': 'functiongraph.deleteFunctionTrigger',
  'update-trigger-status': 'functiongraph.updateTrigger',
};

interface ActionBase {
  /** The function's key in serverless.yml. */
  readonly function: string;
  /** What the report names: the function, or `<function> TIMER <name>`. */
  readonly target: string;
  /** Why, in words; never a secret's value. */
  readonly reason: string;
}

export type DeployAction =
  | (ActionBase & { readonly kind: 'create-function'; readonly desired: DesiredFunction })
  | (ActionBase & { readonly kind: 'update-code' | 'update-config'; readonly functionUrn: string; readonly desired: DesiredFunction })
  /** `functionUrn` without version: DeleteFunction refuses `:latest`. */
  | (ActionBase & { readonly kind: 'delete-function'; readonly functionUrn: string })
  /** `functionUrn` undefined: the function is created earlier in the same plan; apply takes its URN from that answer. */
  | (ActionBase & { readonly kind: 'create-trigger'; readonly functionUrn: string | undefined; readonly trigger: DesiredTrigger })
  | (ActionBase & { readonly kind: 'delete-trigger'; readonly functionUrn: string; readonly triggerType: string; readonly triggerId: string })
  | (ActionBase & {
      readonly kind: 'update-trigger-status';
      readonly functionUrn: string;
      readonly triggerType: string;
      readonly triggerId: string;
      readonly status: 'ACTIVE' | 'DISABLED';
    });

export interface DeployPlan {
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  readonly actions: readonly DeployAction[];
  /** Functions of the plan that need no call. */
  readonly upToDate: readonly string[];
  /** Why nothing may be applied (e.g. a function of the desired name that deploy did not create). */
  readonly conflicts: readonly string[];
  /** What deploy leaves alone and the user should know about. */
  readonly notes: readonly string[];
}

export interface PlanOptions {
  /** Delete the functions deploy created that serverless.yml no longer declares (default: leave them, say so). */
  readonly prune?: boolean;
}

export function planDeploy(observed: ObservedRegion, desired: DesiredState, options: PlanOptions = {}): DeployPlan {
  const owner: Owner = { service: desired.service, stage: desired.stage };
  const byName = new Map(observed.functions.map((fn) => [fn.func_name, fn]));
  const actions: DeployAction[] = [];
  const upToDate: string[] = [];
  const conflicts: string[] = [];
  const notes: string[] = [];

  for (const fn of desired.functions) {
    const existing = byName.get(fn.func_name);
    if (!existing) {
      actions.push(...createAll(fn, 'not deployed yet'));
      continue;
    }
    if (ownedFunctionKey(existing, owner) !== fn.key) {
      conflicts.push(
        `${fn.func_name} exists (package ${existing.package}) but was not created by warden deploy for ${desired.service}/${desired.stage}; ` +
          'warden leaves it alone: remove or rename it, or deploy under another stage',
      );
      continue;
    }
    const planned = planFunction(existing, triggersOf(observed, existing), fn);
    if (planned.length === 0) upToDate.push(fn.func_name);
    actions.push(...planned);
  }

  const declared = new Set(desired.functions.map((fn) => fn.func_name));
  const prefix = `${functionNameOf(desired.service, desired.stage, '')}`;
  for (const fn of observed.functions) {
    if (declared.has(fn.func_name)) continue;
    const key = ownedFunctionKey(fn, owner);
    if (key === undefined) {
      if (fn.func_name.startsWith(prefix)) notes.push(`${fn.func_name} has this service and stage's name prefix but no warden marker for them: not warden's, not touched`);
      continue;
    }
    if (desired.partial) continue;
    if (options.prune) {
      actions.push({ kind: 'delete-function', function: key, target: fn.func_name, functionUrn: unversionedUrn(fn.func_urn), reason: 'no longer in serverless.yml (--prune)' });
    } else {
      notes.push(`${fn.func_name} (function ${key}) is no longer in serverless.yml: left deployed; deploy --prune or remove --function ${key} deletes it`);
    }
  }
  return { service: desired.service, stage: desired.stage, region: desired.region, actions, upToDate, conflicts, notes };
}

function triggersOf(observed: ObservedRegion, fn: ObservedFunction): readonly ObservedTrigger[] {
  const triggers = observed.triggers.get(fn.func_name);
  // Planning without them would delete nothing and create duplicates: the observer must read them.
  if (!triggers) throw new Error(`planDeploy: the triggers of ${fn.func_name} were not read`);
  return triggers;
}

function createAll(fn: DesiredFunction, reason: string): DeployAction[] {
  return [
    { kind: 'create-function', function: fn.key, target: fn.func_name, desired: fn, reason },
    ...fn.triggers.map((trigger): DeployAction => ({ kind: 'create-trigger', function: fn.key, target: `${fn.func_name} ${trigger.label}`, functionUrn: undefined, trigger, reason: 'new function' })),
  ];
}

/** The calls that make one existing (owned) function what serverless.yml says. */
function planFunction(existing: ObservedFunction, observedTriggers: readonly ObservedTrigger[], fn: DesiredFunction): DeployAction[] {
  if (existing.runtime !== fn.runtime) {
    const reason = `runtime ${existing.runtime} → ${fn.runtime} cannot change in place: replaced`;
    return [{ kind: 'delete-function', function: fn.key, target: fn.func_name, functionUrn: unversionedUrn(existing.func_urn), reason }, ...createAll(fn, reason)];
  }
  const urn = latestUrn(existing.func_urn);
  const actions: DeployAction[] = [];
  if (existing.digest !== fn.code.digest) {
    actions.push({ kind: 'update-code', function: fn.key, target: fn.func_name, functionUrn: urn, desired: fn, reason: `code ${short(existing.digest)} → ${short(fn.code.digest)}` });
  }
  const changes = configChanges(existing, fn);
  if (changes.length > 0) actions.push({ kind: 'update-config', function: fn.key, target: fn.func_name, functionUrn: urn, desired: fn, reason: changes.join('; ') });
  actions.push(...planTriggers(urn, observedTriggers, fn));
  return actions;
}

function short(digest: string): string {
  return digest === '' ? '(none)' : `${digest.slice(0, 12)}…`;
}

/** What UpdateFunctionConfig would change, field by field, absent fields read as their defaults. */
export function configChanges(existing: ObservedFunction, fn: DesiredFunction): string[] {
  const changes: string[] = [];
  const scalar = (field: string, before: unknown, after: unknown) => {
    if (String(before ?? '') !== String(after ?? '')) changes.push(`${field} ${JSON.stringify(before ?? '')} → ${JSON.stringify(after)}`);
  };
  scalar('handler', existing.handler, fn.handler);
  scalar('memory_size', existing.memory_size, fn.memory_size);
  scalar('timeout', existing.timeout, fn.timeout);
  scalar('xrole', existing.xrole, fn.xrole);
  if ((existing.description ?? '') !== fn.description) changes.push('description changed');

  const observedData = parseUserData(existing.user_data);
  if (!observedData) {
    changes.push('user_data unreadable: rewritten');
  } else {
    const names = diffNames(withoutMarker(observedData), withoutMarker(fn.userData));
    if (names) changes.push(`user_data ${names}`);
  }
  changes.push(...encryptedChanges(existing, observedData, fn));
  return changes;
}

/**
 * Encrypted user data reads back with the names as sent and every value blanked: the names are compared as
 * they are, the values through the fingerprint deploy left in its marker (user-data.ts).
 */
function encryptedChanges(existing: ObservedFunction, observedData: Record<string, string> | undefined, fn: DesiredFunction): string[] {
  const observedNames = parseUserData(existing.encrypted_user_data);
  if (!observedNames) return ['encrypted_user_data unreadable: rewritten'];
  const blank = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, '']));
  const desiredNames = Object.keys(fn.encryptedUserData);
  const names = diffNames(blank(Object.keys(observedNames)), blank(desiredNames));
  if (names) return [`encrypted_user_data ${names}`];
  if (desiredNames.length === 0) return [];
  const marker = observedData && parseMarker(observedData);
  return secretsMatch(marker?.encrypted, fn.encryptedUserData) ? [] : [`encrypted_user_data: ${desiredNames.join(', ')} not as deployed (by fingerprint)`];
}

function withoutMarker(data: Readonly<Record<string, string>>): Record<string, string> {
  const { [MARKER_KEY]: _marker, ...rest } = data;
  return rest;
}

/** `+A, -B, ~C` (names only: a value may be sensitive even when its name does not say so). */
function diffNames(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const name of Object.keys(after)) if (!Object.hasOwn(before, name)) parts.push(`+${name}`);
  for (const name of Object.keys(before)) if (!Object.hasOwn(after, name)) parts.push(`-${name}`);
  for (const name of Object.keys(after)) if (Object.hasOwn(before, name) && before[name] !== after[name]) parts.push(`~${name}`);
  return parts.join(', ');
}

/**
 * Exactly the file's triggers: an observed trigger equal to a desired one in every field but the status is
 * kept (its status updated if need be); every other observed trigger is deleted, every unmatched desired one
 * created. Deletions come first: a changed APIG trigger keeps its name and route, which its old self holds.
 */
function planTriggers(urn: string, observed: readonly ObservedTrigger[], fn: DesiredFunction): DeployAction[] {
  const unmatched = new Set(observed);
  const creates: DeployAction[] = [];
  const statuses: DeployAction[] = [];
  const target = (label: string) => `${fn.func_name} ${label}`;
  for (const trigger of fn.triggers) {
    const same = [...unmatched].find((o) => o.trigger_type_code === trigger.body.trigger_type_code && triggerDifferences(o, trigger.body).length === 0 && canReach(o, trigger.body));
    if (same) {
      unmatched.delete(same);
      if (same.trigger_status !== trigger.body.trigger_status) {
        statuses.push({
          kind: 'update-trigger-status',
          function: fn.key,
          target: target(trigger.label),
          functionUrn: urn,
          triggerType: same.trigger_type_code,
          triggerId: same.trigger_id,
          status: trigger.body.trigger_status,
          reason: `status ${same.trigger_status} → ${trigger.body.trigger_status}`,
        });
      }
      continue;
    }
    const previous = [...unmatched].find((o) => o.trigger_type_code === trigger.body.trigger_type_code && o.event_data['name'] === trigger.body.event_data.name);
    const reason = previous ? `replaces the trigger of that name: ${triggerDifferences(previous, trigger.body).join('; ') || `status ${previous.trigger_status}`}` : 'not deployed yet';
    creates.push({ kind: 'create-trigger', function: fn.key, target: target(trigger.label), functionUrn: urn, trigger, reason });
  }
  const deletes = [...unmatched].map((o): DeployAction => {
    const label = `${o.trigger_type_code} ${typeof o.event_data['name'] === 'string' ? o.event_data['name'] : o.trigger_id}`;
    const replaced = fn.triggers.some((t) => t.body.trigger_type_code === o.trigger_type_code && t.body.event_data.name === o.event_data['name']);
    return {
      kind: 'delete-trigger',
      function: fn.key,
      target: target(label),
      functionUrn: urn,
      triggerType: o.trigger_type_code,
      triggerId: o.trigger_id,
      reason: replaced ? 'changed: UpdateTrigger changes only the status, so it is deleted and created again' : 'not in serverless.yml',
    };
  });
  return [...deletes, ...creates, ...statuses];
}

/** A status FunctionGraph reports that the file's can be reached from in place (UpdateTrigger), or the same one. */
function canReach(observed: ObservedTrigger, desired: TriggerBody): boolean {
  if (observed.trigger_status === desired.trigger_status) return true;
  const known = observed.trigger_status === 'ACTIVE' || observed.trigger_status === 'DISABLED';
  return known && DISABLEABLE_TRIGGERS.includes(desired.trigger_type_code as TriggerType);
}

/** The fields of one trigger that differ from what the file says (status aside), as `field a → b`. */
export function triggerDifferences(observed: ObservedTrigger, desired: TriggerBody): string[] {
  const o = observed.event_data;
  const differences: string[] = [];
  const compare = (field: string, before: unknown, after: unknown) => {
    const a = normalise(before);
    const b = normalise(after);
    if (a !== b) differences.push(`${field} ${a === '' ? '(none)' : a} → ${b === '' ? '(none)' : b}`);
  };
  switch (desired.trigger_type_code) {
    case 'TIMER': {
      const d = desired.event_data;
      compare('name', o['name'], d.name);
      compare('schedule_type', o['schedule_type'], d.schedule_type);
      compare('schedule', o['schedule'], d.schedule);
      compare('user_event', o['user_event'], d.user_event);
      break;
    }
    case 'APIG': {
      const d = desired.event_data;
      compare('name', o['name'], d.name);
      compare('group_id', o['group_id'], d.group_id);
      compare('env_id', o['env_id'], d.env_id);
      compare('env_name', o['env_name'], d.env_name);
      compare('req_method', o['req_method'], d.req_method);
      compare('match_mode', o['match_mode'], d.match_mode);
      compare('auth', typeof o['auth'] === 'string' ? o['auth'].toUpperCase() : o['auth'], d.auth);
      compare('path', o['path'], d.path);
      compare('protocol', o['protocol'], d.protocol);
      compare('type', o['type'], d.type);
      const funcInfo = o['func_info'];
      compare('func_info.timeout', typeof funcInfo === 'object' && funcInfo !== null ? (funcInfo as Record<string, unknown>)['timeout'] : undefined, d.func_info.timeout);
      compare('instance_id', o['instance_id'], d.instance_id);
      // FunctionGraph reports the group's domain whether or not it was given: compared only when the file sets it.
      if (d.sl_domain !== undefined) compare('sl_domain', o['sl_domain'], d.sl_domain);
      break;
    }
    case 'CTS': {
      const d = desired.event_data;
      compare('name', o['name'], d.name);
      const operations = Array.isArray(o['operations']) ? [...(o['operations'] as unknown[])].map(String).sort().join(',') : o['operations'];
      compare('operations', operations, [...d.operations].sort().join(','));
      break;
    }
  }
  return differences;
}

/** Absent and null read as empty; numbers sent as strings (`"60000"`) read as numbers do. */
function normalise(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * `warden remove`: every function this service and stage's deploys created (and only those: package, marker
 * and name must all say so), each trigger deleted first (one call each), then the function, by its URN without
 * version. `only` narrows it to some functions (serverless.yml keys).
 */
export function planRemove(observed: ObservedRegion, owner: Owner & { readonly region: string }, only?: readonly string[]): DeployPlan {
  const actions: DeployAction[] = [];
  const notes: string[] = [];
  const prefix = functionNameOf(owner.service, owner.stage, '');
  for (const fn of observed.functions) {
    const key = ownedFunctionKey(fn, owner);
    if (key === undefined) {
      if (fn.func_name.startsWith(prefix)) notes.push(`${fn.func_name} has this service and stage's name prefix but no warden marker for them: not warden's, not touched`);
      continue;
    }
    if (only && !only.includes(key)) continue;
    const urn = latestUrn(fn.func_urn);
    for (const trigger of triggersOf(observed, fn)) {
      const name = typeof trigger.event_data['name'] === 'string' ? trigger.event_data['name'] : trigger.trigger_id;
      actions.push({
        kind: 'delete-trigger',
        function: key,
        target: `${fn.func_name} ${trigger.trigger_type_code} ${name}`,
        functionUrn: urn,
        triggerType: trigger.trigger_type_code,
        triggerId: trigger.trigger_id,
        reason: 'remove',
      });
    }
    actions.push({ kind: 'delete-function', function: key, target: fn.func_name, functionUrn: unversionedUrn(fn.func_urn), reason: 'remove' });
  }
  for (const key of only ?? []) {
    if (!actions.some((action) => action.function === key)) notes.push(`${functionNameOf(owner.service, owner.stage, key)}: not deployed by warden here; nothing to remove`);
  }
  return { service: owner.service, stage: owner.stage, region: owner.region, actions, upToDate: [], conflicts: [], notes };
}

/** The plan as report actions, every one with `status` ("planned" for `--plan`). */
export function planActions(plan: DeployPlan, status: ActionStatus = 'planned'): ReportAction[] {
  return plan.actions.map((action) => ({ kind: action.kind, target: action.target, status, reason: action.reason }));
}

/** The plan as `--plan` prints it, function by function and trigger by trigger. */
export function describePlan(plan: DeployPlan): string {
  const lines = [`${plan.service} (stage ${plan.stage}) in ${plan.region}:`];
  for (const conflict of plan.conflicts) lines.push(`  refused  ${conflict}`);
  for (const action of plan.actions) lines.push(`  ${action.kind.padEnd(21)} ${action.target}: ${action.reason}`);
  for (const name of plan.upToDate) lines.push(`  up to date            ${name}`);
  if (plan.actions.length === 0 && plan.conflicts.length === 0) lines.push('  up to date: nothing to change');
  for (const note of plan.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

/** A FunctionGraph call that failed, as the client reports it (HwcError's fields). */
export interface CallFailure {
  readonly operation: string;
  readonly status: number;
  readonly errorCode: string;
  readonly errorMsg: string;
}

/**
 * The report of an apply that made the plan's calls in order and stopped at the first failure (the calls after
 * it may depend on it: a trigger on a function whose creation failed). Applied up to `done`, the failing call
 * failed with the call and the cloud's error code, the rest deferred to the next run, which plans them again.
 */
export function appliedActions(plan: DeployPlan, done: number, failure?: CallFailure): ReportAction[] {
  return plan.actions.map((action, index): ReportAction => {
    if (index < done) return { kind: action.kind, target: action.target, status: 'applied', reason: action.reason };
    if (failure && index === done) {
      return { kind: action.kind, target: action.target, status: 'failed', reason: `${failure.operation} answered ${failure.status} ${failure.errorCode}: ${failure.errorMsg}` };
    }
    const stoppedAt = plan.actions[done];
    return { kind: action.kind, target: action.target, status: 'deferred', reason: `not reached: the deploy stopped at ${stoppedAt ? `${stoppedAt.kind} ${stoppedAt.target}` : 'an earlier call'}; run it again` };
  });
}
