import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyChecks, BATCH_SIZE, batches, createHandler, definition, KIND, observe, planChecks } from '../../functions/check-restorable.ts';
import { defaultFixture } from '../../local/cloud/index.ts';
import type { Fixture, FixtureCheckpointItem, FixtureServer } from '../../local/cloud/index.ts';
import { HuaweiCloud } from '../../shared/hwc/index.ts';
import type { CheckpointItem } from '../../shared/hwc/index.ts';
import { ReportBuilder } from '../../shared/runtime/report.ts';
import type { FunctionReport, ReportAction } from '../../shared/runtime/report.ts';
import { signWebhook } from '../../shared/runtime/webhook-auth.ts';
import { apigBody, apigEvent, fgContext, rigPerTest, timerEvent, WEBHOOK_SECRET } from '../support/functions.ts';
import type { FunctionRig } from '../support/functions.ts';

const NOW = new Date('2024-06-01T00:00:00.000Z');
const HOUR = 3_600_000;

/** CSBS writes times as UTC without a zone and with microseconds: 2024-05-31T22:00:00.000000. */
function csbsTime(hoursAgo: number): string {
  return new Date(NOW.getTime() - hoursAgo * HOUR).toISOString().replace(/Z$/, '000');
}

function server(id: string, status = 'ACTIVE', volumes = [`${id}-sys`, `${id}-data`]): FixtureServer {
  return { id, name: `${id}-name`, status, volumes };
}

/** A backup of `serverId` taken `hoursAgo`, one disk backup per volume. */
function backup(id: string, serverId: string, hoursAgo: number, status = 'available', volumes = [`${serverId}-sys`, `${serverId}-data`]): FixtureCheckpointItem {
  return {
    id,
    status,
    created_at: csbsTime(hoursAgo),
    resource_id: serverId,
    volume_backups: volumes.map((volume, i) => ({ id: `${id}-disk-${i}`, source_volume_id: volume, bootable: i === 0 })),
  };
}

function fixture(servers: FixtureServer[], checkpointItems: FixtureCheckpointItem[]): Fixture {
  return { users: defaultFixture().users, servers, checkpointItems, topics: [{ name: 'warden-alerts' }] };
}

// Whatever a test did, neither the cloud's secret key nor the webhook secret may reach a log line.
const start = rigPerTest();

function handlerFor(r: FunctionRig, env: Record<string, string> = {}) {
  return createHandler({ ...r.options(env), now: () => NOW });
}

async function sweep(r: FunctionRig, env: Record<string, string> = {}, context = fgContext()): Promise<FunctionReport> {
  return (await handlerFor(r, env)(timerEvent(), context as any)) as FunctionReport;
}

const checkCalls = (r: FunctionRig) => r.cloud.stats.byOperation['csbs.checkRestorable'] ?? 0;
const byServer = (report: FunctionReport): Record<string, Pick<ReportAction, 'status' | 'reason'>> =>
  Object.fromEntries(report.actions.map((a) => [a.target, { status: a.status, reason: a.reason }]));

