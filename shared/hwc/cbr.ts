import * as z from '../zod.ts';
import { listToTotal } from './counted.ts';
import { DEFAULT_PAGE_SIZE, pageSize } from './paginate.ts';
import { callAndParse, callAndParseList, numberish, optional, pageParam, parseRequest, present, streamedList, stringish } from './schema.ts';
import type { ApiContext, CallOptions, OffsetListingOptions, PickingListingOptions } from './schema.ts';
import { pathOf } from './transport.ts';
import type { CallSpec } from './transport.ts';

/**
 * CBR (Cloud Backup and Recovery): vaults, the resources they protect, and backups. API v3. Not built into
 * every client: attach it where it is used (`cloud.use(CbrApi)`).
 *
 * Answers are read for the fields the guardrails rely on; values are kept as the cloud wrote them (statuses
 * and restore modes as strings), so that a value outside the documented enums reaches the caller, who names
 * it, instead of failing the whole page.
 */

/** Backup statuses (ListBackups `status`). */
export const BACKUP_STATUSES = ['available', 'protecting', 'deleting', 'restoring', 'error', 'waiting_protect', 'waiting_delete', 'waiting_restore'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

/** `extend_info.supported_restore_mode`: `backup` (restore from the disk backups), `snapshot` (whole-server image), `na` (no restore). */
export const RESTORE_MODES = ['na', 'backup', 'snapshot'] as const;
export type RestoreMode = (typeof RESTORE_MODES)[number];

/** Vault object types (ListVault `object_type`, `billing.object_type`). */
export const VAULT_OBJECT_TYPES = ['server', 'disk', 'turbo', 'workspace', 'vmware', 'rds', 'file'] as const;

/** Resource types a backup listing filters on. */
export const BACKUP_RESOURCE_TYPES = ['OS::Nova::Server', 'OS::Cinder::Volume', 'OS::Workspace::DesktopV2'] as const;

/** `start_time` / `end_time` as the document writes them: `2018-02-01T12:00:00Z`. */
const backupTime = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'expected YYYY-MM-DDTHH:MM:SSZ'));

// ---- responses --------------------------------------------------------------------------------

/** A disk backup inside a server backup (`children`): `resource_id` is the disk (EVS volume) it was taken from. */
export const BackupChildSchema = z.object({
  id: present,
  resource_id: optional(stringish),
  resource_name: optional(stringish),
  resource_type: optional(stringish),
  status: optional(stringish),
});
export type BackupChild = z.output<typeof BackupChildSchema>;

export const BackupSchema = z.object({
  id: present,
  resource_id: present,
  status: present,
  resource_type: optional(stringish),
  resource_name: optional(stringish),
  vault_id: optional(stringish),
  checkpoint_id: optional(stringish),
  image_type: optional(stringish),
  /** UTC without a zone, e.g. `2020-02-05T10:38:34.209782`. */
  created_at: optional(stringish),
  /** Null (read as absent) for a backup kept until deleted, as ShowBackup's example shows. */
  expired_at: optional(stringish),
  extend_info: optional(z.object({ supported_restore_mode: optional(stringish) })),
  /** Null or absent is not the same as `[]`: the caller decides what a missing list means. */
  children: optional(z.array(BackupChildSchema)),
});
export type Backup = z.output<typeof BackupSchema>;

export const ListBackupsResponseSchema = z.object({ backups: z.array(BackupSchema), count: optional(numberish) });
export type ListBackupsResponse = z.output<typeof ListBackupsResponseSchema>;

/** A ListBackups answer without its backups, which `listBackups` reads one by one as they arrive (`callAndParseList`). */
const ListBackupsEnvelopeSchema = z.object({ backups: streamedList, count: optional(numberish) });

export const ShowBackupResponseSchema = z.object({ backup: BackupSchema });
export type ShowBackupResponse = z.output<typeof ShowBackupResponseSchema>;

