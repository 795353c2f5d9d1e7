import type { FunctionGraphApi } from '../shared/hwc/functiongraph.ts';
import type { FunctionConfig, Trigger } from '../shared/hwc/functiongraph-model.ts';
import { latestUrn, ownedFunctionKey, packageOf } from './naming.ts';
import type { Owner } from './naming.ts';
import type { ObservedFunction, ObservedRegion, ObservedTrigger } from './observed.ts';

/**
 * What a region holds for a service, read before deploy plans: every function of the service's FunctionGraph
 * package (ListFunctions with `package_name`, every page; the client's listing proves it is complete, or fails
 * with WARDEN.INCOMPLETE_LISTING, so a function deploy did not see can never be planned as missing), and the
 * triggers (ListFunctionTriggers) of each function this service and stage own. Someone else's function is
 * listed but its triggers are not read: deploy never touches them.
 */
const TRIGGER_READS = 8;

export async function observeRegion(fg: FunctionGraphApi, owner: Owner, options: { readonly signal?: AbortSignal } = {}): Promise<ObservedRegion> {
  const pkg = packageOf(owner.service);
  const functions: ObservedFunction[] = [];
  for await (const fn of fg.listFunctions({ package_name: pkg }, options)) functions.push(observedFunction(fn));

  // Up to TRIGGER_READS at a time: an unchanged redeploy is these reads and nothing else, one round trip each.
  const owned = functions.filter((fn) => ownedFunctionKey(fn, owner) !== undefined);
  const triggers = new Map<string, readonly ObservedTrigger[]>();
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < owned.length) {
      const fn = owned[next++] as ObservedFunction;
      const listed = await fg.listFunctionTriggers({ function_urn: latestUrn(fn.func_urn) }, options);
      triggers.set(fn.func_name, listed.map(observedTrigger));
    }
  };
  await Promise.all(Array.from({ length: Math.min(TRIGGER_READS, owned.length) }, reader));
  return { functions, triggers };
}

function observedFunction(fn: FunctionConfig): ObservedFunction {
  return {
    func_name: fn.func_name,
    func_urn: fn.func_urn,
    package: fn.package,
    runtime: fn.runtime,
    handler: fn.handler,
    memory_size: Number(fn.memory_size),
    timeout: Number(fn.timeout),
    digest: fn.digest,
    code_size: Number(fn.code_size),
    code_type: fn.code_type,
    description: fn.description,
    xrole: fn.xrole,
    user_data: fn.user_data,
    encrypted_user_data: fn.encrypted_user_data,
    last_modified: fn.last_modified,
  };
}

function observedTrigger(trigger: Trigger): ObservedTrigger {
  return {
    trigger_id: trigger.trigger_id,
    trigger_type_code: trigger.trigger_type_code,
    trigger_status: trigger.trigger_status,
    event_data: trigger.event_data as Readonly<Record<string, unknown>>,
    created_time: trigger.created_time,
    last_updated_time: trigger.last_updated_time,
  };
}