describe('check-restorable, TIMER sweep', () => {
  it('reports a server whose newest backup restores as applied, in one request', async () => {
    const r = await start(fixture([server('web-01')], [backup('item-1', 'web-01', 2)]));
    const report = await sweep(r);
    expect(report).toMatchObject({ function: 'check-restorable', trigger: 'timer', dryRun: false });
    expect(report.actions).toEqual([
      { kind: KIND, target: 'web-01', status: 'applied', reason: 'restorable: CSBS backup item-1 of 2024-05-31T22:00:00.000Z' },
    ]);
    expect(checkCalls(r)).toBe(1);
  });

  it('reports unrestorable servers as failed with the error code and message', async () => {
    const r = await start(
      fixture(
        [server('disk-swapped', 'ACTIVE', ['disk-swapped-sys', 'new-data-disk']), server('restoring', 'RESTORING')],
        [backup('item-a', 'disk-swapped', 1), backup('item-b', 'restoring', 1), backup('item-c', 'deleted-server', 1)],
      ),
    );
    const report = await sweep(r);
    expect(report.counts).toEqual({ applied: 0, planned: 0, skipped: 0, failed: 3, deferred: 0 });
    expect(byServer(report)).toEqual({
      'deleted-server': {
        status: 'failed',
        reason: 'not restorable: CSBS.6000: server do not exist (CSBS backup item-c of 2024-05-31T23:00:00.000Z)',
      },
      'disk-swapped': {
        status: 'failed',
        reason: 'not restorable: CSBS.6014: Volume(s) (disk-swapped-data) not found in target server. (CSBS backup item-a of 2024-05-31T23:00:00.000Z)',
      },
      restoring: { status: 'failed', reason: 'not restorable: CSBS.6015: The server is restoring. (CSBS backup item-b of 2024-05-31T23:00:00.000Z)' },
    });
    expect(checkCalls(r)).toBe(1);
  });

  it('checks the newest AVAILABLE backup, ignoring newer ones still protecting or in error', async () => {
    // The older available backup was taken before a data disk was replaced: checking it would fail.
    const r = await start(
      fixture(
        [server('db-01', 'ACTIVE', ['db-01-sys', 'db-01-data-v2'])],
        [
          backup('protecting', 'db-01', 1, 'protecting', ['db-01-sys', 'db-01-data-v2']),
          backup('errored', 'db-01', 2, 'error', ['db-01-sys', 'db-01-data-v2']),
          backup('newest-available', 'db-01', 5, 'available', ['db-01-sys', 'db-01-data-v2']),
          backup('older-available', 'db-01', 10, 'available', ['db-01-sys', 'db-01-data-v1']),
        ],
      ),
    );
    const report = await sweep(r);
    expect(report.actions).toEqual([
      { kind: KIND, target: 'db-01', status: 'applied', reason: 'restorable: CSBS backup newest-available of 2024-05-31T19:00:00.000Z' },
    ]);
  });

  it('flags a server whose newest available backup is older than the limit, and still checks that backup', async () => {
    const r = await start(
      fixture(
        [server('boundary'), server('old'), server('old-broken', 'RESTORING')],
        [backup('exactly-26h', 'boundary', 26), backup('item-old', 'old', 30), backup('item-old-broken', 'old-broken', 50)],
      ),
    );
    const report = await sweep(r);
    expect(byServer(report)).toEqual({
      boundary: { status: 'applied', reason: 'restorable: CSBS backup exactly-26h of 2024-05-30T22:00:00.000Z' },
      old: {
        status: 'failed',
        reason:
          'stale: no available CSBS backup newer than 26 h (newest: 2024-05-30T18:00:00.000Z, 30 h old); that backup is restorable (CSBS backup item-old of 2024-05-30T18:00:00.000Z)',
      },
      'old-broken': {
        status: 'failed',
        reason:
          'stale: no available CSBS backup newer than 26 h (newest: 2024-05-29T22:00:00.000Z, 50 h old); not restorable: CSBS.6015: The server is restoring. (CSBS backup item-old-broken of 2024-05-29T22:00:00.000Z)',
      },
    });
    expect(checkCalls(r)).toBe(1);
  });

  it('flags a server whose backups are all in error or protecting as stale, without asking about them', async () => {
    const r = await start(
      fixture([server('app-01')], [backup('e1', 'app-01', 1, 'error'), backup('e2', 'app-01', 3, 'error'), backup('p1', 'app-01', 0.5, 'protecting')]),
    );
    const report = await sweep(r, { WARDEN_BACKUP_MAX_AGE_HOURS: '12' });
    expect(report.actions).toEqual([
      { kind: KIND, target: 'app-01', status: 'failed', reason: 'stale: no available CSBS backup newer than 12 h (none available: 1 protecting, 2 error)' },
    ]);
    expect(checkCalls(r)).toBe(0);
  });

  it(`batches ${BATCH_SIZE} servers per request (25 servers: 3 requests)`, async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `srv-${String(i).padStart(2, '0')}`);
    const r = await start(fixture(ids.map((id) => server(id)), ids.map((id, i) => backup(`item-${id}`, id, 1 + i / 10))));
    const report = await sweep(r);
    expect(report.counts).toEqual({ applied: 25, planned: 0, skipped: 0, failed: 0, deferred: 0 });
    expect(report.actions.map((a) => a.target)).toEqual(ids);
    expect(checkCalls(r)).toBe(3);
  });

  it('reads every page of backups (a server whose only backup is on the second page is checked)', async () => {
    const many = Array.from({ length: 101 }, (_, i) => backup(`busy-${String(i).padStart(3, '0')}`, 'busy', 1 + i));
    const r = await start(fixture([server('busy'), server('quiet')], [...many, backup('quiet-only', 'quiet', 200)]));
    const report = await sweep(r);
    expect(r.cloud.stats.byOperation['csbs.listCheckpointItems']).toBe(2);
    expect(byServer(report)).toEqual({
      busy: { status: 'applied', reason: 'restorable: CSBS backup busy-000 of 2024-05-31T23:00:00.000Z' },
      quiet: {
        status: 'failed',
        reason:
          'stale: no available CSBS backup newer than 26 h (newest: 2024-05-23T16:00:00.000Z, 200 h old); that backup is restorable (CSBS backup quiet-only of 2024-05-23T16:00:00.000Z)',
      },
    });
  });

  it('reports a backup whose disk backups name no source volume as failed, without asking', async () => {
    const item = backup('odd', 'web-01', 1);
    item.volume_backups[1] = { id: 'odd-disk-1', source_volume_id: '' };
    const r = await start(fixture([server('web-01')], [item]));
    const report = await sweep(r);
    expect(report.actions).toEqual([
      {
        kind: KIND,
        target: 'web-01',
        status: 'failed',
        reason: 'cannot check: disk backup(s) odd-disk-1 name no source volume (CSBS backup odd of 2024-05-31T23:00:00.000Z)',
      },
    ]);
    expect(checkCalls(r)).toBe(0);
  });

  it('reports every server of a batch the cloud keeps failing as failed, with the reason', async () => {
    const r = await start(fixture([server('a'), server('b')], [backup('ia', 'a', 1), backup('ib', 'b', 1)]));
    r.cloud.setFaults({ rate: { '503': 1 }, operations: ['csbs.checkRestorable'] });
    const report = await sweep(r, { HUAWEICLOUD_RETRY_ATTEMPTS: '2' });
    expect(report.counts).toMatchObject({ failed: 2, applied: 0 });
    for (const action of report.actions) expect(action.reason).toMatch(/^check failed: [A-Z]+\.\d+: .+ \(CSBS backup i[ab] of /);
    expect(checkCalls(r)).toBe(2);
  });

  it('reports the sweep failed, naming the call, when the backups cannot be listed', async () => {
    const r = await start(fixture([server('a')], [backup('ia', 'a', 1)]));
    r.cloud.setFaults({ rate: { '500': 1 }, operations: ['csbs.listCheckpointItems'] });
    const report = await sweep(r, { HUAWEICLOUD_RETRY_ATTEMPTS: '1' });
    expect(report.actions).toEqual([
      { kind: 'sweep', target: 'csbs.listCheckpointItems', status: 'failed', reason: expect.stringMatching(/^CSBS\.9999: /) },
    ]);
    expect(checkCalls(r)).toBe(0);
  });

  it('publishes a summary of the failures to SMN when a topic is configured', async () => {
    const r = await start(fixture([server('ok'), server('busy', 'RESTORING')], [backup('i1', 'ok', 1), backup('i2', 'busy', 1)]));
    const topic = `urn:smn:cn-north-4:${r.cloud.identity.projectId}:warden-alerts`;
    await sweep(r, { WARDEN_SMN_TOPIC_URN: topic });
    expect(r.cloud.state.messages).toHaveLength(1);
    const [message] = r.cloud.state.messages;
    expect(message?.subject).toBe('hwc-warden check-restorable: 1 applied, 0 planned, 1 failed');
    expect(message?.message).toContain('failed check-restorable busy (not restorable: CSBS.6015: The server is restoring.');
  });
});

