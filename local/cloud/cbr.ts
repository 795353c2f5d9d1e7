import type { ApiContext, ApiResult, Route } from './api.ts';
import { parseCount } from './api.ts';
import { ApiError } from './errors.ts';
import type { CbrBackup, CbrDiskBackup, CbrVault, ProjectState } from './state.ts';

/**
 * CBR (API v3): vaults with the resources they protect, server backups with their disk backups (`children`),
 * restore points. Errors top-level `{"error_code","error_msg"}`. ListBackups and ListVault page by
 * `offset`/`limit` (also `marker`, the last id of the previous page) and answer `count`, all the matches.
 */

const SERVER_PROVIDER = '0daac4c5-6707-4851-97ba-169e36266b66';
const VOLUME_PROVIDER = 'd1603440-187d-4516-af25-121250c7cc97';
const STATUSES = new Set(['available', 'protecting', 'deleting', 'restoring', 'error', 'waiting_protect', 'waiting_delete', 'waiting_restore']);
const RESOURCE_TYPES = new Set(['OS::Cinder::Volume', 'OS::Nova::Server', 'OS::Workspace::DesktopV2']);
const OBJECT_TYPES = new Set(['server', 'disk', 'turbo', 'workspace', 'vmware', 'rds', 'file']);
const SORT_KEYS = new Set(['created_at', 'updated_at', 'name', 'status', 'protected_at', 'id']);
/** `%YYYY-%mm-%ddT%HH:%MM:%SSZ`, as the document writes `start_time` and `end_time`. */
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

const invalid = (what: string) => new ApiError(400, 'BackupService.9002', `Invalid parameter: ${what}`);

// ---- views ------------------------------------------------------------------------------------

function childView(child: CbrDiskBackup, parent: CbrBackup, region: string): Record<string, unknown> {
  return {
    checkpoint_id: parent.checkpoint_id,
    children: [],
    created_at: parent.created_at,
    description: null,
    expired_at: parent.expired_at,
    extend_info: {
      auto_trigger: true,
      bootable: child.bootable,
      encrypted: false,
      os_images_data: null,
      progress: null,
      snapshot_id: null,
      support_lld: null,
      supported_restore_mode: null,
    },
    id: child.id,
    image_type: parent.image_type,
    name: `${parent.name}_${child.resource_name}`,
    parent_id: parent.id,
    project_id: parent.project_id,
    protected_at: null,
    provider_id: VOLUME_PROVIDER,
    resource_az: `${region}a`,
    resource_id: child.resource_id,
    resource_name: child.resource_name,
    resource_size: child.resource_size,
    resource_type: 'OS::Cinder::Volume',
    status: child.status,
    updated_at: parent.updated_at,
    vault_id: parent.vault_id,
  };
}

export function backupView(backup: CbrBackup, region: string, children: 'listed' | 'empty' = 'listed'): Record<string, unknown> {
  const view: Record<string, unknown> = {
    checkpoint_id: backup.checkpoint_id,
    created_at: backup.created_at,
    description: '',
    enterprise_project_id: '0',
    expired_at: backup.expired_at,
    extend_info: {
      auto_trigger: true,
      bootable: null,
      contain_system_disk: (backup.children ?? []).some((child) => child.bootable),
      encrypted: false,
      os_images_data: null,
      progress: null,
      snapshot_id: null,
      support_lld: true,
      supported_restore_mode: backup.supported_restore_mode,
      system_disk: false,
    },
    id: backup.id,
    image_type: backup.image_type,
    name: backup.name,
    parent_id: null,
    project_id: backup.project_id,
    protected_at: null,
    provider_id: SERVER_PROVIDER,
    resource_az: `${region}a`,
    resource_id: backup.resource_id,
    resource_name: backup.resource_name,
    resource_size: backup.resource_size,
    resource_type: backup.resource_type,
    status: backup.status,
    updated_at: backup.updated_at,
    vault_id: backup.vault_id,
  };
  if (backup.children !== undefined) view['children'] = children === 'empty' ? [] : backup.children.map((child) => childView(child, backup, region));
  return view;
}

/** Backups held per `<vault id> <resource id>`: how many, and their size. */
type Holdings = ReadonlyMap<string, { count: number; size: number }>;

function holdings(project: ProjectState): Holdings {
  const held = new Map<string, { count: number; size: number }>();
  for (const backup of project.backupOrder) {
    const key = `${backup.vault_id} ${backup.resource_id}`;
    const entry = held.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += backup.resource_size;
    held.set(key, entry);
  }
  return held;
}

