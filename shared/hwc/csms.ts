import * as z from '../zod.ts';
import { HwcError } from './errors.ts';
import { DEFAULT_PAGE_SIZE, pageSize, paginate } from './paginate.ts';
import type { Page } from './paginate.ts';
import { boolish, callAndParse, expectNoBody, numberish, optional, parseRequest, present, stringish } from './schema.ts';
import type { ApiContext, CallOptions } from './schema.ts';
import { pathOf } from './transport.ts';
import type { CallResult, CallSpec } from './transport.ts';

/** CSMS (Cloud Secret Management Service): secrets and the events they subscribe to. API v1. */

/** Secret states as documented (ListSecrets): any other is not understood. */
export const SECRET_STATES = ['ENABLED', 'DISABLED', 'PENDING_DELETE', 'FROZEN'] as const;
/** Event states as documented (ListSecretEvents): any other is not understood. */
export const SECRET_EVENT_STATES = ['ENABLED', 'DISABLED'] as const;

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** Secret and event names: 1–64 of `a-z A-Z 0-9 _ -`. */
export const csmsName = (what: string) => z.string().check(z.regex(NAME, `${what} must be 1–64 of a-z A-Z 0-9 _ -`));

// ---- responses --------------------------------------------------------------------------------

export const NotificationSchema = z.object({
  target_type: optional(stringish),
  target_id: optional(stringish),
  target_name: optional(stringish),
});
export type Notification = z.output<typeof NotificationSchema>;

export const SecretEventSchema = z.object({
  name: present,
  event_id: optional(stringish),
  event_types: optional(z.array(stringish)),
  state: optional(stringish),
  notification: optional(NotificationSchema),
  create_time: optional(numberish),
  update_time: optional(numberish),
});
export type SecretEvent = z.output<typeof SecretEventSchema>;

export const SecretSchema = z.object({
  name: present,
  /**
   * The events this secret subscribes to. Absent is not "none": the API document does not promise the field,
   * so it stays undefined, and a caller deciding that an event is unused must treat it as unknown.
   */
  event_subscriptions: optional(z.array(stringish)),
  id: optional(stringish),
  kms_key_id: optional(stringish),
  description: optional(stringish),
  state: optional(stringish),
  secret_type: optional(stringish),
  create_time: optional(numberish),
  update_time: optional(numberish),
  scheduled_delete_time: optional(numberish),
  auto_rotation: optional(boolish),
  rotation_period: optional(stringish),
  rotation_config: optional(stringish),
  rotation_time: optional(numberish),
  next_rotation_time: optional(numberish),
  rotation_func_urn: optional(stringish),
  enterprise_project_id: optional(stringish),
});
export type Secret = z.output<typeof SecretSchema>;

export const PageInfoSchema = z.object({
  next_marker: optional(stringish),
  previous_marker: optional(stringish),
  current_count: optional(numberish),
});
export type PageInfo = z.output<typeof PageInfoSchema>;

export const ListSecretEventsResponseSchema = z.object({
  events: z.array(SecretEventSchema),
  page_info: optional(PageInfoSchema),
});
export type ListSecretEventsResponse = z.output<typeof ListSecretEventsResponseSchema>;

export const SecretEventResponseSchema = z.object({ event: SecretEventSchema });
export type SecretEventResponse = z.output<typeof SecretEventResponseSchema>;

export const ListSecretsResponseSchema = z.object({
  secrets: z.array(SecretSchema),
  page_info: optional(PageInfoSchema),
});
export type ListSecretsResponse = z.output<typeof ListSecretsResponseSchema>;

export const SecretResponseSchema = z.object({ secret: SecretSchema });
export type SecretResponse = z.output<typeof SecretResponseSchema>;

// ---- requests ---------------------------------------------------------------------------------

const marker = z.string().check(z.regex(/^[a-zA-Z0-9._-]{1,64}$/, 'marker must be a secret or event name'));

export const ListSecretEventsRequestSchema = z.object({ limit: z.optional(pageSize), marker: z.optional(marker) });
export type ListSecretEventsRequest = z.input<typeof ListSecretEventsRequestSchema>;

export const EventNameRequestSchema = z.object({ event_name: csmsName('event_name') });
export type EventNameRequest = z.input<typeof EventNameRequestSchema>;

export const SECRET_EVENT_TYPES = [
  'SECRET_VERSION_CREATED',
  'SECRET_VERSION_EXPIRED',
  'SECRET_ROTATED',
  'SECRET_DELETED',
  'SECRET_ROTATED_FAILED',
  // Not in the request enum, but in the API's own examples.
  'SECRET_VERSION_NEAR_EXPIRY',
] as const;

