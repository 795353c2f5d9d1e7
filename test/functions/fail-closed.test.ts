import { describe, expect, it } from 'vitest';
import { createHandler as createCheck } from '../../functions/check-restorable.ts';
import { createHandler as createGuard } from '../../functions/guard-key-deletion.ts';
import { createHandler as createPrune } from '../../functions/prune-orphan-events.ts';
import { createHandler as createTag } from '../../functions/tag-new-keys.ts';
import { defaultFixture } from '../../local/cloud/index.ts';
import type { CtsTrace, FaultConfig, Fixture, FixtureEvent, FixtureKey, FixtureSecret } from '../../local/cloud/index.ts';
import type { GuardrailOptions } from '../../shared/runtime/guardrail.ts';
import type { FunctionReport, ReportAction } from '../../shared/runtime/report.ts';
import { fgContext, nextTrace, rigPerTest, timerEvent } from '../support/functions.ts';
import type { FunctionRig } from '../support/functions.ts';
import { HuaweiCloud } from '../../shared/hwc/index.ts';

/**
 * Fail closed (issue #11): a listing that cannot prove it is complete fails everything that depends on it, and
 * a value outside a documented enum is reported failed naming it. Each case here was a silent miss before:
 * a protected key left pending deletion with "ok", a DELETE sent for a subscribed event, servers never checked.
 */

const NOW = new Date('2024-06-01T00:00:00.000Z');
const DAY = 86_400_000;
const kid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const PENDING = { key_state: '4', scheduled_deletion_date: '1893456000000' } as const;
const TOPIC = 'urn:smn:cn-north-4:0b3e1f0c5a8d4f6e9c2a7d1b4e6f8a90:warden-alerts';

const start = rigPerTest();

type Create = (options?: GuardrailOptions) => unknown;
async function sweep(r: FunctionRig, create: Create, env: Record<string, string> = {}, event: unknown = timerEvent()): Promise<FunctionReport> {
  const handler = create({ ...r.options(env), now: () => NOW }) as (event: unknown, context: unknown) => Promise<unknown>;
  return (await handler(event, fgContext())) as FunctionReport;
}

function faults(r: FunctionRig, kind: keyof NonNullable<FaultConfig['rate']>, operations: string[]): void {
  r.cloud.setFaults({ seed: 1, rate: { [kind]: 1 }, operations });
}

const failed = (report: FunctionReport) => report.actions.filter((a) => a.status === 'failed');
const forTarget = (report: FunctionReport, target: string) => report.actions.filter((a) => a.target === target).map((a) => `${a.status} ${a.kind}: ${a.reason}`);
const calls = (r: FunctionRig, operation: string) => r.cloud.stats.byOperation[operation] ?? 0;
const stateOf = (r: FunctionRig, id: string) => r.cloud.state.keys.get(id)?.key_state;

/** 101 secrets (a full first page of 100, and one more); the last one, `s-100`, uses key 1 and subscribes to `late`. */
function manySecrets(): FixtureSecret[] {
  return Array.from({ length: 101 }, (_, i) => ({
    name: `s-${String(i).padStart(3, '0')}`,
    ...(i === 100 ? { kms_key_id: kid(1), event_subscriptions: ['late'] } : {}),
  }));
}

function event(name: string, ageDays = 30): FixtureEvent {
  return { name, event_types: ['SECRET_ROTATED'], notification: { target_type: 'SMN', target_id: TOPIC, target_name: 'warden-alerts' }, create_time: NOW.getTime() - ageDays * DAY };
}

const users = () => defaultFixture().users;

