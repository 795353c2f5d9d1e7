import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
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
      for (const action of first.actions.filter((a) => a.status === 'deferred')) expect(action.reason).toMatch(/out of time|over the cap|WARDEN\.DEADLINE/);

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

  it('a run that starts already out of time sends nothing and defers everything', async () => {
    const cloud = await cloudOf(pruneFixture(5));
    const handler = createFunction('prune-orphan-events', { env: envFor(cloud, PRUNE_ENV), now: () => NOW, logSink: () => undefined });
    const report = (await handler(timerEvent(), context(() => 100))) as FunctionReport;
    expect(report.counts).toMatchObject({ applied: 0, failed: 0 });
    expect(report.actions).toEqual([{ kind: 'sweep', target: expect.stringMatching(/^csms\./), status: 'deferred', reason: expect.stringContaining('WARDEN.DEADLINE: the deadline had passed: the call was not sent') }]);
    expect(cloud.stats.requests).toBe(0);
  });
});

/**
 * One deadline, passed down: a cloud slow to answer and an invocation with 1.5 s left (safety margin 0.5 s). The
 * calls the deadline cuts end at once, are reported deferred naming it, and are neither retried nor confirmed; no
 * call is begun after it but the SMN summary; the report is returned (before middy's last resort would answer).
 * Observed by order and counts: the cloud's arrivals are recorded in order, with the harness's "deadline reached"
 * log line among them.
 */
