import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPrune, createHandler, definition, KIND, observe, planPrune } from '../../functions/prune-orphan-events.ts';
import { defaultFixture } from '../../local/cloud/index.ts';
import type { Fixture, FixtureEvent, FixtureSecret } from '../../local/cloud/index.ts';
import { HuaweiCloud } from '../../shared/hwc/index.ts';
import { ReportBuilder } from '../../shared/runtime/report.ts';
import type { FunctionReport, ReportAction } from '../../shared/runtime/report.ts';
import { signWebhook } from '../../shared/runtime/webhook-auth.ts';
import { apigBody, apigEvent, fgContext, rigPerTest, timerEvent, WEBHOOK_SECRET } from '../support/functions.ts';
import type { FunctionRig } from '../support/functions.ts';
import { seedFailingFirst } from '../shared/hwc/support.ts';

const NOW = new Date('2024-06-01T00:00:00.000Z');
const DAY = 86_400_000;
const TOPIC = 'urn:smn:cn-north-4:0b3e1f0c5a8d4f6e9c2a7d1b4e6f8a90:warden-alerts';

function event(name: string, createdMsAgo: number): FixtureEvent {
  return {
    name,
    event_types: ['SECRET_ROTATED'],
    notification: { target_type: 'SMN', target_id: TOPIC, target_name: 'warden-alerts' },
    create_time: NOW.getTime() - createdMsAgo,
  };
}

function secret(name: string, subscribes?: string): FixtureSecret {
  return { name, ...(subscribes ? { event_subscriptions: [subscribes] } : {}) };
}

function fixture(events: FixtureEvent[], secrets: FixtureSecret[] = []): Fixture {
  return { users: defaultFixture().users, events, secrets };
}

/** 30 days old unless told otherwise: well past the default 7-day grace period. */
const old = (name: string) => event(name, 30 * DAY);

// Whatever a test did, neither the cloud's secret key nor the webhook secret may reach a log line.
const start = rigPerTest();

function handlerFor(r: FunctionRig, env: Record<string, string> = {}) {
  return createHandler({ ...r.options(env), now: () => NOW });
}

async function sweep(r: FunctionRig, env: Record<string, string> = {}, context = fgContext()): Promise<FunctionReport> {
  return (await handlerFor(r, env)(timerEvent(), context as any)) as FunctionReport;
}

const eventNames = (r: FunctionRig) => [...r.cloud.state.events.keys()].sort();
const deleteCalls = (r: FunctionRig) => r.cloud.stats.byOperation['csms.deleteSecretEvent'] ?? 0;
const targets = (report: FunctionReport, status: ReportAction['status']) =>
  report.actions.filter((a) => a.status === status).map((a) => a.target);

/** A client for the test to act on the cloud as another user would, between plan and apply. */
function clientFor(r: FunctionRig): HuaweiCloud {
  return HuaweiCloud.fromEnv(r.env(), { retry: { baseDelayMs: 1, maxDelayMs: 4 } });
}

