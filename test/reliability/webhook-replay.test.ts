import { afterEach, describe, expect, it } from 'vitest';
import { defaultFixture, startCloud } from '../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../local/cloud/index.ts';
import type { FunctionReport } from '../../shared/runtime/report.ts';
import { signWebhook } from '../../shared/runtime/webhook-auth.ts';
import { apigEnvelope } from './fuzz.ts';
import { context, createFunction, envFor, GUARD_ENV, guardFixture, kid, NOW, PRUNE_ENV, pruneFixture, snapshot, TAG_ENV, tagFixture, WEBHOOK_SECRET } from './support.ts';
import type { FunctionName, Handler } from './support.ts';

/**
 * What a captured webhook can do when sent again. The replay guard lives in one instance's memory, so a request
 * replayed on another instance (or after a cold start) within the 300 s window is verified again: each handler
 * below is a fresh instance. Its dry-run choice travels in the signed body, so it cannot be dropped, and every
 * action is idempotent, so the replay changes nothing the first sending did not.
 */

let cloud: LocalCloud | undefined;
afterEach(async () => {
  await cloud?.close();
  cloud = undefined;
});

async function cloudWith(fixture: Fixture): Promise<LocalCloud> {
  cloud = await startCloud({ port: 0, fixture });
  return cloud;
}

/** A fresh instance of `name`: its own replay guard, as on another FunctionGraph instance or after a cold start. */
function freshInstance(c: LocalCloud, name: FunctionName, env: Record<string, string> = {}): Handler {
  return createFunction(name, { env: envFor(c, env), now: () => NOW, logSink: () => undefined });
}

/** One signed request, sent as captured: same body, same signature header. */
function captured(body: string, query: Record<string, string> = {}): Record<string, unknown> {
  return { ...apigEnvelope(body, { 'x-warden-signature': signWebhook(body, WEBHOOK_SECRET) }), queryStringParameters: query };
}