function vaultView(vault: CbrVault, project: ProjectState, held: Holdings): Record<string, unknown> {
  return {
    auto_bind: false,
    auto_expand: false,
    billing: {
      allocated: 0,
      charging_mode: 'post_paid',
      cloud_type: 'public',
      consistent_level: 'crash_consistent',
      frozen_scene: null,
      object_type: vault.object_type,
      order_id: null,
      product_id: null,
      protect_type: 'backup',
      size: 100,
      spec_code: vault.object_type === 'server' ? 'vault.backup.server.normal' : 'vault.backup.volume.normal',
      status: vault.status,
      storage_unit: null,
      used: 0,
    },
    bind_rules: {},
    created_at: vault.created_at,
    description: null,
    enterprise_project_id: '0',
    id: vault.id,
    name: vault.name,
    project_id: vault.project_id,
    provider_id: vault.object_type === 'server' ? SERVER_PROVIDER : VOLUME_PROVIDER,
    resources: vault.resources.map((resource) => {
      const backups = held.get(`${vault.id} ${resource.id}`);
      return {
        backup_count: backups?.count ?? 0,
        backup_size: backups?.size ?? 0,
        extra_info: { exclude_volumes: resource.exclude_volumes },
        id: resource.id,
        name: resource.name,
        protect_status: 'available',
        size: project.servers.get(resource.id)?.volumes.reduce((sum, v) => sum + v.size, 0) ?? 0,
        type: resource.type,
      };
    }),
    tags: [],
    threshold: 80,
    smn_notify: true,
    user_id: '',
  };
}

// ---- paging -----------------------------------------------------------------------------------

/** `offset`/`limit` (and `marker`: the id after which to start) over `items`, `count` all of them. */
function page<T extends { readonly id: string }>(ctx: ApiContext, items: readonly T[], defaultLimit: number): { page: readonly T[]; count: number } {
  const limit = parseCount(ctx.query.get('limit'), 1, 1000);
  if (limit === null) throw invalid('limit');
  const offset = parseCount(ctx.query.get('offset'), 0, 1_000_000_000);
  if (offset === null) throw invalid('offset');
  const marker = ctx.query.get('marker') || undefined;
  let start = offset ?? 0;
  if (marker !== undefined) {
    const index = items.findIndex((item) => item.id === marker);
    if (index < 0) throw invalid(`marker ${marker} not found`);
    start += index + 1;
  }
  return { page: items.slice(start, start + (limit ?? defaultLimit)), count: items.length };
}

function parseTime(value: string | null, name: string): string | undefined {
  if (value === null) return undefined;
  const m = TIME.exec(value);
  if (!m) throw invalid(name);
  // Compared with created_at (`2024-05-01T02:00:00.000000`) as text: same layout up to the seconds.
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}

/** `sort=<key>[:asc|desc],...`; direction defaults to desc. */
function sortedBackups(project: ProjectState, sort: string | null): readonly CbrBackup[] {
  if (sort === null || sort === 'created_at' || sort === 'created_at:desc' || sort === 'created_at:desc,id:desc') return project.backupOrder;
  if (sort.length > 255) throw invalid('sort');
  const cached = project.backupSorts.get(sort);
  if (cached) return cached;
  const orders = sort.split(',').map((part) => {
    const [key = '', direction = 'desc', extra] = part.split(':');
    if (!SORT_KEYS.has(key) || (direction !== 'asc' && direction !== 'desc') || extra !== undefined) throw invalid('sort');
    const field = (key === 'protected_at' ? 'created_at' : key) as 'created_at' | 'updated_at' | 'name' | 'status' | 'id';
    return { field, sign: direction === 'asc' ? 1 : -1 };
  });
  const sorted = [...project.backupOrder].sort((a, b) => {
    for (const { field, sign } of orders) if (a[field] !== b[field]) return a[field] < b[field] ? -sign : sign;
    return 0;
  });
  project.backupSorts.set(sort, sorted);
  return sorted;
}

// ---- handlers ---------------------------------------------------------------------------------

