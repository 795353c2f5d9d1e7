import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_TAG, createHandler, definition, IN_PROGRESS, planFollowUps, planGuard, protectionReasons } from '../../functions/guard-key-deletion.ts';
import { HISTORY_TRACES } from '../../functions/lib/key-history.ts';
import { DEFAULT_IDS, defaultFixture } from '../../local/cloud/index.ts';
import type { CtsTrace, Fixture, FixtureKey, FixtureSecret, FixtureTrace } from '../../local/cloud/index.ts';
import { HuaweiCloud } from '../../shared/hwc/index.ts';
import type { FunctionReport, IgnoredResult, ReportAction } from '../../shared/runtime/report.ts';
import { signWebhook } from '../../shared/runtime/webhook-auth.ts';
import { apigBody, apigEvent, beforeCloudHandles, fgContext, nextTrace, rigPerTest, timerEvent, WEBHOOK_SECRET } from '../support/functions.ts';
import type { FunctionRig } from '../support/functions.ts';

// ---- fixtures and helpers -----------------------------------------------------------------------

const NOW = new Date('2024-06-10T06:13:20.000Z');
const kid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const PENDING = { key_state: '4', scheduled_deletion_date: '1893456000000' } as const;
const PROTECT = { 'deletion-protection': 'true' };
const key = (id: string, alias: string, more: Partial<FixtureKey> = {}): FixtureKey => ({ key_id: id, key_alias: alias, ...more });
const pending = (id: string, alias: string, tags?: Record<string, string>): FixtureKey => key(id, alias, { ...PENDING, ...(tags ? { tags } : {}) });
const tenTags = (prefix = 't') => Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${prefix}${i}`, 'x']));

const POLICY = { WARDEN_PROTECT_ALIASES: 'prod-*,*-master' };
const REENABLE = { ...POLICY, WARDEN_REENABLE_CANCELLED: 'true' };

function fixture(keys: FixtureKey[], secrets: FixtureSecret[] = [], traces: FixtureTrace[] = []): Fixture {
  return { users: defaultFixture().users, keys, secrets, traces };
}

// Each request a millisecond after the one before, so that the audit trail can order them (CTS cannot order
// two traces of one millisecond). Whatever a test did, neither the cloud's secret key nor the webhook secret
// may reach a log line.
const start = rigPerTest(undefined, () => {
  let tick = 0;
  return { clock: () => new Date(Date.now() + tick++) };
});

/**
 * A sweep reads the audit trail of the 7 days before its `now`, and the cloud records traces at its own (real)
 * time: sweeps that need the trail run at this `now` instead of NOW.
 */
const soon = () => new Date(Date.now() + 60_000);

function handlerFor(r: FunctionRig, env: Record<string, string> = POLICY, now: Date = NOW) {
  return createHandler({ ...r.options(env), now: () => now });
}

async function invoke(r: FunctionRig, event: unknown, env: Record<string, string> = POLICY, context: object = fgContext(), now: Date = NOW): Promise<FunctionReport> {
  return (await handlerFor(r, env, now)(event, context as any)) as FunctionReport;
}

/** A key created through the API (CTS shows its createKey), then disabled or enabled as `steps` say. */
async function keyWithHistory(r: FunctionRig, alias: string, steps: ReadonlyArray<'disableKey' | 'enableKey'> = []): Promise<string> {
  const client = clientFor(r);
  try {
    const { key_info: created } = await client.kms.createKey({ key_alias: alias });
    for (const step of steps) await client.kms[step]({ key_id: created.key_id });
    return created.key_id;
  } finally {
    await client.close();
  }
}

/** Fixture traces of one key, an hour apart, the last an hour ago. */
function trail(keyId: string, ...names: string[]): FixtureTrace[] {
  const now = Date.now();
  return names.map((trace_name, i) => ({ trace_name, resource_id: keyId, time: now - (names.length - i) * 3_600_000 }));
}

function clientFor(r: FunctionRig): HuaweiCloud {
  return HuaweiCloud.fromEnv(r.env(), { retry: { baseDelayMs: 1, maxDelayMs: 4 } });
}

/** Schedules the key's deletion through the API and returns the CTS event the cloud delivered for it. */
async function scheduleDeletion(r: FunctionRig, keyId: string): Promise<CtsTrace> {
  const delivered = nextTrace(r.cloud, 'scheduleKeyDeletion');
  const client = clientFor(r);
  try {
    await client.kms.deleteKey({ key_id: keyId, pending_days: 7 });
    return JSON.parse(JSON.stringify(await delivered)) as CtsTrace;
  } finally {
    await client.close();
  }
}

const stateOf = (r: FunctionRig, id: string) => r.cloud.state.keys.get(id)?.key_state;
const tagsOf = (r: FunctionRig, id: string) => Object.fromEntries(r.cloud.state.keys.get(id)?.tags ?? []);
const calls = (r: FunctionRig, operation: string) => r.cloud.stats.byOperation[operation] ?? 0;
const MARKED = `${AUDIT_TAG}=${IN_PROGRESS}: set before the cancel, so that a later run finishes what this one cannot`;
const only = (report: FunctionReport, status: ReportAction['status']) => report.actions.filter((a) => a.status === status);
const forKey = (report: FunctionReport, id: string) => report.actions.filter((a) => a.target === id).map((a) => `${a.status} ${a.kind}: ${a.reason}`);

// ---- CTS trigger ----------------------------------------------------------------------------------

describe('guard-key-deletion, CTS scheduleKeyDeletion trace', () => {
  it('cancels the deletion of a key tagged for protection, and records when', async () => {
    const r = await start(fixture([key(kid(1), 'app/keep', { tags: PROTECT })]));
    const event = await scheduleDeletion(r, kid(1));
    expect(stateOf(r, kid(1))).toBe('4');

    const report = await invoke(r, event);

    expect(stateOf(r, kid(1))).toBe('3'); // cancelling leaves the key disabled
    expect(r.cloud.state.keys.get(kid(1))?.scheduled_deletion_date).toBe('');
    expect(tagsOf(r, kid(1))).toEqual({ ...PROTECT, [AUDIT_TAG]: NOW.toISOString() });
    expect(report).toMatchObject({ function: 'guard-key-deletion', trigger: 'cts', dryRun: false });
    expect(report.actions).toEqual([
      { kind: 'audit-tag', target: kid(1), status: 'applied', reason: MARKED },
      { kind: 'cancel-deletion', target: kid(1), status: 'applied', reason: 'protected: tag deletion-protection=true' },
      { kind: 'audit-tag', target: kid(1), status: 'applied', reason: `${AUDIT_TAG}=${NOW.toISOString()}` },
    ]);
    expect(calls(r, 'csms.listSecrets')).toBe(0); // protected by its tag: no need to ask CSMS
    expect(calls(r, 'cts.listTraces')).toBe(0); // nor CTS, without WARDEN_REENABLE_CANCELLED
  });

  it('re-enables the key afterwards when the policy says so and CTS shows it was enabled', async () => {
    const r = await start(fixture([]));
    const id = await keyWithHistory(r, 'prod-db');
    const event = await scheduleDeletion(r, id);

    const report = await invoke(r, event, REENABLE);

    expect(stateOf(r, id)).toBe('2');
    expect(tagsOf(r, id)).toEqual({ [AUDIT_TAG]: NOW.toISOString() });
    expect(forKey(report, id)).toEqual([
      `applied audit-tag: ${MARKED}`,
      'applied cancel-deletion: protected: alias prod-db matches prod-*',
      expect.stringMatching(/^applied enable: enabled before its deletion was scheduled \(createKey by warden-demo at 20\d\d-.*Z\)$/),
      `applied audit-tag: ${AUDIT_TAG}=${NOW.toISOString()}`,
    ]);
    // The trail is read once, one listing per trace name it needs.
    expect(calls(r, 'cts.listTraces')).toBe(HISTORY_TRACES.length);
  });

  it('leaves an unprotected key pending deletion and says why', async () => {
    const r = await start(fixture([key(kid(1), 'app/bye', { tags: { 'deletion-protection': 'no' } })]));
    const event = await scheduleDeletion(r, kid(1));

    const report = await invoke(r, event);

    expect(stateOf(r, kid(1))).toBe('4');
    expect(report.actions).toEqual([
      {
        kind: 'cancel-deletion',
        target: kid(1),
        status: 'skipped',
        reason: 'not protected: tag deletion-protection is "no", not "true"; alias app/bye matches none of prod-*, *-master; no CSMS secret uses it',
      },
    ]);
    expect(calls(r, 'kms.cancelKeyDeletion')).toBe(0);
  });

  it('counts a key cancelled by someone else meanwhile as safe (KMS.1501), not failed', async () => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    beforeCloudHandles(r.cloud, 'kms.cancelKeyDeletion', () => {
      const k = r.cloud.state.keys.get(kid(1));
      if (k) k.key_state = '3';
    });

    const report = await invoke(r, event);

    expect(calls(r, 'kms.cancelKeyDeletion')).toBe(1);
    expect(forKey(report, kid(1))).toEqual([
      `applied audit-tag: ${MARKED}`,
      'skipped cancel-deletion: no longer pending deletion',
      `applied audit-tag: ${AUDIT_TAG}=${IN_PROGRESS} removed: someone else cancelled the deletion, so no cancel of ours is under way`,
    ]);
    expect(report.counts.failed).toBe(0);
    expect(tagsOf(r, kid(1))).toEqual({});
  });

  it('skips a key no longer pending by the time it is looked at, and one deleted since', async () => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    const client = clientFor(r);
    await client.kms.cancelKeyDeletion({ key_id: kid(1) });
    await client.close();

    const cancelled = await invoke(r, event);
    const gone = await invoke(r, { cts: { ...event.cts, resource_id: kid(99), request: { key_id: kid(99) } } });

    expect(cancelled.actions).toEqual([{ kind: 'cancel-deletion', target: kid(1), status: 'skipped', reason: 'no longer pending deletion' }]);
    expect(gone.actions).toEqual([{ kind: 'cancel-deletion', target: kid(99), status: 'skipped', reason: 'key no longer exists (KMS.0207)' }]);
    expect(calls(r, 'kms.cancelKeyDeletion')).toBe(1); // only the test's own
  });

  it('never touches a default key', async () => {
    const r = await start(defaultFixture());
    const event = await scheduleDeletion(r, DEFAULT_IDS.keys.orders);
    const report = await invoke(r, { cts: { ...event.cts, resource_id: DEFAULT_IDS.keys.csmsDefault } }, { WARDEN_PROTECT_ALIASES: '*' });
    expect(report.actions).toEqual([
      { kind: 'cancel-deletion', target: DEFAULT_IDS.keys.csmsDefault, status: 'skipped', reason: 'default key (alias */default): never touched' },
    ]);
    expect(calls(r, 'kms.showKmsTags')).toBe(0);
  });

  it('reports a cancel the cloud keeps failing (500) as failed with the error code, and changes nothing', async () => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    r.cloud.setFaults({ rate: { '500': 1 }, operations: ['kms.cancelKeyDeletion'] });

    const report = await invoke(r, event);

    expect(forKey(report, kid(1))).toEqual([`applied audit-tag: ${MARKED}`, 'failed cancel-deletion: KMS.0101: KMS error.']);
    expect(stateOf(r, kid(1))).toBe('4');
    // `in-progress` claims no cancel: only that one is under way. The next sweep, the cloud well again, finishes.
    expect(tagsOf(r, kid(1))).toEqual({ [AUDIT_TAG]: IN_PROGRESS });
    r.cloud.setFaults(undefined);
    const next = await invoke(r, timerEvent());
    expect(forKey(next, kid(1))).toEqual(['applied cancel-deletion: protected: alias prod-db matches prod-*', `applied audit-tag: ${AUDIT_TAG}=${NOW.toISOString()}`]);
    expect(tagsOf(r, kid(1))).toEqual({ [AUDIT_TAG]: NOW.toISOString() });
  });

  // The cloud cancels, then the answer is lost; every retry (same sequence: nothing more is applied) too.
  it.each([
    ['its answer was lost (502) on every retry', { rate: { '502': 1 } }],
    ['it was answered 429 on every retry (throttling is no refusal)', { rate: { '429': 1 }, retryAfterSeconds: 0 }],
  ] as const)('finishes the follow-ups when a cancel was applied but %s', async (_, faults) => {
    const r = await start(fixture([]));
    const id = await keyWithHistory(r, 'prod-db');
    const event = await scheduleDeletion(r, id);
    r.cloud.setFaults({ ...faults, when: 'after', operations: ['kms.cancelKeyDeletion'] });

    const report = await invoke(r, event, REENABLE);

    expect(forKey(report, id)).toEqual([
      `applied audit-tag: ${MARKED}`,
      'applied cancel-deletion: protected: alias prod-db matches prod-* (the answer was lost; the key, read again, is no longer pending deletion)',
      expect.stringMatching(/^applied enable: enabled before its deletion was scheduled \(createKey /),
      `applied audit-tag: ${AUDIT_TAG}=${NOW.toISOString()}`,
    ]);
    expect(stateOf(r, id)).toBe('2');
    expect(tagsOf(r, id)).toEqual({ [AUDIT_TAG]: NOW.toISOString() });
  });

  it('cancels anyway, untracked, when the cloud refuses our tag (400), reporting it failed with the error code', async () => {
    const r = await start(fixture([]));
    const id = await keyWithHistory(r, 'prod-db');
    const event = await scheduleDeletion(r, id);
    // Someone fills the key up to 10 tags between our look at its tags and our tag call.
    beforeCloudHandles(r.cloud, 'kms.batchCreateKmsTags', () => {
      const tags = r.cloud.state.keys.get(id)?.tags;
      for (const [k, v] of Object.entries(tenTags())) tags?.set(k, v);
    });

    const report = await invoke(r, event, REENABLE);

    expect(forKey(report, id)).toEqual([
      'failed audit-tag: KMS.0409: Too many tags.',
      'applied cancel-deletion: protected: alias prod-db matches prod-*',
      expect.stringMatching(/^applied enable: enabled before/),
      'failed audit-tag: KMS.0409: Too many tags.',
    ]);
    expect(stateOf(r, id)).toBe('2');
  });

  it('defers the key when the invocation is out of time', async () => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    const report = await invoke(r, event, POLICY, fgContext({ remainingMs: 1_000 }));
    expect(report.actions).toEqual([{ kind: 'cancel-deletion', target: kid(1), status: 'deferred', reason: 'out of time: left for the next run' }]);
    expect(stateOf(r, kid(1))).toBe('4');
  });

  it('ignores a trace of another operation, without calling the cloud', async () => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    const requestsBefore = r.cloud.stats.requests;
    const result = (await handlerFor(r)({ cts: { ...event.cts, trace_name: 'createKey' } }, fgContext() as any)) as IgnoredResult;
    expect(result).toMatchObject({ ignored: true, reason: 'trace createKey is not one of scheduleKeyDeletion' });
    expect(r.cloud.stats.requests).toBe(requestsBefore);
    expect(stateOf(r, kid(1))).toBe('4');
  });
});

// ---- protection rules, through a TIMER sweep ----------------------------------------------------------

describe('guard-key-deletion, TIMER sweep', () => {
  const sweepFixture = () =>
    fixture(
      [
        pending(kid(1), 'app/tagged', PROTECT),
        pending(kid(2), 'TRUE-tagged', { 'deletion-protection': 'TRUE' }),
        pending(kid(3), 'prod-db'),
        pending(kid(4), 'billing-master'),
        pending(kid(5), 'preprod-db'), // almost matches prod-*: globs are anchored
        pending(kid(6), 'prod_db'), // almost matches prod-*
        pending(kid(7), 'app/in-use'),
        pending(kid(8), 'app/plain', { 'deletion-protection': 'yes', DELETION_PROTECTION: 'true' }),
        key(kid(9), 'prod-enabled', { tags: PROTECT }), // protected but not pending: none of our business
        key(kid(10), 'app/rsa-pending', { ...PENDING, key_spec: 'RSA_2048', key_usage: 'SIGN_VERIFY', tags: PROTECT }),
      ],
      [{ name: 'db-password', kms_key_id: kid(7) }, { name: 'unrelated', kms_key_id: kid(9) }],
    );

  const PROTECTED = [kid(1), kid(2), kid(3), kid(4), kid(7), kid(10)];
  const UNPROTECTED = [kid(5), kid(6), kid(8)];

  it('cancels every protected pending key by tag, alias or secret, and leaves the rest', async () => {
    const r = await start(sweepFixture());

    const report = await invoke(r, timerEvent());

    for (const id of PROTECTED) expect(stateOf(r, id), id).toBe('3');
    for (const id of PROTECTED) expect(tagsOf(r, id)[AUDIT_TAG], id).toBe(NOW.toISOString());
    for (const id of UNPROTECTED) expect(stateOf(r, id), id).toBe('4');
    expect(stateOf(r, kid(9))).toBe('2');

    const because = (id: string) => report.actions.find((a) => a.target === id && a.kind === 'cancel-deletion')?.reason;
    expect(because(kid(1))).toBe('protected: tag deletion-protection=true');
    expect(because(kid(2))).toBe('protected: tag deletion-protection=TRUE');
    expect(because(kid(3))).toBe('protected: alias prod-db matches prod-*');
    expect(because(kid(4))).toBe('protected: alias billing-master matches *-master');
    expect(because(kid(7))).toBe('protected: used by CSMS secret db-password');
    expect(because(kid(5))).toBe('not protected: no deletion-protection tag; alias preprod-db matches none of prod-*, *-master; no CSMS secret uses it');
    expect(because(kid(6))).toMatch(/^not protected: .*alias prod_db matches none of prod-\*, \*-master/);
    expect(because(kid(8))).toMatch(/^not protected: tag deletion-protection is "yes", not "true"/);
    expect(report.actions.some((a) => a.target === kid(9))).toBe(false);
    expect(report.counts).toMatchObject({ applied: 18, skipped: 3, failed: 0, planned: 0 });

    // One listing of pending keys, one of secrets for the whole run, every key's tags from one page, and one
    // listing of the keys an earlier run left `in-progress`; the audit trail only when re-enabling.
    expect(calls(r, 'kms.listKeys')).toBe(1);
    expect(calls(r, 'csms.listSecrets')).toBe(1);
    expect(calls(r, 'kms.listKmsByTags')).toBe(2);
    expect(calls(r, 'kms.showKmsTags')).toBe(0);
    expect(calls(r, 'kms.enableKey')).toBe(0);
    expect(calls(r, 'cts.listTraces')).toBe(0);
  });

  it('is idempotent: a second sweep changes and plans nothing, and still reports the unprotected keys', async () => {
    const r = await start(sweepFixture());
    await invoke(r, timerEvent());
    const before = r.cloud.state.resources();

    const second = await invoke(r, timerEvent());

    expect(second.counts).toMatchObject({ applied: 0, planned: 0, failed: 0, skipped: 3 });
    expect(only(second, 'skipped').map((a) => a.target).sort()).toEqual(UNPROTECTED);
    expect(r.cloud.state.resources()).toEqual(before);
  });

  it('dry run: plans the same and changes nothing', async () => {
    const r = await start(sweepFixture());
    const before = r.cloud.state.resources();

    const report = await invoke(r, timerEvent(), { ...REENABLE, WARDEN_DRY_RUN: 'true' });

    // The audit trail (read: a dry run reads) shows none of these keys being scheduled: none would be enabled.
    expect(report).toMatchObject({ dryRun: true, counts: { planned: 18, applied: 0, skipped: 9 } });
    expect(forKey(report, kid(3))).toEqual([
      `planned audit-tag: ${MARKED}`,
      'planned cancel-deletion: protected: alias prod-db matches prod-*',
      'skipped enable: cannot tell whether the key was enabled before its deletion was scheduled: CTS shows no scheduleKeyDeletion of it in the 7 days it keeps; left disabled (enable it by hand if it should be in use)',
      `planned audit-tag: ${AUDIT_TAG}=${NOW.toISOString()}`,
    ]);
    expect(r.cloud.state.resources()).toEqual(before);
    expect(calls(r, 'kms.cancelKeyDeletion') + calls(r, 'kms.batchCreateKmsTags') + calls(r, 'kms.enableKey')).toBe(0);
  });

  it('does not protect keys in use when the policy turns the check off, and then never lists secrets', async () => {
    const r = await start(sweepFixture());
    const report = await invoke(r, timerEvent(), { ...POLICY, WARDEN_PROTECT_IN_USE: 'false' });
    expect(stateOf(r, kid(7))).toBe('4');
    expect(forKey(report, kid(7))).toEqual([
      'skipped cancel-deletion: not protected: no deletion-protection tag; alias app/in-use matches none of prod-*, *-master; in-use check off (WARDEN_PROTECT_IN_USE=false)',
    ]);
    expect(calls(r, 'csms.listSecrets')).toBe(0);
  });

  it('protects nothing by alias without globs, and reads the protect tag the policy names', async () => {
    const r = await start(fixture([pending(kid(1), 'prod-db'), pending(kid(2), 'app/x', { keep: 'True' }), pending(kid(3), 'app/y', PROTECT)]));
    const report = await invoke(r, timerEvent(), { WARDEN_PROTECT_TAG: 'keep' });
    expect(stateOf(r, kid(1))).toBe('4');
    expect(stateOf(r, kid(2))).toBe('3');
    expect(stateOf(r, kid(3))).toBe('4');
    expect(forKey(report, kid(1))[0]).toContain('no protected aliases configured');
  });

  it('leaves keys whose protection depends on CSMS alone when CSMS cannot be read, listing secrets once', async () => {
    const r = await start(sweepFixture());
    r.cloud.setFaults({ rate: { '500': 1 }, operations: ['csms.listSecrets'] });

    const report = await invoke(r, timerEvent());

    for (const id of [kid(5), kid(6), kid(7), kid(8)]) {
      expect(stateOf(r, id)).toBe('4');
      expect(forKey(report, id)).toEqual(['failed cancel-deletion: cannot tell whether a secret uses the key: csms.listSecrets: CSMS.0001: An internal error occurred.']);
    }
    for (const id of [kid(1), kid(2), kid(3), kid(4), kid(10)]) expect(stateOf(r, id)).toBe('3');
    expect(calls(r, 'csms.listSecrets')).toBe(3); // one listing, retried: HUAWEICLOUD_RETRY_ATTEMPTS=3
  });

  it('cancels a full key but skips its audit tag at the 10-tag limit; updates its own audit tag in place', async () => {
    const full = { ...tenTags(), 'deletion-protection': 'true' };
    delete (full as Record<string, string>)['t9'];
    const audited = { ...full, [AUDIT_TAG]: '2020-01-01T00:00:00.000Z' };
    delete (audited as Record<string, string>)['t8'];
    const r = await start(fixture([pending(kid(1), 'app/full', full), pending(kid(2), 'app/audited', audited)]));

    const report = await invoke(r, timerEvent());

    expect(forKey(report, kid(1))).toEqual([
      'applied cancel-deletion: protected: tag deletion-protection=true',
      'skipped audit-tag: 10-tag limit: deletion-cancelled-at not added',
    ]);
    expect(stateOf(r, kid(1))).toBe('3');
    expect(tagsOf(r, kid(1))).toEqual(full);
    expect(tagsOf(r, kid(2))[AUDIT_TAG]).toBe(NOW.toISOString());
    expect(Object.keys(tagsOf(r, kid(2)))).toHaveLength(10);
  });

  it('stops taking keys when out of time and defers the rest', async () => {
    const r = await start(fixture([pending(kid(1), 'prod-a'), pending(kid(2), 'prod-b'), pending(kid(3), 'prod-c')]));
    // Time runs short once the first key's deletion is cancelled.
    const runningOut = { ...fgContext(), getRemainingTimeInMilliSeconds: () => (calls(r, 'kms.cancelKeyDeletion') < 1 ? 60_000 : 1_000) };

    const report = await invoke(r, timerEvent(), { ...POLICY, WARDEN_CONCURRENCY: '1' }, runningOut);

    expect(report.actions.map((a) => `${a.status} ${a.kind} ${a.target}`)).toEqual([
      `applied audit-tag ${kid(1)}`,
      `applied cancel-deletion ${kid(1)}`,
      `applied audit-tag ${kid(1)}`,
      `deferred cancel-deletion ${kid(2)}`,
      `deferred cancel-deletion ${kid(3)}`,
      `deferred sweep ${AUDIT_TAG}=${IN_PROGRESS}`,
    ]);
    expect(stateOf(r, kid(3))).toBe('4');
  });

  it('stops reading the key listing when out of time: the keys it has not reached are deferred', async () => {
    // 6,000 keys, ten of them pending at the end: the listing (6 pages) is cheaper than ten ShowKmsTags.
    const keys = Array.from({ length: 6_000 }, (_, i) => key(kid(100 + i), `app/k${i}`));
    const late = Array.from({ length: 10 }, (_, i) => pending(kid(10_000 + i), `prod-${i}`));
    const r = await start(fixture([...keys, ...late]));
    // Out of time once the second listing page has been asked for.
    const runningOut = { ...fgContext(), getRemainingTimeInMilliSeconds: () => (calls(r, 'kms.listKmsByTags') < 2 ? 60_000 : 1_000) };

    const report = await invoke(r, timerEvent(), { ...POLICY, WARDEN_CONCURRENCY: '4' }, runningOut);

    expect(report.counts).toMatchObject({ applied: 0, deferred: 11 }); // the ten keys, and the unfinished ones' listing
    // The first page, and at most the pages already in flight (two) when time ran out.
    expect(calls(r, 'kms.listKmsByTags')).toBeLessThanOrEqual(4);
    for (const k of late) expect(stateOf(r, k.key_id)).toBe('4');
  });

  it('cancels every protected key when more are pending than three pages hold', async () => {
    // Pages of the pending list are offsets into the keys still pending: paging while cancelling skips keys.
    // The cloud answers pages of 100 (fewer than asked, as a server may): 210 keys are three pages.
    const keys = Array.from({ length: 210 }, (_, i) => pending(`${(i + 10).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`, `prod-${i}`));
    const r = await start(fixture(keys));
    r.cloud.setVariants({ pageCap: 100 });

    const report = await invoke(r, timerEvent(), { ...POLICY, WARDEN_CONCURRENCY: '16' });

    expect(report.counts).toMatchObject({ applied: 630, failed: 0, deferred: 0 });
    expect(calls(r, 'kms.listKeys')).toBeGreaterThanOrEqual(3);
    expect([...r.cloud.state.keys.values()].filter((k) => k.key_state === '4')).toEqual([]);
  }, 60_000);

  it.each([
    ['leaves untagged keys out of a listing without a tag filter', { unfilteredListKmsByTags: 'tagged-only' }, 0, 5, 0],
    ['refuses a listing without a tag filter (400)', { unfilteredListKmsByTags: 'refused' }, 0, 9, 0],
    ['gives no key details in the listing', { listKmsByTagsDetail: 'absent' }, 0, 0, 0],
    ['gives the details as numbers and booleans (the document\'s example)', { listKmsByTagsDetailValues: 'numeric' }, 0, 0, 0],
    // The listing of unfinished keys fails too: reported (a warning), the next sweep lists them again.
    ['fails the listing (503 on every retry)', 'failing', 2, 9, 1], // warned: the fallback, and the failed listing
  ] as const)('protects the same keys when the cloud %s: tags it did not list are read one by one', async (_, variant, warned, shows, failed) => {
    const r = await start(sweepFixture());
    if (variant === 'failing') r.cloud.setFaults({ rate: { '503': 1 }, operations: ['kms.listKmsByTags'] });
    else r.cloud.setVariants(variant);

    const report = await invoke(r, timerEvent());

    for (const id of PROTECTED) expect(stateOf(r, id), id).toBe('3');
    for (const id of UNPROTECTED) expect(stateOf(r, id), id).toBe('4');
    expect(report.counts).toMatchObject({ applied: 18, skipped: 3, failed });
    expect(calls(r, 'kms.showKmsTags')).toBe(shows);
    const warnings = r.logs.filter((line) => JSON.parse(line).level === 'warn');
    expect(warnings).toHaveLength(warned);
  });

  it('reads tags key by key when that costs fewer calls than listing every key', async () => {
    // 2,500 keys (three listing pages) and two pending, past the first page: the first page, then two reads.
    const keys = Array.from({ length: 2_500 }, (_, i) => key(kid(100 + i), `app/k${i}`));
    const r = await start(fixture([...keys, pending(kid(1), 'prod-a'), pending(kid(2), 'app/b', PROTECT)]));

    const report = await invoke(r, timerEvent());

    expect(report.counts).toMatchObject({ applied: 6, failed: 0 });
    expect(calls(r, 'kms.listKmsByTags')).toBe(2); // the first page of every key, and the unfinished keys
    expect(calls(r, 'kms.showKmsTags')).toBe(2);
  });

  it('lists every key when that is cheaper, handling pending keys as their page arrives', async () => {
    // 2,500 keys and five pending spread over the pages: three pages instead of five reads.
    const keys = Array.from({ length: 2_500 }, (_, i) => (i % 600 === 599 ? pending(kid(100 + i), `app/k${i}`, PROTECT) : key(kid(100 + i), `app/k${i}`)));
    const r = await start(fixture(keys));

    const report = await invoke(r, timerEvent());

    expect(report.counts).toMatchObject({ applied: 12, failed: 0 });
    expect(calls(r, 'kms.listKmsByTags')).toBe(4); // three pages of every key, and the unfinished keys
    expect(calls(r, 'kms.showKmsTags')).toBe(0);
  });

  it('reads no more of the listing once its first page has shown every pending key', async () => {
    // 2,500 keys (three pages), the three pending ones on the first page.
    const first = [pending(kid(1), 'prod-a'), pending(kid(2), 'app/b', PROTECT), pending(kid(3), 'app/c', PROTECT)];
    const keys = Array.from({ length: 2_500 }, (_, i) => key(kid(100 + i), `app/k${i}`));
    const r = await start(fixture([...first, ...keys]));

    const report = await invoke(r, timerEvent());

    expect(report.counts).toMatchObject({ applied: 9, failed: 0 });
    expect(calls(r, 'kms.listKmsByTags')).toBe(2); // one page of every key, and the unfinished keys
    expect(calls(r, 'kms.showKmsTags')).toBe(0);
  });

  it('reports a listing the cloud refuses as failed', async () => {
    const r = await start(sweepFixture());
    r.cloud.setFaults({ rate: { '503': 1 }, operations: ['kms.listKeys'] });
    const report = await invoke(r, timerEvent());
    expect(report.actions).toEqual([{ kind: 'sweep', target: 'kms.listKeys', status: 'failed', reason: 'KMS.0104: KMS error.' }]);
  });
});

// ---- APIG webhook ---------------------------------------------------------------------------------

// ---- re-enabling: only a key the audit trail shows enabled when its deletion was scheduled ----------------

// A CTS endpoint that refuses every call (403), as CTS answers an agency without cts:trace:list.
const refusingCts = createServer((_, response) => {
  response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 'CTS.0002', error_msg: 'The user fails the authentication or does not have permission to this operation.' }));
});
let refusingCtsUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => refusingCts.listen(0, '127.0.0.1', resolve));
  refusingCtsUrl = `http://127.0.0.1:${(refusingCts.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      refusingCts.close(() => resolve());
      refusingCts.closeAllConnections(); // the functions' clients keep theirs alive
    }),
);