async function send(handler: Handler, event: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const response = (await handler(structuredClone(event), context())) as { statusCode: number; body: string };
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

const trace = (name: string, resourceId: string, time: number) => ({
  cts: {
    trace_id: `7b1c62f0-2706-11ef-9a3e-${String(time).slice(-12).padStart(12, '0')}`,
    trace_name: name,
    trace_type: 'ApiCall',
    service_type: 'KMS',
    resource_type: 'cmk',
    resource_id: resourceId,
    time,
    user: { type: 'User', name: 'alice', domain: { name: 'acme', id: '7d2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f' } },
  },
});

describe('a captured dry-run webhook', () => {
  it('stays a dry run when replayed on another instance: the choice is signed, and cannot be dropped', async () => {
    const c = await cloudWith(pruneFixture(3));
    const before = JSON.stringify(snapshot(c));
    const dryRun = captured('{"dryRun":true}');

    const first = await send(freshInstance(c, 'prune-orphan-events', PRUNE_ENV), dryRun);
    const replayed = await send(freshInstance(c, 'prune-orphan-events', PRUNE_ENV), dryRun);

    for (const answer of [first, replayed]) expect(answer.body).toMatchObject({ dryRun: true, counts: { applied: 0, planned: 4 } });
    expect(JSON.stringify(snapshot(c))).toBe(before);
    // The same signature on a body without the choice is a forgery.
    const stripped = { ...dryRun, body: '' };
    expect(await send(freshInstance(c, 'prune-orphan-events', PRUNE_ENV), stripped)).toEqual({
      status: 401,
      body: { error: { code: 'signature_mismatch', message: 'signature does not match' } },
    });
    expect(JSON.stringify(snapshot(c))).toBe(before);
  });

  it.each(['tag-new-keys', 'guard-key-deletion', 'prune-orphan-events', 'check-restorable'] as const)(
    '%s refuses ?dryRun=true (400, naming it) before any cloud call, even on a body that would run for real',
    async (name) => {
      const c = await cloudWith({ ...pruneFixture(3), keys: tagFixture(2).keys });
      for (const [parameter, value] of [['dryRun', 'true'], ['dryrun', 'true'], ['dryRun', ''], ['dry-run', 'true']] as const) {
        const answer = await send(freshInstance(c, name, PRUNE_ENV), captured('{}', { [parameter]: value }));
        expect(answer.status).toBe(400);
        expect(answer.body.error).toEqual({
          code: 'unknown_query_parameter',
          message: `unknown query parameter "${parameter}": the dry run is chosen in the signed body, {"dryRun": true}`,
        });
      }
      expect(c.stats.requests).toBe(0);
    },
  );

  it('WARDEN_DRY_RUN=true wins over "dryRun": false in the body, for a sweep and for a trace', async () => {
    const c = await cloudWith({ ...pruneFixture(3), keys: tagFixture(2).keys });
    const before = JSON.stringify(snapshot(c));
    const prune = await send(freshInstance(c, 'prune-orphan-events', { ...PRUNE_ENV, WARDEN_DRY_RUN: 'true' }), captured('{"dryRun":false}'));
    expect(prune.body).toMatchObject({ dryRun: true, counts: { applied: 0, planned: 4 } });
    const body = JSON.stringify({ ...trace('createKey', kid(0, 't'), 1704067200000), dryRun: false });
    const tag = await send(freshInstance(c, 'tag-new-keys', { ...TAG_ENV, WARDEN_DRY_RUN: 'true' }), captured(body));
    expect(tag.body).toMatchObject({ dryRun: true, counts: { applied: 0, planned: 2 } });
    expect(JSON.stringify(snapshot(c))).toBe(before);
  });
});

describe('a webhook replayed on a fresh instance changes nothing new', () => {
  /** Sends `event` to one fresh instance, then again to another; returns both reports and the state after each. */
  async function twice(c: LocalCloud, name: FunctionName, env: Record<string, string>, event: Record<string, unknown>) {
    const first = await send(freshInstance(c, name, env), event);
    const afterFirst = JSON.stringify(snapshot(c));
    const changesAfterFirst = c.state.traces.length;
    const replay = await send(freshInstance(c, name, env), event);
    return {
      first: first.body as FunctionReport,
      replay: replay.body as FunctionReport,
      unchanged: JSON.stringify(snapshot(c)) === afterFirst && c.state.traces.length === changesAfterFirst,
    };
  }

  it('tag-new-keys, a createKey trace: tags and description exist, so the replay adds none', async () => {
    const c = await cloudWith(tagFixture(2));
    const body = JSON.stringify(trace('createKey', kid(0, 't'), 1704067200000));
    const { first, replay, unchanged } = await twice(c, 'tag-new-keys', TAG_ENV, captured(body));
    expect(first.counts).toMatchObject({ applied: 2, failed: 0 });
    expect(replay.counts).toMatchObject({ applied: 0, planned: 0, failed: 0 });
    expect(unchanged).toBe(true);
  });

  it('tag-new-keys, a sweep: every key carries the policy tags, so the replay adds none', async () => {
    const c = await cloudWith(tagFixture(4));
    const { first, replay, unchanged } = await twice(c, 'tag-new-keys', TAG_ENV, captured('{}'));
    expect(first.counts.applied).toBeGreaterThan(0);
    expect(replay.counts).toMatchObject({ applied: 0, failed: 0 });
    expect(unchanged).toBe(true);
  });

  it('guard-key-deletion, a scheduleKeyDeletion trace: the key is no longer pending, so the replay cancels, tags and enables nothing', async () => {
    const c = await cloudWith(guardFixture(1));
    const body = JSON.stringify(trace('scheduleKeyDeletion', kid(100, 'b'), NOW.getTime()));
    const { first, replay, unchanged } = await twice(c, 'guard-key-deletion', GUARD_ENV, captured(body));
    // The enable waits for CTS to show the trace (a crafted one here): the key stays in-progress for a sweep.
    expect(first.actions.filter((a) => a.status === 'applied').map((a) => a.kind)).toEqual(['audit-tag', 'cancel-deletion']);
    expect(replay.counts).toMatchObject({ applied: 0, planned: 0, failed: 0 });
    expect(unchanged).toBe(true);
  });

  it('prune-orphan-events, a sweep: the orphans are gone, so the replay deletes nothing', async () => {
    const c = await cloudWith(pruneFixture(3));
    const { first, replay, unchanged } = await twice(c, 'prune-orphan-events', PRUNE_ENV, captured(''));
    expect(first.counts.applied).toBe(4);
    expect(replay.counts).toMatchObject({ applied: 0, failed: 0 });
    expect(unchanged).toBe(true);
  });

  it('prune-orphan-events, a sweep over a backlog beyond the cap: the replay is one more capped run, as the next timer tick would be', async () => {
    const c = await cloudWith(pruneFixture(25));
    const { first, replay } = await twice(c, 'prune-orphan-events', PRUNE_ENV, captured(''));
    expect(first.counts).toMatchObject({ applied: 10, deferred: 16 });
    expect(replay.counts).toMatchObject({ applied: 10, deferred: 6 });
  });

  it('check-restorable, a sweep: it only reads, so neither run changes anything', async () => {
    const c = await cloudWith(defaultFixture());
    const before = JSON.stringify(c.state.resources());
    const { first, replay, unchanged } = await twice(c, 'check-restorable', {}, captured('{}'));
    expect(first.actions.length).toBeGreaterThan(0);
    expect(replay.actions).toEqual(first.actions);
    expect(unchanged).toBe(true);
    expect(JSON.stringify(c.state.resources())).toBe(before);
  });
});
