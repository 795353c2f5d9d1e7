import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, CREATED_BY, CREATION_TOLERANCE_MS, createHandler, creationOf, definition, keyCreationDate, planKey, renderKeyDescription, wantedTags } from '../../functions/tag-new-keys.ts';
import { DEFAULT_IDS, defaultFixture } from '../../local/cloud/index.ts';
import type { CtsTrace, Fixture, FixtureKey, FixtureUser } from '../../local/cloud/index.ts';
import { HuaweiCloud } from '../../shared/hwc/index.ts';
import type { FunctionReport, IgnoredResult, ReportAction } from '../../shared/runtime/report.ts';
import { signWebhook } from '../../shared/runtime/webhook-auth.ts';
import { apigBody, apigEvent, beforeCloudHandles, fgContext, nextTrace, rigPerTest, timerEvent, WEBHOOK_SECRET } from '../support/functions.ts';
import type { FunctionRig } from '../support/functions.ts';

// ---- fixtures and helpers -----------------------------------------------------------------------

const ids = DEFAULT_IDS.keys;
/** A valid key id numbered n. */
const kid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const key = (id: string, alias: string, more: Partial<FixtureKey> = {}): FixtureKey => ({ key_id: id, key_alias: alias, ...more });
/** A key created just now (its creation_date agrees with a trace the cloud records during the test). */
const newKey = (id: string, alias: string, more: Partial<FixtureKey> = {}): FixtureKey => key(id, alias, { creation_date: String(Date.now()), ...more });
const tenTags = (prefix = 't') => Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${prefix}${i}`, 'x']));

/** A user whose name breaks every tag rule: forbidden characters, and 60 characters (emoji count as one). */
const ODD_USER: FixtureUser = {
  ...(defaultFixture().users[0] as FixtureUser),
  userId: 'b1b2c3d4e5f60718293a4b5c6d7e8f91',
  userName: `ops<admin>*=\\x\u0007${'🔑'.repeat(50)}`,
  ak: 'WARDENODDUSERAK00001',
  sk: 'WardenOddUserSecretKey00000000000000001',
};

function fixture(keys: FixtureKey[], more: Partial<Fixture> = {}): Fixture {
  return { users: defaultFixture().users, keys, ...more };
}

// Whatever a test did, neither the cloud's secret key nor the webhook secret may reach a log line.
const start = rigPerTest(defaultFixture);

const POLICY = { WARDEN_KEY_TAGS: '{"team":"platform","cost-center":"cc-42"}' };

function handlerFor(r: FunctionRig, env: Record<string, string> = POLICY) {
  return createHandler(r.options(env));
}

async function invoke(r: FunctionRig, event: unknown, env: Record<string, string> = POLICY, context: object = fgContext()): Promise<FunctionReport> {
  return (await handlerFor(r, env)(event, context as any)) as FunctionReport;
}

/** A client acting on the cloud as a user would (by default the fixture's first user). */
function clientFor(r: FunctionRig, user?: FixtureUser): HuaweiCloud {
  const env = user ? { ...r.env(), HUAWEICLOUD_SDK_AK: user.ak, HUAWEICLOUD_SDK_SK: user.sk } : r.env();
  return HuaweiCloud.fromEnv(env, { retry: { baseDelayMs: 1, maxDelayMs: 4 } });
}

/** Creates a key through the API and returns its id and the CTS event the cloud delivered for it. */
async function createKey(r: FunctionRig, alias: string, user?: FixtureUser): Promise<{ keyId: string; event: CtsTrace }> {
  const delivered = nextTrace(r.cloud, 'createKey');
  const client = clientFor(r, user);
  try {
    const created = await client.kms.createKey({ key_alias: alias });
    const event = await delivered;
    return { keyId: created.key_info.key_id, event: JSON.parse(JSON.stringify(event)) as CtsTrace };
  } finally {
    await client.close();
  }
}

const tagsOf = (r: FunctionRig, id: string) => Object.fromEntries(r.cloud.state.keys.get(id)?.tags ?? []);
const descriptionOf = (r: FunctionRig, id: string) => r.cloud.state.keys.get(id)?.key_description;
const calls = (r: FunctionRig, operation: string) => r.cloud.stats.byOperation[operation] ?? 0;
const only = (report: FunctionReport, status: ReportAction['status']) => report.actions.filter((a) => a.status === status);
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// ---- CTS trigger ----------------------------------------------------------------------------------

describe('tag-new-keys, CTS createKey trace', () => {
  it('tags the new key with its creator, creation date and the policy tags, and fills its description', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/new-key');
    const date = isoDate(event.cts.time);

    const report = await invoke(r, event);

    expect(tagsOf(r, keyId)).toEqual({ [CREATED_BY]: 'warden-demo', [CREATED_AT]: date, team: 'platform', 'cost-center': 'cc-42' });
    expect(descriptionOf(r, keyId)).toBe(`Created by warden-demo on ${date}`);
    expect(report).toMatchObject({ function: 'tag-new-keys', trigger: 'cts', dryRun: false, counts: { applied: 2, failed: 0 } });
    expect(report.actions).toEqual([
      { kind: 'tag', target: keyId, status: 'applied', reason: `created-by=warden-demo, created-at=${date}, team=platform, cost-center=cc-42` },
      { kind: 'describe', target: keyId, status: 'applied', reason: `Created by warden-demo on ${date}` },
    ]);
    // Observe (describe + tags) and one call per change: nothing listed, nothing asked twice.
    expect(calls(r, 'kms.listKeyDetail')).toBe(1);
    expect(calls(r, 'kms.showKmsTags')).toBe(1);
    expect(calls(r, 'kms.batchCreateKmsTags')).toBe(1);
    expect(calls(r, 'kms.listKeys')).toBe(0);
  });

  it('is idempotent: the same trace again changes and plans nothing', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/again');
    await invoke(r, event);
    const tagsAfterFirst = tagsOf(r, keyId);
    const tagCalls = calls(r, 'kms.batchCreateKmsTags');

    const second = await invoke(r, event);

    expect(second.counts).toMatchObject({ applied: 0, planned: 0, failed: 0 });
    expect(second.actions).toEqual([
      { kind: 'tag', target: keyId, status: 'skipped', reason: 'already has created-by, created-at, team, cost-center; existing values kept' },
    ]);
    expect(tagsOf(r, keyId)).toEqual(tagsAfterFirst);
    expect(calls(r, 'kms.batchCreateKmsTags')).toBe(tagCalls);
    expect(calls(r, 'kms.updateKeyDescription')).toBe(1);
  });

  it('never overwrites a tag or a description the key already has', async () => {
    const id = kid(1);
    const r = await start(fixture([newKey(id, 'app/owned', { key_description: 'mine', tags: { [CREATED_BY]: 'alice', team: 'payments' } })]));
    const { event } = await createKey(r, 'app/other');
    event.cts.resource_id = id;

    const report = await invoke(r, event);

    expect(tagsOf(r, id)).toMatchObject({ [CREATED_BY]: 'alice', team: 'payments', 'cost-center': 'cc-42' });
    expect(tagsOf(r, id)[CREATED_AT]).toBe(isoDate(event.cts.time));
    expect(descriptionOf(r, id)).toBe('mine');
    expect(calls(r, 'kms.updateKeyDescription')).toBe(0);
    expect(only(report, 'skipped')).toEqual([
      { kind: 'tag', target: id, status: 'skipped', reason: 'already has created-by, team; existing values kept' },
    ]);
  });

  it('dates created-at by the trace time in UTC, whatever zone the trace writes', async () => {
    const id = kid(2);
    const r = await start(fixture([key(id, 'app/tz', { creation_date: String(Date.UTC(2024, 5, 9, 23, 30, 1)) })]));
    const { event } = await createKey(r, 'app/tz-2');
    const trace = { ...event.cts, resource_id: id, time: '2024/06/10 07:30:00 GMT+08:00' };

    await invoke(r, { cts: trace }, { WARDEN_KEY_DESCRIPTION_TEMPLATE: '{alias} by {user} at {time} ({keyId})' });

    expect(tagsOf(r, id)[CREATED_AT]).toBe('2024-06-09');
    expect(descriptionOf(r, id)).toBe(`app/tz by warden-demo at 2024-06-09T23:30:00Z (${id})`);
  });

  it('makes a creator name valid for a tag: forbidden characters stripped, cut to 43 characters', async () => {
    const r = await start({ ...fixture([]), users: [...defaultFixture().users, ODD_USER] });
    const { keyId, event } = await createKey(r, 'app/odd', ODD_USER);
    expect(event.cts.user.name).toBe(ODD_USER.userName);

    const report = await invoke(r, event);

    const createdBy = `opsadminx${'🔑'.repeat(34)}`;
    expect([...createdBy]).toHaveLength(43);
    expect(tagsOf(r, keyId)[CREATED_BY]).toBe(createdBy);
    expect(report.counts.failed).toBe(0);
    // The description has no such rules: the name goes in as CTS wrote it, cut to 255 characters.
    expect(descriptionOf(r, keyId)).toBe(`Created by ${ODD_USER.userName} on ${isoDate(event.cts.time)}`);
  });

  it('adds what fits under the 10-tag limit, in priority order, and reports the rest', async () => {
    const id = kid(3);
    const existing = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'v']));
    const r = await start(fixture([newKey(id, 'app/crowded', { key_description: 'has one', tags: existing })]));
    const { event } = await createKey(r, 'app/x');
    event.cts.resource_id = id;

    const report = await invoke(r, event);

    const date = isoDate(event.cts.time);
    expect(Object.keys(tagsOf(r, id))).toHaveLength(10);
    expect(tagsOf(r, id)).toMatchObject({ [CREATED_BY]: 'warden-demo', [CREATED_AT]: date });
    expect(report.actions).toEqual([
      { kind: 'tag', target: id, status: 'applied', reason: `created-by=warden-demo, created-at=${date}` },
      { kind: 'tag', target: id, status: 'skipped', reason: '10-tag limit: team=platform, cost-center=cc-42 not added' },
    ]);
  });

  it('skips default keys and keys pending deletion, touching nothing', async () => {
    const r = await start(defaultFixture());
    const { event } = await createKey(r, 'app/y');
    const before = r.cloud.state.resources();

    const defaultKey = await invoke(r, { cts: { ...event.cts, resource_id: ids.csmsDefault } });
    const pending = await invoke(r, { cts: { ...event.cts, resource_id: ids.retiring } });

    expect(defaultKey.actions).toEqual([
      { kind: 'tag', target: ids.csmsDefault, status: 'skipped', reason: 'default key (alias */default): never tagged or described' },
    ]);
    expect(pending.actions).toEqual([{ kind: 'tag', target: ids.retiring, status: 'skipped', reason: 'key is pending deletion (state 4)' }]);
    expect(r.cloud.state.resources()).toEqual(before);
    expect(calls(r, 'kms.showKmsTags')).toBe(0);
  });

  it('reports a key deleted since the trace as skipped, not failed', async () => {
    const r = await start(fixture([]));
    const { event } = await createKey(r, 'app/gone');
    const report = await invoke(r, { cts: { ...event.cts, resource_id: kid(99) } });
    expect(report.actions).toEqual([{ kind: 'tag', target: kid(99), status: 'skipped', reason: 'key no longer exists (KMS.0207)' }]);
  });

  it('finds the key in the response when the trace has no resource_id', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/no-resource-id');
    const { resource_id: _, ...trace } = event.cts;
    await invoke(r, { cts: trace });
    expect(tagsOf(r, keyId)[CREATED_BY]).toBe('warden-demo');
  });

  it('reports a trace that names no key', async () => {
    const r = await start(fixture([]));
    const { event } = await createKey(r, 'app/z');
    const trace = { ...event.cts, resource_id: 'not-a-key', request: {}, response: {} };
    const report = await invoke(r, { cts: trace });
    expect(report.actions).toEqual([
      { kind: 'tag', target: trace.trace_id, status: 'skipped', reason: 'the trace names no KMS key id (resource_id "not-a-key")' },
    ]);
    expect(r.cloud.stats.byOperation['kms.listKeyDetail']).toBeUndefined();
  });

  it('ignores a trace of another operation, without calling the cloud', async () => {
    const r = await start(fixture([key(kid(4), 'app/del')]));
    const scheduled = nextTrace(r.cloud, 'scheduleKeyDeletion');
    const client = clientFor(r);
    await client.kms.deleteKey({ key_id: kid(4), pending_days: 7 });
    await client.close();
    const requestsBefore = r.cloud.stats.requests;

    const result = (await handlerFor(r)(await scheduled, fgContext() as any)) as IgnoredResult;

    expect(result).toMatchObject({ ignored: true, trigger: 'cts', reason: 'trace scheduleKeyDeletion is not one of createKey' });
    expect(r.cloud.stats.requests).toBe(requestsBefore);
  });

  it('dry run: plans the same changes and makes none', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/dry');
    const before = r.cloud.state.resources();

    const report = await invoke(r, event, { ...POLICY, WARDEN_DRY_RUN: 'true' });

    expect(report).toMatchObject({ dryRun: true, counts: { planned: 2, applied: 0 } });
    expect(only(report, 'planned').map((a) => a.kind)).toEqual(['tag', 'describe']);
    expect(r.cloud.state.resources()).toEqual(before);
    expect(calls(r, 'kms.batchCreateKmsTags') + calls(r, 'kms.updateKeyDescription')).toBe(0);
  });

  it('reports a tag call the cloud refuses (400) as failed with the error code; the description still goes on', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/race');
    // Someone fills the key up to 10 tags between our look at it and our tag call.
    beforeCloudHandles(r.cloud, 'kms.batchCreateKmsTags', () => {
      const tags = r.cloud.state.keys.get(keyId)?.tags;
      for (const [k, v] of Object.entries(tenTags('other'))) tags?.set(k, v);
    });

    const report = await invoke(r, event);

    expect(only(report, 'failed')).toEqual([{ kind: 'tag', target: keyId, status: 'failed', reason: 'KMS.0409: Too many tags.' }]);
    expect(only(report, 'applied').map((a) => a.kind)).toEqual(['describe']);
    expect(tagsOf(r, keyId)[CREATED_BY]).toBeUndefined();
  });

  it('reports a cloud that keeps failing (500) as failed with the error code, after retrying', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/flaky');
    r.cloud.setFaults({ rate: { '500': 1 }, operations: ['kms.batchCreateKmsTags'] });

    const report = await invoke(r, event);

    expect(only(report, 'failed')).toEqual([{ kind: 'tag', target: keyId, status: 'failed', reason: 'KMS.0101: KMS error.' }]);
    expect(calls(r, 'kms.batchCreateKmsTags')).toBe(3); // HUAWEICLOUD_RETRY_ATTEMPTS
    expect(tagsOf(r, keyId)).toEqual({});
  });

  it('defers the key when the invocation is out of time', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/late');
    const requestsBefore = r.cloud.stats.requests;
    const report = await invoke(r, event, POLICY, fgContext({ remainingMs: 1_000 }));
    expect(report.actions).toEqual([{ kind: 'tag', target: keyId, status: 'deferred', reason: 'out of time: left for the next run' }]);
    expect(r.cloud.stats.requests).toBe(requestsBefore);
  });
});

// ---- a trace about another key ----------------------------------------------------------------------

describe('tag-new-keys, a createKey trace whose time the key\'s creation_date does not confirm', () => {
  const DAY = 86_400_000;
  const old = kid(40);
  /** The fixture: one key created 400 days before the test. */
  const oldKey = () => fixture([key(old, 'app/old', { creation_date: String(Date.now() - 400 * DAY) })]);
  const unverified = (report: FunctionReport) => report.actions.filter((a) => a.status === 'skipped' && a.reason?.startsWith('created-by, created-at and the description left alone'));

  it.each([
    ['a CTS trigger', (trace: CtsTrace) => trace],
    ['a signed webhook', (trace: CtsTrace) => apigEvent(trace)],
  ])('through %s: writes no creator tags or description, only the policy tags, and says why naming both times', async (_, deliver) => {
    const r = await start(oldKey());
    const { event } = await createKey(r, 'app/fresh');
    const created = Number(r.cloud.state.keys.get(old)?.creation_date);
    const trace = { cts: { ...event.cts, resource_id: old } };

    const result = await handlerFor(r)(deliver(trace), fgContext() as any);
    const report = ('statusCode' in (result as object) ? apigBody(result) : result) as FunctionReport;

    expect(tagsOf(r, old)).toEqual({ team: 'platform', 'cost-center': 'cc-42' });
    expect(descriptionOf(r, old)).toBe('');
    expect(calls(r, 'kms.updateKeyDescription')).toBe(0);
    const traceTime = new Date(event.cts.time).toISOString();
    expect(report.actions).toEqual([
      {
        kind: 'tag',
        target: old,
        status: 'skipped',
        reason: `created-by, created-at and the description left alone: the trace's time ${traceTime} and the key's creation_date ${new Date(created).toISOString()} (${created}) are 400 days apart, more than the 10-minute tolerance: the trace is not this key's creation`,
      },
      { kind: 'tag', target: old, status: 'applied', reason: 'team=platform, cost-center=cc-42' },
    ]);
  });

  it('within the tolerance (9 minutes apart) the trace names the creator; past it (11 minutes) it does not', async () => {
    const r = await start(fixture([key(kid(41), 'app/a'), key(kid(42), 'app/b')]));
    const { event } = await createKey(r, 'app/c');
    const at = (minutes: number) => new Date(event.cts.time + minutes * 60_000).toISOString();
    r.cloud.state.keys.set(kid(41), { ...r.cloud.state.keys.get(kid(41))!, creation_date: String(event.cts.time - 9 * 60_000) });
    r.cloud.state.keys.set(kid(42), { ...r.cloud.state.keys.get(kid(42))!, creation_date: String(event.cts.time + 11 * 60_000) });

    await invoke(r, { cts: { ...event.cts, resource_id: kid(41) } });
    const late = await invoke(r, { cts: { ...event.cts, resource_id: kid(42) } });

    expect(tagsOf(r, kid(41))).toMatchObject({ [CREATED_BY]: 'warden-demo', [CREATED_AT]: isoDate(event.cts.time) });
    expect(tagsOf(r, kid(42))).toEqual({ team: 'platform', 'cost-center': 'cc-42' });
    expect(unverified(late).map((a) => a.reason)).toEqual([expect.stringContaining(`${at(11)} (${event.cts.time + 11 * 60_000}) are 11 minutes apart`)]);
  });

  it.each([
    ['missing', '', 'the key has no creation_date to check the trace\'s time'],
    ['unreadable', 'last tuesday', 'the key\'s creation_date "last tuesday" is not an epoch time'],
  ])('a %s creation_date leaves the creator unwritten, saying so', async (_, value, why) => {
    const r = await start(fixture([key(kid(43), 'app/d')]));
    const { event } = await createKey(r, 'app/e');
    r.cloud.state.keys.set(kid(43), { ...r.cloud.state.keys.get(kid(43))!, creation_date: value });

    const report: FunctionReport = apigBody(await handlerFor(r)(apigEvent({ cts: { ...event.cts, resource_id: kid(43) } }), fgContext() as any));

    expect(tagsOf(r, kid(43))).toEqual({ team: 'platform', 'cost-center': 'cc-42' });
    expect(unverified(report).map((a) => a.reason)).toEqual([expect.stringContaining(why)]);
  });
});

