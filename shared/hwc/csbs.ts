import * as z from '../zod.ts';
import { DEFAULT_PAGE_SIZE, pageSize, paginate } from './paginate.ts';
import { boolish, callAndParse, numberish, optional, pageParam, parseRequest, present, stringish } from './schema.ts';
import type { ApiContext, CallOptions } from './schema.ts';
import { pathOf } from './transport.ts';
import type { CallSpec } from './transport.ts';

/** CSBS (Cloud Server Backup Service): server backups (checkpoint items) and whether they can be restored. API v1. */

/** The backup provider id of CSBS (servers); a fixed value. */
export const CSBS_PROVIDER_ID = 'fc4d5750-22e7-4798-8a46-f48f62c4c1da';

export const CHECKPOINT_ITEM_STATUSES = [
  'waiting_protect',
  'protecting',
  'available',
  'waiting_restore',
  'restoring',
  'error',
  'waiting_delete',
  'deleting',
  'deleted',
] as const;


// ---- responses --------------------------------------------------------------------------------

export const VolumeBackupSchema = z.object({
  id: present,
  source_volume_id: optional(stringish),
  source_volume_name: optional(stringish),
  source_volume_size: optional(numberish),
  bootable: optional(boolish),
  status: optional(stringish),
  name: optional(stringish),
  image_type: optional(stringish),
  incremental: optional(boolish),
  size: optional(numberish),
  snapshot_id: optional(stringish),
});
export type VolumeBackup = z.output<typeof VolumeBackupSchema>;

export const CheckpointItemExtendInfoSchema = z.object({
  volume_backups: optional(z.array(VolumeBackupSchema)),
  finished_at: optional(stringish),
  supported_restore_mode: optional(stringish),
  resource_name: optional(stringish),
  resource_type: optional(stringish),
  resource_az: optional(stringish),
  progress: optional(numberish),
  size: optional(numberish),
  fail_reason: optional(stringish),
  fail_op: optional(stringish),
  image_type: optional(stringish),
  auto_trigger: optional(boolish),
  incremental: optional(boolish),
  copy_status: optional(stringish),
  taskid: optional(stringish),
});
export type CheckpointItemExtendInfo = z.output<typeof CheckpointItemExtendInfoSchema>;

export const CheckpointItemSchema = z.object({
  id: present,
  status: present,
  resource_id: present,
  checkpoint_id: optional(stringish),
  name: optional(stringish),
  description: optional(stringish),
  resource_type: optional(stringish),
  created_at: optional(stringish),
  updated_at: optional(stringish),
  extend_info: optional(CheckpointItemExtendInfoSchema),
  backup_data: optional(z.record(z.string(), z.unknown())),
  tags: optional(z.array(z.object({ key: present, value: optional(stringish) }))),
});
export type CheckpointItem = z.output<typeof CheckpointItemSchema>;

export const ListCheckpointItemsResponseSchema = z.object({
  checkpoint_items: z.array(CheckpointItemSchema),
  /** How many backups match the filters in all (not only on this page). */
  count: optional(numberish),
});
export type ListCheckpointItemsResponse = z.output<typeof ListCheckpointItemsResponseSchema>;

export const RestorableResultSchema = z.object({
  resource_id: present,
  result: boolish,
  resource_type: optional(stringish),
  error_code: optional(stringish),
  error_msg: optional(stringish),
});
export type RestorableResult = z.output<typeof RestorableResultSchema>;

export const CheckRestorableResponseSchema = z.object({ restorable: z.array(RestorableResultSchema) });
export type CheckRestorableResponse = z.output<typeof CheckRestorableResponseSchema>;

// ---- requests ---------------------------------------------------------------------------------

export const ListCheckpointItemsRequestSchema = z.object({
  limit: z.optional(pageSize),
  marker: z.optional(z.string().check(z.minLength(1))),
  offset: z.optional(z.pipe(pageParam, z.string().check(z.regex(/^\d+$/, 'offset must be a whole number ≥ 0')))),
  status: z.optional(z.enum(CHECKPOINT_ITEM_STATUSES)),
  resource_id: z.optional(z.string().check(z.minLength(1))),
  resource_type: z.optional(z.string().check(z.minLength(1))),
  resource_name: z.optional(z.string().check(z.minLength(1))),
  name: z.optional(z.string().check(z.minLength(1))),
  checkpoint_id: z.optional(z.string().check(z.minLength(1))),
  policy_id: z.optional(z.string().check(z.minLength(1))),
  image_type: z.optional(z.string().check(z.minLength(1))),
  az: z.optional(z.string().check(z.minLength(1))),
  start_time: z.optional(z.string().check(z.minLength(1))),
  end_time: z.optional(z.string().check(z.minLength(1))),
  sort: z.optional(z.string().check(z.maxLength(255))),
});
export type ListCheckpointItemsRequest = z.input<typeof ListCheckpointItemsRequestSchema>;

