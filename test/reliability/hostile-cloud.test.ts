import { describe, expect, it } from 'vitest';
import { HOSTILE_KINDS, PAGINATION_KINDS, startCloud } from '../../local/cloud/index.ts';
import type { HostileKind } from '../../local/cloud/index.ts';
import { HuaweiCloud, HwcError } from '../../shared/hwc/index.ts';
import type { FunctionReport } from '../../shared/runtime/report.ts';
import { collect } from '../shared/hwc/support.ts';
import { context, createFunction, envFor, GUARD_ENV, guardFixture, HOSTILE_MODES, HOSTILE_SCENARIOS, hostileRun, NOW, PRUNE_ENV, pruneFixture, snapshot, timerEvent } from './support.ts';

/**
 * Hostile cloud answers: malformed JSON, 200 with an error body, `{}`, an HTML 400, answers with their fields
 * missing or of the wrong types, states no document lists, pages without their pagination fields, with a cursor
 * already used, or cut short; and pages smaller than asked. Each is an error naming the operation (or a
 * failure naming the value); no wrong action follows, and nothing is missed.
 */

describe('the client meets a hostile answer', () => {
  const expected: Record<HostileKind, RegExp> = {
    'malformed-json': /^kms\.listKeys failed with HTTP 200 WARDEN\.INVALID_RESPONSE: the response body is not valid JSON/,
    'error-200': /^kms\.listKeys failed with HTTP 200 APIGW\.0308: injected: an error answered with 200/,
    'empty-200': /^kms\.listKeys failed with HTTP 200 WARDEN\.INVALID_RESPONSE: unexpected response: key_details: /,
    'odd-4xx': /^kms\.listKeys failed with HTTP 400/,
    'missing-fields': /^kms\.listKeys failed with HTTP 200 WARDEN\.INVALID_RESPONSE: unexpected response: key_details\.0\.key_id: required/,
    'unexpected-state': /./,
    'wrong-types': /^kms\.listKeys failed with HTTP 200 WARDEN\.INVALID_RESPONSE: unexpected response: /,
    'missing-pagination': /^kms\.listKeys failed with HTTP 200 WARDEN\.INCOMPLETE_LISTING: listing ended without truncated after a full page$/,
    'repeated-cursor': /^kms\.listKeys failed with HTTP 200 WARDEN\.INCOMPLETE_LISTING: the next page's marker "2" was already read: the listing loops$/,
    'truncated-page': /^kms\.listKeys failed with HTTP 200 WARDEN\.INCOMPLETE_LISTING: the page at marker 0 holds 1 items but names 2 as the next: items would be skipped$/,
  };
  for (const kind of HOSTILE_KINDS) {
    it(`${kind}: a clear error naming the operation (or, for unknown states, the state read as given)`, async () => {
      const cloud = await startCloud({ port: 0, faults: { rate: { [kind]: 1 }, operations: ['kms.listKeys'] } });
      const client = HuaweiCloud.fromEnv(envFor(cloud));
      try {
        // Two keys a page: the default fixture's five keys take three.
        const listing = collect(client.kms.listKeys({ key_spec: 'ALL', limit: 2 }));
        if (kind === 'unexpected-state') {
          expect((await listing).map((key) => key.key_state)).toEqual(['99', '99', '99', '99', '99']);
        } else {
          const error = await listing.then(() => undefined, (e: unknown) => e);
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

describe('no wrong action follows a hostile answer, and nothing is missed', () => {
  for (const scenario of HOSTILE_SCENARIOS) {
    for (const mode of HOSTILE_MODES) {
      it(`${scenario.name} sweep, ${mode === 'capped-pages' ? 'pages smaller than asked' : `30% ${mode} on every call`}`, async () => {
        const result = await hostileRun(scenario, mode, 11);
        if (mode !== 'capped-pages') expect(result.injected).toBeGreaterThan(0);
        expect(result.misses).toEqual([]);
        expect(result.wrongChanges).toEqual([]);
        expect(result.unclear).toEqual([]);
      });
    }
  }

  for (const kind of HOSTILE_KINDS) {
    it(`prune deletes nothing when the secrets listing is ${kind}`, async () => {
      // Two secrets a page, so that a cursor can repeat.
      const cloud = await startCloud({ port: 0, fixture: pruneFixture(), variants: { pageCap: 2 }, faults: { rate: { [kind]: 1 }, operations: ['csms.listSecrets'] } });
      try {
        const handler = createFunction('prune-orphan-events', { env: envFor(cloud, PRUNE_ENV), now: () => NOW, logSink: () => undefined });
        const before = snapshot(cloud);
        const report = (await handler(timerEvent(), context())) as FunctionReport;
        expect(report.actions).toEqual([
          expect.objectContaining({
            kind: 'sweep',
            target: 'csms.listSecrets',
            status: 'failed',
            reason: expect.stringMatching(/^(WARDEN\.INVALID_RESPONSE|WARDEN\.INCOMPLETE_LISTING|APIGW\.0308|HTTP 400): |^4 secret\(s\) in a state not understood /),
          }),
        ]);
        expect(cloud.stats.byOperation['csms.deleteSecretEvent'] ?? 0).toBe(0);
        expect(snapshot(cloud)).toEqual(before);
      } finally {
        await cloud.close();
      }
    });

    // missing-fields empties only tag entries: a key without tags gets a valid `tags: []`, and its alias or
    // a secret's use may protect it rightly; an unexpected state leaves tags alone; ShowKmsTags is no listing.
    // Those cases are covered by the sweeps above.
    if (kind === 'missing-fields' || kind === 'unexpected-state' || PAGINATION_KINDS.has(kind)) continue;
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