// ---- APIG webhook ---------------------------------------------------------------------------------

describe('tag-new-keys, APIG webhook', () => {
  it('acts on a signed trace and answers with the report', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/hook');

    const response = await handlerFor(r)(apigEvent(event), fgContext() as any);

    expect(response).toMatchObject({ statusCode: 200 });
    expect(apigBody(response)).toMatchObject({ trigger: 'apig', counts: { applied: 2 } });
    expect(tagsOf(r, keyId)[CREATED_BY]).toBe('warden-demo');
  });

  it('plans only with "dryRun": true next to "cts" in the signed body', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/hook-dry');
    const response = await handlerFor(r)(apigEvent({ ...event, dryRun: true }), fgContext() as any);
    expect(apigBody(response)).toMatchObject({ dryRun: true, counts: { planned: 2, applied: 0 } });
    expect(tagsOf(r, keyId)).toEqual({});
  });

  it('accepts the bare trace as the body (which chooses no dry run)', async () => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/hook-bare');
    const response = await handlerFor(r)(apigEvent(event.cts), fgContext() as any);
    expect(apigBody(response)).toMatchObject({ dryRun: false, counts: { applied: 2 } });
    expect(tagsOf(r, keyId)[CREATED_BY]).toBe('warden-demo');
  });

  it.each([
    ['unsigned', { signature: null }, 'missing_header'],
    ['signed with another secret', { secret: 'some-other-secret-0123456789' }, 'signature_mismatch'],
    ['with a malformed signature', { signature: 'v1=abc' }, 'malformed_header'],
  ] as const)('refuses a webhook %s with 401 and does nothing', async (_, options, code) => {
    const r = await start(fixture([]));
    const { keyId, event } = await createKey(r, 'app/unsigned');
    const requestsBefore = r.cloud.stats.requests;

    const response = await handlerFor(r)(apigEvent(event, options), fgContext() as any);

    expect(response).toMatchObject({ statusCode: 401 });
    expect(apigBody(response)).toMatchObject({ error: { code } });
    expect(r.cloud.stats.requests).toBe(requestsBefore);
    expect(tagsOf(r, keyId)).toEqual({});
  });

  it('answers a malformed trace with 400 naming the field', async () => {
    const r = await start(fixture([]));
    const { event } = await createKey(r, 'app/malformed');
    const { name: _, ...user } = event.cts.user;
    const response = await handlerFor(r)(apigEvent({ cts: { ...event.cts, user } }), fgContext() as any);
    expect(response).toMatchObject({ statusCode: 400 });
    expect(apigBody(response).error).toMatchObject({ code: 'invalid_trigger' });
    expect(apigBody(response).error.message).toContain('body.cts.user.name');
  });

  it('ignores (202) a signed trace of another operation', async () => {
    const r = await start(fixture([]));
    const { event } = await createKey(r, 'app/other-op');
    const response = await handlerFor(r)(apigEvent({ cts: { ...event.cts, trace_name: 'disableKey' } }), fgContext() as any);
    expect(response).toMatchObject({ statusCode: 202 });
    expect(apigBody(response)).toMatchObject({ ignored: true });
  });

  it('runs a sweep for a signed empty body', async () => {
    const r = await start(fixture([key(kid(5), 'app/old')]));
    const response = await handlerFor(r)(apigEvent(undefined), fgContext() as any);
    expect(apigBody(response)).toMatchObject({ trigger: 'apig', counts: { applied: 1 } });
    expect(tagsOf(r, kid(5))).toEqual({ team: 'platform', 'cost-center': 'cc-42' });
  });
});