describe('prune-orphan-events, TIMER sweep', () => {
  it('deletes old orphans, keeps referenced events, young orphans and keep-glob matches', async () => {
    const r = await start(
      fixture(
        [old('rotation-alerts'), old('old-orphan'), event('new-orphan', 2 * DAY), old('keep-forever'), old('kept-almost'), old('Keep-upper'), old('audit-1'), old('audit-12')],
        [secret('db-password', 'rotation-alerts'), secret('api-token')],
      ),
    );
    const report = await sweep(r, { WARDEN_KEEP_EVENTS: 'keep-*, audit-?' });

    expect(eventNames(r)).toEqual(['audit-1', 'keep-forever', 'new-orphan', 'rotation-alerts']);
    expect(report).toMatchObject({ function: 'prune-orphan-events', trigger: 'timer', dryRun: false });
    expect(report.counts).toEqual({ applied: 4, planned: 0, skipped: 3, failed: 0, deferred: 0 });
    expect(targets(report, 'applied').sort()).toEqual(['Keep-upper', 'audit-12', 'kept-almost', 'old-orphan']);
    const skipped = Object.fromEntries(report.actions.filter((a) => a.status === 'skipped').map((a) => [a.target, a.reason]));
    expect(skipped).toEqual({
      'audit-1': 'kept: matches keep glob "audit-?"',
      'keep-forever': 'kept: matches keep glob "keep-*"',
      'new-orphan': 'kept: orphan within the 7-day grace period (created 2024-05-30T00:00:00.000Z)',
    });
    // Events in use are counted, not listed.
    expect(report.actions.map((a) => a.target)).not.toContain('rotation-alerts');
    expect(report.actions.every((a) => a.kind === KIND)).toBe(true);
    expect(r.logs.some((line) => /"referenced":1/.test(line) && /"events":8/.test(line))).toBe(true);
  });

  it('is idempotent: a second run plans nothing and sends no deletion', async () => {
    const r = await start(fixture([old('a'), old('b'), old('used')], [secret('s', 'used')]));
    const first = await sweep(r);
    expect(first.counts.applied).toBe(2);
    const calls = deleteCalls(r);

    const second = await sweep(r);
    expect(second.actions).toEqual([]);
    expect(deleteCalls(r)).toBe(calls);
    expect(eventNames(r)).toEqual(['used']);
  });

  it('deletes an orphan only once it is older than the grace period', async () => {
    const r = await start(fixture([event('exactly-7-days', 7 * DAY), event('just-over-7-days', 7 * DAY + 1), event('created-now', 0)]));
    const report = await sweep(r);
    expect(targets(report, 'applied')).toEqual(['just-over-7-days']);
    expect(targets(report, 'skipped').sort()).toEqual(['created-now', 'exactly-7-days']);
    expect(eventNames(r)).toEqual(['created-now', 'exactly-7-days']);
  });

  it('with a grace period of 0 days, deletes every orphan created before now', async () => {
    const r = await start(fixture([event('created-now', 0), event('a-millisecond-ago', 1)]));
    const report = await sweep(r, { WARDEN_ORPHAN_GRACE_DAYS: '0' });
    expect(targets(report, 'applied')).toEqual(['a-millisecond-ago']);
    expect(eventNames(r)).toEqual(['created-now']);
  });

  it('reads every page of events and secrets (an event referenced only on the last page is kept)', async () => {
    const secrets = Array.from({ length: 150 }, (_, i) => secret(`secret-${String(i).padStart(3, '0')}`));
    secrets[0] = secret('secret-000', 'ev-used-first');
    secrets[149] = secret('secret-149', 'ev-used-last');
    const orphans = Array.from({ length: 228 }, (_, i) => old(`ev-orphan-${String(i).padStart(3, '0')}`));
    const r = await start(fixture([...orphans, old('ev-used-first'), old('ev-used-last')], secrets));

    const report = await sweep(r, { WARDEN_MAX_DELETIONS: '1000' });
    expect(report.counts).toEqual({ applied: 228, planned: 0, skipped: 0, failed: 0, deferred: 0 });
    expect(eventNames(r)).toEqual(['ev-used-first', 'ev-used-last']);
    expect(r.cloud.stats.byOperation['csms.listSecretEvents']).toBe(3); // 100 + 100 + 30
    expect(r.cloud.stats.byOperation['csms.listSecrets']).toBe(2); // 100 + 50
  });
});