describe('check-restorable, the world changing under the run', () => {
  it('reports a backup that left the available state after it was listed as not restorable (CSBS.4000)', async () => {
    const r = await start(fixture([server('web-01')], [backup('item-1', 'web-01', 1)]));
    const cloud = HuaweiCloud.fromEnv(r.env());
    try {
      const plan = planChecks(await observe(cloud), { backupMaxAgeHours: 26 }, NOW);
      const item = r.cloud.state.checkpointItems.get('item-1');
      if (item) item.status = 'deleting';

      const report = new ReportBuilder(definition.name, 'timer', false);
      await applyChecks(plan, { cloud, report, outOfTime: () => false, policy: { concurrency: 2 } });
      expect(report.build().actions).toEqual([
        {
          kind: KIND,
          target: 'web-01',
          status: 'failed',
          reason: 'not restorable: CSBS.4000: checkpoint item not available (CSBS backup item-1 of 2024-05-31T23:00:00.000Z)',
        },
      ]);
    } finally {
      await cloud.close();
    }
  });
});

describe('check-restorable, dry run', () => {
  it('still checks (it is read-only) and reports the same results, marked dryRun', async () => {
    const r = await start(fixture([server('web-01'), server('busy', 'RESTORING')], [backup('i1', 'web-01', 1), backup('i2', 'busy', 1)]));
    const report = await sweep(r, { WARDEN_DRY_RUN: 'true' });
    expect(report.dryRun).toBe(true);
    expect(report.counts).toEqual({ applied: 1, planned: 0, skipped: 0, failed: 1, deferred: 0 });
    expect(checkCalls(r)).toBe(1);
  });
});