// ---- TIMER sweep ----------------------------------------------------------------------------------

describe('tag-new-keys, TIMER sweep', () => {
  const sweepFixture = () =>
    fixture([
      key(kid(10), 'app/untagged'),
      key(kid(11), 'app/sm4', { key_spec: 'SM4', key_description: '' }),
      key(kid(12), 'app/rsa', { key_spec: 'RSA_2048', key_usage: 'SIGN_VERIFY' }),
      key(kid(13), 'app/done', { tags: { team: 'platform', 'cost-center': 'cc-42', owner: 'x' } }),
      key(kid(14), 'app/own-team', { tags: { team: 'payments' } }),
      key(kid(15), 'app/full', { tags: tenTags() }),
      key(kid(16), 'csms/default', { default_key_flag: '1' }),
      key(kid(17), 'app/pending', { key_state: '4' }),
      key(kid(18), 'app/disabled', { key_state: '3' }),
    ]);

  it('adds the policy tags to every key lacking them, reading keys and tags from one listing', async () => {
    const r = await start(sweepFixture());

    const report = await invoke(r, timerEvent());

    for (const id of [kid(10), kid(11), kid(12), kid(18)]) expect(tagsOf(r, id)).toEqual({ team: 'platform', 'cost-center': 'cc-42' });
    expect(tagsOf(r, kid(13))).toEqual({ team: 'platform', 'cost-center': 'cc-42', owner: 'x' });
    expect(tagsOf(r, kid(14))).toEqual({ team: 'payments', 'cost-center': 'cc-42' });
    expect(tagsOf(r, kid(15))).toEqual(tenTags());
    expect(tagsOf(r, kid(16))).toEqual({});
    expect(tagsOf(r, kid(17))).toEqual({});
    // No trace, no creator: created-* tags and descriptions are left alone.
    expect(descriptionOf(r, kid(11))).toBe('');
    expect(calls(r, 'kms.updateKeyDescription')).toBe(0);

    expect(report).toMatchObject({ trigger: 'timer', counts: { applied: 5, skipped: 1, failed: 0, planned: 0, deferred: 0 } });
    expect(only(report, 'skipped')).toEqual([
      { kind: 'tag', target: kid(15), status: 'skipped', reason: '10-tag limit: team=platform, cost-center=cc-42 not added' },
    ]);
    // ListKeys only counts the keys (is the listing whole?); one ListKmsByTags page brings every key's tags.
    expect(calls(r, 'kms.listKeys')).toBe(1);
    expect(calls(r, 'kms.listKmsByTags')).toBe(1);
    expect(calls(r, 'kms.showKmsTags')).toBe(0);
    expect(calls(r, 'kms.listKeyDetail')).toBe(0);
    expect(calls(r, 'kms.batchCreateKmsTags')).toBe(5);
  });

  it('is idempotent: a second sweep plans nothing and reads no key on its own', async () => {
    const r = await start(sweepFixture());
    await invoke(r, timerEvent());
    const before = r.cloud.state.resources();
    const requests = r.cloud.stats.requests;

    const second = await invoke(r, timerEvent());

    expect(second.counts).toMatchObject({ applied: 0, planned: 0, failed: 0 });
    expect(r.cloud.state.resources()).toEqual(before);
    // The count and the one listing page; the full key is reported again (it still lacks the tags).
    expect(r.cloud.stats.requests - requests).toBe(2);
    expect(only(second, 'skipped').map((a) => a.target)).toEqual([kid(15)]);
  });

  it('dry run: plans the changes and makes none', async () => {
    const r = await start(sweepFixture());
    const before = r.cloud.state.resources();
    const report = await invoke(r, timerEvent(), { ...POLICY, WARDEN_DRY_RUN: 'true' });
    expect(report).toMatchObject({ dryRun: true, counts: { planned: 5, applied: 0 } });
    expect(r.cloud.state.resources()).toEqual(before);
    expect(calls(r, 'kms.batchCreateKmsTags')).toBe(0);
  });

  it('streams more than one page, with no per-key read at all', async () => {
    const tagged = Array.from({ length: 1003 }, (_, i) => key(kid(1000 + i), `bulk/k${i}`, { tags: { team: 'platform', 'cost-center': 'cc-42' } }));
    const r = await start(fixture([key(kid(1), 'first/untagged'), ...tagged, key(kid(2), 'last/untagged')]));

    const report = await invoke(r, timerEvent());

    expect(report.actions.map((a) => `${a.status} ${a.target}`).sort()).toEqual([`applied ${kid(1)}`, `applied ${kid(2)}`]);
    expect(calls(r, 'kms.listKeys')).toBe(1);
    expect(calls(r, 'kms.listKmsByTags')).toBe(2);
    expect(calls(r, 'kms.showKmsTags')).toBe(0);
  });

  it('refuses a blank policy tag key at cold start, naming the variable, and touches nothing', async () => {
    const r = await start(fixture([key(kid(30), 'a/1'), key(kid(31), 'a/2')]));
    await expect(invoke(r, timerEvent(), { WARDEN_KEY_TAGS: '{"   ":"x","team":"platform"}' })).rejects.toThrow(
      /WARDEN_KEY_TAGS: tag key "   " must be 1–36 characters, not all spaces/,
    );
    expect(tagsOf(r, kid(30))).toEqual({});
    expect(r.cloud.stats.requests).toBe(0);
  });

  it('does nothing, and calls nothing, without policy tags', async () => {
    const r = await start(sweepFixture());
    const report = await invoke(r, timerEvent(), {});
    expect(report.actions).toEqual([]);
    expect(r.cloud.stats.requests).toBe(0);
  });

  it('stops taking keys when out of time and defers the rest', async () => {
    const r = await start(fixture([key(kid(20), 'a/1'), key(kid(21), 'a/2'), key(kid(22), 'a/3')]));
    // 60 s left until the first key is tagged, then 1 s: under the 5 s safety margin.
    const runningOut = { ...fgContext(), getRemainingTimeInMilliSeconds: () => (calls(r, 'kms.batchCreateKmsTags') < 1 ? 60_000 : 1_000) };

    const report = await invoke(r, timerEvent(), { ...POLICY, WARDEN_CONCURRENCY: '1' }, runningOut);

    expect(report.actions).toEqual([
      { kind: 'tag', target: kid(20), status: 'applied', reason: 'team=platform, cost-center=cc-42' },
      { kind: 'tag', target: kid(21), status: 'deferred', reason: 'out of time: left for the next run' },
      { kind: 'sweep', target: 'remaining keys', status: 'deferred', reason: 'out of time: left for the next run; keys not yet listed were not examined' },
    ]);
    expect(tagsOf(r, kid(22))).toEqual({});
  });

  it('stops reading the listing when out of time, even where no key needs work', async () => {
    const tagged = Array.from({ length: 6_000 }, (_, i) => key(kid(1000 + i), `bulk/k${i}`, { tags: { team: 'platform', 'cost-center': 'cc-42' } }));
    const r = await start(fixture(tagged));

    // 60 s left until the first page is asked for, then 1 s: under the 5 s safety margin.
    const runningOut = { ...fgContext(), getRemainingTimeInMilliSeconds: () => (calls(r, 'kms.listKmsByTags') < 1 ? 60_000 : 1_000) };
    const report = await invoke(r, timerEvent(), POLICY, runningOut);

    expect(report.actions).toEqual([
      { kind: 'sweep', target: 'remaining keys', status: 'deferred', reason: 'out of time: left for the next run; keys not yet listed were not examined' },
    ]);
    // The first page, and at most the two pages in flight when time ran out: not all six.
    expect(calls(r, 'kms.listKmsByTags')).toBeLessThanOrEqual(3);
  });

  it('reports a listing the cloud refuses as failed, keeping what was done', async () => {
    const r = await start(sweepFixture());
    r.cloud.setFaults({ rate: { '503': 1 }, operations: ['kms.listKmsByTags'] });
    const report = await invoke(r, timerEvent());
    expect(report.actions).toEqual([{ kind: 'sweep', target: 'kms.listKmsByTags', status: 'failed', reason: 'KMS.0104: KMS error.' }]);
  });
});