describe('prune-orphan-events, cap on deletions', () => {
  it('deletes the oldest orphans up to the cap, defers the rest, and takes them on later runs', async () => {
    const orphans = Array.from({ length: 50 }, (_, i) => event(`orphan-${String(i).padStart(2, '0')}`, (100 - i) * DAY));
    const r = await start(fixture(orphans));
    const env = { WARDEN_MAX_DELETIONS: '20' };

    const first = await sweep(r, env);
    expect(first.counts).toEqual({ applied: 20, planned: 0, skipped: 0, failed: 0, deferred: 30 });
    expect(deleteCalls(r)).toBe(20);
    // Oldest first: orphan-00 is 100 days old, orphan-49 51 days.
    expect(targets(first, 'applied')).toEqual(orphans.slice(0, 20).map((e) => e.name));
    expect(first.actions.find((a) => a.status === 'deferred')?.reason).toBe('over the cap of 20 deletions per run');
    expect(r.cloud.state.events.size).toBe(30);

    const second = await sweep(r, env);
    expect(second.counts).toMatchObject({ applied: 20, deferred: 10 });
    expect(deleteCalls(r)).toBe(40);

    const third = await sweep(r, env);
    expect(third.counts).toMatchObject({ applied: 10, deferred: 0 });
    expect(r.cloud.state.events.size).toBe(0);
    expect(deleteCalls(r)).toBe(50);
  });

  it('counts attempts, not successes: failed deletions use up the cap', async () => {
    const r = await start(fixture(Array.from({ length: 5 }, (_, i) => old(`orphan-${i}`))));
    r.cloud.setFaults({ rate: { '500': 1 }, operations: ['csms.deleteSecretEvent'] });
    const report = await sweep(r, { WARDEN_MAX_DELETIONS: '2', HUAWEICLOUD_RETRY_ATTEMPTS: '1' });
    expect(report.counts).toEqual({ applied: 0, planned: 0, skipped: 0, failed: 2, deferred: 3 });
    expect(deleteCalls(r)).toBe(2);
    expect(r.cloud.state.events.size).toBe(5);
  });

  it('with a cap of 0 deletes nothing and defers every orphan', async () => {
    const r = await start(fixture([old('a'), old('b')]));
    const report = await sweep(r, { WARDEN_MAX_DELETIONS: '0' });
    expect(report.counts).toMatchObject({ applied: 0, deferred: 2 });
    expect(deleteCalls(r)).toBe(0);
  });
});

describe('prune-orphan-events, APIG manual run', () => {
  it('a signed empty body runs a sweep and answers 200 with the report', async () => {
    const r = await start(fixture([old('orphan'), old('used')], [secret('s', 'used')]));
    const response = (await handlerFor(r)(apigEvent(undefined), fgContext() as any)) as { statusCode: number };
    expect(response.statusCode).toBe(200);
    const report = apigBody(response);
    expect(report).toMatchObject({ function: 'prune-orphan-events', trigger: 'apig', dryRun: false });
    expect(report.actions).toEqual([
      { kind: KIND, target: 'orphan', status: 'applied', reason: 'no secret subscribes to it (created 2024-05-02T00:00:00.000Z)' },
    ]);
    expect(eventNames(r)).toEqual(['used']);
  });

  it.each([
    ['unsigned', { signature: null }],
    ['signed with another secret', { secret: 'not-the-webhook-secret-0000' }],
    ['with a malformed signature', { signature: 'v1=deadbeef' }],
  ] as const)('refuses a request %s with 401 and deletes nothing', async (_, options) => {
    const r = await start(fixture([old('orphan')]));
    const response = (await handlerFor(r)(apigEvent(undefined, options), fgContext() as any)) as { statusCode: number };
    expect(response.statusCode).toBe(401);
    expect(apigBody(response).error.code).toMatch(/missing_header|signature_mismatch|malformed_header/);
    expect(eventNames(r)).toEqual(['orphan']);
    expect(r.cloud.stats.requests).toBe(0);
  });

  it('"dryRun": true in the signed body plans without deleting', async () => {
    const r = await start(fixture([old('orphan')]));
    const response = await handlerFor(r)(apigEvent({ dryRun: true }), fgContext() as any);
    const report = apigBody(response);
    expect(report.dryRun).toBe(true);
    expect(report.counts).toMatchObject({ planned: 1, applied: 0 });
    expect(eventNames(r)).toEqual(['orphan']);
    expect(deleteCalls(r)).toBe(0);
  });
});

