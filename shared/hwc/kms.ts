import * as z from '../zod.ts';
import { preprocess, transformed } from '../zod.ts';
import { DEFAULT_PAGE_SIZE, pageSize, paginate, paginateByOffset } from './paginate.ts';
import { boolish, callAndParse, expectNoBody, keyId, numberish, optional, pageParam, parseRequest, present, stringish } from './schema.ts';
import type { ApiContext, CallOptions, OffsetListingOptions } from './schema.ts';
import { pathOf } from './transport.ts';
import type { CallSpec } from './transport.ts';

/** KMS (Key Management Service): keys, their state, description and tags. API v1.0. */

/** Key states as the API writes them. */
export const KeyState = {
  pendingActivation: '1',
  enabled: '2',
  disabled: '3',
  pendingDeletion: '4',
  pendingImport: '5',
  frozen: '7',
} as const;

/** Every key state the API documents; a key in any other state is not understood (reported, never acted on). */
export const KEY_STATES: readonly string[] = Object.values(KeyState);

/** Default (service-created) keys: alias ends with `/default`, or flagged by the API. */
export function isDefaultKey(key: { readonly key_alias: string; readonly default_key_flag?: string | undefined }): boolean {
  return key.key_alias.endsWith('/default') || key.default_key_flag === '1';
}

// ---- shared pieces ----------------------------------------------------------------------------

/** Flags the API sends as `"false"`, `false` or `0`; read as the documented string. */
const flag = z.union([z.string(), transformed(z.number(), String), transformed(z.boolean(), String)]);

const TAG_FORBIDDEN = /[\u0000-\u001f*<>\\=]/;
const chars = (text: string): number => [...text].length;
function tagText(what: string, min: number, max: number) {
  return z
    .string()
    .check(
      z.refine((s) => chars(s) >= min && chars(s) <= max, `${what} must be ${min}–${max} characters`),
      z.refine((s) => !TAG_FORBIDDEN.test(s), `${what} must not contain ASCII 0–31 or * < > \\ =`),
    );
}
/** Tag key: 1–36 characters, none of ASCII 0–31, `* < > \ =`. */
export const tagKey = tagText('tag key', 1, 36);
/** Tag value: 0–43 characters, same forbidden characters. */
export const tagValue = tagText('tag value', 0, 43);
const description = z.string().check(z.refine((s) => chars(s) <= 255, 'key_description must be at most 255 characters'));
/** A key holds at most 10 tags, so no request names more. */
export const MAX_TAGS = 10;

// ---- responses --------------------------------------------------------------------------------

export const KeyDetailsSchema = z.object({
  key_id: present,
  key_alias: present,
  key_state: present,
  key_description: optional(stringish),
  creation_date: optional(stringish),
  scheduled_deletion_date: optional(stringish),
  default_key_flag: optional(stringish),
  domain_id: optional(stringish),
  realm: optional(stringish),
  key_spec: optional(stringish),
  key_usage: optional(stringish),
  key_type: optional(stringish),
  key_rotation_enabled: optional(flag),
  expiration_time: optional(stringish),
  origin: optional(stringish),
  keystore_id: optional(stringish),
  sys_enterprise_project_id: optional(stringish),
});
export type KeyDetails = z.output<typeof KeyDetailsSchema>;

export const ListKeysResponseSchema = z.object({
  key_details: z.array(KeyDetailsSchema),
  keys: optional(z.array(stringish)),
  next_marker: optional(stringish),
  truncated: optional(boolish),
  total: optional(numberish),
});
export type ListKeysResponse = z.output<typeof ListKeysResponseSchema>;

export const ListKeyDetailResponseSchema = z.object({ key_info: KeyDetailsSchema });
export type ListKeyDetailResponse = z.output<typeof ListKeyDetailResponseSchema>;