export const VaultResourceSchema = z.object({
  id: present,
  type: optional(stringish),
  name: optional(stringish),
  protect_status: optional(stringish),
  extra_info: optional(z.object({ exclude_volumes: optional(z.array(stringish)) })),
});
export type VaultResource = z.output<typeof VaultResourceSchema>;

export const VaultSchema = z.object({
  id: present,
  name: optional(stringish),
  billing: optional(z.object({ object_type: optional(stringish), protect_type: optional(stringish), status: optional(stringish) })),
  /** Required by the document: a vault whose protected resources are not listed cannot say what it protects. */
  resources: z.array(VaultResourceSchema),
});
export type Vault = z.output<typeof VaultSchema>;

export const ListVaultResponseSchema = z.object({ vaults: z.array(VaultSchema), count: optional(numberish) });
export type ListVaultResponse = z.output<typeof ListVaultResponseSchema>;

// ---- requests ---------------------------------------------------------------------------------

const text = z.string().check(z.minLength(1));
const offsetParam = z.pipe(pageParam, z.string().check(z.regex(/^\d+$/, 'offset must be a whole number ≥ 0')));

export const ListBackupsRequestSchema = z.object({
  limit: z.optional(pageSize),
  offset: z.optional(offsetParam),
  marker: z.optional(text),
  resource_id: z.optional(text),
  resource_type: z.optional(z.enum(BACKUP_RESOURCE_TYPES)),
  resource_name: z.optional(text),
  resource_az: z.optional(text),
  image_type: z.optional(z.enum(['backup', 'replication'])),
  /** One status, or several (`status=available&status=error`). */
  status: z.optional(z.union([z.enum(BACKUP_STATUSES), z.array(z.enum(BACKUP_STATUSES)).check(z.minLength(1))])),
  vault_id: z.optional(text),
  checkpoint_id: z.optional(text),
  parent_id: z.optional(text),
  name: z.optional(text),
  start_time: z.optional(backupTime),
  end_time: z.optional(backupTime),
  /** `<key>[:asc|desc],…` over created_at, updated_at, name, status, protected_at, id; at most 255 characters. */
  sort: z.optional(z.string().check(z.maxLength(255), z.regex(/^(created_at|updated_at|name|status|protected_at|id)(:(asc|desc))?(,(created_at|updated_at|name|status|protected_at|id)(:(asc|desc))?)*$/, 'expected <key>[:asc|desc],…'))),
  own_type: z.optional(z.enum(['all_granted', 'private', 'shared'])),
  enterprise_project_id: z.optional(text),
});
export type ListBackupsRequest = z.input<typeof ListBackupsRequestSchema>;

export const BackupIdRequestSchema = z.object({ backup_id: text });
export type BackupIdRequest = z.input<typeof BackupIdRequestSchema>;

export const ListVaultRequestSchema = z.object({
  limit: z.optional(pageSize),
  offset: z.optional(offsetParam),
  name: z.optional(text),
  object_type: z.optional(z.enum(VAULT_OBJECT_TYPES)),
  protect_type: z.optional(z.enum(['backup', 'replication'])),
  cloud_type: z.optional(z.enum(['public', 'hybrid'])),
  /** Vaults protecting any of these resources (comma-separated on the wire). */
  resource_ids: z.optional(text),
  policy_id: z.optional(text),
  status: z.optional(text),
  enterprise_project_id: z.optional(text),
});
export type ListVaultRequest = z.input<typeof ListVaultRequestSchema>;

// ---- operations -------------------------------------------------------------------------------

export class CbrApi {
  constructor(private readonly ctx: ApiContext) {}

  /** One page of backups (`GET /v3/{project_id}/backups`). */
  async listBackupsPage(params: ListBackupsRequest = {}, options: CallOptions = {}): Promise<ListBackupsResponse> {
    const query = parseRequest(ListBackupsRequestSchema, params, 'cbr.listBackups');
    return this.get('cbr.listBackups', this.path`/backups`, query, ListBackupsResponseSchema, options);
  }