export const CountCheckpointItemsRequestSchema = z.omit(ListCheckpointItemsRequestSchema, { limit: true, marker: true, offset: true, sort: true });
export type CountCheckpointItemsRequest = z.input<typeof CountCheckpointItemsRequestSchema>;
const CountCheckpointItemsResponseSchema = z.object({ count: numberish });

export const CheckRestorableRequestSchema = z.object({
  check_restorable: z
    .array(
      z.object({
        checkpoint_item_id: z.string().check(z.minLength(1)),
        target: z.object({
          resource_id: z.string().check(z.minLength(1)),
          resource_type: z.enum(['OS::Nova::Server', 'OS::Ironic::BareMetalServer']),
          volumes: z.array(z.object({ backup_id: z.string().check(z.minLength(1)), volume_id: z.string().check(z.minLength(1)) })),
        }),
      }),
    )
    .check(z.minLength(1, 'check_restorable must not be empty')),
});
export type CheckRestorableRequest = z.input<typeof CheckRestorableRequestSchema>;

// ---- operations -------------------------------------------------------------------------------

export class CsbsApi {
  constructor(private readonly ctx: ApiContext) {}

  /** One page of backups (`GET /v1/{project_id}/checkpoint_items`). */
  async listCheckpointItemsPage(params: ListCheckpointItemsRequest = {}, options: CallOptions = {}): Promise<ListCheckpointItemsResponse> {
    const query = parseRequest(ListCheckpointItemsRequestSchema, params, 'csbs.listCheckpointItems');
    return this.call({ operation: 'csbs.listCheckpointItems', method: 'GET', path: this.path`/checkpoint_items`, query }, ListCheckpointItemsResponseSchema, options);
  }

  /**
   * Every backup matching the filters, page after page: `limit` is the page size (default 100), `marker` (a
   * backup id) or `offset` where to start; each next page starts after the last backup read. The document
   * names no end field: a page shorter than `limit` is the last only once as many backups were read as match
   * (`count` of the answer, or, when the answers do not say, one `countCheckpointItems`); short of that the
   * listing reads on (a server that pages by fewer than asked), and an empty page is an error.
   */
  listCheckpointItems(params: ListCheckpointItemsRequest = {}, options: CallOptions = {}): AsyncGenerator<CheckpointItem, void, undefined> {
    const request = parseRequest(
      ListCheckpointItemsRequestSchema,
      { ...params, limit: params.limit ?? DEFAULT_PAGE_SIZE },
      'csbs.listCheckpointItems',
    );
    const { marker: start, offset, ...filter } = request;
    const { limit: _limit, sort: _sort, ...matching } = filter;
    let first = true;
    return paginate(
      async (marker) => {
        const query = { ...filter, marker, offset: first ? offset : undefined };
        first = false;
        const page = await this.call(
          { operation: 'csbs.listCheckpointItems', method: 'GET', path: this.path`/checkpoint_items`, query },
          ListCheckpointItemsResponseSchema,
          options,
        );
        const items = page.checkpoint_items;
        return { items, next: items[items.length - 1]?.id, total: page.count };
      },
      {
        operation: 'csbs.listCheckpointItems',
        limit: Number(filter.limit),
        start,
        // `count` counts from the first match: comparable when the listing starts there or at an offset.
        itemsBefore: start === undefined ? Number(offset ?? 0) : undefined,
        endField: undefined,
        countAll: () => this.countCheckpointItems(matching, options),
      },
    );
  }

  /** How many backups match the filters (`GET /v1/{project_id}/checkpoint_items/count`). */
  async countCheckpointItems(params: CountCheckpointItemsRequest = {}, options: CallOptions = {}): Promise<number> {
    const query = parseRequest(CountCheckpointItemsRequestSchema, params, 'csbs.countCheckpointItems');
    const answer = await this.call(
      { operation: 'csbs.countCheckpointItems', method: 'GET', path: this.path`/checkpoint_items/count`, query },
      CountCheckpointItemsResponseSchema,
      options,
    );
    return answer.count;
  }

  /** Whether each backup can be restored to its target (`POST /v1/{project_id}/providers/{provider_id}/resources/action`). */
  async checkRestorable(params: CheckRestorableRequest, options: CallOptions = {}): Promise<CheckRestorableResponse> {
    const body = parseRequest(CheckRestorableRequestSchema, params, 'csbs.checkRestorable');
    return this.call(
      { operation: 'csbs.checkRestorable', method: 'POST', path: this.path`/providers/${CSBS_PROVIDER_ID}/resources/action`, body },
      CheckRestorableResponseSchema,
      options,
    );
  }

  private path(strings: TemplateStringsArray, ...params: string[]): string {
    return pathOf`/v1/${this.ctx.projectId}` + pathOf(strings, ...params);
  }

  private call<S extends z.ZodMiniType>(spec: Omit<CallSpec, 'service' | 'signal'>, schema: S, options: CallOptions): Promise<z.output<S>> {
    return callAndParse(this.ctx, { ...spec, service: 'csbs', signal: options.signal }, schema);
  }
}

