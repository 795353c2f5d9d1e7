import { afterEach, describe, expect, it } from 'vitest';
import { startCloud } from '../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../local/cloud/index.ts';
import type { FunctionReport } from '../../shared/runtime/report.ts';
import {
  checkFixture,
  context,
  createFunction,
  envFor,
  GUARD_ENV,
  guardFixture,
  NOW,
  PRUNE_ENV,
  pruneFixture,
  runUntilSettled,
  snapshot,
  TAG_ENV,
  tagFixture,
  timerEvent,
} from './support.ts';
import type { FunctionName } from './support.ts';

/**
 * Time limits: when the context's remaining time drops under the safety margin mid-run, a function takes no
 * new work, reports what it did and what it deferred, and the next run finishes the rest: the end state is
 * the one an unhurried run reaches.
 */

const clouds: LocalCloud[] = [];
afterEach(async () => {
  await Promise.all(clouds.splice(0).map((c) => c.close()));
});

async function cloudOf(fixture: Fixture): Promise<LocalCloud> {
  const cloud = await startCloud({ port: 0, fixture });
  clouds.push(cloud);
  return cloud;
}

const MUTATING: Record<FunctionName, string> = {
  'tag-new-keys': 'kms.batchCreateKmsTags',
  'guard-key-deletion': 'kms.cancelKeyDeletion',
  'prune-orphan-events': 'csms.deleteSecretEvent',
  'check-restorable': 'csbs.checkRestorable',
};

const CASES: Array<{ fn: FunctionName; fixture: () => Fixture; env: Record<string, string>; after: number }> = [
  { fn: 'tag-new-keys', fixture: () => tagFixture(20), env: TAG_ENV, after: 5 },
  { fn: 'guard-key-deletion', fixture: () => guardFixture(5), env: GUARD_ENV, after: 4 },
  { fn: 'prune-orphan-events', fixture: () => pruneFixture(25), env: { ...PRUNE_ENV, WARDEN_MAX_DELETIONS: '50' }, after: 6 },
  { fn: 'check-restorable', fixture: () => checkFixture(35), env: {}, after: 1 },
];

describe('a run that nears its time limit', () => {
  for (const c of CASES) {
    it(`${c.fn}: stops taking work after the limit nears, reports done + deferred, the next run finishes`, async () => {
      const reference = await cloudOf(c.fixture());
      const cloud = await cloudOf(c.fixture());
      const options = (target: LocalCloud) => ({ env: envFor(target, { ...c.env, WARDEN_CONCURRENCY: '1' }), now: () => NOW, logSink: () => undefined });
      if (c.fn === 'check-restorable') return checkReadOnly(c, options(cloud));
      const settledReference = await runUntilSettled(createFunction(c.fn, options(reference)));
      expect(settledReference.settled).toBe(true);

      const handler = createFunction(c.fn, options(cloud));
      const made = () => cloud.stats.byOperation[MUTATING[c.fn]] ?? 0;
      // 60 s left until `after` changes were sent, then 1 s: under the 5 s safety margin.
      const short = context(() => (made() < c.after ? 60_000 : 1_000));
      const first = (await handler(timerEvent(), short)) as FunctionReport;
      expect(made()).toBe(c.after); // nothing new begun once time ran short (concurrency 1)
      expect(first.counts.deferred).toBeGreaterThan(0);
      expect(first.counts.applied).toBeGreaterThan(0);
      expect(first.counts.failed).toBe(0);
      for (const action of first.actions.filter((a) => a.status === 'deferred')) expect(action.reason).toMatch(/out of time|over the cap/);

      const rest = await runUntilSettled(handler);
      expect(rest.settled).toBe(true);
      expect(snapshot(cloud)).toEqual(snapshot(reference));
      // Every change the unhurried run made was reported applied in exactly one of the hurried runs.
      const applied = (reports: readonly FunctionReport[]) => reports.flatMap((r) => r.actions.filter((a) => a.status === 'applied').map((a) => `${a.kind} ${a.target}`)).sort();
      expect(applied([first, ...rest.reports])).toEqual(applied(settledReference.reports));
    });
  }

  /** check-restorable changes nothing: the next run checks (again) every server, the deferred ones included. */
  async function checkReadOnly(c: (typeof CASES)[number], options: Parameters<typeof createFunction>[1]): Promise<void> {
    const cloud = clouds[clouds.length - 1] as LocalCloud;
    const handler = createFunction(c.fn, options);
    const made = () => cloud.stats.byOperation[MUTATING[c.fn]] ?? 0;
    const first = (await handler(timerEvent(), context(() => (made() < c.after ? 60_000 : 1_000)))) as FunctionReport;
    expect(made()).toBe(c.after);
    const deferred = first.actions.filter((a) => a.status === 'deferred').map((a) => a.target);
    expect(deferred.length).toBeGreaterThan(0);
    expect(first.counts.applied).toBe(10); // one batch of 10 servers checked
    const next = (await handler(timerEvent(), context())) as FunctionReport;
    expect(next.counts.deferred).toBe(0);
    const checked = new Set(next.actions.filter((a) => a.status === 'applied').map((a) => a.target));
    for (const server of deferred) expect(checked.has(server)).toBe(true);
  }

  it('a run that starts already out of time does nothing and defers everything', async () => {
    const cloud = await cloudOf(pruneFixture(5));
    const handler = createFunction('prune-orphan-events', { env: envFor(cloud, PRUNE_ENV), now: () => NOW, logSink: () => undefined });
    const report = (await handler(timerEvent(), context(() => 100))) as FunctionReport;
    expect(report.counts.applied).toBe(0);
    expect(report.counts.deferred).toBe(6); // 5 old orphans + "keepsake"
    expect(cloud.stats.byOperation['csms.deleteSecretEvent'] ?? 0).toBe(0);
  });
});
