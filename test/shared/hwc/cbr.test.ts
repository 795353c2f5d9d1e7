import { describe, expect, it } from 'vitest';
import { defaultFixture } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { CbrApi } from '../../../shared/hwc/cbr.ts';
import { LocalErrorCode } from '../../../shared/hwc/errors.ts';
import type { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { collect, expectRefusedBeforeSending, rejection, shareCloud } from './support.ts';

let cloud: LocalCloud;
let hwc: HuaweiCloud;
let cbr: CbrApi;

/** Two servers, a server vault protecting one of them (one disk excluded) and a disk vault; five backups. */
function fixture(): Fixture {
  const base = defaultFixture();
  return {
    users: base.users,
    servers: [
      { id: 'srv-1', name: 'web-01', volumes: [{ id: 'vol-1', bootable: true, size: 40 }, { id: 'vol-2', size: 100 }] },
      { id: 'srv-2', name: 'db-01', volumes: ['vol-3'] },
    ],
    vaults: [
      { id: 'vault-s', name: 'servers', resources: [{ id: 'srv-1', exclude_volumes: ['vol-2'] }, 'srv-2'] },
      { id: 'vault-d', name: 'disks', object_type: 'disk', resources: [{ id: 'vol-9', type: 'OS::Cinder::Volume' }] },
    ],
    backups: [
      { id: 'b-1', vault_id: 'vault-s', resource_id: 'srv-1', status: 'available', created_at: '2024-06-01T02:00:00.000000', expired_at: '2024-07-01T02:00:00.000000' },
      { id: 'b-2', vault_id: 'vault-s', resource_id: 'srv-1', status: 'error', created_at: '2024-06-02T02:00:00.000000' },
      { id: 'b-3', vault_id: 'vault-s', resource_id: 'srv-2', status: 'available', created_at: '2024-06-03T02:00:00.000000' },
      { id: 'b-4', vault_id: 'vault-s', resource_id: 'srv-2', status: 'available', created_at: '2024-06-04T02:00:00.000000', image_type: 'replication' },
      { id: 'b-5', vault_id: 'vault-s', resource_id: 'srv-1', status: 'protecting', created_at: '2024-06-05T02:00:00.000000' },
    ],
  };
}

shareCloud((started, client) => {
  cloud = started;
  hwc = client;
  cbr = client.use(CbrApi);
}, fixture);

const ids = (items: readonly { id: string }[]) => items.map((item) => item.id);

describe('CbrApi round trips', () => {
  it('is attached once per client', () => {
    expect(hwc.use(CbrApi)).toBe(cbr);
  });

  it('lists backups newest first with their disk backups, restore mode and expiry, as the document names them', async () => {
    const page = await cbr.listBackupsPage({ resource_id: 'srv-1', status: 'available' });
    expect(page.count).toBe(1);
    expect(page.backups).toEqual([
      {
        id: 'b-1',
        resource_id: 'srv-1',
        status: 'available',
        resource_type: 'OS::Nova::Server',
        resource_name: 'web-01',
        vault_id: 'vault-s',
        checkpoint_id: 'b-1',
        image_type: 'backup',
        created_at: '2024-06-01T02:00:00.000000',
        expired_at: '2024-07-01T02:00:00.000000',
        extend_info: { supported_restore_mode: 'backup' },
        children: [
          { id: 'b-1-vol-1', resource_id: 'vol-1', resource_name: '', resource_type: 'OS::Cinder::Volume', status: 'available' },
          { id: 'b-1-vol-2', resource_id: 'vol-2', resource_name: '', resource_type: 'OS::Cinder::Volume', status: 'available' },
        ],
      },
    ]);
    // null, as the document writes a backup kept until deleted, reads as absent.
    const [protecting] = (await cbr.listBackupsPage({ status: 'protecting' })).backups;
    expect(protecting).toMatchObject({ id: 'b-5', extend_info: { supported_restore_mode: 'na' } });
    expect(protecting?.expired_at).toBeUndefined();
  });

  it('lists every page, in parallel once the count is known, with filters, sort, several statuses and a time window', async () => {
    const before = cloud.stats.byOperation['cbr.listBackups'] ?? 0;
    expect(ids(await collect(cbr.listBackups({ limit: 2 }, { pagesInFlight: 3 })))).toEqual(['b-5', 'b-4', 'b-3', 'b-2', 'b-1']);
    expect((cloud.stats.byOperation['cbr.listBackups'] ?? 0) - before).toBe(3);
    expect(ids(await collect(cbr.listBackups({ image_type: 'backup', sort: 'created_at:asc', limit: 1 })))).toEqual(['b-1', 'b-2', 'b-3', 'b-5']);
    expect(ids(await collect(cbr.listBackups({ status: ['error', 'protecting'] })))).toEqual(['b-5', 'b-2']);
    expect(ids(await collect(cbr.listBackups({ start_time: '2024-06-02T00:00:00Z', end_time: '2024-06-04T02:00:00Z' })))).toEqual(['b-4', 'b-3', 'b-2']);
    expect(ids(await collect(cbr.listBackups({ offset: 3, limit: 1 })))).toEqual(['b-2', 'b-1']);
    expect(await collect(cbr.listBackups({ resource_id: 'nothing' }))).toEqual([]);
  });

  it('shows one backup with its disk backups, and names a missing one (404)', async () => {
    const { backup } = await cbr.showBackup({ backup_id: 'b-3' });
    expect(backup).toMatchObject({ id: 'b-3', resource_id: 'srv-2', children: [{ resource_id: 'vol-3', status: 'available' }] });
    const error = await rejection(cbr.showBackup({ backup_id: 'gone' }));
    expect(error).toMatchObject({ operation: 'cbr.showBackup', status: 404, errorCode: 'BackupService.6302' });
  });

  it('lists vaults with the resources they protect, filtered by object type', async () => {
    const vaults = await collect(cbr.listVault({ object_type: 'server' }));
    expect(vaults).toEqual([
      {
        id: 'vault-s',
        name: 'servers',
        billing: { object_type: 'server', protect_type: 'backup', status: 'available' },
        resources: [
          { id: 'srv-1', type: 'OS::Nova::Server', name: 'web-01', protect_status: 'available', extra_info: { exclude_volumes: ['vol-2'] } },
          { id: 'srv-2', type: 'OS::Nova::Server', name: 'db-01', protect_status: 'available', extra_info: { exclude_volumes: [] } },
        ],
      },
    ]);
    expect(ids(await collect(cbr.listVault({ limit: 1 })))).toEqual(['vault-s', 'vault-d']);
    expect((await cbr.listVaultPage({ object_type: 'rds' })).count).toBe(0);
  });

  it('refuses bad requests before sending, naming the field', async () => {
    await expectRefusedBeforeSending(cloud, () => cbr.listBackups({ limit: 1001 }), 'limit');
    await expectRefusedBeforeSending(cloud, () => cbr.listBackups({ status: 'gone' as never }), 'status');
    await expectRefusedBeforeSending(cloud, () => cbr.listBackups({ end_time: '2024-06-01 00:00:00' }), 'end_time');
    await expectRefusedBeforeSending(cloud, () => cbr.listBackups({ sort: 'size:desc' }), 'sort');
    await expectRefusedBeforeSending(cloud, () => cbr.showBackup({ backup_id: '' }), 'backup_id');
    await expectRefusedBeforeSending(cloud, () => cbr.listVault({ object_type: 'tape' as never }), 'object_type');
  });

  it.each([
    ['500', 'BackupService.9999'],
    ['502', 'APIGW.0202'],
    ['504', 'APIGW.0203'],
  ] as const)('retries %s and then fails naming the operation and the code', async (kind, code) => {
    cloud.setFaults({ seed: 3, rate: { [kind]: 1 }, operations: ['cbr.listBackups'] });
    const error = await rejection(collect(cbr.listBackups()));
    expect(error).toMatchObject({ operation: 'cbr.listBackups', status: Number(kind), errorCode: code, attempts: 4 });
  });

  it('fails a listing that changes between its pages (the total moves) instead of skipping a backup', async () => {
    const listing = cbr.listBackups({ limit: 2 });
    const first = await listing.next();
    expect(first.value).toMatchObject({ id: 'b-5' });
    // Another backup appears before the second page is read: offsets shift by one.
    cloud.state.project().addBackups([{ ...cloud.state.backups.get('b-3')!, id: 'b-6', created_at: '2024-06-06T02:00:00.000000' }]);
    const error = await rejection(collect({ [Symbol.asyncIterator]: () => listing }));
    expect(error).toMatchObject({ operation: 'cbr.listBackups', errorCode: LocalErrorCode.incompleteListing });
    expect(error.errorMsg).toBe('the total changed from 5 to 6 while the pages were read (the listing changed under it)');
  });

  it('fails an answer without its list (missing fields), naming the field', async () => {
    cloud.setFaults({ seed: 1, rate: { 'empty-200': 1 }, operations: ['cbr.listVault'] });
    const error = await rejection(collect(cbr.listVault()));
    expect(error.errorMsg).toBe('unexpected response: vaults: Invalid input: expected array, received undefined');
  });
});
