import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { call } from './helpers.ts';

// The embedded CBR and ECS over raw signed HTTP: the documents' paths, fields, paging and error bodies.

let cloud: LocalCloud;
let project: string;

function fixture(): Fixture {
  return {
    users: defaultFixture().users,
    servers: [
      { id: 'srv-1', name: 'web-01', volumes: [{ id: 'vol-1', bootable: true, size: 40 }, { id: 'vol-2', size: 100 }], tags: { env: 'prod' } },
      { id: 'srv-2', name: 'db-01', status: 'SHUTOFF', volumes: ['vol-3'] },
    ],
    vaults: [{ id: 'vault-1', name: 'servers', resources: ['srv-1', 'srv-2'] }],
    backups: [
      { id: 'b-1', vault_id: 'vault-1', resource_id: 'srv-1', checkpoint_id: 'cp-1', status: 'available', created_at: '2024-06-01T02:00:00.000000' },
      { id: 'b-2', vault_id: 'vault-1', resource_id: 'srv-2', checkpoint_id: 'cp-1', status: 'error', created_at: '2024-06-01T02:00:00.000000', children: null },
      { id: 'b-3', vault_id: 'vault-1', resource_id: 'srv-1', status: 'available', created_at: '2024-06-02T02:00:00.000000', supported_restore_mode: null },
    ],
  };
}

beforeAll(async () => {
  cloud = await startCloud({ port: 0, fixture: fixture() });
  project = cloud.identity.projectId;
});
afterAll(() => cloud.close());
beforeEach(() => {
  cloud.reset();
  cloud.setFaults(undefined);
  cloud.setVariants({});
});

