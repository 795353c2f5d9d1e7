import { describe, expect, it } from 'vitest';
import { convergence, SCENARIOS } from './support.ts';

/**
 * Faults converge: each sweep, run repeatedly under 30% faults (429, 500, 502, 504, resets; before and after
 * the change), ends in exactly the state fault-free runs reach, applies nothing more often, and reports every
 * change applied or failed. A few seeds here; `npm run soak` runs 20.
 */

const SEEDS = [1, 2, 3];

describe('sweeps converge under 30% faults', () => {
  for (const scenario of SCENARIOS) {
    for (const seed of SEEDS) {
      it(`${scenario.name}, seed ${seed}`, async () => {
        const result = await convergence(scenario, seed);
        expect(result.problems).toEqual([]);
        expect(result.faultsInjected).toBeGreaterThan(0);
      });
    }
  }
});

describe('known gaps (handed to the owner of functions/guard-key-deletion.ts)', () => {
  // TODO(bug, functions/guard-key-deletion.ts apply(): cancel, then audit tag, then enable): when the cancel
  // succeeds but the audit tag or the re-enable fails (every retry spent), the key is left disabled ("3")
  // without its audit tag, and no later run comes back to it: the sweep lists only keys pending deletion.
  // Found by the soak with 2 attempts per call (seeds 14, 15, 17 of 20). Fix: write the audit tag *before*
  // CancelKeyDeletion (and treat it as part of the plan), and let the sweep also finish keys that carry
  // `deletion-cancelled-at` but are still disabled when WARDEN_REENABLE_CANCELLED=true.
  it.fails('a re-enable or audit tag lost after a successful cancel is finished by the next run', async () => {
    const { startCloud } = await import('../../local/cloud/index.ts');
    const { context, createFunction, envFor, GUARD_ENV, kid, NOW, timerEvent, guardFixture } = await import('./support.ts');
    const cloud = await startCloud({ port: 0, fixture: { ...guardFixture(1), keys: (guardFixture(1).keys ?? []).slice(0, 1) } });
    try {
      const handler = createFunction('guard-key-deletion', { env: envFor(cloud, { ...GUARD_ENV, HUAWEICLOUD_RETRY_ATTEMPTS: '1' }), now: () => NOW, logSink: () => undefined });
      cloud.setFaults({ rate: { '500': 1 }, operations: ['kms.batchCreateKmsTags', 'kms.enableKey'] });
      await handler(timerEvent(), context());
      cloud.setFaults(undefined);
      await handler(timerEvent(), context());
      const key = cloud.state.keys.get(kid(0, 'b'));
      expect(key?.key_state).toBe('2');
      expect(key?.tags.get('deletion-cancelled-at')).toBe(NOW.toISOString());
    } finally {
      await cloud.close();
    }
  });
});
