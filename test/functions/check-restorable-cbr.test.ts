import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler, KIND } from '../../functions/check-restorable.ts';
import { defaultFixture } from '../../local/cloud/index.ts';
import type { ApiVariants, Fixture, FixtureBackup, FixtureServer, FixtureVault } from '../../local/cloud/index.ts';
import type { FunctionReport, ReportAction } from '../../shared/runtime/report.ts';
import { fgContext, rigPerTest, timerEvent } from '../support/functions.ts';
import type { FunctionRig } from '../support/functions.ts';

const NOW = new Date('2024-06-01T00:00:00.000Z');
const HOUR = 3_600_000;

/** CBR writes times as UTC without a zone and with microseconds. */
function cbrTime(hoursAgo: number): string {
  return new Date(NOW.getTime() - hoursAgo * HOUR).toISOString().replace(/Z$/, '000');
}

function server(id: string, disks = [`${id}-sys`, `${id}-data`], extra: Partial<FixtureServer> = {}): FixtureServer {
  return { id, name: `${id}-name`, volumes: disks.map((disk, i) => ({ id: disk, bootable: i === 0, size: 40 })), ...extra };
}

/** A backup of `serverId` taken `hoursAgo`, by default one disk backup per disk the server has. */
function backup(id: string, serverId: string, hoursAgo: number, extra: Partial<FixtureBackup> = {}): FixtureBackup {
  return { id, vault_id: 'vault-1', resource_id: serverId, status: 'available', created_at: cbrTime(hoursAgo), ...extra };
}

function fixture(servers: FixtureServer[], backups: FixtureBackup[], vaults?: FixtureVault[]): Fixture {
  const base = defaultFixture();
  return {
    users: base.users,
    servers,
    backups,
    vaults: vaults ?? [{ id: 'vault-1', name: 'servers-daily', resources: servers.map((s) => s.id) }],
    topics: base.topics,
  };
}

const start = rigPerTest();

async function sweep(r: FunctionRig, env: Record<string, string> = {}, context = fgContext()): Promise<FunctionReport> {
  return (await createHandler({ ...r.options(env), now: () => NOW })(timerEvent(), context as any)) as FunctionReport;
}

const byServer = (report: FunctionReport): Record<string, Pick<ReportAction, 'status' | 'reason'>> =>
  Object.fromEntries(report.actions.map((a) => [a.target, { status: a.status, reason: a.reason }]));
const calls = (r: FunctionRig, operation: string) => r.cloud.stats.byOperation[operation] ?? 0;