  /**
   * Every backup matching the filters, `limit` a page (default 100) from `offset`, proven complete against the
   * answers' `count` (see counted.ts); once the first page has given it, `pagesInFlight` pages at a time.
   * Offsets shift when backups come or go while the pages are read: the total then changes and the listing
   * fails rather than skip one; an `end_time` keeps the backups made meanwhile out of it. Each page is read
   * backup by backup as it arrives, so a page of 1,000 (≈ 2.6 MB with their disk backups) is never held whole,
   * and only what `options.pick` keeps of each backup is held until the page is consumed.
   */
  listBackups<T extends { readonly id: string } = Backup>(
    params: Omit<ListBackupsRequest, 'marker'> = {},
    options: PickingListingOptions<Backup, T> = {},
  ): AsyncGenerator<T, void, undefined> {
    const pick = options.pick ?? ((backup: Backup) => backup as unknown as T);
    const request = parseRequest(ListBackupsRequestSchema, { ...params, limit: params.limit ?? DEFAULT_PAGE_SIZE }, 'cbr.listBackups');
    const { offset, ...filter } = request;
    const limit = Number(filter.limit);
    return listToTotal(
      { operation: 'cbr.listBackups', start: Number(offset ?? 0), limit, pagesInFlight: options.pagesInFlight, idOf: (backup) => backup.id },
      async (at, abandoned) => {
        const signal = options.signal ? AbortSignal.any([options.signal, abandoned]) : abandoned;
        const spec = { operation: 'cbr.listBackups', service: 'cbr', method: 'GET', path: this.path`/backups`, query: { ...filter, offset: String(at) }, signal } as const;
        const page = await callAndParseList(this.ctx, spec, { field: 'backups', element: BackupSchema, envelope: ListBackupsEnvelopeSchema, pick });
        return { items: page.items, total: page.envelope.count };
      },
    );
  }

  /** One backup with its disk backups (`GET /v3/{project_id}/backups/{backup_id}`). */
  async showBackup(params: BackupIdRequest, options: CallOptions = {}): Promise<ShowBackupResponse> {
    const { backup_id } = parseRequest(BackupIdRequestSchema, params, 'cbr.showBackup');
    return this.get('cbr.showBackup', this.path`/backups/${backup_id}`, undefined, ShowBackupResponseSchema, options);
  }

  /** One page of vaults (`GET /v3/{project_id}/vaults`). */
  async listVaultPage(params: ListVaultRequest = {}, options: CallOptions = {}): Promise<ListVaultResponse> {
    const query = parseRequest(ListVaultRequestSchema, params, 'cbr.listVault');
    return this.get('cbr.listVault', this.path`/vaults`, query, ListVaultResponseSchema, options);
  }

  /** Every vault matching the filters, each with the resources it protects; proven complete against `count`. */
  listVault(params: ListVaultRequest = {}, options: OffsetListingOptions = {}): AsyncGenerator<Vault, void, undefined> {
    const request = parseRequest(ListVaultRequestSchema, { ...params, limit: params.limit ?? DEFAULT_PAGE_SIZE }, 'cbr.listVault');
    const { offset, ...filter } = request;
    return listToTotal(
      { operation: 'cbr.listVault', start: Number(offset ?? 0), limit: Number(filter.limit), pagesInFlight: options.pagesInFlight, idOf: (vault) => vault.id },
      async (at, abandoned) => {
        const signal = options.signal ? AbortSignal.any([options.signal, abandoned]) : abandoned;
        const page = await this.get('cbr.listVault', this.path`/vaults`, { ...filter, offset: String(at) }, ListVaultResponseSchema, { signal });
        return { items: page.vaults, total: page.count };
      },
    );
  }

  private path(strings: TemplateStringsArray, ...params: string[]): string {
    return pathOf`/v3/${this.ctx.projectId}` + pathOf(strings, ...params);
  }

  private get<S extends z.ZodMiniType>(operation: string, path: string, query: CallSpec['query'], schema: S, options: CallOptions): Promise<z.output<S>> {
    return callAndParse(this.ctx, { operation, service: 'cbr', method: 'GET', path, query, signal: options.signal }, schema);
  }
}