// ---- the listing where the API document leaves it open ---------------------------------------------------

describe('tag-new-keys, TIMER sweep, whichever way the cloud answers ListKmsByTags without a tag filter', () => {
  const keys = () =>
    fixture([
      key(kid(40), 'app/untagged'),
      key(kid(41), 'app/other-tag', { tags: { owner: 'x' } }),
      key(kid(42), 'app/done', { tags: { team: 'platform', 'cost-center': 'cc-42' } }),
      key(kid(43), 'app/own-team', { tags: { team: 'payments' } }),
      key(kid(44), 'app/full', { tags: tenTags() }),
      key(kid(45), 'app/pending', { key_state: '4' }),
      key(kid(46), 'csms/default', { default_key_flag: '1' }),
    ]);
  const expectEveryKeyTagged = (r: FunctionRig, report: FunctionReport) => {
    expect(tagsOf(r, kid(40))).toEqual({ team: 'platform', 'cost-center': 'cc-42' });
    expect(tagsOf(r, kid(41))).toEqual({ owner: 'x', team: 'platform', 'cost-center': 'cc-42' });
    expect(tagsOf(r, kid(43))).toEqual({ team: 'payments', 'cost-center': 'cc-42' });
    expect(tagsOf(r, kid(44))).toEqual(tenTags());
    expect(tagsOf(r, kid(45))).toEqual({});
    expect(tagsOf(r, kid(46))).toEqual({});
    expect(report.counts).toMatchObject({ applied: 3, skipped: 1, failed: 0 });
  };
  const warnings = (r: FunctionRig) => r.logs.map((line) => JSON.parse(line)).filter((line) => line.level === 'warn');

  it('lists every key with its tags: one count, one page, no per-key reads', async () => {
    const r = await start(keys());
    expectEveryKeyTagged(r, await invoke(r, timerEvent()));
    expect(r.cloud.stats.byOperation).toEqual({ 'kms.listKeys': 1, 'kms.listKmsByTags': 1, 'kms.batchCreateKmsTags': 3 });
    expect(warnings(r)).toEqual([]);
  });

  it('reads details shown as a one-element array (the document\'s example) the same way', async () => {
    const r = await start(keys());
    r.cloud.setVariants({ listKmsByTagsDetail: 'array' });
    expectEveryKeyTagged(r, await invoke(r, timerEvent()));
    expect(r.cloud.stats.byOperation).toEqual({ 'kms.listKeys': 1, 'kms.listKmsByTags': 1, 'kms.batchCreateKmsTags': 3 });
  });

  it('reads details given as numbers and booleans (the document\'s example, not the model) the same way', async () => {
    const r = await start(keys());
    r.cloud.setVariants({ listKmsByTagsDetailValues: 'numeric' });
    expectEveryKeyTagged(r, await invoke(r, timerEvent()));
    expect(r.cloud.stats.byOperation).toEqual({ 'kms.listKeys': 1, 'kms.listKmsByTags': 1, 'kms.batchCreateKmsTags': 3 });
    expect(warnings(r)).toEqual([]);
  });

  it('reads each key on its own when the listing gives no details, and never tags one it should not', async () => {
    const r = await start(keys());
    r.cloud.setVariants({ listKmsByTagsDetail: 'absent' });
    expectEveryKeyTagged(r, await invoke(r, timerEvent()));
    // Only the keys whose listed tags leave something to add (or no room for it) are read on their own.
    expect(calls(r, 'kms.listKeyDetail')).toBe(6);
    expect(calls(r, 'kms.showKmsTags')).toBe(0);
  });

  it.each([
    ['leaves untagged keys out', 'tagged-only', /ListKmsByTags lists 4 keys, ListKeys 7/],
    ['refuses a listing without tags (400)', 'refused', /refused a listing without a tag filter \(400\)/],
  ] as const)('falls back to ListKeys and ShowKmsTags when it %s, and says why', async (_, variant, why) => {
    const r = await start(keys());
    r.cloud.setVariants({ unfilteredListKmsByTags: variant });
    expectEveryKeyTagged(r, await invoke(r, timerEvent()));
    // Every key but the one already carrying both tags (and the pending and default keys) is looked at.
    expect(calls(r, 'kms.showKmsTags')).toBe(4);
    expect(warnings(r)).toEqual([expect.objectContaining({ message: expect.stringContaining('listing keys one by one'), why: expect.stringMatching(why) })]);
  });
});

