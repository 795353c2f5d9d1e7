import type { ApiContext, ApiResult, Route } from './api.ts';
import { parseCount } from './api.ts';
import { ApiError } from './errors.ts';
import type { Server } from './state.ts';

/**
 * ECS (API v1, `/v1/{project_id}/cloudservers`): servers in detail, with the disks attached to them, and each
 * server's block devices. Errors `{"error":{"code","message"}}`. ListServersDetails pages by `limit` (default
 * 25, at most 1000) and `offset`, a PAGE NUMBER from 1 (0 reads as 1), or by `marker` (the last id of the
 * previous page); `count` is all the matches.
 */

const invalid = (what: string) => new ApiError(400, 'Ecs.0005', `Invalid request parameter: ${what}`);
const FILTER_STATUSES = new Set(['ACTIVE', 'BUILD', 'DELETED', 'ERROR', 'HARD_REBOOT', 'MIGRATING', 'REBOOT', 'RESIZE', 'REVERT_RESIZE', 'SHELVED', 'SHELVED_OFFLOADED', 'SHUTOFF', 'UNKNOWN', 'VERIFY_RESIZE']);

function tagStrings(server: Server): string[] {
  return [...server.tags].map(([key, value]) => (value === '' ? key : `${key}=${value}`));
}

/** Device names in attachment order: the boot disk first. */
function devices(server: Server): Array<{ volume: Server['volumes'][number]; device: string; boot: boolean }> {
  const ordered = [...server.volumes].sort((a, b) => Number(b.bootable) - Number(a.bootable));
  return ordered.map((volume, i) => ({ volume, device: `/dev/vd${String.fromCharCode(97 + (i % 26))}`, boot: i === 0 && volume.bootable }));
}

function serverView(server: Server, ctx: ApiContext): Record<string, unknown> {
  const az = `${ctx.state.region}a`;
  const vmState = server.status === 'SHUTOFF' ? 'stopped' : server.status.toLowerCase();
  return {
    'OS-DCF:diskConfig': 'MANUAL',
    'OS-EXT-AZ:availability_zone': az,
    'OS-EXT-SRV-ATTR:host': `pod01.${az}`,
    'OS-EXT-SRV-ATTR:hostname': server.name,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': 'nova001@1',
    'OS-EXT-SRV-ATTR:instance_name': `instance-${server.id.slice(0, 8)}`,
    'OS-EXT-SRV-ATTR:kernel_id': '',
    'OS-EXT-SRV-ATTR:launch_index': 0,
    'OS-EXT-SRV-ATTR:ramdisk_id': '',
    'OS-EXT-SRV-ATTR:reservation_id': `r-${server.id.slice(0, 8)}`,
    'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
    'OS-EXT-SRV-ATTR:user_data': '',
    'OS-EXT-STS:power_state': server.status === 'ACTIVE' ? 1 : 4,
    'OS-EXT-STS:task_state': '',
    'OS-EXT-STS:vm_state': vmState,
    'OS-SRV-USG:launched_at': `${server.created.replace(/Z$/, '')}.000000`,
    'OS-SRV-USG:terminated_at': '',
    accessIPv4: '',
    accessIPv6: '',
    addresses: {},
    auto_terminate_time: '',
    capacity_reservation_id: '',
    capacity_reservation_specification: { preference: 'none' },
    config_drive: '',
    created: server.created,
    description: '',
    enclave_options: { enabled: false },
    enterprise_project_id: '0',
    flavor: { asic_accelerators: [], disk: '0', gpus: [], id: 's6.large.2', name: 's6.large.2', ram: '4096', vcpus: '2' },
    hostId: server.id.replace(/-/g, '').slice(0, 24),
    host_status: 'UP',
    id: server.id,
    image: { id: '00000000-0000-4000-8000-000000000001' },
    key_name: '',
    locked: false,
    metadata: { charging_mode: '0', os_type: 'Linux', vpc_id: '00000000-0000-4000-8000-000000000002' },
    name: server.name,
    'os-extended-volumes:volumes_attached': devices(server).map(({ volume, device, boot }) => ({
      bootIndex: boot ? '0' : '-1',
      delete_on_termination: 'false',
      device,
      id: volume.id,
    })),
    'os:scheduler_hints': {},
    progress: 0,
    security_groups: [{ id: '00000000-0000-4000-8000-000000000003', name: 'default' }],
    spod_id: '',
    status: server.status,
    sys_tags: [],
    tags: tagStrings(server),
    tenant_id: server.project_id,
    updated: server.created,
    user_id: ctx.caller?.id ?? '',
  };
}

function listServersDetails(ctx: ApiContext): ApiResult {
  const { query } = ctx;
  const limit = parseCount(query.get('limit'), 1, 1000);
  if (limit === null) throw invalid('limit');
  const pageNumber = parseCount(query.get('offset'), 0, 1_000_000_000);
  if (pageNumber === null) throw invalid('offset');
  const status = query.get('status');
  if (status !== null && !FILTER_STATUSES.has(status)) throw invalid('status');
  const ids = query.get('server_id')?.split(',').filter((id) => id !== '');
  const name = query.get('name');
  const tags = query.get('tags');
  const notTags = query.get('not-tags');
  const marker = query.get('marker') || undefined;

  let servers = [...ctx.project.servers.values()];
  if (ids !== undefined) {
    // The id filter wins over every other one, as documented.
    servers = servers.filter((s) => ids.includes(s.id));
  } else {
    servers = servers.filter(
      (s) =>
        (name === null || s.name.includes(name)) &&
        (status === null || s.status === status) &&
        (tags === null || tagStrings(s).includes(tags)) &&
        (notTags === null || !tagStrings(s).includes(notTags)),
    );
  }
  const size = limit ?? 25;
  let start = (Math.max(pageNumber ?? 1, 1) - 1) * size;
  if (marker !== undefined) {
    const index = servers.findIndex((s) => s.id === marker);
    if (index < 0) throw invalid(`marker ${marker}`);
    start = index + 1;
  }
  const shown = servers.slice(start, start + size).map((s) => serverView(s, ctx));
  return { status: 200, body: { count: servers.length, servers: shown } };
}

function listServerBlockDevices(ctx: ApiContext): ApiResult {
  const id = ctx.params['server_id'] ?? '';
  const server = ctx.project.servers.get(id);
  if (!server) throw new ApiError(404, 'Ecs.0114', `Instance[${id}] could not be found.`);
  const attached = devices(server);
  const free = Math.max(0, 23 - attached.length);
  return {
    status: 200,
    body: {
      attachableQuantity: { free_scsi: free, free_blk: Math.max(0, 15 - attached.length), free_disk: free },
      volumeAttachments: attached.map(({ volume, device, boot }, i) => ({
        bootIndex: boot ? 0 : i,
        bus: 'virtio',
        device,
        id: volume.id,
        pciAddress: `0000:02:${String(i + 1).padStart(2, '0')}.0`,
        serverId: server.id,
        size: volume.size,
        volumeId: volume.id,
      })),
    },
  };
}

export const ecsRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/{project_id}/cloudservers/detail',
    operation: 'ecs.listServersDetails',
    operationId: 'ListServersDetails',
    style: 'ecs',
    handler: listServersDetails,
    listing: true,
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/cloudservers/{server_id}/block_device',
    operation: 'ecs.listServerBlockDevices',
    operationId: 'ListServerBlockDevices',
    style: 'ecs',
    handler: listServerBlockDevices,
  },
];