describe('check-restorable, APIG on demand', () => {
  it('a signed empty body runs a sweep and answers 200 with the report', async () => {
    const r = await start(fixture([server('web-01')], [backup('item-1', 'web-01', 2)]));
    const response = (await handlerFor(r)(apigEvent(undefined), fgContext() as any)) as { statusCode: number };
    expect(response.statusCode).toBe(200);
    expect(apigBody(response)).toMatchObject({
      function: 'check-restorable',
      trigger: 'apig',
      dryRun: false,
      counts: { applied: 1 },
      actions: [{ kind: KIND, target: 'web-01', status: 'applied' }],
    });
  });

  it.each([
    ['unsigned', { signature: null }],
    ['signed with another secret', { secret: 'not-the-webhook-secret-0000' }],
  ] as const)('refuses a request %s with 401 and calls nothing', async (_, options) => {
    const r = await start(fixture([server('web-01')], [backup('item-1', 'web-01', 2)]));
    const response = (await handlerFor(r)(apigEvent(undefined, options), fgContext() as any)) as { statusCode: number };
    expect(response.statusCode).toBe(401);
    expect(r.cloud.stats.requests).toBe(0);
  });
});

describe('check-restorable, time limit', () => {
  it('checks no further batch once the invocation runs short of time; stale servers still fail', async () => {
    const ids = Array.from({ length: 15 }, (_, i) => `srv-${String(i).padStart(2, '0')}`);
    const r = await start(fixture([...ids.map((id) => server(id)), server('stale')], [...ids.map((id) => backup(`item-${id}`, id, 1)), backup('old', 'stale', 100)]));
    const context = { ...fgContext(), getRemainingTimeInMilliSeconds: () => (checkCalls(r) < 1 ? 60_000 : 1_000) };
    const report = await sweep(r, { WARDEN_CONCURRENCY: '1' }, context);
    expect(checkCalls(r)).toBe(1);
    expect(report.counts).toEqual({ applied: 10, planned: 0, skipped: 0, failed: 1, deferred: 5 });
    expect(report.actions.find((a) => a.status === 'deferred')?.reason).toBe('out of time: left for the next run');
    expect(byServer(report)['stale']?.reason).toBe('stale: no available CSBS backup newer than 26 h (newest: 2024-05-27T20:00:00.000Z, 100 h old); not checked: out of time');
  });
});

describe('check-restorable, plan', () => {
  const item = (id: string, resource_id: string, created_at: string, status = 'available'): CheckpointItem => ({
    id,
    status,
    resource_id,
    created_at,
    extend_info: { volume_backups: [{ id: `${id}-disk`, source_volume_id: `${resource_id}-vol` }] },
  });

  it('maps each disk backup onto its source volume, and reads the server type from the backup', () => {
    const plan = planChecks([{ ...item('i1', 's1', csbsTime(1)), resource_type: 'OS::Ironic::BareMetalServer' }], { backupMaxAgeHours: 26 }, NOW);
    expect(plan.servers[0]?.backup?.check).toEqual({
      checkpoint_item_id: 'i1',
      target: { resource_id: 's1', resource_type: 'OS::Ironic::BareMetalServer', volumes: [{ backup_id: 'i1-disk', volume_id: 's1-vol' }] },
    });
  });

  it('treats an unreadable creation time as stale', () => {
    const plan = planChecks([item('i1', 's1', 'yesterday-ish')], { backupMaxAgeHours: 26 }, NOW);
    expect(plan.servers[0]?.stale).toBe('stale: no available CSBS backup newer than 26 h (newest: created_at "yesterday-ish" unreadable)');
  });

  it('splits into batches', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([], 10)).toEqual([]);
  });
});

describe('check-restorable, sample events', () => {
  it('events/check-restorable/timer.json runs a sweep', async () => {
    const r = await start(fixture([server('web-01')], [backup('item-1', 'web-01', 2)]));
    const sample = JSON.parse(readFileSync(new URL('../../events/check-restorable/timer.json', import.meta.url), 'utf8'));
    const report = (await handlerFor(r)(sample, fgContext() as any)) as FunctionReport;
    expect(report).toMatchObject({ trigger: 'timer', counts: { applied: 1 } });
  });

  it('events/check-restorable/apig.json, once signed, runs a (dry-run) sweep', async () => {
    const r = await start(fixture([server('web-01')], [backup('item-1', 'web-01', 2)]));
    const sample = JSON.parse(readFileSync(new URL('../../events/check-restorable/apig.json', import.meta.url), 'utf8'));
    sample.headers['x-warden-signature'] = signWebhook(sample.body, WEBHOOK_SECRET);
    const response = await handlerFor(r)(sample, fgContext() as any);
    expect(apigBody(response)).toMatchObject({ trigger: 'apig', dryRun: true, counts: { applied: 1 } });
  });
});