/** A scripted HTTP answer for one service, to give the function what the embedded cloud never says. */
const scripted: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(scripted.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});
async function scriptedService(answer: (path: string) => { status: number; body: unknown }): Promise<string> {
  const http = createServer((req, res) => {
    const { status, body } = answer(req.url ?? '');
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  scripted.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe('check-restorable on CBR', () => {
  it('reports a server whose newest backup covers its disks as restorable, with one call per listing', async () => {
    const r = await start(fixture([server('web-01')], [backup('b-old', 'web-01', 30), backup('b-new', 'web-01', 2)]));
    const report = await sweep(r);
    expect(report.actions).toEqual([{ kind: KIND, target: 'web-01', status: 'applied', reason: 'restorable: CBR backup b-new of 2024-05-31T22:00:00.000Z' }]);
    expect(r.cloud.stats.byOperation).toEqual({ 'cbr.listVault': 1, 'ecs.listServersDetails': 1, 'cbr.listBackups': 1 });
  });

  it("keeps each server's newest backup, passing over the older ones as they are read, and still sees an unreadable one read last", async () => {
    const servers = ['s1', 's2', 's3'].map((id) => server(id));
    const backups = servers.flatMap((s, n) => [1, 2, 3, 4].map((day) => backup(`${s.id}-d${day}`, s.id, day * 24 + n, day === 1 && s.id === 's2' ? { status: 'error' } : {})));
    // Listed newest first, so the hour 99 backup comes last, after s3's newest is kept.
    const r = await start(fixture(servers, [...backups, backup('s3-odd', 's3', 200, { created_at: '2024-05-20T99:00:00.000000' })]));
    const report = await sweep(r);
    expect(byServer(report)).toEqual({
      s1: { status: 'applied', reason: 'restorable: CBR backup s1-d1 of 2024-05-31T00:00:00.000Z' },
      s2: {
        status: 'failed',
        reason:
          'not restorable: its status is error, not available; its restore mode is na: CBR cannot restore it; the backup of disk s2-sys is error; the backup of disk s2-data is error (CBR backup s2-d1 of 2024-05-30T23:00:00.000Z)',
      },
      s3: { status: 'failed', reason: 'not restorable: backup s3-odd has an unreadable created_at, so which backup is the newest cannot be told (CBR)' },
    });
  });

  it('names every condition the newest backup fails', async () => {
    const r = await start(
      fixture(
        [
          server('stale'),
          server('errored'),
          server('na'),
          server('expired'),
          server('grew', ['grew-sys', 'grew-data', 'grew-new']),
          server('excluded', ['excluded-sys', 'excluded-scratch']),
          server('many', ['many-sys', 'many-new']),
          server('boundary'),
        ],
        [
          backup('b-stale', 'stale', 30),
          backup('b-older', 'errored', 10),
          backup('b-errored', 'errored', 1, { status: 'error', supported_restore_mode: 'na' }),
          backup('b-na', 'na', 1, { supported_restore_mode: 'na' }),
          backup('b-expired', 'expired', 3, { expired_at: cbrTime(1) }),
          backup('b-grew', 'grew', 1, { children: [{ id: 'c1', resource_id: 'grew-sys' }, { id: 'c2', resource_id: 'grew-data' }] }),
          backup('b-excluded', 'excluded', 1, { children: [{ id: 'c3', resource_id: 'excluded-sys' }] }),
          backup('b-many', 'many', 40, { status: 'protecting', expired_at: cbrTime(39), children: [{ id: 'c4', resource_id: 'many-sys', status: 'error' }] }),
          backup('b-boundary', 'boundary', 26, { expired_at: cbrTime(-1) }),
        ],
        [
          {
            id: 'vault-1',
            name: 'servers-daily',
            resources: [
              ...['stale', 'errored', 'na', 'expired', 'grew', 'many', 'boundary'],
              { id: 'excluded', exclude_volumes: ['excluded-scratch'] },
            ],
          },
        ],
      ),
    );
    const report = await sweep(r);
    const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * HOUR).toISOString();
    expect(byServer(report)).toEqual({
      boundary: { status: 'applied', reason: `restorable: CBR backup b-boundary of ${at(26)}` },
      errored: {
        status: 'failed',
        reason:
          'not restorable: its status is error, not available; its restore mode is na: CBR cannot restore it; the backup of disk errored-sys is error; ' +
          `the backup of disk errored-data is error (CBR backup b-errored of ${at(1)})`,
      },
      excluded: {
        status: 'failed',
        reason: `not restorable: disk excluded-scratch attached now has no backup in it (the vault excludes it from backups) (CBR backup b-excluded of ${at(1)})`,
      },
      expired: { status: 'failed', reason: `not restorable: it expired at ${at(1)} (CBR backup b-expired of ${at(3)})` },
      grew: { status: 'failed', reason: `not restorable: disk grew-new attached now has no backup in it (CBR backup b-grew of ${at(1)})` },
      many: {
        status: 'failed',
        reason:
          `not restorable: its status is protecting, not available; its restore mode is na: CBR cannot restore it; stale: 40 h old, older than 26 h; ` +
          `it expired at ${at(39)}; the backup of disk many-sys is error; disk many-new attached now has no backup in it (CBR backup b-many of ${at(40)})`,
      },
      na: { status: 'failed', reason: `not restorable: its restore mode is na: CBR cannot restore it (CBR backup b-na of ${at(1)})` },
      stale: { status: 'failed', reason: `not restorable: stale: 30 h old, older than 26 h (CBR backup b-stale of ${at(30)})` },
    });
  });

  it('fails servers no backup covers, says whether a vault protects them, and skips exempt ones', async () => {
    const r = await start(
      fixture(
        [
          server('bastion'),
          server('new-in-vault'),
          server('scratch-01'),
          server('tagged', undefined, { tags: { 'backup-exempt': 'TRUE', team: 'ci' } }),
          server('scratch-with-backup'),
          server('tagged-false', undefined, { tags: { 'backup-exempt': 'false' } }),
        ],
        [backup('b-scratch', 'scratch-with-backup', 100), backup('b-gone', 'deleted-server', 1, { resource_name: 'old-db' })],
        [{ id: 'vault-1', name: 'servers-daily', resources: ['new-in-vault', 'scratch-with-backup'] }],
      ),
    );
    const report = await sweep(r, { WARDEN_BACKUP_EXEMPT: 'scratch-*' });
    expect(byServer(report)).toEqual({
      bastion: { status: 'failed', reason: 'no backup: no CBR vault protects this server' },
      'deleted-server': { status: 'failed', reason: `not restorable: the server no longer exists (CBR backup b-gone of 2024-05-31T23:00:00.000Z)` },
      'new-in-vault': { status: 'failed', reason: 'no backup: CBR vault "servers-daily" protects this server but holds no backup of it' },
      'scratch-01': { status: 'skipped', reason: 'exempt: name matches "scratch-*"' },
      'scratch-with-backup': { status: 'skipped', reason: 'exempt: name matches "scratch-*"' },
      tagged: { status: 'skipped', reason: 'exempt: tagged backup-exempt=true' },
      'tagged-false': { status: 'failed', reason: 'no backup: no CBR vault protects this server' },
    });
    expect(report.counts).toEqual({ applied: 0, planned: 0, skipped: 3, failed: 4, deferred: 0 });
  });

  it('never reports "restorable" from an answer it does not understand, and names what it did not understand', async () => {
    const r = await start(
      fixture(
        [server('no-children'), server('no-mode'), server('odd-status'), server('odd-mode'), server('odd-disk'), server('odd-expiry'), server('odd-server', undefined, { status: 'RESTORING' })],
        [
          backup('b1', 'no-children', 1, { children: null }),
          backup('b2', 'no-mode', 1, { supported_restore_mode: null }),
          backup('b3', 'odd-status', 1, {
            status: 'frozen',
            supported_restore_mode: 'backup',
            children: ['odd-status-sys', 'odd-status-data'].map((disk) => ({ id: `c-${disk}`, resource_id: disk, status: 'available' })),
          }),
          backup('b4', 'odd-mode', 1, { supported_restore_mode: 'instant' }),
          backup('b5', 'odd-disk', 1, { children: [{ id: 'c', resource_id: 'odd-disk-sys', status: 'archived' }, { id: 'd', resource_id: 'odd-disk-data' }] }),
          backup('b6', 'odd-expiry', 1, { expired_at: 'next tuesday' }),
          backup('b7', 'odd-server', 1),
          backup('b8', 'undated', 1, { created_at: '2024-05-31 at 23:00' }),
        ],
      ),
    );
    const report = await sweep(r);
    const reasons = Object.fromEntries(report.actions.map((a) => [a.target, a.reason?.replace(/ \(CBR backup .*\)$/, '')]));
    expect(report.actions.every((a) => a.status === 'failed')).toBe(true);
    expect(reasons).toEqual({
      'no-children': 'not restorable: it does not list its disk backups (children missing)',
      'no-mode': 'not restorable: it does not say how it can be restored (extend_info.supported_restore_mode missing)',
      'odd-status': 'not restorable: its status "frozen" is not one CBR documents',
      'odd-mode': 'not restorable: its restore mode "instant" is not one CBR documents',
      'odd-disk': 'not restorable: the backup of disk odd-disk-sys has a status "archived" CBR does not document',
      'odd-expiry': 'not restorable: its expired_at "next tuesday" cannot be read',
      'odd-server': `not restorable: the server's status "RESTORING" is not one ECS documents`,
      undated: 'not restorable: backup b8 has an unreadable created_at, so which backup is the newest cannot be told (CBR)',
    });
  });

  it('fails every server, restorable or not, when the server listing ends early', async () => {
    const r = await start(fixture([server('web-01'), server('web-02')], [backup('b1', 'web-01', 1), backup('b2', 'web-02', 1)]));
    // ECS answers a page of one server while counting three: the listing cannot prove it is complete.
    const ecs = await scriptedService(() => ({ status: 200, body: { count: 3, servers: [{ id: 'web-01', name: 'web-01-name', status: 'ACTIVE', tags: [], 'os-extended-volumes:volumes_attached': [] }] } }));
    const report = await sweep(r, { HUAWEICLOUD_ENDPOINT_URL_ECS: ecs });
    expect(report.counts.applied).toBe(0);
    expect(report.actions.map((a) => a.status)).toEqual(['failed', 'failed']);
    expect(report.actions[0]?.reason).toMatch(
      /^not restorable: cannot tell whether the server exists or which disks it has \(the server listing is incomplete: WARDEN.INCOMPLETE_LISTING: /,
    );
  });

  it('reads the disks of a server listed without them (ListServerBlockDevices), and only of that server', async () => {
    const r = await start(fixture([server('web-01'), server('web-02')], [backup('b1', 'web-01', 1), backup('b2', 'web-02', 1, { children: [{ id: 'c', resource_id: 'web-02-sys' }] })]));
    const listed = (id: string) => ({ id, name: `${id}-name`, status: 'ACTIVE', tags: [] });
    const ecs = await scriptedService((path) =>
      path.includes('/block_device')
        ? { status: 200, body: { volumeAttachments: [{ volumeId: `${path.split('/')[4]}-sys` }, { volumeId: `${path.split('/')[4]}-data` }] } }
        : { status: 200, body: { count: 2, servers: [listed('web-01'), listed('web-02')] } },
    );
    const report = await sweep(r, { HUAWEICLOUD_ENDPOINT_URL_ECS: ecs });
    expect(byServer(report)).toEqual({
      'web-01': { status: 'applied', reason: 'restorable: CBR backup b1 of 2024-05-31T23:00:00.000Z' },
      'web-02': { status: 'failed', reason: 'not restorable: disk web-02-data attached now has no backup in it (CBR backup b2 of 2024-05-31T23:00:00.000Z)' },
    });
  });

  it.each<[ApiVariants['listBackupsChildren'], number]>([
    ['listed', 0],
    ['empty', 2],
  ])('gives the same verdicts whether ListBackups lists children or shows [] (%s: %i ShowBackup)', async (variant, shows) => {
    const r = await start(
      fixture([server('web-01'), server('web-02'), server('gone')], [backup('b1', 'web-01', 1), backup('b2', 'web-02', 1, { children: [{ id: 'c', resource_id: 'web-02-sys' }] }), backup('b3', 'gone', 1)]),
    );
    r.cloud.state.servers.delete('gone');
    r.cloud.setVariants({ listBackupsChildren: variant });
    const report = await sweep(r);
    expect(report.actions.map((a) => [a.target, a.status])).toEqual([
      ['gone', 'failed'],
      ['web-01', 'applied'],
      ['web-02', 'failed'],
    ]);
    expect(report.actions[2]?.reason).toContain('disk web-02-data attached now has no backup in it');
    expect(calls(r, 'cbr.showBackup')).toBe(shows);
  });

  it('reports a backup deleted before its disk backups could be read, and defers that read when out of time', async () => {
    const r = await start(fixture([server('web-01')], [backup('b1', 'web-01', 1)]));
    r.cloud.setVariants({ listBackupsChildren: 'empty' });
    // Time runs out once the backups are listed: the disk backups' read is left for the next run.
    const listed = () => calls(r, 'cbr.listBackups') > 0;
    const deferred = await sweep(r, {}, { ...fgContext(), getRemainingTimeInMilliSeconds: () => (listed() ? 1_000 : 60_000) });
    expect(deferred.actions).toEqual([{ kind: KIND, target: 'web-01', status: 'deferred', reason: 'out of time: left for the next run' }]);

    const showBackup = r.cloud.stats.byOperation['cbr.showBackup'] ?? 0;
    r.cloud.state.backups.delete('b1');
    const report = await sweep(r);
    expect(report.actions[0]?.status).toBe('failed');
    expect(report.actions[0]?.reason).toMatch(/^not restorable: its disk backups could not be read: BackupService.6302: Backup b1 not found/);
    expect(calls(r, 'cbr.showBackup')).toBe(showBackup + 1);
  });

  it('reports the sweep failed, naming the call, when the backups cannot be listed (no verdict at all)', async () => {
    const r = await start(fixture([server('web-01')], [backup('b1', 'web-01', 1)]));
    r.cloud.setFaults({ seed: 1, rate: { '500': 1 }, operations: ['cbr.listBackups'] });
    const report = await sweep(r);
    expect(report.actions).toEqual([{ kind: 'sweep', target: 'cbr.listBackups', status: 'failed', reason: 'BackupService.9999: Internal error.' }]);
  });

  it.each([
    ['unexpected-state', 'cbr.listBackups', /^not restorable: its status "UNKNOWN" is not one CBR documents; the backup of disk web-0\d-sys has a status "UNKNOWN"/],
    ['unexpected-state', 'ecs.listServersDetails', /^not restorable: the server's status "UNKNOWN" is not one ECS documents \(CBR backup/],
    ['missing-fields', 'ecs.listServersDetails', /^not restorable: cannot tell whether the server exists or which disks it has \(the server listing is incomplete: WARDEN.INVALID_RESPONSE/],
  ] as const)('with %s answers from %s, reports no server restorable and names why', async (kind, operation, reason) => {
    const r = await start(fixture([server('web-01'), server('web-02')], [backup('b1', 'web-01', 1), backup('b2', 'web-02', 1)]));
    r.cloud.setFaults({ seed: 1, rate: { [kind]: 1 }, operations: [operation] });
    const report = await sweep(r);
    expect(report.actions.map((a) => a.status)).toEqual(['failed', 'failed']);
    for (const action of report.actions) expect(action.reason).toMatch(reason);
  });

  it('fails the run, calling nothing restorable, when the backup answers lose their fields', async () => {
    const r = await start(fixture([server('web-01')], [backup('b1', 'web-01', 1)]));
    r.cloud.setFaults({ seed: 1, rate: { 'missing-fields': 1 }, operations: ['cbr.listBackups'] });
    const report = await sweep(r);
    expect(report.actions).toHaveLength(1);
    expect(report.actions[0]).toMatchObject({ kind: 'sweep', target: 'cbr.listBackups', status: 'failed' });
    expect(report.actions[0]?.reason).toMatch(/^WARDEN.INVALID_RESPONSE: unexpected response: backups.0.id: required/);
  });

  it('checks exactly the same in a dry run (it is read-only)', async () => {
    const r = await start(fixture([server('web-01'), server('bastion')], [backup('b1', 'web-01', 1)]));
    const real = await sweep(r);
    const dry = await sweep(r, { WARDEN_DRY_RUN: 'true' });
    expect(dry.dryRun).toBe(true);
    expect(dry.actions).toEqual(real.actions);
  });
});

describe('check-restorable: which backup service (WARDEN_BACKUP_SERVICE)', () => {
  const csbsAndCbr = (): Fixture => ({
    ...fixture([server('web-01')], [backup('b1', 'web-01', 1)]),
    checkpointItems: [
      { id: 'item-1', status: 'available', created_at: cbrTime(2), resource_id: 'web-01', volume_backups: [{ id: 'vb-1', source_volume_id: 'web-01-sys' }, { id: 'vb-2', source_volume_id: 'web-01-data' }] },
    ],
  });
  const service = (report: FunctionReport) => /(CBR|CSBS) backup/.exec(report.actions[0]?.reason ?? '')?.[1];
  const serviceLog = (r: FunctionRig) => r.logs.map((line) => JSON.parse(line)).find((entry) => entry.message === 'backup service');

  it('auto: CBR where it holds a server vault, and the report says so', async () => {
    const r = await start(csbsAndCbr());
    expect(service(await sweep(r))).toBe('CBR');
    expect(serviceLog(r)).toMatchObject({ service: 'cbr', why: 'auto: CBR holds 1 server vault(s)' });
  });

  it('auto: CSBS where CBR answers with no server vault', async () => {
    const r = await start({ ...csbsAndCbr(), vaults: [{ id: 'disks', name: 'disks', object_type: 'disk', resources: [] }] });
    expect(service(await sweep(r))).toBe('CSBS');
    expect(serviceLog(r)).toMatchObject({ service: 'csbs', why: 'auto: CBR answers but holds no server vault' });
  });

  it('auto: CSBS where CBR answers 404 or cannot be reached', async () => {
    const r = await start(csbsAndCbr());
    // A region without CBR: its gateway answers 404 APIGW.0101 (the embedded cloud answers 501 "not emulated" instead).
    const absent = await scriptedService(() => ({ status: 404, body: { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment' } }));
    expect(service(await sweep(r, { HUAWEICLOUD_ENDPOINT_URL_CBR: absent }))).toBe('CSBS');
    const closed = await scriptedService(() => ({ status: 200, body: {} }));
    await new Promise((resolve) => scripted.pop()!.close(resolve));
    expect(service(await sweep(r, { HUAWEICLOUD_ENDPOINT_URL_CBR: closed, HUAWEICLOUD_RETRY_ATTEMPTS: '1' }))).toBe('CSBS');
    expect(serviceLog(r)?.why).toMatch(/^auto: CBR does not answer here \(APIGW.0101/);
  });

  it.each([
    [403, { error_code: 'CBR.0403', error_msg: 'no permission' }],
    [500, { error_code: 'BackupService.9999', error_msg: 'Internal error.' }],
  ])('auto: a CBR that answers %i fails the run instead of guessing', async (status, body) => {
    const r = await start(csbsAndCbr());
    const cbr = await scriptedService(() => ({ status, body }));
    const report = await sweep(r, { HUAWEICLOUD_ENDPOINT_URL_CBR: cbr, HUAWEICLOUD_RETRY_ATTEMPTS: '1' });
    expect(report.actions).toHaveLength(1);
    expect(report.actions[0]).toMatchObject({ kind: 'sweep', target: 'cbr.listVault', status: 'failed' });
    expect(report.actions[0]?.reason).toContain(`WARDEN_BACKUP_SERVICE=auto cannot tell whether CBR holds this project's backups (${body.error_code}: ${body.error_msg})`);
    expect(r.cloud.stats.byOperation['csbs.listCheckpointItems']).toBeUndefined();
  });

  it('csbs and cbr are taken as set, whatever the other service holds', async () => {
    const r = await start(csbsAndCbr());
    expect(service(await sweep(r, { WARDEN_BACKUP_SERVICE: 'csbs' }))).toBe('CSBS');
    expect(r.cloud.stats.byOperation['cbr.listVault']).toBeUndefined();
    r.cloud.reset({ ...csbsAndCbr(), vaults: [] });
    const report = await sweep(r, { WARDEN_BACKUP_SERVICE: 'cbr' });
    expect(report.actions).toEqual([{ kind: KIND, target: 'web-01', status: 'applied', reason: 'restorable: CBR backup b1 of 2024-05-31T23:00:00.000Z' }]);
  });
});

describe('check-restorable on CSBS: servers with no backup, exempt servers', () => {
  const item = (id: string, serverId: string, name?: string) => ({
    id,
    status: 'available',
    created_at: cbrTime(2),
    resource_id: serverId,
    ...(name ? { resource_name: name } : {}),
    volume_backups: [{ id: `${id}-vb`, source_volume_id: `${serverId}-sys` }],
  });
  const csbs = (servers: FixtureServer[], items: ReturnType<typeof item>[]): Fixture => ({ users: defaultFixture().users, servers, checkpointItems: items });

  it('fails every server CSBS holds no backup of, and skips exempt ones with or without backups', async () => {
    const r = await start(
      csbs(
        [server('web-01', ['web-01-sys']), server('bastion'), server('ci-01'), server('tmp', undefined, { tags: { 'backup-exempt': 'true' } }), server('ci-02', ['ci-02-sys'])],
        [item('i1', 'web-01'), item('i2', 'ci-02'), item('i3', 'gone', 'ci-old')],
      ),
    );
    const report = await sweep(r, { WARDEN_BACKUP_SERVICE: 'csbs', WARDEN_BACKUP_EXEMPT: 'ci-*' });
    expect(byServer(report)).toEqual({
      'web-01': { status: 'applied', reason: `restorable: CSBS backup i1 of ${new Date(NOW.getTime() - 2 * HOUR).toISOString()}` },
      'ci-02': { status: 'skipped', reason: 'exempt: name matches "ci-*"' },
      gone: { status: 'skipped', reason: 'exempt: name matches "ci-*"' },
      bastion: { status: 'failed', reason: 'no backup: CSBS holds no backup of this server' },
      'ci-01': { status: 'skipped', reason: 'exempt: name matches "ci-*"' },
      tmp: { status: 'skipped', reason: 'exempt: tagged backup-exempt=true' },
    });
    expect(calls(r, 'csbs.checkRestorable')).toBe(1);
  });

  it('still checks the backups when the servers cannot be listed, and says what that leaves unknown', async () => {
    const r = await start(csbs([server('web-01', ['web-01-sys']), server('bastion')], [item('i1', 'web-01')]));
    r.cloud.setFaults({ seed: 1, rate: { '503': 1 }, operations: ['ecs.listServersDetails'] });
    const report = await sweep(r, { WARDEN_BACKUP_SERVICE: 'csbs', HUAWEICLOUD_RETRY_ATTEMPTS: '1' });
    expect(byServer(report)).toEqual({
      'web-01': { status: 'applied', reason: `restorable: CSBS backup i1 of ${new Date(NOW.getTime() - 2 * HOUR).toISOString()}` },
      'ecs.listServersDetails': { status: 'failed', reason: 'servers with no backup cannot be found: the server listing is incomplete: Ecs.0001: System error. Please try again later.' },
    });
  });
});