describe('embedded CBR', () => {
  it('answers ListBackups with the documented fields, children with their parent, and count', async () => {
    const res = await call(cloud, 'GET', `/v3/${project}/backups?resource_id=srv-1&sort=created_at:asc`);
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(2);
    const [first] = res.body.backups;
    for (const field of ['checkpoint_id', 'created_at', 'description', 'expired_at', 'extend_info', 'id', 'image_type', 'name', 'parent_id', 'project_id', 'protected_at', 'provider_id', 'resource_az', 'resource_id', 'resource_name', 'resource_size', 'resource_type', 'status', 'updated_at', 'vault_id']) {
      expect(first, field).toHaveProperty(field);
    }
    expect(first).toMatchObject({ id: 'b-1', expired_at: null, resource_size: 140, extend_info: { supported_restore_mode: 'backup', contain_system_disk: true } });
    expect(first.children.map((c: any) => [c.resource_id, c.parent_id, c.resource_type, c.status])).toEqual([
      ['vol-1', 'b-1', 'OS::Cinder::Volume', 'available'],
      ['vol-2', 'b-1', 'OS::Cinder::Volume', 'available'],
    ]);
  });

  it('leaves out what a fixture leaves out: no children field, a null restore mode', async () => {
    const res = await call(cloud, 'GET', `/v3/${project}/backups`);
    const byId = Object.fromEntries(res.body.backups.map((b: any) => [b.id, b]));
    expect(byId['b-2']).not.toHaveProperty('children');
    expect(byId['b-3'].extend_info.supported_restore_mode).toBeNull();
  });

  it('pages by offset and by marker, and lists [] as children under the "empty" variant (ShowBackup still lists them)', async () => {
    const page = (query: string) => call(cloud, 'GET', `/v3/${project}/backups?${query}`).then((r) => r.body.backups.map((b: any) => b.id));
    expect(await page('limit=1&offset=1')).toEqual(['b-2']);
    expect(await page('limit=2&marker=b-3')).toEqual(['b-2', 'b-1']);
    cloud.setVariants({ listBackupsChildren: 'empty' });
    expect((await call(cloud, 'GET', `/v3/${project}/backups?resource_id=srv-1`)).body.backups[0].children).toEqual([]);
    expect((await call(cloud, 'GET', `/v3/${project}/backups/b-1`)).body.backup.children).toHaveLength(2);
  });

  it('refuses bad parameters with 400 and a CBR error body', async () => {
    for (const query of ['limit=0', 'offset=-1', 'status=gone', 'resource_type=OS::Nova::Thing', 'end_time=2024-06-01', 'sort=size:asc', 'marker=unknown']) {
      const res = await call(cloud, 'GET', `/v3/${project}/backups?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error_code, query).toBe('BackupService.9002');
    }
    expect((await call(cloud, 'GET', `/v3/${project}/vaults?object_type=tape`)).status).toBe(400);
  });

  it('answers ListVault with the resources a vault protects and their backup counts, and ShowCheckpoint', async () => {
    const vaults = await call(cloud, 'GET', `/v3/${project}/vaults?object_type=server`);
    expect(vaults.body.count).toBe(1);
    expect(vaults.body.vaults[0].resources.map((r: any) => [r.id, r.backup_count, r.type])).toEqual([
      ['srv-1', 2, 'OS::Nova::Server'],
      ['srv-2', 1, 'OS::Nova::Server'],
    ]);
    const checkpoint = await call(cloud, 'GET', `/v3/${project}/checkpoints/cp-1`);
    expect(checkpoint.body.checkpoint).toMatchObject({ id: 'cp-1', status: 'error', vault: { id: 'vault-1', name: 'servers' } });
    expect(checkpoint.body.checkpoint.vault.resources.map((r: any) => [r.id, r.protect_status]).sort()).toEqual([
      ['srv-1', 'available'],
      ['srv-2', 'error'],
    ]);
    expect((await call(cloud, 'GET', `/v3/${project}/checkpoints/none`)).status).toBe(404);
  });

  it("refuses another project's path with 403 and an unsigned call with 401", async () => {
    expect((await call(cloud, 'GET', `/v3/00000000000000000000000000000000/backups`)).status).toBe(403);
    expect((await call(cloud, 'GET', `/v3/${project}/vaults`, { credentials: null })).status).toBe(401);
  });
});

describe('embedded ECS', () => {
  it('answers ListServersDetails with disks, tags and status; offset is a page number', async () => {
    const res = await call(cloud, 'GET', `/v1/${project}/cloudservers/detail?limit=1&offset=2`);
    expect(res.body.count).toBe(2);
    expect(res.body.servers.map((s: any) => [s.id, s.status, s['OS-EXT-STS:vm_state']])).toEqual([['srv-2', 'SHUTOFF', 'stopped']]);
    const first = (await call(cloud, 'GET', `/v1/${project}/cloudservers/detail?limit=1&offset=0`)).body.servers[0];
    expect(first).toMatchObject({ id: 'srv-1', tags: ['env=prod'], tenant_id: project });
    expect(first['os-extended-volumes:volumes_attached']).toEqual([
      { bootIndex: '0', delete_on_termination: 'false', device: '/dev/vda', id: 'vol-1' },
      { bootIndex: '-1', delete_on_termination: 'false', device: '/dev/vdb', id: 'vol-2' },
    ]);
    expect((await call(cloud, 'GET', `/v1/${project}/cloudservers/detail?server_id=srv-2,nope&name=web`)).body.servers.map((s: any) => s.id)).toEqual(['srv-2']);
  });

  it('answers errors in the ECS shape', async () => {
    const missing = await call(cloud, 'GET', `/v1/${project}/cloudservers/nope/block_device`);
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'Ecs.0114', message: 'Instance[nope] could not be found.' } } });
    expect((await call(cloud, 'GET', `/v1/${project}/cloudservers/detail?limit=1001`)).body).toEqual({ error: { code: 'Ecs.0005', message: 'Invalid request parameter: limit' } });
    cloud.setFaults({ seed: 1, rate: { '500': 1 }, operations: ['ecs.listServersDetails'] });
    expect((await call(cloud, 'GET', `/v1/${project}/cloudservers/detail`)).body).toEqual({ error: { code: 'Ecs.0001', message: 'System error. Please try again later.' } });
  });

  it('keeps CBR and ECS resources through GET /__admin/state and a reset with them', async () => {
    const state = (await call(cloud, 'GET', '/__admin/state', { credentials: null })).body;
    expect(state.vaults.map((v: any) => v.id)).toEqual(['vault-1']);
    expect(state.backups.map((b: any) => b.id)).toEqual(['b-3', 'b-2', 'b-1']);
    cloud.reset({ users: defaultFixture().users, servers: state.servers, vaults: state.vaults, backups: state.backups });
    expect(cloud.state.backups.get('b-2')?.children).toBeUndefined();
    expect(cloud.state.backups.get('b-1')?.children).toHaveLength(2);
    expect(cloud.state.servers.get('srv-1')?.tags.get('env')).toBe('prod');
  });
});
