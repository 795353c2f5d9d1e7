import { describe, expect, it } from 'vitest';
import { DEFAULT_IDS, defaultFixture } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { CSBS_PROVIDER_ID, LocalErrorCode } from '../../../shared/hwc/index.ts';
import type { CheckpointItem, CheckRestorableRequest, HuaweiCloud } from '../../../shared/hwc/index.ts';
import { clientFor, collect, rejection, expectRefusedBeforeSending, shareCloud } from './support.ts';

let cloud: LocalCloud;
let hwc: HuaweiCloud;

/** The default fixture plus a second server with five backups of assorted status. */
function fixture(): Fixture {
  const base = defaultFixture();
  const statuses = ['available', 'error', 'available', 'protecting', 'available'];
  return {
    ...base,
    servers: [...(base.servers ?? []), { id: 'srv-2', name: 'db-01', volumes: [{ id: 'vol-2', bootable: true }] }],
    checkpointItems: [
      ...(base.checkpointItems ?? []),
      ...statuses.map((status, i) => ({
        id: `item-${i}`,
        status,
        created_at: `2024-06-0${i + 1}T02:00:00.000000`,
        resource_id: 'srv-2',
        resource_name: 'db-01',
        volume_backups: [{ id: `vb-${i}`, source_volume_id: 'vol-2', bootable: true }],
      })),
    ],
  };
}

shareCloud((started, client) => {
  cloud = started;
  hwc = client;
}, () => fixture());

/** What check-restorable sends: each disk backup restored onto the disk it was taken from. */
function restoreInPlace(item: CheckpointItem): CheckRestorableRequest['check_restorable'][number] {
  return {
    checkpoint_item_id: item.id,
    target: {
      resource_id: item.resource_id,
      resource_type: 'OS::Nova::Server',
      volumes: (item.extend_info?.volume_backups ?? []).map((b) => ({ backup_id: b.id, volume_id: b.source_volume_id ?? '' })),
    },
  };
}

describe('CsbsApi round trips', () => {
  it('reads one page of backups with their disk backups', async () => {
    const page = await hwc.csbs.listCheckpointItemsPage({ resource_id: DEFAULT_IDS.server });
    expect(page.checkpoint_items).toHaveLength(1);
    const item = page.checkpoint_items[0];
    expect(item).toMatchObject({ id: DEFAULT_IDS.checkpointItem, status: 'available', resource_id: DEFAULT_IDS.server });
    expect(item?.extend_info?.volume_backups?.map((b) => [b.id, b.source_volume_id])).toEqual([
      [DEFAULT_IDS.volumeBackups.system, DEFAULT_IDS.volumes.system],
      [DEFAULT_IDS.volumeBackups.data, DEFAULT_IDS.volumes.data],
    ]);
    expect(item?.extend_info?.supported_restore_mode).toBe('backup');
  });

  it('lists every backup (newest first) across pages by marker, and filters by status and resource', async () => {
    let before = cloud.stats.requests;
    const all = await collect(hwc.csbs.listCheckpointItems({ limit: 2 }));
    expect(all.map((i) => i.id)).toEqual(['item-4', 'item-3', 'item-2', 'item-1', 'item-0', DEFAULT_IDS.checkpointItem]);
    expect(cloud.stats.requests - before).toBe(4); // 2 + 2 + 2 + an empty last page

    before = cloud.stats.requests;
    const available = await collect(hwc.csbs.listCheckpointItems({ status: 'available', resource_id: 'srv-2', limit: 2 }));
    expect(available.map((i) => i.id)).toEqual(['item-4', 'item-2', 'item-0']);
    expect(cloud.stats.requests - before).toBe(2);

    expect((await collect(hwc.csbs.listCheckpointItems({ resource_id: 'srv-2', offset: 3, limit: 1 }))).map((i) => i.id)).toEqual(['item-1', 'item-0']);
    expect((await collect(hwc.csbs.listCheckpointItems({ marker: 'item-2' }))).map((i) => i.id)).toEqual(['item-1', 'item-0', DEFAULT_IDS.checkpointItem]);
  });

  it('checks that a backup can be restored onto its own server, and says why not otherwise', async () => {
    const [item] = await collect(hwc.csbs.listCheckpointItems({ resource_id: DEFAULT_IDS.server }));
    const { restorable } = await hwc.csbs.checkRestorable({ check_restorable: [restoreInPlace(item as CheckpointItem)] });
    expect(restorable).toEqual([
      { resource_id: DEFAULT_IDS.server, resource_type: 'OS::Nova::Server', result: true, error_code: '', error_msg: '' },
    ]);

    const failed = (await collect(hwc.csbs.listCheckpointItems({ status: 'error' })))[0] as CheckpointItem;
    const wrongDisk = restoreInPlace(item as CheckpointItem);
    wrongDisk.target.volumes = [{ backup_id: DEFAULT_IDS.volumeBackups.system, volume_id: 'not-attached' }];
    const answer = await hwc.csbs.checkRestorable({ check_restorable: [restoreInPlace(failed), wrongDisk] });
    expect(answer.restorable.map((r) => [r.result, r.error_code])).toEqual([
      [false, 'CSBS.4000'],
      [false, 'CSBS.6014'],
    ]);
  });

  it('uses the fixed CSBS provider id', () => {
    expect(CSBS_PROVIDER_ID).toBe('fc4d5750-22e7-4798-8a46-f48f62c4c1da');
  });
});