export const KeyStatusInfoSchema = z.object({ key_id: present, key_state: present });
/** Answer of schedule/cancel key deletion: `{ key_id, key_state }`. */
export type KeyStatusInfo = z.output<typeof KeyStatusInfoSchema>;
export const KeyStatusResponseSchema = z.object({ key_info: KeyStatusInfoSchema });
/** Answer of enable/disable key: `{ key_info: { key_id, key_state } }`. */
export type KeyStatusResponse = z.output<typeof KeyStatusResponseSchema>;

export const CreateKeyResponseSchema = z.object({
  key_info: z.object({ key_id: present, domain_id: optional(stringish), region_id: optional(stringish) }),
});
export type CreateKeyResponse = z.output<typeof CreateKeyResponseSchema>;

export const UpdateKeyDescriptionResponseSchema = z.object({
  key_info: z.object({ key_id: present, key_description: optional(stringish) }),
});
export type UpdateKeyDescriptionResponse = z.output<typeof UpdateKeyDescriptionResponseSchema>;

export const TagSchema = z.object({ key: present, value: stringish });
export type Tag = z.output<typeof TagSchema>;

export const ShowKmsTagsResponseSchema = z.object({
  tags: z.array(TagSchema),
  existTagsNum: optional(numberish),
});
export type ShowKmsTagsResponse = z.output<typeof ShowKmsTagsResponseSchema>;

export const KmsResourceSchema = z.object({
  resource_id: present,
  resource_name: optional(stringish),
  // Documented as an object, shown as a one-element array in the API's own example. Details that do not
  // read as a key's are dropped rather than failing the page: a caller reads that key on its own.
  resource_detail: preprocess((v) => (Array.isArray(v) ? v[0] : v) ?? undefined, z.catch(z.optional(KeyDetailsSchema), undefined)),
  tags: z.array(TagSchema),
});
export type KmsResource = z.output<typeof KmsResourceSchema>;

export const ListKmsByTagsResponseSchema = z.object({
  resources: z.array(KmsResourceSchema),
  total_count: optional(numberish),
});
/** The same page with each resource's details left unread (not parsed, not kept). */
const ListKmsByTagsWithoutDetailsSchema = z.object({
  resources: z.array(z.omit(KmsResourceSchema, { resource_detail: true })),
  total_count: optional(numberish),
});

export interface ByTagsOptions extends CallOptions {
  /** `false`: leave each `resource_detail` unread, for a caller that needs only ids and tags (less CPU and memory). */
  readonly details?: boolean | undefined;
}

const pageSchema = (options: ByTagsOptions) => (options.details === false ? ListKmsByTagsWithoutDetailsSchema : ListKmsByTagsResponseSchema);
export type ListKmsByTagsResponse = z.output<typeof ListKmsByTagsResponseSchema>;
const CountKmsByTagsResponseSchema = z.object({ total_count: numberish });

// ---- requests ---------------------------------------------------------------------------------