export const CreateSecretEventRequestSchema = z.object({
  name: csmsName('name'),
  event_types: z
    .array(z.enum(SECRET_EVENT_TYPES))
    .check(
      z.minLength(1),
      z.maxLength(12),
      z.refine((types) => new Set(types).size === types.length, 'event_types must not repeat'),
    ),
  state: z.enum(['ENABLED', 'DISABLED']),
  notification: z.object({
    target_type: z.literal('SMN'),
    target_id: z.string().check(z.regex(/^[a-zA-Z0-9\-._:]{1,256}$/, 'target_id must be an SMN topic URN')),
    target_name: csmsName('target_name'),
  }),
});
export type CreateSecretEventRequest = z.input<typeof CreateSecretEventRequestSchema>;

export const ListSecretsRequestSchema = z.object({
  limit: z.optional(pageSize),
  marker: z.optional(marker),
  event_name: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});
export type ListSecretsRequest = z.input<typeof ListSecretsRequestSchema>;

const kmsKeyId = z.string().check(z.regex(/^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/, 'kms_key_id must be a key id'));
const secretDescription = z.string().check(z.refine((s) => Buffer.byteLength(s) <= 2048, 'description must be at most 2048 bytes'));
const eventSubscriptions = z.array(z.string().check(z.maxLength(32))).check(z.maxLength(1, 'a secret subscribes to at most one event'));
const secretValue = z.string().check(z.refine((s) => Buffer.byteLength(s) <= 32768, 'a secret value is at most 32 KB'));

export const CreateSecretRequestSchema = z
  .object({
    name: csmsName('name'),
    kms_key_id: z.optional(kmsKeyId),
    description: z.optional(secretDescription),
    secret_string: z.optional(secretValue),
    secret_binary: z.optional(secretValue),
    secret_type: z.optional(z.enum(['COMMON', 'RDS-FG', 'GaussDB-FG'])),
    auto_rotation: z.optional(z.boolean()),
    rotation_period: z.optional(z.string().check(z.maxLength(50))),
    rotation_config: z.optional(z.string().check(z.maxLength(1024))),
    rotation_func_urn: z.optional(z.string()),
    event_subscriptions: z.optional(eventSubscriptions),
    enterprise_project_id: z.optional(z.string().check(z.minLength(1), z.maxLength(36))),
  })
  .check(
    z.refine((r) => (r.secret_string === undefined) !== (r.secret_binary === undefined), {
      message: 'exactly one of secret_string and secret_binary must be set',
      path: ['secret_string'],
    }),
  );
export type CreateSecretRequest = z.input<typeof CreateSecretRequestSchema>;

export const UpdateSecretRequestSchema = z.object({
  secret_name: csmsName('secret_name'),
  kms_key_id: z.optional(z.string().check(z.minLength(2), z.maxLength(64))),
  description: z.optional(secretDescription),
  auto_rotation: z.optional(z.boolean()),
  rotation_period: z.optional(z.string().check(z.maxLength(50))),
  rotation_func_urn: z.optional(z.string()),
  /** `[]` unsubscribes the secret from its event. */
  event_subscriptions: z.optional(eventSubscriptions),
});
export type UpdateSecretRequest = z.input<typeof UpdateSecretRequestSchema>;

// ---- operations -------------------------------------------------------------------------------

export class CsmsApi {
  constructor(private readonly ctx: ApiContext) {}

  /** One page of events (`GET /v1/{project_id}/csms/events`). */
  async listSecretEventsPage(params: ListSecretEventsRequest = {}, options: CallOptions = {}): Promise<ListSecretEventsResponse> {
    const query = parseRequest(ListSecretEventsRequestSchema, params, 'csms.listSecretEvents');
    return this.call({ operation: 'csms.listSecretEvents', method: 'GET', path: this.path`/csms/events`, query }, ListSecretEventsResponseSchema, options);
  }

  /** Every event, page after page (`limit` page size, default 100; `marker` where to start). */
  listSecretEvents(params: ListSecretEventsRequest = {}, options: CallOptions = {}): AsyncGenerator<SecretEvent, void, undefined> {
    const request = parseRequest(ListSecretEventsRequestSchema, { ...params, limit: params.limit ?? DEFAULT_PAGE_SIZE }, 'csms.listSecretEvents');
    const { marker: start, ...query } = request;
    return paginate(async (marker) => {
      const page = await this.call(
        { operation: 'csms.listSecretEvents', method: 'GET', path: this.path`/csms/events`, query: { ...query, marker } },
        ListSecretEventsResponseSchema,
        options,
      );
      return byName(page.events, page.page_info);
    }, byNameListing('csms.listSecretEvents', query.limit, start));
  }

  async showSecretEvent(params: EventNameRequest, options: CallOptions = {}): Promise<SecretEventResponse> {
    const { event_name } = parseRequest(EventNameRequestSchema, params, 'csms.showSecretEvent');
    return this.call({ operation: 'csms.showSecretEvent', method: 'GET', path: this.path`/csms/events/${event_name}` }, SecretEventResponseSchema, options);
  }

