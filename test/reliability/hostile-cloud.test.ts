import { describe, expect, it } from 'vitest';
import { HOSTILE_KINDS, startCloud } from '../../local/cloud/index.ts';
import type { HostileKind } from '../../local/cloud/index.ts';
import { HuaweiCloud, HwcError } from '../../shared/hwc/index.ts';
import type { FunctionReport } from '../../shared/runtime/report.ts';
import { context, createFunction, envFor, GUARD_ENV, guardFixture, hostileRun, NOW, PRUNE_ENV, pruneFixture, SCENARIOS, snapshot, timerEvent } from './support.ts';

/**
 * Hostile cloud answers: malformed JSON, 200 with an error body, `{}`, an HTML 400, answers with their fields
 * missing, states no document lists. Each is an error naming the operation; no wrong action follows.
 */

describe('the client meets a hostile answer', () => {
  const expected: Record<HostileKind, RegExp> = {
    'malformed-json': /^kms\.listKeys failed with HTTP 200 WARDEN\.INVALID_RESPONSE: the response body is not valid JSON/,
    'error-200': /^kms\.listKeys failed with HTTP 200 APIGW\.0308: injected: an error answered with 200/,
    'empty-200': /^kms\.listKeys failed with HTTP 200 WARDEN\.INVALID_RESPONSE: unexpected response: key_details: /,
    'odd-4xx': /^kms\.listKeys failed with HTTP 400/,
    'missing-fields': /^kms\.listKeys failed with HTTP 200 WARDEN\.INVALID_RESPONSE: unexpected response: key_details\.0\.key_id: required/,
    'unexpected-state': /./,
  };
  for (const kind of HOSTILE_KINDS) {
    it(`${kind}: a clear error naming the operation (or, for unknown states, the state read as given)`, async () => {
      const cloud = await startCloud({ port: 0, faults: { rate: { [kind]: 1 }, operations: ['kms.listKeys'] } });
      const client = HuaweiCloud.fromEnv(envFor(cloud));
      try {
        const page = client.kms.listKeysPage({ key_spec: 'ALL' });
        if (kind === 'unexpected-state') {
          const keys = (await page).keys ?? [];
          expect(keys.length).toBeGreaterThan(0);
        } else {
          const error = await page.then(() => undefined, (e: unknown) => e);
          expect(error).toBeInstanceOf(HwcError);
          expect((error as HwcError).operation).toBe('kms.listKeys');
          expect((error as HwcError).message).toMatch(expected[kind]);
          expect((error as HwcError).attempts).toBe(1); // a garbled answer is not retried as if it were a 5xx
        }
      } finally {
        await client.close();
        await cloud.close();
      }
    });
  }
});

describe('no wrong action follows a hostile answer', () => {
  for (const scenario of SCENARIOS) {
    for (const kind of HOSTILE_KINDS) {
      it(`${scenario.name} sweep, 30% ${kind} on every call`, async () => {
        const result = await hostileRun(scenario, kind, 11);
        expect(result.injected).toBeGreaterThan(0);
        expect(result.wrongChanges).toEqual([]);
        expect(result.unclear).toEqual([]);
      });
    }
  }

  for (const kind of HOSTILE_KINDS.filter((k) => k !== 'unexpected-state')) {
    it(`prune deletes nothing when the secrets listing is ${kind}`, async () => {
      const cloud = await startCloud({ port: 0, fixture: pruneFixture(), faults: { rate: { [kind]: 1 }, operations: ['csms.listSecrets'] } });
      try {
        const handler = createFunction('prune-orphan-events', { env: envFor(cloud, PRUNE_ENV), now: () => NOW, logSink: () => undefined });
        const before = snapshot(cloud);
        const report = (await handler(timerEvent(), context())) as FunctionReport;
        expect(report.actions).toEqual([
          expect.objectContaining({ kind: 'sweep', target: 'csms.listSecrets', status: 'failed', reason: expect.stringMatching(/^(WARDEN\.INVALID_RESPONSE|APIGW\.0308|HTTP 400): /) }),
        ]);
        expect(cloud.stats.byOperation['csms.deleteSecretEvent'] ?? 0).toBe(0);
        expect(snapshot(cloud)).toEqual(before);
      } finally {
        await cloud.close();
      }
    });

    // missing-fields empties only tag entries: a key without tags gets a valid `tags: []`, and its alias or
    // a secret's use may protect it rightly. That case is covered by the sweep above.
    if (kind === 'missing-fields') continue;
    it(`guard neither cancels nor tags a key whose tag listing is ${kind}`, async () => {
      const cloud = await startCloud({ port: 0, fixture: guardFixture(2), faults: { rate: { [kind]: 1 }, operations: ['kms.showKmsTags', 'kms.listKmsByTags'] } });
      try {
        const handler = createFunction('guard-key-deletion', { env: envFor(cloud, GUARD_ENV), now: () => NOW, logSink: () => undefined });
        const before = snapshot(cloud);
        const report = (await handler(timerEvent(), context())) as FunctionReport;
        for (const op of ['kms.cancelKeyDeletion', 'kms.batchCreateKmsTags', 'kms.enableKey']) expect(cloud.stats.byOperation[op] ?? 0).toBe(0);
        expect(snapshot(cloud)).toEqual(before);
        expect(report.counts.applied).toBe(0);
        expect(report.counts.failed).toBeGreaterThan(0);
        for (const a of report.actions.filter((x) => x.status === 'failed')) expect(a.reason).toMatch(/^(APIGW\.0308|WARDEN\.INVALID_RESPONSE|HTTP 400): /);
      } finally {
        await cloud.close();
      }
    });
  }
});
