import type { ApiContext, ApiResult, Route } from './api.ts';
import { isRecord, parseCount } from './api.ts';
import { ApiError } from './errors.ts';
import type { CheckpointItem, Server } from './state.ts';
import { pageSizeOf } from './variants.ts';

/** CSBS: backups (`checkpoint_items`) and whether one can be restored to a server. Errors top-level, CSBS.* codes. */

export const CSBS_PROVIDER_ID = 'fc4d5750-22e7-4798-8a46-f48f62c4c1da';
const STATUSES = new Set(['waiting_protect', 'protecting', 'available', 'waiting_restore', 'restoring', 'error', 'waiting_delete', 'deleting', 'deleted']);
const SORT_KEYS = new Set(['created_at', 'updated_at', 'name', 'status', 'protected_at', 'id']);
const RESTORABLE_TYPES = new Set(['OS::Nova::Server', 'OS::Ironic::BareMetalServer']);

const invalid = (what: string) => new ApiError(400, 'CSBS.9001', `Invalid parameter: ${what}`);

export function checkpointItemView(item: CheckpointItem, region: string): Record<string, unknown> {
  const backupsSize = item.volume_backups.reduce((sum, backup) => sum + backup.size, 0);
  const available = item.status === 'available';
  return {
    id: item.id,
    checkpoint_id: item.checkpoint_id,
    name: item.name,
    description: '',
    status: item.status,
    resource_id: item.resource_id,
    resource_type: item.resource_type,
    created_at: item.created_at,
    updated_at: item.updated_at,
    tags: [],
    backup_data: { eip: '', cloudservicetype: '', ram: 0, vcpus: 0, __openstack_region_name: '', private_ip: '', disk: 0, imagetype: '' },
    extend_info: {
      auto_trigger: false,
      average_speed: 0,
      copy_from: '',
      copy_status: 'na',
      fail_code: {},
      fail_op: '',
      fail_reason: '',
      image_type: 'backup',
      incremental: false,
      progress: available ? 100 : 0,
      resource_az: `${region}a`,
      resource_name: item.resource_name,
      resource_type: item.resource_type,
      size: backupsSize,
      space_saving_ratio: 0,
      volume_backups: item.volume_backups.map((backup) => ({
        id: backup.id,
        name: backup.name,
        status: backup.status,
        source_volume_id: backup.source_volume_id,
        source_volume_name: backup.source_volume_name,
        source_volume_size: backup.source_volume_size,
        size: backup.size,
        bootable: backup.bootable,
        incremental: false,
        image_type: 'backup',
        average_speed: 0,
        space_saving_ratio: 0,
        snapshot_id: '',
      })),
      finished_at: available ? item.updated_at : '',
      taskid: '',
      hypervisor_type: 'QEMU',
      supported_restore_mode: available ? 'backup' : 'na',
      os_images_data: [],
      support_lld: false,
    },
  };
}

/** `sort=<key>[:asc|desc],...`; direction defaults to desc. */
function parseSort(value: string): (a: CheckpointItem, b: CheckpointItem) => number {
  const orders = value.split(',').map((part) => {
    const [key = '', direction = 'desc', extra] = part.split(':');
    if (!SORT_KEYS.has(key) || (direction !== 'asc' && direction !== 'desc') || extra !== undefined) throw invalid('sort');
    const field = (key === 'protected_at' ? 'created_at' : key) as 'created_at' | 'updated_at' | 'name' | 'status' | 'id';
    return { field, sign: direction === 'asc' ? 1 : -1 };
  });
  return (a, b) => {
    for (const { field, sign } of orders) {
      if (a[field] !== b[field]) return a[field] < b[field] ? -sign : sign;
    }
    return 0;
  };
}

