import { ownedFunctionKey } from './naming.ts';
import type { Owner } from './naming.ts';
import type { ObservedRegion } from './observed.ts';

/**
 * `warden info`: what this service and stage has deployed in a region (its own functions only, as deploy
 * recognises them), each with its triggers, when it last changed, and whether its code is the local build's.
 */

export interface DeployedFunction {
  /** serverless.yml key. */
  readonly function: string;
  readonly func_name: string;
  readonly last_modified: string;
  /** `same` as the local build, `differs`, or `no local build` (not in serverless.yml, or not built). */
  readonly code: 'same' | 'differs' | 'no local build';
  readonly digest: string;
  /** `TIMER warden-tag-sweep (ACTIVE)`. */
  readonly triggers: readonly string[];
}

export function deployedFunctions(observed: ObservedRegion, owner: Owner, localDigests: Readonly<Record<string, string>>): DeployedFunction[] {
  const rows: DeployedFunction[] = [];
  for (const fn of observed.functions) {
    const key = ownedFunctionKey(fn, owner);
    if (key === undefined) continue;
    const local = localDigests[key];
    rows.push({
      function: key,
      func_name: fn.func_name,
      last_modified: fn.last_modified ?? '',
      code: local === undefined ? 'no local build' : local === fn.digest ? 'same' : 'differs',
      digest: fn.digest,
      triggers: (observed.triggers.get(fn.func_name) ?? []).map((t) => `${t.trigger_type_code} ${typeof t.event_data['name'] === 'string' ? t.event_data['name'] : t.trigger_id} (${t.trigger_status})`),
    });
  }
  return rows;
}

export function describeDeployed(region: string, rows: readonly DeployedFunction[]): string {
  if (rows.length === 0) return `${region}: nothing deployed`;
  const lines = [`${region}:`];
  for (const row of rows) {
    lines.push(`  ${row.func_name}  code ${row.digest.slice(0, 12)}… (${row.code === 'same' ? 'same as the local build' : row.code === 'differs' ? 'differs from the local build' : 'no local build'})  last modified ${row.last_modified || '(unknown)'}`);
    for (const trigger of row.triggers) lines.push(`    ${trigger}`);
  }
  return lines.join('\n');
}