describe('prune-orphan-events, dry run', () => {
  it('WARDEN_DRY_RUN reports planned deletions, deferrals and kept events, and changes nothing', async () => {
    const r = await start(fixture([old('a'), old('b'), old('c'), event('young', DAY), old('used')], [secret('s', 'used')]));
    const report = await sweep(r, { WARDEN_DRY_RUN: 'true', WARDEN_MAX_DELETIONS: '2' });
    expect(report.dryRun).toBe(true);
    expect(report.counts).toEqual({ applied: 0, planned: 2, skipped: 1, failed: 0, deferred: 1 });
    expect(eventNames(r)).toEqual(['a', 'b', 'c', 'used', 'young']);
    expect(deleteCalls(r)).toBe(0);
  });
});

describe('prune-orphan-events, the world changing under the run', () => {
  it('keeps (skips, not fails) an event a secret subscribed to after it was observed', async () => {
    const r = await start(fixture([old('orphan'), old('soon-used')], [secret('app-secret')]));
    const cloud = clientFor(r);
    try {
      const plan = planPrune(await observe(cloud), { orphanGraceDays: 7, keepEvents: [], maxDeletions: 20 }, NOW);
      expect(plan.deletions.map((e) => e.name)).toEqual(['orphan', 'soon-used']);

      await cloud.csms.updateSecret({ secret_name: 'app-secret', event_subscriptions: ['soon-used'] });

      const report = new ReportBuilder(definition.name, 'timer', false);
      await applyPrune(plan, { cloud, dryRun: false, report, outOfTime: () => false, policy: { concurrency: 4 } });
      const built = report.build();
      expect(built.actions).toEqual([
        { kind: KIND, target: 'orphan', status: 'applied', reason: 'no secret subscribes to it (created 2024-05-02T00:00:00.000Z)' },
        { kind: KIND, target: 'soon-used', status: 'skipped', reason: 'kept: now referenced by a secret' },
      ]);
      expect(eventNames(r)).toEqual(['soon-used']);
    } finally {
      await cloud.close();
    }
  });

  it('through the handler: a subscription made while the run deletes is honoured', async () => {
    const r = await start(fixture([event('first', 40 * DAY), event('second', 35 * DAY)], [secret('app-secret')]));
    // Right after the first deletion (one at a time), a secret subscribes to the second event.
    const stop = r.cloud.onTrace((trace) => {
      if (trace.cts.trace_name === 'deleteSecretEvent' && trace.cts.resource_name === 'first') {
        const subscriber = r.cloud.state.secrets.get('app-secret');
        if (subscriber) subscriber.event_subscriptions = ['second'];
      }
    });
    try {
      const report = await sweep(r, { WARDEN_CONCURRENCY: '1' });
      expect(report.counts).toEqual({ applied: 1, planned: 0, skipped: 1, failed: 0, deferred: 0 });
      expect(report.actions[1]).toEqual({ kind: KIND, target: 'second', status: 'skipped', reason: 'kept: now referenced by a secret' });
      expect(eventNames(r)).toEqual(['second']);
    } finally {
      stop();
    }
  });

  it('skips an event someone else deleted after it was observed (404)', async () => {
    const r = await start(fixture([old('gone'), old('orphan')]));
    const cloud = clientFor(r);
    try {
      const plan = planPrune(await observe(cloud), { orphanGraceDays: 7, keepEvents: [], maxDeletions: 20 }, NOW);
      await cloud.csms.deleteSecretEvent({ event_name: 'gone' });

      const report = new ReportBuilder(definition.name, 'timer', false);
      await applyPrune(plan, { cloud, dryRun: false, report, outOfTime: () => false, policy: { concurrency: 1 } });
      expect(report.build().actions.map((a) => [a.target, a.status, a.reason])).toEqual([
        ['gone', 'skipped', 'already deleted'],
        ['orphan', 'applied', 'no secret subscribes to it (created 2024-05-02T00:00:00.000Z)'],
      ]);
      expect(r.cloud.state.events.size).toBe(0);
    } finally {
      await cloud.close();
    }
  });

  it('a deletion whose answer was lost is retried, finds the event gone, and counts as done', async () => {
    const r = await start(fixture([old('orphan')]));
    r.cloud.setFaults({ rate: { '502': 0.5 }, seed: seedFailingFirst(1), when: 'after', operations: ['csms.deleteSecretEvent'] });
    const report = await sweep(r);
    // The first attempt deleted it (then 502); the retry's 404 is our own deletion, so: applied.
    expect(report.actions).toEqual([
      { kind: KIND, target: 'orphan', status: 'applied', reason: 'no secret subscribes to it (created 2024-05-02T00:00:00.000Z)' },
    ]);
    expect(deleteCalls(r)).toBe(2);
    expect(r.cloud.state.events.size).toBe(0);
  });

  it('reports a deletion the cloud keeps failing as failed and carries on with the others', async () => {
    const r = await start(fixture([old('a'), old('b')]));
    // Every attempt fails: each event gets its two attempts, then is reported failed.
    r.cloud.setFaults({ rate: { '500': 1 }, operations: ['csms.deleteSecretEvent'] });
    const report = await sweep(r, { HUAWEICLOUD_RETRY_ATTEMPTS: '2', WARDEN_CONCURRENCY: '1' });
    expect(report.counts).toMatchObject({ failed: 2, applied: 0 });
    expect(report.actions[0]?.reason).toMatch(/^[A-Z]+\.\d+: /);
    expect(deleteCalls(r)).toBe(4);
    expect(eventNames(r)).toEqual(['a', 'b']);
  });

  it('deletes nothing and reports the sweep failed, naming the call, when the secrets cannot all be listed', async () => {
    const r = await start(fixture([old('orphan')], [secret('s')]));
    r.cloud.setFaults({ rate: { '500': 1 }, operations: ['csms.listSecrets'] });
    const report = await sweep(r, { HUAWEICLOUD_RETRY_ATTEMPTS: '1' });
    expect(report.actions).toEqual([{ kind: 'sweep', target: 'csms.listSecrets', status: 'failed', reason: 'CSMS.0001: An internal error occurred.' }]);
    const response = (await handlerFor(r, { HUAWEICLOUD_RETRY_ATTEMPTS: '1' })(apigEvent(undefined), fgContext() as any)) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).counts).toMatchObject({ failed: 1, applied: 0 });
    expect(deleteCalls(r)).toBe(0);
    expect(eventNames(r)).toEqual(['orphan']);
  });
});