/** The backups the query's filters (status, resource_id, resource_type, checkpoint_id, name) match; all when none. */
function matcher(query: URLSearchParams): (item: CheckpointItem) => boolean {
  const status = query.get('status');
  if (status !== null && !STATUSES.has(status)) throw invalid('status');
  const filters = {
    resource_id: query.get('resource_id'),
    resource_type: query.get('resource_type'),
    checkpoint_id: query.get('checkpoint_id'),
  };
  const name = query.get('name');
  return (item) =>
    (status === null || item.status === status) &&
    (filters.resource_id === null || item.resource_id === filters.resource_id) &&
    (filters.resource_type === null || item.resource_type === filters.resource_type) &&
    (filters.checkpoint_id === null || item.checkpoint_id === filters.checkpoint_id) &&
    (name === null || item.name.includes(name));
}

function listCheckpointItems(ctx: ApiContext): ApiResult {
  const { query } = ctx;
  const limit = parseCount(query.get('limit'), 1, 1000);
  if (limit === null) throw invalid('limit');
  const offset = parseCount(query.get('offset'), 0, 1_000_000_000);
  if (offset === null) throw invalid('offset');
  const sort = query.get('sort');
  if (sort !== null && sort.length > 255) throw invalid('sort');
  const matches = matcher(query);
  const marker = query.get('marker') || undefined;

  let items = ctx.project.checkpointOrder;
  if (sort) items = [...items].sort(parseSort(sort));
  let position = 0;
  if (marker !== undefined) {
    position = items.findIndex((item) => item.id === marker) + 1;
    if (position === 0) throw invalid(`marker ${marker} not found`);
  }

  let count = 0;
  let skip = offset ?? 0;
  const size = pageSizeOf(ctx.state.variants, limit ?? 1000);
  const page: unknown[] = [];
  items.forEach((item, index) => {
    if (!matches(item)) return;
    count++;
    if (index < position || page.length >= size) return;
    if (skip > 0) skip--;
    else page.push(checkpointItemView(item, ctx.state.region));
  });
  return { status: 200, body: { checkpoint_items: page, count } };
}

/** `GET /v1/{project_id}/checkpoint_items/count`: how many backups the filters match. */
function countCheckpointItems(ctx: ApiContext): ApiResult {
  const matches = matcher(ctx.query);
  return { status: 200, body: { count: ctx.project.checkpointOrder.filter(matches).length } };
}

function showCheckpointItem(ctx: ApiContext): ApiResult {
  const id = ctx.params['checkpoint_item_id'] ?? '';
  const item = ctx.project.checkpointItems.get(id);
  if (!item) throw new ApiError(404, 'CSBS.3001', `Checkpoint_item (${id}) is not found.`);
  return { status: 200, body: { checkpoint_item: checkpointItemView(item, ctx.state.region) } };
}

interface RestoreCheck {
  readonly checkpointItemId: string;
  readonly resourceId: string;
  readonly resourceType: string;
  readonly volumes: ReadonlyArray<{ backupId: string; volumeId: string }>;
}

function parseCheck(value: unknown): RestoreCheck {
  if (!isRecord(value) || typeof value['checkpoint_item_id'] !== 'string') throw invalid('check_restorable[].checkpoint_item_id');
  const target = value['target'];
  if (!isRecord(target) || typeof target['resource_id'] !== 'string' || typeof target['resource_type'] !== 'string') {
    throw invalid('check_restorable[].target');
  }
  const volumes = target['volumes'];
  if (!Array.isArray(volumes)) throw invalid('check_restorable[].target.volumes');
  return {
    checkpointItemId: value['checkpoint_item_id'],
    resourceId: target['resource_id'],
    resourceType: target['resource_type'],
    volumes: volumes.map((mapping) => {
      if (!isRecord(mapping) || typeof mapping['backup_id'] !== 'string' || typeof mapping['volume_id'] !== 'string') {
        throw invalid('check_restorable[].target.volumes[]');
      }
      return { backupId: mapping['backup_id'], volumeId: mapping['volume_id'] };
    }),
  };
}

