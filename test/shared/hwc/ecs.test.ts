import { describe, expect, it } from 'vitest';
import { defaultFixture } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { LocalErrorCode } from '../../../shared/hwc/errors.ts';
import { EcsApi, VOLUMES_ATTACHED } from '../../../shared/hwc/ecs.ts';
import { collect, expectRefusedBeforeSending, rejection, shareCloud } from './support.ts';

let cloud: LocalCloud;
let ecs: EcsApi;

function fixture(): Fixture {
  return {
    users: defaultFixture().users,
    servers: Array.from({ length: 5 }, (_, i) => ({
      id: `srv-${i}`,
      name: i === 4 ? 'db-01' : `web-0${i}`,
      status: i === 3 ? 'SHUTOFF' : 'ACTIVE',
      volumes: [{ id: `vol-${i}-sys`, bootable: true, size: 40 }, ...(i % 2 === 0 ? [{ id: `vol-${i}-data`, size: 100 }] : [])],
      ...(i === 0 ? { tags: { 'backup-exempt': 'true', team: '' } } : {}),
    })),
  };
}

shareCloud((started, client) => {
  cloud = started;
  ecs = client.use(EcsApi);
}, fixture);

describe('EcsApi round trips', () => {
  it('lists servers with their tags and the disks attached now', async () => {
    const page = await ecs.listServersDetailsPage({ limit: 2 });
    expect(page.count).toBe(5);
    expect(page.servers).toEqual([
      {
        id: 'srv-0',
        name: 'web-00',
        status: 'ACTIVE',
        tags: ['backup-exempt=true', 'team'],
        [VOLUMES_ATTACHED]: [
          { id: 'vol-0-sys', device: '/dev/vda', bootIndex: '0' },
          { id: 'vol-0-data', device: '/dev/vdb', bootIndex: '-1' },
        ],
      },
      { id: 'srv-1', name: 'web-01', status: 'ACTIVE', tags: [], [VOLUMES_ATTACHED]: [{ id: 'vol-1-sys', device: '/dev/vda', bootIndex: '0' }] },
    ]);
  });

  it('pages by page number (offset 1, 2, …), several pages at a time once the count is known', async () => {
    const all = await collect(ecs.listServersDetails({ limit: 2 }, { pagesInFlight: 2 }));
    expect(all.map((s) => s.id)).toEqual(['srv-0', 'srv-1', 'srv-2', 'srv-3', 'srv-4']);
    expect((await ecs.listServersDetailsPage({ limit: 2, offset: 3 })).servers.map((s) => s.id)).toEqual(['srv-4']);
    expect((await ecs.listServersDetailsPage({ limit: 2, offset: 0 })).servers.map((s) => s.id)).toEqual(['srv-0', 'srv-1']);
    expect((await collect(ecs.listServersDetails({ status: 'SHUTOFF' }))).map((s) => s.id)).toEqual(['srv-3']);
    expect((await collect(ecs.listServersDetails({ name: 'web' }))).map((s) => s.id)).toEqual(['srv-0', 'srv-1', 'srv-2', 'srv-3']);
  });

  it('lists the block devices of a server, and names a missing server (404)', async () => {
    const { volumeAttachments } = await ecs.listServerBlockDevices({ server_id: 'srv-2' });
    expect(volumeAttachments.map((d) => [d.volumeId, d.device, d.bootIndex])).toEqual([
      ['vol-2-sys', '/dev/vda', 0],
      ['vol-2-data', '/dev/vdb', 1],
    ]);
    const error = await rejection(ecs.listServerBlockDevices({ server_id: 'gone' }));
    expect(error).toMatchObject({ operation: 'ecs.listServerBlockDevices', status: 404, errorCode: 'Ecs.0114', errorMsg: 'Instance[gone] could not be found.' });
  });

  it('fails a listing from which a server disappears between pages', async () => {
    const listing = ecs.listServersDetails({ limit: 2 });
    await listing.next();
    cloud.state.servers.delete('srv-4');
    const error = await rejection(collect({ [Symbol.asyncIterator]: () => listing }));
    expect(error).toMatchObject({ operation: 'ecs.listServersDetails', errorCode: LocalErrorCode.incompleteListing });
  });

  it('refuses bad requests before sending, naming the field', async () => {
    await expectRefusedBeforeSending(cloud, () => ecs.listServersDetails({ limit: 0 }), 'limit');
    await expectRefusedBeforeSending(cloud, () => ecs.listServersDetailsPage({ offset: -1 }), 'offset');
    await expectRefusedBeforeSending(cloud, () => ecs.listServersDetails({ status: 'RUNNING' as never }), 'status');
    await expectRefusedBeforeSending(cloud, () => ecs.listServerBlockDevices({ server_id: '' }), 'server_id');
  });

  it('retries a 503 and then fails with the ECS error code', async () => {
    cloud.setFaults({ seed: 2, rate: { '503': 1 }, operations: ['ecs.listServerBlockDevices'] });
    const error = await rejection(ecs.listServerBlockDevices({ server_id: 'srv-1' }));
    expect(error).toMatchObject({ status: 503, errorCode: 'Ecs.0001', attempts: 4 });
  });
});
