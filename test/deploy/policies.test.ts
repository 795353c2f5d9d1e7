import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agencyPolicies } from '../../deploy/policies.ts';
import { service } from './support.ts';

/** README's agency policies are what serverless.yml declares, function by function. */

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

function readmePolicies(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const match of README.matchAll(/<!-- agency policy: ([a-z-]+) -->[^`]*`[a-z-]+`\s*```json\n([^`]+)```/g)) out[match[1] as string] = JSON.parse(match[2] as string);
  return out;
}

describe('agency policies', () => {
  it("README shows each function's policy exactly as custom.permissions declares it", () => {
    const declared = agencyPolicies(service());
    expect(Object.keys(declared)).toEqual(['tag-new-keys', 'guard-key-deletion', 'prune-orphan-events', 'check-restorable']);
    expect(readmePolicies()).toEqual(declared);
  });

  it('an IAM custom policy: version 1.1, one Allow statement of the actions', () => {
    expect(agencyPolicies(service())['prune-orphan-events']).toEqual({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['csms:event:list', 'csms:event:delete', 'csms:secret:list', 'smn:topic:publish'] }] });
  });
});