// ---- sample events and the pure plan ------------------------------------------------------------------

describe('tag-new-keys, sample events', () => {
  const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../events/tag-new-keys/${name}`, import.meta.url), 'utf8'));

  it('events/tag-new-keys/cts.json tags the default fixture\'s orders key', async () => {
    const r = await start(defaultFixture());
    const report = await invoke(r, sample('cts.json'));
    expect(report).toMatchObject({ trigger: 'cts', counts: { applied: 2 } });
    expect(tagsOf(r, ids.orders)).toMatchObject({ [CREATED_BY]: 'warden-demo', [CREATED_AT]: '2024-01-16' });
    expect(descriptionOf(r, ids.orders)).toBe('Created by warden-demo on 2024-01-16');
  });

  it('events/tag-new-keys/apig.json, once signed, does the same', async () => {
    const r = await start(defaultFixture());
    const event = sample('apig.json');
    event.headers['x-warden-signature'] = signWebhook(event.body, WEBHOOK_SECRET);
    const response = await handlerFor(r)(event, fgContext() as any);
    expect(apigBody(response)).toMatchObject({ trigger: 'apig', counts: { applied: 2 } });
  });

  it('events/tag-new-keys/timer.json runs a sweep', async () => {
    const r = await start(defaultFixture());
    const report = await invoke(r, sample('timer.json'));
    expect(report).toMatchObject({ trigger: 'timer', counts: { failed: 0 } });
    expect(tagsOf(r, ids.appData)).toMatchObject({ owner: 'alice', team: 'platform' });
  });

  it('names the trace it handles', () => {
    expect(definition.traceNames).toEqual(['createKey']);
  });
});

describe('tag-new-keys plan', () => {
  const policy = { keyTags: {}, keyDescriptionTemplate: 'Created by {user} on {date}' };
  const creation = { user: 'alice', at: new Date('2024-06-10T23:59:59.999Z') };
  const plain = { key_id: kid(1), key_alias: 'app/k', key_state: '2', key_description: '' };

  it('makes policy tags valid too, rather than rejecting them', () => {
    const wanted = wantedTags({ keyTags: { 'te<am>': 'a*b=c', '   ': 'x', 'long-value': 'v'.repeat(60) } });
    expect(wanted.tags).toEqual([
      { key: 'team', value: 'abc' },
      { key: 'long-value', value: 'v'.repeat(43) },
    ]);
    expect(wanted.dropped).toEqual(['   ']);
  });

  it('keeps created-by and created-at first, and ours when a policy tag has the same key', () => {
    const wanted = wantedTags({ keyTags: { team: 'x', 'created-by': 'policy' } }, creation);
    expect(wanted.tags.map((t) => `${t.key}=${t.value}`)).toEqual(['created-by=alice', 'created-at=2024-06-10', 'team=x']);
  });

  it('cuts a description to 255 characters', () => {
    const long = renderKeyDescription('{user}', { ...creation, user: '🔑'.repeat(300) }, plain);
    expect([...long]).toHaveLength(255);
  });

  it('treats a whitespace-only description as empty, and an empty rendering as nothing to set', () => {
    const blank = planKey({ key: { ...plain, key_description: '  ' }, tags: [] }, policy, creation);
    expect(blank).toMatchObject({ description: 'Created by alice on 2024-06-10' });
    const aliasOnly = planKey({ key: plain, tags: [] }, { ...policy, keyDescriptionTemplate: '{alias}' }, creation);
    expect(aliasOnly).toMatchObject({ description: 'app/k' });
    const empty = planKey({ key: { ...plain, key_alias: 'x' }, tags: [] }, { ...policy, keyDescriptionTemplate: ' ' }, creation);
    expect(empty).toMatchObject({ description: undefined });
  });

  it('takes the creator from a trace only when the key\'s creation_date is within 10 minutes of its time', () => {
    const user = { name: 'alice', domain: { name: 'acme', id: 'd' } };
    const trace = { time: new Date('2024-06-10T12:00:00.000Z'), user };
    const ms = (iso: string) => String(Date.parse(iso));
    expect(creationOf(trace, { creation_date: ms('2024-06-10T11:50:00.000Z') })).toEqual({ user: 'alice', at: trace.time });
    expect(creationOf(trace, { creation_date: ms('2024-06-10T12:10:00.000Z') })).toEqual({ user: 'alice', at: trace.time });
    expect(creationOf(trace, { creation_date: String(Date.parse('2024-06-10T12:10:00.000Z') + 1) })).toHaveProperty('unverified');
    expect(creationOf(trace, { creation_date: ms('2023-05-07T12:00:00.000Z') })).toEqual({
      unverified:
        "created-by, created-at and the description left alone: the trace's time 2024-06-10T12:00:00.000Z and the key's creation_date 2023-05-07T12:00:00.000Z (1683460800000) are 400 days apart, more than the 10-minute tolerance: the trace is not this key's creation",
    });
    // Documented as milliseconds (13 characters), described as seconds: both read right.
    expect(creationOf(trace, { creation_date: String(Date.parse('2024-06-10T12:00:05.000Z') / 1000) })).toEqual({ user: 'alice', at: trace.time });
    expect(keyCreationDate('1502799822000')?.toISOString()).toBe('2017-08-15T12:23:42.000Z');
    for (const bad of [undefined, '', '  ', '-1', '1.5e12', '0x10', 'yesterday']) expect(creationOf(trace, { creation_date: bad })).toHaveProperty('unverified');
    expect(CREATION_TOLERANCE_MS).toBe(600_000);
  });

  it('skips default keys whether flagged or named */default', () => {
    expect(planKey({ key: { ...plain, default_key_flag: '1' }, tags: [] }, policy, creation)).toHaveProperty('skip');
    expect(planKey({ key: { ...plain, key_alias: 'kms/default' }, tags: [] }, policy, creation)).toHaveProperty('skip');
  });
});
