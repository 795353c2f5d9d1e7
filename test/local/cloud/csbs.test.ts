import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSBS_PROVIDER_ID, DEFAULT_IDS, defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { call, paths } from './helpers.ts';

let cloud: LocalCloud;
const web = DEFAULT_IDS.server;
const DB = 'db000000-0000-4000-8000-000000000001';
const BARE = 'empty000-0000-4000-8000-000000000002';

function fixture(): Fixture {
  const base = defaultFixture();
  return {
    ...base,
    servers: [
      ...base.servers!,
      { id: DB, name: 'db-01', volumes: ['db-system', 'db-data'] },
      { id: BARE, name: 'bare-01', volumes: [] },
    ],
    checkpointItems: [
      ...base.checkpointItems!,
      {
        id: 'item-web-old',
        status: 'available',
        created_at: '2024-04-01T02:00:00.000000',
        resource_id: web,
        volume_backups: [
          { id: 'vb-web-old-sys', source_volume_id: DEFAULT_IDS.volumes.system },
          { id: 'vb-web-old-data', source_volume_id: DEFAULT_IDS.volumes.data },
        ],
      },
      {
        id: 'item-web-error',
        status: 'error',
        created_at: '2024-05-02T02:00:00.000000',
        resource_id: web,
        volume_backups: [{ id: 'vb-web-error', source_volume_id: DEFAULT_IDS.volumes.system }],
      },
      {
        id: 'item-db',
        status: 'available',
        created_at: '2024-05-01T03:00:00.000000',
        resource_id: DB,
        volume_backups: [
          { id: 'vb-db-sys', source_volume_id: 'db-system', bootable: true, source_volume_size: 40 },
          { id: 'vb-db-data', source_volume_id: 'db-data', source_volume_size: 500 },
        ],
      },
      { id: 'item-gone-server', status: 'available', created_at: '2024-03-01T00:00:00.000000', resource_id: 'gone', volume_backups: [] },
    ],
  };
}

beforeAll(async () => {
  cloud = await startCloud({ fixture: fixture() });
});
afterAll(async () => {
  await cloud.close();
});

const list = (query = '') => call(cloud, 'GET', `${paths(cloud).checkpointItems}${query}`);
const ids = (response: { body: any }) => response.body.checkpoint_items.map((item: any) => item.id);

function expectCsbsError(response: { status: number; body: any }, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error_code).toBe(code);
  expect(typeof response.body.error_msg).toBe('string');
}

describe('checkpoint_items', () => {
  it('lists backups newest first, with count and volume backups mapped to source volumes', async () => {
    const response = await list();
    expect(response.status).toBe(200);
    expect(ids(response)).toEqual(['item-web-error', 'item-db', DEFAULT_IDS.checkpointItem, 'item-web-old', 'item-gone-server']);
    expect(response.body.count).toBe(5);
    const item = response.body.checkpoint_items.find((i: any) => i.id === DEFAULT_IDS.checkpointItem);
    expect(item).toMatchObject({ status: 'available', resource_id: web, resource_type: 'OS::Nova::Server', created_at: '2024-05-01T02:00:00.000000' });
    expect(item.extend_info.volume_backups.map((b: any) => [b.id, b.source_volume_id])).toEqual([
      [DEFAULT_IDS.volumeBackups.system, DEFAULT_IDS.volumes.system],
      [DEFAULT_IDS.volumeBackups.data, DEFAULT_IDS.volumes.data],
    ]);
    expect(item.extend_info.supported_restore_mode).toBe('backup');
  });

  it('filters by status and resource_id', async () => {
    expect(ids(await list(`?resource_id=${web}&status=available`))).toEqual([DEFAULT_IDS.checkpointItem, 'item-web-old']);
    const errors = await list('?status=error');
    expect(ids(errors)).toEqual(['item-web-error']);
    expect(errors.body.count).toBe(1);
  });

  it('pages with limit and marker (the last id of the previous page)', async () => {
    const seen: string[] = [];
    let marker = '';
    for (let i = 0; i < 10; i++) {
      const page = await list(`?limit=2${marker ? `&marker=${marker}` : ''}`);
      const pageIds = ids(page);
      seen.push(...pageIds);
      if (pageIds.length < 2) break;
      marker = pageIds.at(-1);
    }
    expect(seen).toEqual(ids(await list()));
  });

  it('pages with limit and offset, and sorts on request', async () => {
    expect(ids(await list('?limit=2&offset=2'))).toEqual([DEFAULT_IDS.checkpointItem, 'item-web-old']);
    expect(ids(await list('?sort=created_at:asc&limit=2'))).toEqual(['item-gone-server', 'item-web-old']);
  });

  it('rejects bad limit, offset, status, sort and unknown markers with 400', async () => {
    for (const query of ['?limit=0', '?limit=x', '?offset=-1', '?status=sleeping', '?sort=size', '?marker=no-such-item']) {
      expectCsbsError(await list(query), 400, 'CSBS.9001');
    }
  });

  it('shows one backup; 404 with CSBS.3001 when missing', async () => {
    const response = await call(cloud, 'GET', `${paths(cloud).checkpointItems}/item-db`);
    expect(response.status).toBe(200);
    expect(response.body.checkpoint_item.id).toBe('item-db');
    expectCsbsError(await call(cloud, 'GET', `${paths(cloud).checkpointItems}/nope`), 404, 'CSBS.3001');
  });
});