const CANNOT_TELL = 'cannot tell whether the key was enabled before its deletion was scheduled';
const STAYS = `deferred audit-tag: ${AUDIT_TAG} stays ${IN_PROGRESS} until the re-enable is settled: a later sweep finishes it`;

describe('guard-key-deletion, re-enabling a cancelled key (WARDEN_REENABLE_CANCELLED)', () => {
  it('leaves a key disabled on purpose, then scheduled for deletion, disabled, and says why', async () => {
    const r = await start(fixture([]));
    const id = await keyWithHistory(r, 'prod-db', ['disableKey']); // say, during an incident
    const event = await scheduleDeletion(r, id);

    const report = await invoke(r, event, REENABLE);

    expect(stateOf(r, id)).toBe('3');
    expect(forKey(report, id)).toEqual([
      `applied audit-tag: ${MARKED}`,
      'applied cancel-deletion: protected: alias prod-db matches prod-*',
      expect.stringMatching(/^skipped enable: disabled before its deletion was scheduled \(disableKey by warden-demo at 20\d\d-.*Z\): left disabled$/),
      `applied audit-tag: ${AUDIT_TAG}=${NOW.toISOString()}`,
    ]);
    expect(calls(r, 'kms.enableKey')).toBe(0);
    expect(report.counts.failed).toBe(0);
  });

  it('enables a key that was disabled, then enabled again, before its deletion was scheduled', async () => {
    const r = await start(fixture([]));
    const id = await keyWithHistory(r, 'prod-db', ['disableKey', 'enableKey']);
    const report = await invoke(r, await scheduleDeletion(r, id), REENABLE);
    expect(stateOf(r, id)).toBe('2');
    expect(forKey(report, id)[2]).toMatch(/^applied enable: enabled before its deletion was scheduled \(enableKey by warden-demo at /);
  });

  it.each([
    ['fails (500 on every retry)', false, 'CTS.0005: Data read exception.'],
    ['refuses the agency (403)', true, 'CTS.0002: The user fails the authentication or does not have permission to this operation.'],
  ])('leaves the key disabled when CTS %s, says why, and the next sweep re-enables it', async (_, refusing, cause) => {
    const r = await start(fixture([]));
    const id = await keyWithHistory(r, 'prod-db');
    const event = await scheduleDeletion(r, id);
    const env = refusing ? { ...REENABLE, HUAWEICLOUD_ENDPOINT_URL_CTS: refusingCtsUrl } : REENABLE;
    if (!refusing) r.cloud.setFaults({ rate: { '500': 1 }, operations: ['cts.listTraces'] });

    const report = await invoke(r, event, env);

    expect(stateOf(r, id)).toBe('3');
    expect(tagsOf(r, id)).toEqual({ [AUDIT_TAG]: IN_PROGRESS });
    expect(forKey(report, id)).toEqual([
      `applied audit-tag: ${MARKED}`,
      'applied cancel-deletion: protected: alias prod-db matches prod-*',
      `failed enable: ${CANNOT_TELL}: ${cause}`,
      STAYS,
    ]);

    r.cloud.setFaults(undefined);
    const at = soon();
    const next = await invoke(r, timerEvent(), REENABLE, fgContext(), at);
    expect(forKey(next, id)).toEqual([
      expect.stringMatching(/^applied enable: enabled before its deletion was scheduled \(createKey by warden-demo/),
      `applied audit-tag: ${AUDIT_TAG}=${at.toISOString()} (finishing an earlier run's cancel)`,
    ]);
    expect(stateOf(r, id)).toBe('2');
    expect(tagsOf(r, id)).toEqual({ [AUDIT_TAG]: at.toISOString() });
  });

  it('waits while CTS does not show yet the scheduling that started the run (CTS records with a delay)', async () => {
    const r = await start(fixture([]));
    const id = await keyWithHistory(r, 'prod-db');
    const event = await scheduleDeletion(r, id);
    const recorded = r.cloud.state.traces.splice(r.cloud.state.traces.findIndex((t) => t.cts.trace_id === event.cts.trace_id), 1);

    const report = await invoke(r, event, REENABLE);

    expect(forKey(report, id).slice(2)).toEqual([
      `failed enable: ${CANNOT_TELL}: CTS does not show yet the scheduleKeyDeletion trace ${event.cts.trace_id} that started this run (the next sweep asks again)`,
      STAYS,
    ]);
    r.cloud.state.traces.unshift(...recorded);
    await invoke(r, timerEvent(), REENABLE, fgContext(), soon());
    expect(stateOf(r, id)).toBe('2');
  });

  it('sweeps with one reading of the trail: enables what was enabled, leaves the rest, says why', async () => {
    const r = await start(
      fixture(
        [pending(kid(1), 'prod-a'), pending(kid(2), 'prod-b'), pending(kid(3), 'prod-c')],
        [],
        [...trail(kid(1), 'createKey', 'scheduleKeyDeletion'), ...trail(kid(2), 'createKey', 'disableKey', 'scheduleKeyDeletion')],
      ),
    );
    const report = await invoke(r, timerEvent(), REENABLE, fgContext(), soon());

    expect(only(report, 'applied').filter((a) => a.kind === 'enable').map((a) => a.target)).toEqual([kid(1)]);
    expect(forKey(report, kid(2))[2]).toMatch(/^skipped enable: disabled before its deletion was scheduled \(disableKey by warden-demo/);
    expect(forKey(report, kid(3))[2]).toBe(`skipped enable: ${CANNOT_TELL}: CTS shows no scheduleKeyDeletion of it in the 7 days it keeps; left disabled (enable it by hand if it should be in use)`);
    expect([stateOf(r, kid(1)), stateOf(r, kid(2)), stateOf(r, kid(3))]).toEqual(['2', '3', '3']);
    expect(calls(r, 'cts.listTraces')).toBe(HISTORY_TRACES.length); // one listing per trace name, not per key
    expect(report.counts.failed).toBe(0);
  });
});

// ---- unfinished work: what a run could not finish, a later sweep does ------------------------------------

describe('guard-key-deletion, finishing what an earlier run could not', () => {
  it('writes the audit tag a run failed to write after its cancel', async () => {
    const r = await start(fixture([pending(kid(1), 'prod-db')]));
    // The cloud fails our tag calls from the cancel on: `in-progress` is written, the final tag is not.
    beforeCloudHandles(r.cloud, 'kms.cancelKeyDeletion', () => r.cloud.setFaults({ rate: { '500': 1 }, operations: ['kms.batchCreateKmsTags'] }));

    const first = await invoke(r, timerEvent());
    expect(forKey(first, kid(1))).toEqual([`applied audit-tag: ${MARKED}`, 'applied cancel-deletion: protected: alias prod-db matches prod-*', 'failed audit-tag: KMS.0101: KMS error.']);
    expect([stateOf(r, kid(1)), tagsOf(r, kid(1))]).toEqual(['3', { [AUDIT_TAG]: IN_PROGRESS }]);

    r.cloud.setFaults(undefined);
    const second = await invoke(r, timerEvent());
    expect(second.actions).toEqual([{ kind: 'audit-tag', target: kid(1), status: 'applied', reason: `${AUDIT_TAG}=${NOW.toISOString()} (finishing an earlier run's cancel)` }]);
    expect(tagsOf(r, kid(1))).toEqual({ [AUDIT_TAG]: NOW.toISOString() });
    expect((await invoke(r, timerEvent())).actions).toEqual([]);
  });

  it('re-enables the key a run failed to re-enable after its cancel', async () => {
    const r = await start(fixture([]));
    const id = await keyWithHistory(r, 'prod-db');
    await scheduleDeletion(r, id);
    r.cloud.setFaults({ rate: { '500': 1 }, operations: ['kms.enableKey'] });
    const at = soon();

    const first = await invoke(r, timerEvent(), REENABLE, fgContext(), at);
    expect(forKey(first, id).slice(2)).toEqual(['failed enable: KMS.0101: KMS error.', STAYS]);

    r.cloud.setFaults(undefined);
    const second = await invoke(r, timerEvent(), REENABLE, fgContext(), at);
    expect(forKey(second, id)).toEqual([
      expect.stringMatching(/^applied enable: enabled before its deletion was scheduled/),
      `applied audit-tag: ${AUDIT_TAG}=${at.toISOString()} (finishing an earlier run's cancel)`,
    ]);
    expect(stateOf(r, id)).toBe('2');
  });

  it('finishes a cancel whose answer was lost, and the read that would have confirmed it too', async () => {
    const r = await start(fixture([]));
    const id = await keyWithHistory(r, 'prod-db');
    await scheduleDeletion(r, id);
    r.cloud.setFaults({ rate: { '502': 1 }, when: 'after', operations: ['kms.cancelKeyDeletion', 'kms.listKeyDetail'] });
    const at = soon();

    const first = await invoke(r, timerEvent(), REENABLE, fgContext(), at);
    expect(forKey(first, id)).toEqual([`applied audit-tag: ${MARKED}`, 'failed cancel-deletion: APIGW.0202: Backend unavailable']);
    expect([stateOf(r, id), tagsOf(r, id)]).toEqual(['3', { [AUDIT_TAG]: IN_PROGRESS }]); // cancelled, though no answer said so

    r.cloud.setFaults(undefined);
    const second = await invoke(r, timerEvent(), REENABLE, fgContext(), at);
    expect(forKey(second, id)).toEqual([
      expect.stringMatching(/^applied enable: enabled before its deletion was scheduled/),
      `applied audit-tag: ${AUDIT_TAG}=${at.toISOString()} (finishing an earlier run's cancel)`,
    ]);
    expect(stateOf(r, id)).toBe('2');
  });

  it('lets the cancel wait a run for its in-progress tag (503), unless the deletion is less than a day away', async () => {
    const soonDeleted = String(NOW.getTime() + 3_600_000);
    const r = await start(fixture([pending(kid(1), 'prod-far'), key(kid(2), 'prod-near', { key_state: '4', scheduled_deletion_date: soonDeleted })]));
    r.cloud.setFaults({ rate: { '503': 1 }, operations: ['kms.batchCreateKmsTags'] });

    const first = await invoke(r, timerEvent());

    expect(forKey(first, kid(1))).toEqual([
      'failed audit-tag: KMS.0104: KMS error.',
      `deferred cancel-deletion: waits for ${AUDIT_TAG}=${IN_PROGRESS}, so that a later run can finish it: the next run tries again`,
    ]);
    expect(forKey(first, kid(2))).toEqual(['failed audit-tag: KMS.0104: KMS error.', 'applied cancel-deletion: protected: alias prod-near matches prod-*', 'failed audit-tag: KMS.0104: KMS error.']);
    expect([stateOf(r, kid(1)), stateOf(r, kid(2))]).toEqual(['4', '3']);

    r.cloud.setFaults(undefined);
    await invoke(r, timerEvent());
    expect([stateOf(r, kid(1)), tagsOf(r, kid(1))]).toEqual(['3', { [AUDIT_TAG]: NOW.toISOString() }]);
  });

  it('removes its in-progress tag from a pending key no longer protected', async () => {
    const r = await start(fixture([pending(kid(1), 'app/db', { [AUDIT_TAG]: IN_PROGRESS, team: 'x' })]));
    const report = await invoke(r, timerEvent());
    expect(forKey(report, kid(1))).toEqual([
      expect.stringMatching(/^skipped cancel-deletion: not protected: /),
      `applied audit-tag: ${AUDIT_TAG}=${IN_PROGRESS} removed: the key is not protected, so no cancel of ours is under way`,
    ]);
    expect([stateOf(r, kid(1)), tagsOf(r, kid(1))]).toEqual(['4', { team: 'x' }]);
  });

  it.each([['object'], ['absent']] as const)('finishes keys left in-progress in the states a cancel leaves (listing details: %s)', async (detail) => {
    const marked = { [AUDIT_TAG]: IN_PROGRESS };
    const r = await start(
      fixture([
        key(kid(1), 'app/disabled', { key_state: '3', tags: marked }),
        key(kid(2), 'app/enabled', { key_state: '2', tags: marked }),
        key(kid(3), 'app/importing', { key_state: '5', tags: marked }),
        key(kid(4), 'app/kms/default', { key_state: '3', tags: marked }),
      ]),
    );
    r.cloud.setVariants({ listKmsByTagsDetail: detail });

    const report = await invoke(r, timerEvent(), REENABLE, fgContext(), soon());

    expect(forKey(report, kid(1))[0]).toBe(`skipped enable: ${CANNOT_TELL}: CTS shows no scheduleKeyDeletion of it in the 7 days it keeps; left disabled (enable it by hand if it should be in use)`);
    expect(forKey(report, kid(1))[1]).toMatch(new RegExp(`^applied audit-tag: ${AUDIT_TAG}=.* \\(finishing an earlier run's cancel\\)$`));
    expect(forKey(report, kid(2))).toEqual([expect.stringMatching(/^applied audit-tag: /)]); // enabled already: no trail needed
    expect(forKey(report, kid(3))).toEqual([`failed audit-tag: WARDEN.UNEXPECTED_STATE: key_state "5", which a cancel does not leave: ${AUDIT_TAG}=${IN_PROGRESS} left for a person to look at`]);
    expect(forKey(report, kid(4))).toEqual(['skipped audit-tag: default key (alias */default): never touched']);
    expect([kid(1), kid(2), kid(3), kid(4)].map((id) => tagsOf(r, id)[AUDIT_TAG] === IN_PROGRESS)).toEqual([false, false, true, true]);
    expect(calls(r, 'kms.listKeyDetail')).toBe(detail === 'absent' ? 4 : 0);
  });
});

describe('guard-key-deletion, APIG webhook', () => {
  it('acts on a signed trace and answers with the report', async () => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    const response = await handlerFor(r)(apigEvent(event), fgContext() as any);
    expect(response).toMatchObject({ statusCode: 200 });
    expect(apigBody(response)).toMatchObject({ trigger: 'apig', counts: { applied: 3 } });
    expect(stateOf(r, kid(1))).toBe('3');
  });

  it('plans only with "dryRun": true next to "cts" in the signed body', async () => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    const response = await handlerFor(r)(apigEvent({ ...event, dryRun: true }), fgContext() as any);
    expect(apigBody(response)).toMatchObject({ dryRun: true, counts: { planned: 3, applied: 0 } });
    expect(stateOf(r, kid(1))).toBe('4');
  });

  it.each([
    ['unsigned', { signature: null }, 'missing_header'],
    ['signed with another secret', { secret: 'some-other-secret-0123456789' }, 'signature_mismatch'],
    ['with a malformed signature', { signature: 't=1' }, 'malformed_header'],
  ] as const)('refuses a webhook %s with 401 and does nothing', async (_, options, code) => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    const requestsBefore = r.cloud.stats.requests;

    const response = await handlerFor(r)(apigEvent(event, options), fgContext() as any);

    expect(response).toMatchObject({ statusCode: 401 });
    expect(apigBody(response)).toMatchObject({ error: { code } });
    expect(r.cloud.stats.requests).toBe(requestsBefore);
    expect(stateOf(r, kid(1))).toBe('4');
  });

  it('answers a malformed trace with 400 naming the field', async () => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    const response = await handlerFor(r)(apigEvent({ cts: { ...event.cts, time: 'yesterday' } }), fgContext() as any);
    expect(response).toMatchObject({ statusCode: 400 });
    expect(apigBody(response).error.message).toContain('body.cts.time');
    expect(stateOf(r, kid(1))).toBe('4');
  });

  it('ignores (202) a signed trace of another operation', async () => {
    const r = await start(fixture([key(kid(1), 'prod-db')]));
    const event = await scheduleDeletion(r, kid(1));
    const response = await handlerFor(r)(apigEvent({ cts: { ...event.cts, trace_name: 'cancelKeyDeletion' } }), fgContext() as any);
    expect(response).toMatchObject({ statusCode: 202 });
    expect(stateOf(r, kid(1))).toBe('4');
  });

  it('runs a sweep for a signed empty body', async () => {
    const r = await start(fixture([pending(kid(1), 'prod-db'), pending(kid(2), 'app/x')]));
    const response = await handlerFor(r)(apigEvent(undefined), fgContext() as any);
    expect(apigBody(response)).toMatchObject({ trigger: 'apig', counts: { applied: 3, skipped: 1 } });
    expect(stateOf(r, kid(1))).toBe('3');
  });
});