  async createSecretEvent(params: CreateSecretEventRequest, options: CallOptions = {}): Promise<SecretEventResponse> {
    const body = parseRequest(CreateSecretEventRequestSchema, params, 'csms.createSecretEvent');
    return this.call({ operation: 'csms.createSecretEvent', method: 'POST', path: this.path`/csms/events`, body }, SecretEventResponseSchema, options);
  }

  /**
   * Deletes an event for good; refused (400) while a secret subscribes to it. A 404 on a retry means an
   * earlier attempt deleted it and its answer was lost: that is success.
   */
  async deleteSecretEvent(params: EventNameRequest, options: CallOptions = {}): Promise<void> {
    const { event_name } = parseRequest(EventNameRequestSchema, params, 'csms.deleteSecretEvent');
    let result: CallResult;
    try {
      result = await this.ctx.transport.call({
        operation: 'csms.deleteSecretEvent',
        service: 'csms',
        method: 'DELETE',
        path: this.path`/csms/events/${event_name}`,
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof HwcError && error.status === 404 && error.attempts > 1) return;
      throw error;
    }
    expectNoBody(result, 'csms.deleteSecretEvent');
  }

  /** One page of secrets (`GET /v1/{project_id}/secrets`), optionally only those subscribing to `event_name`. */
  async listSecretsPage(params: ListSecretsRequest = {}, options: CallOptions = {}): Promise<ListSecretsResponse> {
    const query = parseRequest(ListSecretsRequestSchema, params, 'csms.listSecrets');
    return this.call({ operation: 'csms.listSecrets', method: 'GET', path: this.path`/secrets`, query }, ListSecretsResponseSchema, options);
  }

  /** Every secret, page after page (`limit` page size, default 100; `marker` where to start). */
  listSecrets(params: ListSecretsRequest = {}, options: CallOptions = {}): AsyncGenerator<Secret, void, undefined> {
    const request = parseRequest(ListSecretsRequestSchema, { ...params, limit: params.limit ?? DEFAULT_PAGE_SIZE }, 'csms.listSecrets');
    const { marker: start, ...query } = request;
    return paginate(async (marker) => {
      const page = await this.call(
        { operation: 'csms.listSecrets', method: 'GET', path: this.path`/secrets`, query: { ...query, marker } },
        ListSecretsResponseSchema,
        options,
      );
      return byName(page.secrets, page.page_info);
    }, byNameListing('csms.listSecrets', query.limit, start));
  }

  async createSecret(params: CreateSecretRequest, options: CallOptions = {}): Promise<SecretResponse> {
    const body = parseRequest(CreateSecretRequestSchema, params, 'csms.createSecret');
    return this.call({ operation: 'csms.createSecret', method: 'POST', path: this.path`/secrets`, body }, SecretResponseSchema, options);
  }

  /** Updates a secret's metadata (`PUT /v1/{project_id}/secrets/{secret_name}`). */
  async updateSecret(params: UpdateSecretRequest, options: CallOptions = {}): Promise<SecretResponse> {
    const { secret_name, ...body } = parseRequest(UpdateSecretRequestSchema, params, 'csms.updateSecret');
    return this.call({ operation: 'csms.updateSecret', method: 'PUT', path: this.path`/secrets/${secret_name}`, body }, SecretResponseSchema, options);
  }

  /** `/v1/{project_id}` + the rest, each parameter encoded. */
  private path(strings: TemplateStringsArray, ...params: string[]): string {
    return pathOf`/v1/${this.ctx.projectId}` + pathOf(strings, ...params);
  }

  private call<S extends z.ZodMiniType>(
    spec: Omit<CallSpec, 'service' | 'signal'>,
    schema: S,
    options: CallOptions,
  ): Promise<z.output<S>> {
    return callAndParse(this.ctx, { ...spec, service: 'csms', signal: options.signal }, schema);
  }
}

/**
 * A CSMS page as the paginator reads it. The end: `page_info` without `next_marker` (the document: the next
 * page's first name, "下一页起始凭据名称"); `next_marker` announces more; `current_count` must match the page.
 * A page without `page_info` says nothing, which leaves the listing unproven.
 */
function byName<T>(items: readonly T[], info: PageInfo | undefined): Page<T> {
  const next = info?.next_marker === '' ? undefined : info?.next_marker;
  return { items, next, more: info === undefined ? undefined : next !== undefined, count: info?.current_count };
}

function byNameListing(operation: string, limit: string | undefined, start: string | undefined) {
  return { operation, limit: Number(limit), start, itemsBefore: undefined, endField: 'page_info' };
}