describe('prune-orphan-events, time limit', () => {
  it('stops deleting when the invocation runs short of time and defers the rest', async () => {
    const r = await start(fixture(Array.from({ length: 6 }, (_, i) => event(`orphan-${i}`, (60 - i) * DAY))));
    // Plenty of time until three deletions have been sent, then under the 5 s safety margin.
    const context = { ...fgContext(), getRemainingTimeInMilliSeconds: () => (deleteCalls(r) < 3 ? 60_000 : 1_000) };
    const report = await sweep(r, { WARDEN_CONCURRENCY: '1' }, context);
    expect(targets(report, 'applied')).toEqual(['orphan-0', 'orphan-1', 'orphan-2']);
    expect(targets(report, 'deferred')).toEqual(['orphan-3', 'orphan-4', 'orphan-5']);
    expect(report.actions.find((a) => a.status === 'deferred')?.reason).toBe('out of time: left for the next run');
    expect(deleteCalls(r)).toBe(3);
    expect(eventNames(r)).toEqual(['orphan-3', 'orphan-4', 'orphan-5']);
  });

  it('deletes nothing when the invocation starts out of time', async () => {
    const r = await start(fixture([old('a'), old('b')]));
    const report = await sweep(r, {}, fgContext({ remainingMs: 100 }));
    // Past the deadline from the start: not even the listing is sent, and the sweep is left for the next run.
    expect(report.actions).toEqual([{ kind: 'sweep', target: expect.stringMatching(/^csms\./), status: 'deferred', reason: expect.stringContaining('WARDEN.DEADLINE') }]);
    expect(r.cloud.stats.requests).toBe(0);
  });
});