describe('a listing that ends early is not taken as complete', () => {
  const guardFixture = (): Fixture => ({
    users: users(),
    keys: [{ key_id: kid(1), key_alias: 'app/used-late', ...PENDING }, { key_id: kid(2), key_alias: 'app/tagged', ...PENDING, tags: { 'deletion-protection': 'true' } }],
    secrets: manySecrets(),
  });

  it('guard: ListSecrets without page_info after a full page leaves the secret-used key pending and reports it failed, naming the call', async () => {
    const r = await start(guardFixture());
    faults(r, 'missing-pagination', ['csms.listSecrets']);
    const report = await sweep(r, createGuard);
    expect(stateOf(r, kid(1))).toBe('4');
    expect(forTarget(report, kid(1))).toEqual([
      'failed cancel-deletion: cannot tell whether a secret uses the key: csms.listSecrets: WARDEN.INCOMPLETE_LISTING: listing ended without page_info after a full page',
    ]);
    // Its tag protects the other key whatever CSMS says.
    expect(stateOf(r, kid(2))).toBe('3');
  });

  it('guard: the same key is protected once the listing is whole (a server that pages by fewer than asked)', async () => {
    const r = await start(guardFixture());
    r.cloud.setVariants({ pageCap: 7 });
    const report = await sweep(r, createGuard);
    expect(stateOf(r, kid(1))).toBe('3');
    expect(forTarget(report, kid(1))).toContain('applied cancel-deletion: protected: used by CSMS secret s-100');
  });

  it('guard: a ListSecrets cursor seen twice fails the keys that depend on it instead of ending the listing', async () => {
    const r = await start(guardFixture());
    r.cloud.setVariants({ pageCap: 40 });
    faults(r, 'repeated-cursor', ['csms.listSecrets']);
    const report = await sweep(r, createGuard);
    expect(stateOf(r, kid(1))).toBe('4');
    expect(forTarget(report, kid(1))).toEqual([
      'failed cancel-deletion: cannot tell whether a secret uses the key: csms.listSecrets: WARDEN.INCOMPLETE_LISTING: the next page\'s marker "s-039" was already read: the listing loops',
    ]);
  });

  const pruneFixture = (): Fixture => ({ users: users(), secrets: manySecrets(), events: [event('late'), event('orphan-1'), event('orphan-2')] });

  for (const kind of ['missing-pagination', 'repeated-cursor'] as const) {
    it(`prune: a ListSecrets listing with ${kind} sends no DELETE at all (not even for the event the last secret subscribes to)`, async () => {
      const r = await start(pruneFixture());
      r.cloud.setVariants({ pageCap: 60 });
      faults(r, kind, ['csms.listSecrets']);
      const report = await sweep(r, createPrune);
      expect(calls(r, 'csms.deleteSecretEvent')).toBe(0);
      expect(report.actions).toEqual([
        { kind: 'sweep', target: 'csms.listSecrets', status: 'failed', reason: expect.stringMatching(/^WARDEN\.INCOMPLETE_LISTING: /) },
      ]);
      expect([...r.cloud.state.events.keys()].sort()).toEqual(['late', 'orphan-1', 'orphan-2']);
    });
  }

  it('prune: deletes only the true orphans when the listing is whole, however small the pages', async () => {
    const r = await start(pruneFixture());
    r.cloud.setVariants({ pageCap: 3 });
    const report = await sweep(r, createPrune);
    expect(r.cloud.stats.attempts).toEqual({ 'csms.deleteSecretEvent orphan-1': 1, 'csms.deleteSecretEvent orphan-2': 1 });
    expect(failed(report)).toEqual([]);
  });

  it('guard and prune: a CSMS that names a next marker on its last page too ends the listing on the empty page after it', async () => {
    const r = await start({ ...guardFixture(), events: [event('late'), event('orphan-1')] });
    r.cloud.setVariants({ csmsNextMarker: 'always', pageCap: 50 });
    const guarded = await sweep(r, createGuard);
    expect(stateOf(r, kid(1))).toBe('3');
    expect(failed(guarded)).toEqual([]);
    const pruned = await sweep(r, createPrune);
    expect(failed(pruned)).toEqual([]);
    expect(r.cloud.stats.attempts).toMatchObject({ 'csms.deleteSecretEvent orphan-1': 1 });
    expect(r.cloud.stats.attempts['csms.deleteSecretEvent late']).toBeUndefined();
  });

  it('check-restorable: a server that pages backups by fewer than asked still has every server checked', async () => {
    const created = new Date(NOW.getTime() - 3_600_000).toISOString().replace('Z', '000');
    const servers = Array.from({ length: 25 }, (_, i) => ({ id: `srv-${i}`, name: `srv-${i}`, volumes: [`srv-${i}-sys`] }));
    // srv-20's backup is of a disk it no longer has: not restorable.
    const items = servers.map((s, i) => ({
      id: `item-${String(i).padStart(2, '0')}`,
      status: 'available',
      created_at: created,
      resource_id: s.id,
      volume_backups: [{ id: `item-${i}-disk`, source_volume_id: i === 20 ? 'gone-volume' : `${s.id}-sys`, bootable: true }],
    }));
    const r = await start({ users: users(), servers, checkpointItems: items });
    r.cloud.setVariants({ pageCap: 10 });
    const report = await sweep(r, createCheck);
    expect(report.actions).toHaveLength(25);
    expect(forTarget(report, 'srv-20')).toEqual([expect.stringMatching(/^failed check-restorable: not restorable: CSBS\.6014: /)]);
    expect(report.counts).toMatchObject({ applied: 24, failed: 1 });
  });

  it('check-restorable: a backup listing that ends before its count fails the run, and no server is reported fine', async () => {
    const created = new Date(NOW.getTime() - 3_600_000).toISOString().replace('Z', '000');
    const r = await start({
      users: users(),
      servers: [{ id: 'srv-1', name: 'srv-1', volumes: ['v1'] }],
      checkpointItems: Array.from({ length: 6 }, (_, i) => ({ id: `item-${i}`, status: 'available', created_at: created, resource_id: 'srv-1', volume_backups: [{ id: `d${i}`, source_volume_id: 'v1' }] })),
    });
    r.cloud.setVariants({ pageCap: 2 });
    faults(r, 'repeated-cursor', ['csbs.listCheckpointItems']);
    const report = await sweep(r, createCheck);
    expect(report.actions).toEqual([
      { kind: 'sweep', target: 'csbs.listCheckpointItems', status: 'failed', reason: expect.stringMatching(/^WARDEN\.INCOMPLETE_LISTING: the next page's marker "item-1" was already read/) },
    ]);
  });

  it('guard: a ListKeys page cut short (its next marker past the items it holds) fails the sweep', async () => {
    const keys: FixtureKey[] = Array.from({ length: 9 }, (_, i) => ({ key_id: kid(10 + i), key_alias: `prod-${i}`, ...PENDING }));
    const r = await start({ users: users(), keys });
    r.cloud.setVariants({ pageCap: 4 });
    faults(r, 'truncated-page', ['kms.listKeys']);
    const report = await sweep(r, createGuard, { WARDEN_PROTECT_ALIASES: 'prod-*' });
    expect(report.actions).toEqual([
      { kind: 'sweep', target: 'kms.listKeys', status: 'failed', reason: 'WARDEN.INCOMPLETE_LISTING: the page at marker 0 holds 2 items but names 4 as the next: items would be skipped' },
    ]);
  });

  it('guard: a ListKeys total that counts keys the filter leaves out is confirmed by one read past the last page, not taken as a cut', async () => {
    const keys: FixtureKey[] = [
      ...Array.from({ length: 5 }, (_, i) => ({ key_id: kid(10 + i), key_alias: `prod-${i}`, ...PENDING })),
      ...Array.from({ length: 5 }, (_, i) => ({ key_id: kid(20 + i), key_alias: `other-${i}` })),
    ];
    const r = await start({ users: users(), keys });
    r.cloud.setVariants({ listKeysTotal: 'all' });
    const report = await sweep(r, createGuard, { WARDEN_PROTECT_ALIASES: 'prod-*' });
    expect(failed(report)).toEqual([]);
    for (let i = 0; i < 5; i++) expect(stateOf(r, kid(10 + i))).toBe('3');
  });
});

describe('a value outside a documented enum is reported failed, naming it', () => {
  const STATE_99 = 'undocumented key_state "99" (documented: 1, 2, 3, 4, 5, 7)';

  it('guard sweep: a listed key in an undocumented state is reported failed, not dropped', async () => {
    const r = await start({ users: users(), keys: [{ key_id: kid(1), key_alias: 'prod-db', ...PENDING }] });
    faults(r, 'unexpected-state', ['kms.listKeys']);
    const report = await sweep(r, createGuard, { WARDEN_PROTECT_ALIASES: 'prod-*' });
    expect(report.actions).toEqual([{ kind: 'cancel-deletion', target: kid(1), status: 'failed', reason: `${STATE_99}: cannot tell whether it is pending deletion` }]);
    expect(stateOf(r, kid(1))).toBe('4');
  });

  it('guard CTS: a key read in an undocumented state is reported failed, not "no longer pending deletion"', async () => {
    const r = await start({ users: users(), keys: [{ key_id: kid(1), key_alias: 'prod-db' }] });
    const delivered = nextTrace(r.cloud, 'scheduleKeyDeletion');
    const client = HuaweiCloud.fromEnv(r.env());
    await client.kms.deleteKey({ key_id: kid(1), pending_days: 7 });
    await client.close();
    const trace = JSON.parse(JSON.stringify(await delivered)) as CtsTrace;
    faults(r, 'unexpected-state', ['kms.listKeyDetail']);
    const report = await sweep(r, createGuard, { WARDEN_PROTECT_ALIASES: 'prod-*' }, trace);
    expect(report.actions).toEqual([{ kind: 'cancel-deletion', target: kid(1), status: 'failed', reason: `${STATE_99}: cannot tell whether it is pending deletion` }]);
  });

  it('tag-new-keys sweep: a key listed in an undocumented state is reported failed, not skipped', async () => {
    const r = await start({ users: users(), keys: [{ key_id: kid(1), key_alias: 'app-1' }, { key_id: kid(2), key_alias: 'kms/default' }] });
    faults(r, 'unexpected-state', ['kms.listKmsByTags', 'kms.listKeys']);
    const report = await sweep(r, createTag, { WARDEN_KEY_TAGS: JSON.stringify({ team: 'payments' }) });
    expect(report.actions).toEqual([{ kind: 'tag', target: kid(1), status: 'failed', reason: `${STATE_99}: left alone` }]);
    expect(calls(r, 'kms.batchCreateKmsTags')).toBe(0);
  });

  it('prune: an orphan in an undocumented state is reported failed and kept; the others are deleted', async () => {
    const r = await start({ users: users(), events: [event('orphan-1'), event('orphan-2')], secrets: [{ name: 's-1' }] });
    faults(r, 'unexpected-state', ['csms.listSecretEvents']);
    const report = await sweep(r, createPrune);
    expect(calls(r, 'csms.deleteSecretEvent')).toBe(0);
    expect(report.actions).toEqual(
      ['orphan-1', 'orphan-2'].map((name) => ({ kind: 'delete-event', target: name, status: 'failed', reason: 'undocumented state "UNKNOWN" (documented: ENABLED, DISABLED): not deleted' })),
    );
  });

  it('prune: a secret in an undocumented state fails the sweep: nothing is deleted', async () => {
    const r = await start({ users: users(), events: [event('orphan-1')], secrets: [{ name: 's-1' }] });
    faults(r, 'unexpected-state', ['csms.listSecrets']);
    const report = await sweep(r, createPrune);
    expect(calls(r, 'csms.deleteSecretEvent')).toBe(0);
    expect(report.actions).toEqual([
      {
        kind: 'sweep',
        target: 'csms.listSecrets',
        status: 'failed',
        reason: '1 secret(s) in a state not understood (s-1: undocumented state "UNKNOWN" (documented: ENABLED, DISABLED, PENDING_DELETE, FROZEN)): which events they use cannot be trusted, nothing deleted',
      },
    ]);
  });

  it('check-restorable: a server with a backup in an undocumented status is reported failed, though an older one restores', async () => {
    const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString().replace('Z', '000');
    const r = await start({
      users: users(),
      servers: [{ id: 'srv-1', name: 'srv-1', volumes: ['v1'] }],
      checkpointItems: [
        { id: 'item-old', status: 'available', created_at: at(3), resource_id: 'srv-1', volume_backups: [{ id: 'd1', source_volume_id: 'v1' }] },
        { id: 'item-new', status: 'replicating', created_at: at(1), resource_id: 'srv-1', volume_backups: [{ id: 'd2', source_volume_id: 'v1' }] },
      ],
    });
    const report = await sweep(r, createCheck);
    expect(report.actions).toEqual([
      expect.objectContaining<Partial<ReportAction>>({
        target: 'srv-1',
        status: 'failed',
        reason: expect.stringMatching(/^cannot check: backup item-new has undocumented status "replicating" \(documented: waiting_protect, /),
      }),
    ]);
    expect(calls(r, 'csbs.checkRestorable')).toBe(0);
  });
});
