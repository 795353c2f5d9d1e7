import * as z from '../zod.ts';
import { listToTotal } from './counted.ts';
import { DEFAULT_PAGE_SIZE, pageSize } from './paginate.ts';
import { callAndParse, callAndParseList, numberish, optional, pageParam, parseRequest, present, streamedList, stringish } from './schema.ts';
import type { ApiContext, CallOptions, OffsetListingOptions } from './schema.ts';
import { pathOf } from './transport.ts';
import type { CallSpec } from './transport.ts';

/**
 * ECS (Elastic Cloud Server): servers with the disks attached to them. API v1 (`/v1/{project_id}/cloudservers`).
 * Not built into every client: attach it where it is used (`cloud.use(EcsApi)`).
 */

/** Server statuses (ListServersDetails `status`; the query filter also takes UNKNOWN). */
export const SERVER_STATUSES = [
  'ACTIVE',
  'BUILD',
  'DELETED',
  'ERROR',
  'HARD_REBOOT',
  'MIGRATING',
  'PAUSED',
  'REBOOT',
  'REBUILD',
  'RESIZE',
  'REVERT_RESIZE',
  'SHUTOFF',
  'SHELVED',
  'SHELVED_OFFLOADED',
  'SOFT_DELETED',
  'SUSPENDED',
  'VERIFY_RESIZE',
] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

/** The field of a server detail that lists its disks. */
export const VOLUMES_ATTACHED = 'os-extended-volumes:volumes_attached';

// ---- responses --------------------------------------------------------------------------------

export const AttachedVolumeSchema = z.object({
  /** The disk's id. */
  id: optional(stringish),
  device: optional(stringish),
  /** "0" the boot disk, "-1" not a boot disk. */
  bootIndex: optional(stringish),
});

export const ServerDetailSchema = z.object({
  id: present,
  name: optional(stringish),
  status: optional(stringish),
  /** `key=value` strings (or bare keys). */
  tags: optional(z.array(stringish)),
  [VOLUMES_ATTACHED]: optional(z.array(AttachedVolumeSchema)),
});
export type ServerDetail = z.output<typeof ServerDetailSchema>;

export const ListServersDetailsResponseSchema = z.object({ servers: z.array(ServerDetailSchema), count: optional(numberish) });
export type ListServersDetailsResponse = z.output<typeof ListServersDetailsResponseSchema>;

/** A ListServersDetails answer without its servers, which `listServersDetails` reads one by one as they arrive. */
const ListServersDetailsEnvelopeSchema = z.object({ servers: streamedList, count: optional(numberish) });

export const ServerBlockDeviceSchema = z.object({
  /** The disk's id (the same as `id`, the attachment's). */
  volumeId: optional(stringish),
  id: optional(stringish),
  serverId: optional(stringish),
  device: optional(stringish),
  bootIndex: optional(numberish),
  size: optional(numberish),
  bus: optional(stringish),
});
export type ServerBlockDevice = z.output<typeof ServerBlockDeviceSchema>;

export const ListServerBlockDevicesResponseSchema = z.object({
  volumeAttachments: z.array(ServerBlockDeviceSchema),
  attachableQuantity: optional(z.object({ free_scsi: optional(numberish), free_blk: optional(numberish), free_disk: optional(numberish) })),
});
export type ListServerBlockDevicesResponse = z.output<typeof ListServerBlockDevicesResponseSchema>;

// ---- requests ---------------------------------------------------------------------------------

const text = z.string().check(z.minLength(1));

export const ListServersDetailsRequestSchema = z.object({
  /** 1–1000; the API's own default is 25. */
  limit: z.optional(pageSize),
  /** A page NUMBER, from 1 (0 reads as 1), not an item offset. */
  offset: z.optional(z.pipe(pageParam, z.string().check(z.regex(/^\d+$/, 'offset is a page number ≥ 0')))),
  name: z.optional(text),
  status: z.optional(z.enum([...SERVER_STATUSES, 'UNKNOWN'])),
  flavor: z.optional(text),
  ip: z.optional(text),
  ip_eq: z.optional(text),
  tags: z.optional(text),
  'not-tags': z.optional(text),
  reservation_id: z.optional(text),
  /** Comma-separated server ids (at most 100 advised); other filters are then ignored. */
  server_id: z.optional(text),
  enterprise_project_id: z.optional(text),
});
export type ListServersDetailsRequest = z.input<typeof ListServersDetailsRequestSchema>;

export const ServerIdRequestSchema = z.object({ server_id: text });
export type ServerIdRequest = z.input<typeof ServerIdRequestSchema>;

// ---- operations -------------------------------------------------------------------------------

export class EcsApi {
  constructor(private readonly ctx: ApiContext) {}

  /** One page of servers (`GET /v1/{project_id}/cloudservers/detail`); `offset` is the page number. */
  async listServersDetailsPage(params: ListServersDetailsRequest = {}, options: CallOptions = {}): Promise<ListServersDetailsResponse> {
    const query = parseRequest(ListServersDetailsRequestSchema, params, 'ecs.listServersDetails');
    return this.get('ecs.listServersDetails', this.path`/cloudservers/detail`, query, ListServersDetailsResponseSchema, options);
  }

  /**
   * Every server matching the filters, `limit` a page (default 100), proven complete against the answers'
   * `count` (see counted.ts); once the first page has given it, `pagesInFlight` pages at a time. Each page is read
   * server by server as it arrives (`callAndParseList`): a page of 1,000 (≈ 1.9 MB) is never held whole.
   */
  listServersDetails(params: Omit<ListServersDetailsRequest, 'offset'> = {}, options: OffsetListingOptions = {}): AsyncGenerator<ServerDetail, void, undefined> {
    const request = parseRequest(ListServersDetailsRequestSchema, { ...params, limit: params.limit ?? DEFAULT_PAGE_SIZE }, 'ecs.listServersDetails');
    const limit = Number(request.limit);
    return listToTotal(
      { operation: 'ecs.listServersDetails', start: 0, limit, pagesInFlight: options.pagesInFlight, idOf: (server) => server.id },
      async (at, abandoned) => {
        const signal = options.signal ? AbortSignal.any([options.signal, abandoned]) : abandoned;
        const query = { ...request, offset: String(at / limit + 1) };
        const spec = { operation: 'ecs.listServersDetails', service: 'ecs', method: 'GET', path: this.path`/cloudservers/detail`, query, signal } as const;
        const page = await callAndParseList(this.ctx, spec, { field: 'servers', element: ServerDetailSchema, envelope: ListServersDetailsEnvelopeSchema, pick: (server) => server });
        return { items: page.items, total: page.envelope.count };
      },
    );
  }

  /** The disks attached to one server (`GET /v1/{project_id}/cloudservers/{server_id}/block_device`). */
  async listServerBlockDevices(params: ServerIdRequest, options: CallOptions = {}): Promise<ListServerBlockDevicesResponse> {
    const { server_id } = parseRequest(ServerIdRequestSchema, params, 'ecs.listServerBlockDevices');
    return this.get('ecs.listServerBlockDevices', this.path`/cloudservers/${server_id}/block_device`, undefined, ListServerBlockDevicesResponseSchema, options);
  }

  private path(strings: TemplateStringsArray, ...params: string[]): string {
    return pathOf`/v1/${this.ctx.projectId}` + pathOf(strings, ...params);
  }

  private get<S extends z.ZodMiniType>(operation: string, path: string, query: CallSpec['query'], schema: S, options: CallOptions): Promise<z.output<S>> {
    return callAndParse(this.ctx, { operation, service: 'ecs', method: 'GET', path, query, signal: options.signal }, schema);
  }
}