describe('check_restorable', () => {
  const target = (resource_id: string, volumes: Array<[string, string]>, resource_type = 'OS::Nova::Server') => ({
    resource_type,
    resource_id,
    volumes: volumes.map(([backup_id, volume_id]) => ({ backup_id, volume_id })),
  });
  const webVolumes: Array<[string, string]> = [
    [DEFAULT_IDS.volumeBackups.system, DEFAULT_IDS.volumes.system],
    [DEFAULT_IDS.volumeBackups.data, DEFAULT_IDS.volumes.data],
  ];
  const check = async (checkpoint_item_id: string, restoreTarget: unknown) => {
    const response = await call(cloud, 'POST', paths(cloud).restorable(), { body: { check_restorable: [{ checkpoint_item_id, target: restoreTarget }] } });
    expect(response.status).toBe(200);
    return response.body.restorable[0];
  };

  it('says an available backup restores onto its own server', async () => {
    expect(await check(DEFAULT_IDS.checkpointItem, target(web, webVolumes))).toEqual({
      resource_id: web,
      resource_type: 'OS::Nova::Server',
      result: true,
      error_code: '',
      error_msg: '',
    });
  });

  it('explains each reason a backup cannot be restored', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['missing-item', target(web, webVolumes), 'CSBS.3001'],
      ['item-web-error', target(web, [['vb-web-error', DEFAULT_IDS.volumes.system]]), 'CSBS.4000'],
      ['item-gone-server', target('gone', []), 'CSBS.6000'],
      [DEFAULT_IDS.checkpointItem, target(web, webVolumes, 'OS::Cinder::Volume'), 'CSBS.6016'],
      [DEFAULT_IDS.checkpointItem, target(web, [['vb-db-sys', DEFAULT_IDS.volumes.system], webVolumes[1]!]), 'CSBS.6017'],
      [DEFAULT_IDS.checkpointItem, target(web, [[DEFAULT_IDS.volumeBackups.system, 'db-system'], webVolumes[1]!]), 'CSBS.6014'],
      ['item-db', target(web, [['vb-db-sys', DEFAULT_IDS.volumes.system], ['vb-db-data', DEFAULT_IDS.volumes.data]]), 'CSBS.6014'],
      [DEFAULT_IDS.checkpointItem, target(web, [webVolumes[0]!]), 'CSBS.6018'],
      ['item-db', target(BARE, []), 'CSBS.6020'],
    ];
    for (const [item, restoreTarget, code] of cases) {
      const result = await check(item, restoreTarget);
      expect({ item, code: result.error_code, result: result.result }).toEqual({ item, code, result: false });
      expect(result.error_msg).not.toBe('');
    }
  });

  it('answers several checks in order', async () => {
    const response = await call(cloud, 'POST', paths(cloud).restorable(), {
      body: {
        check_restorable: [
          { checkpoint_item_id: 'item-db', target: target(DB, [['vb-db-sys', 'db-system'], ['vb-db-data', 'db-data']]) },
          { checkpoint_item_id: 'item-web-old', target: target(web, [['vb-web-old-sys', DEFAULT_IDS.volumes.system]]) },
        ],
      },
    });
    expect(response.body.restorable.map((r: any) => [r.resource_id, r.result, r.error_code])).toEqual([
      [DB, true, ''],
      [web, false, 'CSBS.6018'],
    ]);
  });

  it('refuses another provider and malformed requests with 400', async () => {
    const body = { check_restorable: [{ checkpoint_item_id: 'item-db', target: target(DB, []) }] };
    const wrongProvider = await call(cloud, 'POST', paths(cloud).restorable('00000000-0000-0000-0000-000000000000'), { body });
    expectCsbsError(wrongProvider, 400, 'CSBS.9001');
    expect(wrongProvider.body.error_msg).toBe('provider invalid');
    expectCsbsError(await call(cloud, 'POST', paths(cloud).restorable(), { body: { check_restorable: [] } }), 400, 'CSBS.9001');
    expectCsbsError(await call(cloud, 'POST', paths(cloud).restorable(), { body: { check_restorable: [{ target: {} }] } }), 400, 'CSBS.9001');
    expectCsbsError(await call(cloud, 'POST', paths(cloud).restorable(), { rawBody: '[' }), 400, 'CSBS.9001');
    expect(CSBS_PROVIDER_ID).toBe('fc4d5750-22e7-4798-8a46-f48f62c4c1da');
  });
});