describe('a slow cloud and a short remaining time', () => {
  const MARGIN_MS = 500;
  const LEFT_MS = 1_500;
  const TOPIC = 'warden-alerts';

  interface SlowCase {
    readonly fn: FunctionName;
    readonly fixture: () => Fixture;
    readonly env: Record<string, string>;
    /** The call the cloud holds past the deadline, and the report's kind for it. */
    readonly slow: string;
    readonly kind: string;
  }
  const SLOW: readonly SlowCase[] = [
    { fn: 'tag-new-keys', fixture: () => tagFixture(12), env: TAG_ENV, slow: 'kms.batchCreateKmsTags', kind: 'tag' },
    { fn: 'guard-key-deletion', fixture: () => guardFixture(3), env: GUARD_ENV, slow: 'kms.cancelKeyDeletion', kind: 'cancel-deletion' },
    { fn: 'prune-orphan-events', fixture: () => pruneFixture(12), env: PRUNE_ENV, slow: 'csms.deleteSecretEvent', kind: 'delete-event' },
    { fn: 'check-restorable', fixture: () => checkFixture(35), env: {}, slow: 'csbs.checkRestorable', kind: 'check-restorable' },
  ];

  /** A started cloud with an SMN topic, closed when the test ends; its arrivals recorded in order into `order`. */
  async function slowCloud(fixture: Fixture, order: string[]): Promise<LocalCloud> {
    const cloud = await startCloud({ port: 0, fixture: { ...fixture, topics: [{ name: TOPIC }] } });
    onTestFinished(() => cloud.close());
    // The cloud counts each call as it arrives, before any latency: record the order of those counts.
    cloud.stats.byOperation = new Proxy(cloud.stats.byOperation, {
      set: (target, operation, value) => {
        order.push(String(operation));
        return Reflect.set(target, operation, value);
      },
    });
    return cloud;
  }

  function options(cloud: LocalCloud, c: Pick<SlowCase, 'env'>, order: string[]) {
    const { region, projectId } = cloud.identity;
    const env = envFor(cloud, { ...c.env, WARDEN_CONCURRENCY: '4', WARDEN_SMN_TOPIC_URN: `urn:smn:${region}:${projectId}:${TOPIC}` });
    const logSink = (line: string) => void (line.includes('deadline reached') && order.push('DEADLINE'));
    return { env, now: () => NOW, logSink, safetyMarginMs: MARGIN_MS };
  }

  /** A FunctionGraph context (its own getter name) whose time runs out `ms` from now. */
  function endingIn(ms: number): Record<string, unknown> {
    const end = Date.now() + ms;
    return { ...context(), getRemainingTimeInMilliSeconds: () => end - Date.now() };
  }

  for (const c of SLOW) {
    it.concurrent(`${c.fn}: the calls the deadline cuts are deferred naming it; nothing is sent after it but the summary`, async () => {
      const order: string[] = [];
      const cloud = await slowCloud(c.fixture(), order);
      // Held far past the invocation's end: every such call is still in flight when the deadline passes.
      cloud.setFaults({ latencyMs: 10_000, operations: [c.slow] });
      const report = (await createFunction(c.fn, options(cloud, c, order))(timerEvent(), endingIn(LEFT_MS))) as FunctionReport;

      expect(report.counts.failed).toBe(0);
      // Nothing applied but the guard's in-progress tags, written before each cancel so that a later sweep
      // finishes a key whose cut cancel took effect.
      const applied = report.actions.filter((a) => a.status === 'applied');
      for (const a of applied) expect(`${a.kind} ${a.reason}`).toMatch(/^audit-tag deletion-cancelled-at=in-progress/);
      if (c.fn !== 'guard-key-deletion') expect(applied).toEqual([]);
      const begun = cloud.stats.byOperation[c.slow] ?? 0;
      expect(begun).toBeGreaterThan(0);
      expect(begun).toBeLessThanOrEqual(4); // one per worker, none retried
      if (c.fn === 'check-restorable') {
        expect(report.counts.deferred).toBe(35); // every server left for the next run, none claimed checked
      } else {
        // Each call cut is reported deferred, naming the deadline, exactly once.
        const cut = report.actions.filter((a) => a.kind === c.kind && a.status === 'deferred' && a.reason?.includes('WARDEN.DEADLINE'));
        expect(cut).toHaveLength(begun);
        for (const action of cut) expect(action.reason).toMatch(/cut the call before its answer came: a change it carried may or may not have been made; the next run checks$/);
      }
      // Nothing begun after the deadline but the summary: no retry, no confirming read, no follow-up.
      expect(order).toContain('DEADLINE');
      expect(order.slice(order.indexOf('DEADLINE') + 1)).toEqual(['smn.publishMessage']);
      if (c.fn === 'guard-key-deletion') {
        for (const operation of ['kms.listKeyDetail', 'kms.enableKey']) expect(cloud.stats.byOperation[operation] ?? 0).toBe(0);
        expect(cloud.stats.byOperation['kms.batchCreateKmsTags']).toBe(applied.length); // the in-progress tags only
      }
      // The summary went out, saying what was left.
      expect(cloud.state.messages).toHaveLength(1);
      expect(cloud.state.messages[0]?.message).toContain('deferred');
    });
  }

  it.concurrent('tag-new-keys on a cloud slow at everything: what was cut is deferred, never applied, and the next runs finish', async () => {
    const order: string[] = [];
    const reference = await slowCloud(tagFixture(20), []);
    const settledReference = await runUntilSettled(createFunction('tag-new-keys', { env: envFor(reference, TAG_ENV), now: () => NOW, logSink: () => undefined }));
    const cloud = await slowCloud(tagFixture(20), order);
    cloud.setFaults({ latencyMs: 200 });
    const handler = createFunction('tag-new-keys', options(cloud, { env: TAG_ENV }, order));
    const first = (await handler(timerEvent(), endingIn(LEFT_MS))) as FunctionReport;

    expect(first.counts.failed).toBe(0);
    const cut = first.actions.filter((a) => a.status === 'deferred' && a.reason?.includes('WARDEN.DEADLINE'));
    expect(cut.length).toBeGreaterThan(0);
    const applied = new Set(first.actions.filter((a) => a.status === 'applied').map((a) => `${a.kind} ${a.target}`));
    for (const action of cut) expect(applied.has(`${action.kind} ${action.target}`)).toBe(false);
    expect(order).toContain('DEADLINE');

    cloud.setFaults(undefined);
    const rest = await runUntilSettled(handler);
    expect(rest.settled).toBe(true);
    expect(snapshot(cloud)).toEqual(snapshot(reference));
    expect(settledReference.settled).toBe(true);
  });
});