function listBackups(ctx: ApiContext): ApiResult {
  const { query } = ctx;
  const statuses = query.getAll('status');
  for (const status of statuses) if (!STATUSES.has(status)) throw invalid('status');
  const resourceType = query.get('resource_type');
  if (resourceType !== null && !RESOURCE_TYPES.has(resourceType)) throw invalid('resource_type');
  const imageType = query.get('image_type');
  if (imageType !== null && imageType !== 'backup' && imageType !== 'replication') throw invalid('image_type');
  const from = parseTime(query.get('start_time'), 'start_time');
  const until = parseTime(query.get('end_time'), 'end_time');
  const exact = (name: string) => query.get(name);
  const filters = {
    resource_id: exact('resource_id'),
    vault_id: exact('vault_id'),
    checkpoint_id: exact('checkpoint_id'),
    resource_name: exact('resource_name'),
    name: exact('name'),
  };
  const matches = (b: CbrBackup) =>
    (statuses.length === 0 || statuses.includes(b.status)) &&
    (resourceType === null || b.resource_type === resourceType) &&
    (imageType === null || b.image_type === imageType) &&
    (from === undefined || b.created_at.slice(0, 19) >= from) &&
    (until === undefined || b.created_at.slice(0, 19) <= until) &&
    (filters.resource_id === null || b.resource_id === filters.resource_id) &&
    (filters.vault_id === null || b.vault_id === filters.vault_id) &&
    (filters.checkpoint_id === null || b.checkpoint_id === filters.checkpoint_id) &&
    (filters.resource_name === null || b.resource_name === filters.resource_name) &&
    (filters.name === null || b.name.includes(filters.name));
  const all = sortedBackups(ctx.project, query.get('sort')).filter(matches);
  const { page: backups, count } = page(ctx, all, 1000);
  const children = ctx.state.variants.listBackupsChildren ?? 'listed';
  return { status: 200, body: { backups: backups.map((b) => backupView(b, ctx.state.region, children)), count } };
}

function showBackup(ctx: ApiContext): ApiResult {
  const id = ctx.params['backup_id'] ?? '';
  const backup = ctx.project.backups.get(id);
  if (!backup) throw new ApiError(404, 'BackupService.6302', `Backup ${id} not found`);
  return { status: 200, body: { backup: backupView(backup, ctx.state.region) } };
}

function listVault(ctx: ApiContext): ApiResult {
  const { query } = ctx;
  const objectType = query.get('object_type');
  if (objectType !== null && !OBJECT_TYPES.has(objectType)) throw invalid('object_type');
  const protectType = query.get('protect_type');
  if (protectType !== null && protectType !== 'backup' && protectType !== 'replication') throw invalid('protect_type');
  const ids = query.getAll('id');
  const resourceIds = query.get('resource_ids')?.split(',').filter((id) => id !== '');
  const name = query.get('name');
  const status = query.get('status');
  const vaults = [...ctx.project.vaults.values()].filter(
    (v) =>
      (objectType === null || v.object_type === objectType) &&
      (protectType === null || protectType === 'backup') &&
      (ids.length === 0 || ids.includes(v.id)) &&
      (resourceIds === undefined || v.resources.some((r) => resourceIds.includes(r.id))) &&
      (name === null || v.name === name) &&
      (status === null || v.status === status),
  );
  const { page: shown, count } = page(ctx, vaults, 1000);
  const held = holdings(ctx.project);
  return { status: 200, body: { vaults: shown.map((v) => vaultView(v, ctx.project, held)), count } };
}

/** A restore point: the backups taken together (same `checkpoint_id`) and the vault they went to. */
function showCheckpoint(ctx: ApiContext): ApiResult {
  const id = ctx.params['checkpoint_id'] ?? '';
  const backups = ctx.project.backupOrder.filter((b) => b.checkpoint_id === id);
  const first = backups[backups.length - 1];
  if (!first) throw new ApiError(404, 'BackupService.6301', `Checkpoint ${id} not found`);
  const vault = ctx.project.vaults.get(first.vault_id);
  const status = backups.some((b) => b.status === 'error') ? 'error' : backups.some((b) => b.status === 'protecting') ? 'protecting' : 'available';
  return {
    status: 200,
    body: {
      checkpoint: {
        created_at: first.created_at,
        extra_info: null,
        id,
        project_id: first.project_id,
        status,
        vault: {
          id: first.vault_id,
          name: vault?.name ?? '',
          resources: backups.map((b) => ({
            extra_info: null,
            id: b.resource_id,
            name: b.resource_name,
            protect_status: b.status === 'error' ? 'error' : b.status === 'protecting' ? 'protecting' : 'available',
            resource_size: String(b.resource_size),
            type: b.resource_type,
          })),
          skipped_resources: [],
        },
      },
    },
  };
}

export const cbrRoutes: readonly Route[] = [
  { method: 'GET', path: '/v3/{project_id}/backups', operation: 'cbr.listBackups', operationId: 'ListBackups', style: 'cbr', handler: listBackups, listing: true },
  { method: 'GET', path: '/v3/{project_id}/backups/{backup_id}', operation: 'cbr.showBackup', operationId: 'ShowBackup', style: 'cbr', handler: showBackup },
  { method: 'GET', path: '/v3/{project_id}/vaults', operation: 'cbr.listVault', operationId: 'ListVault', style: 'cbr', handler: listVault, listing: true },
  {
    method: 'GET',
    path: '/v3/{project_id}/checkpoints/{checkpoint_id}',
    operation: 'cbr.showCheckpoint',
    operationId: 'ShowCheckpoint',
    style: 'cbr',
    handler: showCheckpoint,
  },
];