// ---- sample events and the pure plan ------------------------------------------------------------------

describe('guard-key-deletion, sample events', () => {
  const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../events/guard-key-deletion/${name}`, import.meta.url), 'utf8'));
  const protectTag = {}; // the default fixture's retiring key carries deletion-protection=true, the default protect tag

  it('events/guard-key-deletion/cts.json saves the default fixture\'s retiring key', async () => {
    const r = await start(defaultFixture());
    const report = await invoke(r, sample('cts.json'), protectTag);
    expect(report).toMatchObject({ trigger: 'cts', counts: { applied: 3 } });
    expect(stateOf(r, DEFAULT_IDS.keys.retiring)).toBe('3');
  });

  it('events/guard-key-deletion/apig.json, once signed, does the same', async () => {
    const r = await start(defaultFixture());
    const event = sample('apig.json');
    event.headers['x-warden-signature'] = signWebhook(event.body, WEBHOOK_SECRET);
    const response = await handlerFor(r, protectTag)(event, fgContext() as any);
    expect(apigBody(response)).toMatchObject({ trigger: 'apig', counts: { applied: 3 } });
  });

  it('events/guard-key-deletion/timer.json runs a sweep', async () => {
    const r = await start(defaultFixture());
    const report = await invoke(r, sample('timer.json'), protectTag);
    expect(report).toMatchObject({ trigger: 'timer', counts: { applied: 3, failed: 0 } });
  });

  it('names the trace it handles', () => {
    expect(definition.traceNames).toEqual(['scheduleKeyDeletion']);
  });
});

describe('guard-key-deletion plan', () => {
  const policy = { protectTag: 'deletion-protection', protectAliases: ['prod-*'], protectInUse: true, reenableCancelled: false };
  const k = { key_id: kid(1), key_alias: 'app/k', key_state: '4', default_key_flag: '0' };

  it('names every rule that protects a key', () => {
    const reasons = protectionReasons(
      { key: { ...k, key_alias: 'prod-x' }, tags: [{ key: 'deletion-protection', value: ' True ' }], inUse: { secret: 's1' } },
      policy,
    );
    expect(reasons).toEqual(['tag deletion-protection= True ', 'alias prod-x matches prod-*', 'used by CSMS secret s1']);
  });

  it('does not read the protect tag key case-insensitively', () => {
    expect(protectionReasons({ key: k, tags: [{ key: 'Deletion-Protection', value: 'true' }] }, policy)).toEqual([]);
  });

  it('marks a key before cancelling unless it carries in-progress already, or has no room for our tag', () => {
    const prod = { ...k, key_alias: 'prod-x' };
    expect(planGuard({ key: prod, tags: [] }, policy, NOW)).toMatchObject({ kind: 'cancel', markFirst: true, auditTag: { key: AUDIT_TAG, value: NOW.toISOString() } });
    expect(planGuard({ key: prod, tags: [{ key: AUDIT_TAG, value: IN_PROGRESS }] }, policy, NOW)).toMatchObject({ kind: 'cancel', markFirst: false });
    expect(planGuard({ key: prod, tags: [{ key: AUDIT_TAG, value: '2020-01-01T00:00:00.000Z' }] }, policy, NOW)).toMatchObject({ markFirst: true });
    const full = Object.entries(tenTags()).map(([key, value]) => ({ key, value }));
    expect(planGuard({ key: prod, tags: full }, policy, NOW)).toMatchObject({ markFirst: false, auditTag: undefined, auditTagSkipped: '10-tag limit: deletion-cancelled-at not added' });
    expect(planGuard({ key: k, tags: [{ key: AUDIT_TAG, value: IN_PROGRESS }] }, policy, NOW)).toMatchObject({ kind: 'leave', clearTag: true });
  });

  it('finishes a key left in-progress by the state it is in', () => {
    const audit = { key: AUDIT_TAG, value: NOW.toISOString() };
    expect(planFollowUps({ ...k, key_state: '3' }, { reenableCancelled: true }, NOW)).toEqual({ kind: 'finish', enable: true, auditTag: audit });
    expect(planFollowUps({ ...k, key_state: '3' }, { reenableCancelled: false }, NOW)).toEqual({ kind: 'finish', enable: false, auditTag: audit });
    expect(planFollowUps({ ...k, key_state: '2' }, { reenableCancelled: true }, NOW)).toEqual({ kind: 'finish', enable: false, auditTag: audit });
    expect(planFollowUps({ ...k, key_state: '4' }, { reenableCancelled: true }, NOW)).toMatchObject({ kind: 'skip' });
    expect(planFollowUps({ ...k, key_state: '99' }, { reenableCancelled: true }, NOW)).toMatchObject({ kind: 'odd' });
  });

  it('skips keys that are not pending or are default keys, before anything else', () => {
    expect(planGuard({ key: { ...k, key_state: '2' }, tags: [] }, policy, NOW)).toEqual({ kind: 'skip', reason: 'no longer pending deletion' });
    expect(planGuard({ key: { ...k, key_alias: 'kms/default' }, tags: [] }, policy, NOW)).toMatchObject({ kind: 'skip' });
    expect(planGuard({ key: { ...k, default_key_flag: '1', key_alias: 'prod-x' }, tags: [] }, policy, NOW)).toMatchObject({ kind: 'skip' });
  });
});
