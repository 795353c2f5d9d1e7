import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { requireOfficialSdk, silenceOfficialSdkLogs } from '../../support/official-sdk.ts';

// The official ECS client (@huaweicloud/huaweicloud-sdk-ecs, signing with the SDK core's AKSKSigner) against the
// embedded ECS: its signatures are accepted and the answers fill its response models.

interface EcsClientLike {
  listServersDetails(request: unknown): Promise<any>;
  listServerBlockDevices(request: unknown): Promise<any>;
}

const { EcsClient } = requireOfficialSdk<{ EcsClient: { newBuilder(): any } }>('@huaweicloud/huaweicloud-sdk-ecs/v2/EcsClient');
const model = (name: string) => requireOfficialSdk<Record<string, new () => any>>(`@huaweicloud/huaweicloud-sdk-ecs/v2/model/${name}`)[name]!;
const ListServersDetailsRequest = model('ListServersDetailsRequest');
const ListServerBlockDevicesRequest = model('ListServerBlockDevicesRequest');
const { BasicCredentials } = requireOfficialSdk<{ BasicCredentials: new () => any }>('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials');
silenceOfficialSdkLogs();

let cloud: LocalCloud;
let client: EcsClientLike;

beforeAll(async () => {
  const base = defaultFixture();
  cloud = await startCloud({ port: 0, fixture: { ...base, servers: [...(base.servers ?? []), { id: 'srv-2', name: 'db-01', volumes: ['vol-9'], tags: { env: 'prod' } }] } });
  const { ak, sk, projectId } = cloud.identity;
  client = EcsClient.newBuilder()
    .withCredential(new BasicCredentials().withAk(ak).withSk(sk).withProjectId(projectId))
    .withEndpoint(cloud.url)
    .withOptions({ customUserAgent: 'warden-test' })
    .build();
});
afterAll(() => cloud.close());

describe('the official ECS SDK against the embedded ECS', () => {
  it('lists servers in detail, page by page number, with their disks and tags', async () => {
    const request = new ListServersDetailsRequest().withLimit(1).withOffset(2);
    const answer = await client.listServersDetails(request);
    expect(answer.httpStatusCode).toBe(200);
    expect(answer.count).toBe(2);
    expect(answer.servers).toHaveLength(1);
    const [server] = answer.servers;
    expect(server).toMatchObject({ id: 'srv-2', name: 'db-01', status: 'ACTIVE', tags: ['env=prod'] });
    expect(server['os-extended-volumes:volumes_attached']).toEqual([{ bootIndex: '-1', delete_on_termination: 'false', device: '/dev/vda', id: 'vol-9' }]);
    expect(server.flavor).toMatchObject({ id: expect.any(String), vcpus: expect.any(String), ram: expect.any(String) });
    expect(server['OS-EXT-AZ:availability_zone']).toBe('cn-north-4a');
  });

  it('lists the block devices of a server, and fails a missing one with the ECS error code', async () => {
    const answer = await client.listServerBlockDevices(new ListServerBlockDevicesRequest().withServerId(defaultFixture().servers![0]!.id));
    expect(answer.volumeAttachments.map((d: any) => [d.volumeId, d.bootIndex, d.size])).toEqual([
      ['45baf976-c20a-4894-a7c3-c94b7376bf55', 0, 40],
      ['e7f48980-927c-48de-afd4-f0245d2e5100', 1, 100],
    ]);
    expect(answer.attachableQuantity).toMatchObject({ free_disk: expect.any(Number) });
    const failure = await client.listServerBlockDevices(new ListServerBlockDevicesRequest().withServerId('nope')).catch((error: unknown) => error);
    expect(failure).toMatchObject({ httpStatusCode: 404, errorCode: 'Ecs.0114', errorMsg: 'Instance[nope] could not be found.' });
  });
});
