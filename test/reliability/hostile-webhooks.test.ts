import { describe, expect, it } from 'vitest';
import { FUZZ_CATEGORIES, fuzzFunctions } from './hostile-webhooks.ts';

/**
 * Hostile webhooks: fuzzed APIG requests at every function (malformed JSON, wrong types, huge bodies, deep
 * nesting, unicode, prototype-pollution keys, missing / expired / future / replayed / forged / malformed
 * signatures, broken envelopes, query parameters such as `?dryRun=true` on bodies that would otherwise run,
 * dry-run choices that are not a top-level JSON boolean). Each gets a 4xx with `{"error":{"code","message"}}`;
 * the cloud hears nothing and nothing changes. 500 per function here (2,000); `npm run soak` sends 10,000 per function.
 */

describe('hostile webhooks', () => {
  it('refuses 2,000 fuzzed requests across the four functions with a clear 4xx, and does nothing', async () => {
    const tally = await fuzzFunctions(7, 500);
    expect(tally.problems.slice(0, 10)).toEqual([]);
    expect(tally.cases).toBeGreaterThanOrEqual(2000);
    expect(Object.keys(tally.byStatus).every((status) => /^4\d\d$/.test(status))).toBe(true);
    expect(Object.keys(tally.byCategory).sort()).toEqual([...FUZZ_CATEGORIES].sort());
    expect(tally.cloudRequests).toBe(0);
    expect(tally.stateChanged).toBe(false);
  });
});

describe('a replayed webhook', () => {
  it('is refused (401 replayed) after the original was acted on, and does nothing', async () => {
    const { startCloud } = await import('../../local/cloud/index.ts');
    const { apigEnvelope } = await import('./fuzz.ts');
    const { signWebhook } = await import('../../shared/runtime/webhook-auth.ts');
    const { context, createFunction, envFor, NOW, PRUNE_ENV, pruneFixture, WEBHOOK_SECRET } = await import('./support.ts');
    const cloud = await startCloud({ port: 0, fixture: pruneFixture(3) });
    try {
      const handler = createFunction('prune-orphan-events', { env: envFor(cloud, PRUNE_ENV), now: () => NOW, logSink: () => undefined });
      const event = apigEnvelope('', { 'x-warden-signature': signWebhook('', WEBHOOK_SECRET) });
      const first = (await handler(event, context())) as { statusCode: number };
      expect(first.statusCode).toBe(200);
      const calls = cloud.stats.requests;
      const again = (await handler(structuredClone(event), context())) as { statusCode: number; body: string };
      expect(again.statusCode).toBe(401);
      expect(JSON.parse(again.body)).toEqual({ error: { code: 'replayed', message: 'signature was already used' } });
      expect(cloud.stats.requests).toBe(calls);
    } finally {
      await cloud.close();
    }
  });
});