/** The first reason (in the order the service checks them) the backup can't be restored to the target, or undefined. */
function restoreProblem(check: RestoreCheck, item: CheckpointItem | undefined, server: Server | undefined): [string, string] | undefined {
  if (!item) return ['CSBS.3001', `Checkpoint_item (${check.checkpointItemId}) is not found.`];
  if (item.status !== 'available') return ['CSBS.4000', 'checkpoint item not available'];
  if (!RESTORABLE_TYPES.has(check.resourceType)) return ['CSBS.6016', 'can not restore server type is not allow'];
  if (!server) return ['CSBS.6000', 'server do not exist'];
  if (server.status.toUpperCase() === 'RESTORING') return ['CSBS.6015', 'The server is restoring.'];
  if (server.volumes.length === 0) return ['CSBS.6020', `No volume attached to the server (${server.id}) for restore.`];

  const backups = new Map(item.volume_backups.map((backup) => [backup.id, backup]));
  const unknownBackups = check.volumes.filter((v) => !backups.has(v.backupId)).map((v) => v.backupId);
  if (unknownBackups.length > 0) return ['CSBS.6017', `Can not find backup(s) (${unknownBackups.join(',')}) in checkpoint item (${item.id}).`];

  const attached = new Set(server.volumes.map((volume) => volume.id));
  const missing = new Set<string>();
  for (const mapping of check.volumes) {
    if (!attached.has(mapping.volumeId)) missing.add(mapping.volumeId);
    const source = backups.get(mapping.backupId)?.source_volume_id;
    if (source !== undefined && !attached.has(source)) missing.add(source);
  }
  if (missing.size > 0) return ['CSBS.6014', `Volume(s) (${[...missing].join(',')}) not found in target server.`];

  const mapped = new Set(check.volumes.map((v) => v.backupId));
  const unmapped = item.volume_backups.filter((backup) => !mapped.has(backup.id)).map((backup) => backup.id);
  if (unmapped.length > 0) return ['CSBS.6018', `Not assign backup(s) (${unmapped.join(',')}) to volume(s), partial restore is not supported.`];
  return undefined;
}

function resourcesAction(ctx: ApiContext): ApiResult {
  if (ctx.params['provider_id'] !== CSBS_PROVIDER_ID) throw new ApiError(400, 'CSBS.9001', 'provider invalid');
  const input = ctx.body;
  if (!isRecord(input) || !Array.isArray(input['check_restorable']) || input['check_restorable'].length === 0) {
    throw invalid('check_restorable');
  }
  const checks = input['check_restorable'].map(parseCheck);
  const restorable = checks.map((check) => {
    const problem = restoreProblem(check, ctx.project.checkpointItems.get(check.checkpointItemId), ctx.project.servers.get(check.resourceId));
    return {
      resource_id: check.resourceId,
      resource_type: check.resourceType,
      result: problem === undefined,
      error_code: problem?.[0] ?? '',
      error_msg: problem?.[1] ?? '',
    };
  });
  return { status: 200, body: { restorable } };
}

export const csbsRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/{project_id}/checkpoint_items',
    operation: 'csbs.listCheckpointItems',
    listing: true,
    operationId: 'ListCheckpointItems',
    style: 'csbs',
    handler: listCheckpointItems,
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/checkpoint_items/count',
    operation: 'csbs.countCheckpointItems',
    operationId: 'CountCheckpointItems',
    style: 'csbs',
    handler: countCheckpointItems,
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/checkpoint_items/{checkpoint_item_id}',
    operation: 'csbs.showCheckpointItem',
    operationId: 'ShowCheckpointItem',
    style: 'csbs',
    handler: showCheckpointItem,
  },
  {
    method: 'POST',
    path: '/v1/{project_id}/providers/{provider_id}/resources/action',
    operation: 'csbs.checkRestorable',
    operationId: 'CheckRestorable',
    style: 'csbs',
    handler: resourcesAction,
  },
];