describe('prune-orphan-events, secrets whose references are unknown', () => {
  it('deletes nothing and says why when a secret is listed without event_subscriptions', async () => {
    // The API document does not promise the field, and the embedded cloud always sends it: a minimal
    // CSMS on loopback answers the two listings, and would record any DELETE.
    const deletes: string[] = [];
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'DELETE') deletes.push(req.url ?? '');
      if (req.url?.includes('/csms/events')) {
        res.end(JSON.stringify({ events: [{ name: 'orphan', event_types: ['SECRET_VERSION_CREATED'], state: 'ENABLED', create_time: NOW.getTime() - 30 * DAY }], page_info: {} }));
      } else res.end(JSON.stringify({ secrets: [{ name: 'db-password', kms_key_id: 'k' }], page_info: {} }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const env = { HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: 'p', HUAWEICLOUD_SDK_AK: 'AK', HUAWEICLOUD_SDK_SK: 'SK', HUAWEICLOUD_ENDPOINT_URL: url };
      const report = (await createHandler({ env, now: () => NOW, logSink: () => {} })(timerEvent(), fgContext() as any)) as FunctionReport;
      expect(report.actions).toEqual([
        {
          kind: 'sweep',
          target: 'csms.listSecrets',
          status: 'failed',
          reason: 'no event_subscriptions for 1 secret(s) (db-password): which events they use is unknown, nothing deleted',
        },
      ]);
      expect(deletes).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('prune-orphan-events, plan', () => {
  const policy = { orphanGraceDays: 7, keepEvents: [] as string[], maxDeletions: 20 };

  it('keeps an event whose creation time is unknown', () => {
    const plan = planPrune({ events: [{ name: 'mystery', createdAt: undefined }], referenced: new Set(), secretCount: 0 }, policy, NOW);
    expect(plan.kept).toEqual([{ name: 'mystery', reason: 'kept: creation time unknown' }]);
    expect(plan.deletions).toEqual([]);
  });

  it('orders deletions oldest first, then by name, and counts referenced events', () => {
    const at = (ms: number) => new Date(NOW.getTime() - ms);
    const plan = planPrune(
      {
        events: [
          { name: 'b', createdAt: at(10 * DAY) },
          { name: 'a', createdAt: at(10 * DAY) },
          { name: 'older', createdAt: at(20 * DAY) },
          { name: 'used', createdAt: at(20 * DAY) },
        ],
        referenced: new Set(['used', 'not-an-event']),
        secretCount: 2,
      },
      { ...policy, maxDeletions: 2 },
      NOW,
    );
    expect(plan.deletions.map((e) => e.name)).toEqual(['older', 'a']);
    expect(plan.overCap.map((e) => e.name)).toEqual(['b']);
    expect(plan.referenced).toBe(1);
  });
});

describe('prune-orphan-events, sample events', () => {
  it('events/prune-orphan-events/timer.json runs a sweep', async () => {
    const r = await start(fixture([old('orphan')]));
    const sample = JSON.parse(readFileSync(new URL('../../events/prune-orphan-events/timer.json', import.meta.url), 'utf8'));
    const report = (await handlerFor(r)(sample, fgContext() as any)) as FunctionReport;
    expect(report).toMatchObject({ trigger: 'timer', counts: { applied: 1 } });
  });

  it('events/prune-orphan-events/apig.json, once signed, runs a dry-run sweep', async () => {
    const r = await start(fixture([old('orphan')]));
    const sample = JSON.parse(readFileSync(new URL('../../events/prune-orphan-events/apig.json', import.meta.url), 'utf8'));
    sample.headers['x-warden-signature'] = signWebhook(sample.body, WEBHOOK_SECRET);
    const response = await handlerFor(r)(sample, fgContext() as any);
    expect(apigBody(response)).toMatchObject({ trigger: 'apig', dryRun: true, counts: { planned: 1 } });
    expect(eventNames(r)).toEqual(['orphan']);
  });
});