export const ListKeysRequestSchema = z.object({
  limit: z.optional(pageSize),
  marker: z.optional(pageParam),
  key_state: z.optional(
    z.pipe(z.union([z.string(), transformed(z.number(), String)]), z.string().check(z.regex(/^[1-5]$/, 'key_state must be one of 1–5'))),
  ),
  key_spec: z.optional(z.enum(['AES_256', 'SM4', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384', 'SM2', 'ALL'])),
  enterprise_project_id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});
export type ListKeysRequest = z.input<typeof ListKeysRequestSchema>;

export const KeyIdRequestSchema = z.object({ key_id: keyId });
export type KeyIdRequest = z.input<typeof KeyIdRequestSchema>;

export const CreateKeyRequestSchema = z.object({
  key_alias: z.string().check(z.regex(/^[a-zA-Z0-9:/_-]{1,255}$/, 'key_alias must be 1–255 of a-z A-Z 0-9 : / _ -')),
  key_description: z.optional(description),
  key_spec: z.optional(z.enum(['AES_256', 'SM4', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384', 'SECP256K1', 'SM2'])),
  key_usage: z.optional(z.enum(['ENCRYPT_DECRYPT', 'SIGN_VERIFY'])),
  origin: z.optional(z.enum(['kms', 'external'])),
  enterprise_project_id: z.optional(z.string().check(z.maxLength(36))),
  keystore_id: z.optional(z.string()),
});
export type CreateKeyRequest = z.input<typeof CreateKeyRequestSchema>;

export const DeleteKeyRequestSchema = z.object({
  key_id: keyId,
  pending_days: transformed(
    z.pipe(
      z.union([z.number(), transformed(z.string().check(z.trim(), z.regex(/^\d+$/, 'pending_days must be a whole number')), Number)]),
      z.number().check(z.int(), z.gte(7, 'pending_days must be 7–1096'), z.lte(1096, 'pending_days must be 7–1096')),
    ),
    String,
  ),
});
export type DeleteKeyRequest = z.input<typeof DeleteKeyRequestSchema>;

export const UpdateKeyDescriptionRequestSchema = z.object({ key_id: keyId, key_description: description });
export type UpdateKeyDescriptionRequest = z.input<typeof UpdateKeyDescriptionRequestSchema>;

const TagItemRequestSchema = z.object({ key: tagKey, value: z.optional(tagValue) });
export type TagItem = z.input<typeof TagItemRequestSchema>;

export const BatchCreateKmsTagsRequestSchema = z.object({
  key_id: keyId,
  action: z.enum(['create', 'delete']),
  tags: z
    .array(TagItemRequestSchema)
    .check(
      z.minLength(1, 'tags must not be empty'),
      z.maxLength(MAX_TAGS, `at most ${MAX_TAGS} tags`),
      z.refine((tags) => new Set(tags.map((t) => t.key)).size === tags.length, 'tag keys must be unique'),
    ),
});
export type BatchCreateKmsTagsRequest = z.input<typeof BatchCreateKmsTagsRequestSchema>;

export const ListKmsByTagsFilterSchema = z.object({
  tags: z.optional(
    z
      .array(z.object({ key: tagKey, values: z.array(tagValue).check(z.minLength(1), z.maxLength(10)) }))
      .check(z.minLength(1), z.maxLength(MAX_TAGS)),
  ),
  matches: z.optional(
    z.array(z.object({ key: z.literal('resource_name'), value: z.string().check(z.minLength(1), z.maxLength(255)) })).check(z.maxLength(10)),
  ),
});
export type CountKmsByTagsRequest = z.input<typeof ListKmsByTagsFilterSchema>;

export const ListKmsByTagsRequestSchema = z.extend(ListKmsByTagsFilterSchema, {
  limit: z.optional(pageSize),
  offset: z.optional(z.pipe(pageParam, z.string().check(z.regex(/^\d+$/, 'offset must be a whole number ≥ 0')))),
});
export type ListKmsByTagsRequest = z.input<typeof ListKmsByTagsRequestSchema>;

// ---- operations -------------------------------------------------------------------------------

export class KmsApi {
  constructor(private readonly ctx: ApiContext) {}

  /** One page of keys (`POST /v1.0/{project_id}/kms/list-keys`). */
  async listKeysPage(params: ListKeysRequest = {}, options: CallOptions = {}): Promise<ListKeysResponse> {
    const body = parseRequest(ListKeysRequestSchema, params, 'kms.listKeys');
    return this.post('kms.listKeys', 'list-keys', body, ListKeysResponseSchema, options);
  }

  /**
   * Every key, page after page as the consumer reads on (`limit` is the page size, default 100;
   * `marker` where to start). Invalid parameters throw here, before anything is sent.
   */
  listKeys(params: ListKeysRequest = {}, options: CallOptions = {}): AsyncGenerator<KeyDetails, void, undefined> {
    const request = parseRequest(ListKeysRequestSchema, { ...params, limit: params.limit ?? DEFAULT_PAGE_SIZE }, 'kms.listKeys');
    const { marker, ...filter } = request;
    // The end: `truncated: "false"`. Markers are offsets (KMS.1602: "marker must be greater than or equals 0"),
    // so each next_marker is checked against the items read, and a last page short of `total` is confirmed by
    // reading past it (whether `total` counts the keys a filter leaves out, the document does not say).
    return paginate(
      async (cursor) => {
        const page = await this.post('kms.listKeys', 'list-keys', { ...filter, marker: cursor }, ListKeysResponseSchema, options);
        const next = page.next_marker === '' ? undefined : page.next_marker;
        return { items: page.key_details, next, more: page.truncated ?? (next !== undefined ? true : undefined), total: page.total };
      },
      { operation: 'kms.listKeys', limit: Number(filter.limit), start: marker, itemsBefore: undefined, endField: 'truncated', offsetMarkers: true },
    );
  }

  /** Describes one key (`describe-key`): `{ key_info }`. */
  async listKeyDetail(params: KeyIdRequest, options: CallOptions = {}): Promise<ListKeyDetailResponse> {
    const body = parseRequest(KeyIdRequestSchema, params, 'kms.listKeyDetail');
    return this.post('kms.listKeyDetail', 'describe-key', body, ListKeyDetailResponseSchema, options);
  }

  async createKey(params: CreateKeyRequest, options: CallOptions = {}): Promise<CreateKeyResponse> {
    const body = parseRequest(CreateKeyRequestSchema, params, 'kms.createKey');
    return this.post('kms.createKey', 'create-key', body, CreateKeyResponseSchema, options, true);
  }

  /** Schedules the key's deletion in `pending_days` (7–1096) days (`schedule-key-deletion`). */
  async deleteKey(params: DeleteKeyRequest, options: CallOptions = {}): Promise<KeyStatusInfo> {
    const body = parseRequest(DeleteKeyRequestSchema, params, 'kms.deleteKey');
    return this.post('kms.deleteKey', 'schedule-key-deletion', body, KeyStatusInfoSchema, options, true);
  }

  /** Only for a key pending deletion (else KMS.1501); the key is left disabled ("3"). */
  async cancelKeyDeletion(params: KeyIdRequest, options: CallOptions = {}): Promise<KeyStatusInfo> {
    const body = parseRequest(KeyIdRequestSchema, params, 'kms.cancelKeyDeletion');
    return this.post('kms.cancelKeyDeletion', 'cancel-key-deletion', body, KeyStatusInfoSchema, options, true);
  }

  /** Not allowed on default keys (alias `…/default`) or keys pending deletion. */
  async updateKeyDescription(params: UpdateKeyDescriptionRequest, options: CallOptions = {}): Promise<UpdateKeyDescriptionResponse> {
    const body = parseRequest(UpdateKeyDescriptionRequestSchema, params, 'kms.updateKeyDescription');
    return this.post('kms.updateKeyDescription', 'update-key-description', body, UpdateKeyDescriptionResponseSchema, options, true);
  }

  async enableKey(params: KeyIdRequest, options: CallOptions = {}): Promise<KeyStatusResponse> {
    const body = parseRequest(KeyIdRequestSchema, params, 'kms.enableKey');
    return this.post('kms.enableKey', 'enable-key', body, KeyStatusResponseSchema, options, true);
  }

  async disableKey(params: KeyIdRequest, options: CallOptions = {}): Promise<KeyStatusResponse> {
    const body = parseRequest(KeyIdRequestSchema, params, 'kms.disableKey');
    return this.post('kms.disableKey', 'disable-key', body, KeyStatusResponseSchema, options, true);
  }

  /** The key's tags (`GET /v1.0/{project_id}/kms/{key_id}/tags`). */
  async showKmsTags(params: KeyIdRequest, options: CallOptions = {}): Promise<ShowKmsTagsResponse> {
    const { key_id } = parseRequest(KeyIdRequestSchema, params, 'kms.showKmsTags');
    return callAndParse(
      this.ctx,
      {
        operation: 'kms.showKmsTags',
        service: 'kms',
        method: 'GET',
        path: pathOf`/v1.0/${this.ctx.projectId}/kms/${key_id}/tags`,
        signal: options.signal,
      },
      ShowKmsTagsResponseSchema,
    );
  }

  /** Adds (`create`) or removes (`delete`) up to 10 tags at once; the API answers 204. */
  async batchCreateKmsTags(params: BatchCreateKmsTagsRequest, options: CallOptions = {}): Promise<void> {
    const { key_id, ...body } = parseRequest(BatchCreateKmsTagsRequestSchema, params, 'kms.batchCreateKmsTags');
    const result = await this.ctx.transport.call({
      operation: 'kms.batchCreateKmsTags',
      service: 'kms',
      method: 'POST',
      path: pathOf`/v1.0/${this.ctx.projectId}/kms/${key_id}/tags/action`,
      body,
      sequence: true,
      signal: options.signal,
    });
    expectNoBody(result, 'kms.batchCreateKmsTags');
  }

  /**
   * One page of keys matching tags (`resource_instances/action`, action `filter`); `details: false` leaves
   * each `resource_detail` unread.
   */
  async listKmsByTagsPage(params: ListKmsByTagsRequest = {}, options: ByTagsOptions = {}): Promise<ListKmsByTagsResponse> {
    const request = parseRequest(ListKmsByTagsRequestSchema, params, 'kms.listKmsByTags');
    return this.byTags({ ...request, action: 'filter' }, pageSchema(options), options);
  }

  /**
   * Every key matching tags (every key, without `tags`), page after page: `limit` page size (default 100),
   * `offset` where to start; `pagesInFlight` pages requested at a time once the total is known (default 1);
   * `details: false` leaves `resource_detail` unread, for a caller that needs only ids and tags.
   */
  listKmsByTags(params: ListKmsByTagsRequest = {}, options: OffsetListingOptions & ByTagsOptions = {}): AsyncGenerator<KmsResource, void, undefined> {
    const request = parseRequest(ListKmsByTagsRequestSchema, { ...params, limit: params.limit ?? DEFAULT_PAGE_SIZE }, 'kms.listKmsByTags');
    const { offset, ...filter } = request;
    const schema = pageSchema(options);
    const fetchPage = async (start: number, abandoned: AbortSignal) => {
      const signal = options.signal ? AbortSignal.any([options.signal, abandoned]) : abandoned;
      const page: ListKmsByTagsResponse = await this.byTags({ ...filter, offset: String(start), action: 'filter' }, schema, { ...options, signal });
      return { items: page.resources, total: page.total_count };
    };
    // The end: `total_count` reached (a shorter page is not the end while it says more keys exist).
    return paginateByOffset(fetchPage, {
      operation: 'kms.listKmsByTags',
      start: Number(offset ?? 0),
      limit: Number(filter.limit),
      pagesInFlight: options.pagesInFlight,
      idOf: (resource) => resource.resource_id,
    });
  }

  /** How many keys match (action `count`). */
  async countKmsByTags(params: CountKmsByTagsRequest = {}, options: CallOptions = {}): Promise<number> {
    const request = parseRequest(ListKmsByTagsFilterSchema, params, 'kms.countKmsByTags');
    const answer = await this.byTags({ ...request, action: 'count' }, CountKmsByTagsResponseSchema, options, 'kms.countKmsByTags');
    return answer.total_count;
  }

  private byTags<S extends z.ZodMiniType>(
    body: Record<string, unknown>,
    schema: S,
    options: CallOptions,
    operation = 'kms.listKmsByTags',
  ): Promise<z.output<S>> {
    return callAndParse(
      this.ctx,
      {
        operation,
        service: 'kms',
        method: 'POST',
        path: pathOf`/v1.0/${this.ctx.projectId}/kms/resource_instances/action`,
        body,
        signal: options.signal,
      },
      schema,
    );
  }

  private post<S extends z.ZodMiniType>(
    operation: string,
    action: string,
    body: Record<string, unknown>,
    schema: S,
    options: CallOptions,
    sequence = false,
  ): Promise<z.output<S>> {
    const spec: CallSpec = {
      operation,
      service: 'kms',
      method: 'POST',
      path: pathOf`/v1.0/${this.ctx.projectId}/kms/${action}`,
      body,
      sequence,
      signal: options.signal,
    };
    return callAndParse(this.ctx, spec, schema);
  }
}
