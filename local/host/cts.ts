import type { CtsTrace } from '../cloud/index.ts';
import { parseOperation, matches } from '../cloud/functiongraph/cts-operations.ts';
import type { CtsOperation } from '../cloud/functiongraph/cts-operations.ts';
import type { HostedFunction } from './functions.ts';

export { LoopGuard, matches, operationOf, parseOperation } from '../cloud/functiongraph/cts-operations.ts';
export type { CtsOperation } from '../cloud/functiongraph/cts-operations.ts';

/**
 * CTS triggers: a trace fires every function with an operation `SERVICE:resourceType:traceName` matching it.
 * As in FunctionGraph, an operation's resource types and trace names may list alternatives with `;`
 * (`KMS:cmk:createKey;scheduleKeyDeletion`).
 */

export interface CtsSubscription {
  readonly fn: HostedFunction;
  readonly name: string;
  readonly operations: readonly CtsOperation[];
}

export function ctsSubscriptions(functions: readonly HostedFunction[]): CtsSubscription[] {
  const subscriptions: CtsSubscription[] = [];
  for (const fn of functions) {
    for (const trigger of fn.triggers) {
      if (trigger.triggerTypeCode !== 'CTS') continue;
      subscriptions.push({ fn, name: trigger.eventData.name ?? fn.name, operations: trigger.eventData.operations.map(parseOperation) });
    }
  }
  return subscriptions;
}

/** The subscriptions a trace fires: at most once per function, even if several of its triggers match. */
export function subscribersOf(subscriptions: readonly CtsSubscription[], trace: CtsTrace): CtsSubscription[] {
  const seen = new Set<string>();
  return subscriptions.filter((subscription) => {
    if (seen.has(subscription.fn.name) || !subscription.operations.some((op) => matches(op, trace))) return false;
    seen.add(subscription.fn.name);
    return true;
  });
}