describe('CsbsApi errors', () => {
  it('400 CSBS.9001 for a marker the service does not know; the top-level error body is read', async () => {
    const error = await rejection(collect(hwc.csbs.listCheckpointItems({ marker: 'no-such-item' })));
    expect(error).toMatchObject({ operation: 'csbs.listCheckpointItems', status: 400, errorCode: 'CSBS.9001' });
  });

  it('401 with a wrong secret key, 403 for a foreign project', async () => {
    const wrong = clientFor(cloud, { credentials: { type: 'aksk', ak: cloud.identity.ak, sk: 'wrong' } });
    expect(await rejection(wrong.csbs.listCheckpointItemsPage())).toMatchObject({ status: 401, errorCode: 'APIGW.0301' });
    await wrong.close();
    const foreign = clientFor(cloud, { projectId: 'ffffffffffffffffffffffffffffffff' });
    const error = await rejection(foreign.csbs.checkRestorable({ check_restorable: [restoreInPlace({ id: 'x', status: 'available', resource_id: 'y' })] }));
    expect(error).toMatchObject({ operation: 'csbs.checkRestorable', status: 403 });
    await foreign.close();
  });

  it('500 and 502 once retries run out', async () => {
    cloud.setFaults({ rate: { '500': 1 }, operations: ['csbs.checkRestorable'] });
    const check = { check_restorable: [restoreInPlace({ id: DEFAULT_IDS.checkpointItem, status: 'available', resource_id: DEFAULT_IDS.server })] };
    expect(await rejection(hwc.csbs.checkRestorable(check))).toMatchObject({ status: 500, errorCode: 'CSBS.9999', attempts: 4 });
    cloud.setFaults({ rate: { '502': 1 }, operations: ['csbs.listCheckpointItems'] });
    expect(await rejection(collect(hwc.csbs.listCheckpointItems()))).toMatchObject({ status: 502, attempts: 4 });
  });
});

describe('CsbsApi request validation (nothing is sent)', () => {
  it.each([
    ['an empty check list', () => hwc.csbs.checkRestorable({ check_restorable: [] }), 'check_restorable'],
    [
      'an unsupported target type',
      () =>
        hwc.csbs.checkRestorable({
          check_restorable: [{ checkpoint_item_id: 'i', target: { resource_id: 'r', resource_type: 'OS::Cinder::Volume' as 'OS::Nova::Server', volumes: [] } }],
        }),
      'check_restorable.0.target.resource_type',
    ],
    ['an unknown status', () => hwc.csbs.listCheckpointItemsPage({ status: 'fine' as 'available' }), 'status'],
    ['a page size of 0', () => hwc.csbs.listCheckpointItems({ limit: '0' }), 'limit'],
  ] as const)('rejects %s', async (_name, call, field) => {
    await expectRefusedBeforeSending(cloud, call, field);
  });
});
