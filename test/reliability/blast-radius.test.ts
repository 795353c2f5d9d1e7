import { afterEach, describe, expect, it } from 'vitest';
import { startCloud } from '../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../local/cloud/index.ts';
import type { FunctionReport } from '../../shared/runtime/report.ts';
import { context, createFunction, envFor, GUARD_ENV, guardFixture, kid, NOW, pruneFixture, runUntilSettled, snapshot, TAG_ENV, tagFixture, thirtyPercentFaults, timerEvent } from './support.ts';

/**
 * Blast radius: default keys are never modified, keys outside policy (aliases that almost match a protected
 * glob, protect tags that are not "true") are left pending, and a prune never deletes more than its cap,
 * with thousands of orphans and 30% faults.
 */

const clouds: LocalCloud[] = [];
afterEach(async () => {
  await Promise.all(clouds.splice(0).map((c) => c.close()));
});
async function cloudOf(fixture: Fixture, seed?: number): Promise<LocalCloud> {
  const cloud = await startCloud({ port: 0, fixture, ...(seed === undefined ? {} : { faults: thirtyPercentFaults(seed) }) });
  clouds.push(cloud);
  return cloud;
}

type KeyView = { id: string; alias: string; state: string; description: string; tags: Record<string, string> };
const keysOf = (cloud: LocalCloud) => (snapshot(cloud) as { keys: KeyView[] }).keys;
const byId = (cloud: LocalCloud, id: string) => keysOf(cloud).find((k) => k.id === id);

describe('blast radius', () => {
  it('tag and guard sweeps, under faults, never touch default keys or keys outside policy', async () => {
    const fixture: Fixture = { ...guardFixture(2), keys: [...(guardFixture(2).keys ?? []), ...(tagFixture(4).keys ?? [])] };
    const cloud = await cloudOf(fixture, 5);
    const before = new Map(keysOf(cloud).map((k) => [k.id, k]));
    const env = envFor(cloud, { ...TAG_ENV, ...GUARD_ENV });
    for (const fn of ['tag-new-keys', 'guard-key-deletion'] as const) {
      const settled = await runUntilSettled(createFunction(fn, { env, now: () => NOW, logSink: () => undefined }), 20);
      expect(settled.settled).toBe(true);
    }
    const untouched = [
      kid(500, 'b'), // prod-kms/default: protected by tag and glob, pending, but a default key
      kid(103, 't'), // kms/default
      kid(104, 't'), // csms/default (flag)
      ...[0, 1, 2, 3, 4, 5].map((i) => kid(300 + i, 'b')), // prod, Prod-x, xprod-1, prod_1, pro-d, production
      kid(400, 'b'), // deletion-protection=false
      kid(401, 'b'), // deletion-protection=yes
    ];
    for (const id of untouched) {
      const was = before.get(id);
      const now = byId(cloud, id);
      // Guard's sweep leaves them alone; tag's sweep skips pending keys; the default keys are never tagged.
      if (was?.state === '4') expect(now).toEqual(was);
      else expect({ ...now, tags: {} }).toEqual({ ...was, tags: {} });
      if (was?.alias.endsWith('/default')) expect(now).toEqual(was);
    }
    // And the near-miss pending keys were seen and explained, not silently ignored.
    expect(byId(cloud, kid(100, 'b'))?.state).toBe('2'); // prod-0: protected by the glob, cancelled and re-enabled
  });

  it('3,000 orphaned events, a cap of 25, 30% faults: exactly 25 deletions per run, the rest deferred', async () => {
    const cloud = await cloudOf(pruneFixture(3000), 9);
    const handler = createFunction('prune-orphan-events', {
      env: envFor(cloud, { WARDEN_MAX_DELETIONS: '25', WARDEN_KEEP_EVENTS: 'keep-*' }),
      now: () => NOW,
      logSink: () => undefined,
    });
    const count = () => (snapshot(cloud) as { events: string[] }).events.length;
    const start = count();
    let report: FunctionReport | undefined;
    for (let attempt = 0; attempt < 5 && report === undefined; attempt++) {
      report = (await handler(timerEvent(), context()).catch(() => undefined)) as FunctionReport | undefined; // a listing may fail after its retries
    }
    expect(report).toBeDefined();
    const deleted = start - count();
    expect(deleted).toBeLessThanOrEqual(25);
    expect(report?.counts.deferred).toBe(3001 - 25); // 3,000 orphans + "keepsake", minus the cap
    expect(deleted).toBe(report?.actions.filter((a) => a.status === 'applied' || a.reason === 'already deleted').length);
    // The oldest go first.
    const gone = report?.actions.filter((a) => a.status === 'applied').map((a) => a.target) ?? [];
    for (const name of gone) expect(Number(name.slice('orphan-'.length))).toBeGreaterThanOrEqual(3000 - 26);
  });
});
