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

describe('known limitation (decided, see RELIABILITY.md)', () => {
  // guard-key-deletion cancels first, then writes the audit tag, then re-enables. When the cancel succeeds but
  // the tag or the re-enable fails on every retry, the key is safe (no longer pending deletion) and the run
  // reports the follow-up `failed` (and says so over SMN), but no later sweep comes back to it: sweeps list
  // keys pending deletion only, and the API cannot filter keys by a tag key alone to find them. Writing the
  // tag first was tried and rejected: a cancel that then fails would leave a tag claiming a cancel that never
  // happened. Found by the soak with 2 attempts per call; with the default 4 attempts it needs four failures
  // in a row of one call. This test documents the gap: it fails until a later design closes it.
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
