import { randomUUID } from 'node:crypto';
import type { ApiContext, ApiResult, Route, TraceSpec } from './api.ts';
import { isRecord, parseCount } from './api.ts';
import { ApiError } from './errors.ts';
import type { KmsKey, ProjectState, Secret, SecretEvent, SortedNames } from './state.ts';
import { pageSizeOf } from './variants.ts';

/**
 * CSMS: secret events (`/v1/{project_id}/csms/events`) and secrets (`/v1/{project_id}/secrets`).
 * As documented, event errors come wrapped (`{"error":{...}}`) and secret errors top-level (ErrorRsp).
 */

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const EVENT_MARKER = /^[a-zA-Z0-9._-]{1,64}$/;
const TARGET_ID = /^[a-zA-Z0-9\-._:]{1,256}$/;
const EVENT_TYPES = new Set(['SECRET_VERSION_CREATED', 'SECRET_VERSION_EXPIRED', 'SECRET_ROTATED', 'SECRET_DELETED', 'SECRET_ROTATED_FAILED']);
const SECRET_TYPES = ['COMMON', 'RDS-FG', 'GaussDB-FG'] as const;
const DEFAULT_KEY_ALIAS = 'csms/default';
const MAX_SECRET_VALUE = 32_768;
const MAX_DESCRIPTION_BYTES = 2048;

const invalid = (what: string) => new ApiError(400, 'CSMS.0002', `The value of parameter is invalid: ${what}.`);
const notFound = (what: string) => new ApiError(404, 'CSMS.0005', `The resource does not exist: ${what}.`);

function body(ctx: ApiContext): Record<string, unknown> {
  if (ctx.body === undefined) return {};
  if (!isRecord(ctx.body)) throw new ApiError(400, 'CSMS.0004', 'The requested body format is wrong.');
  return ctx.body;
}

function pathName(ctx: ApiContext, param: string): string {
  const name = ctx.params[param] ?? '';
  if (!NAME.test(name)) throw invalid(param);
  return name;
}

export function eventView(event: SecretEvent): Record<string, unknown> {
  return {
    event_id: event.event_id,
    name: event.name,
    event_types: [...event.event_types],
    state: event.state,
    notification: { ...event.notification },
    create_time: event.create_time,
    update_time: event.update_time,
  };
}

export function secretView(secret: Secret): Record<string, unknown> {
  return {
    id: secret.id,
    name: secret.name,
    state: secret.state,
    kms_key_id: secret.kms_key_id,
    description: secret.description,
    create_time: secret.create_time,
    update_time: secret.update_time,
    scheduled_delete_time: null,
    secret_type: secret.secret_type,
    auto_rotation: secret.auto_rotation,
    rotation_period: secret.rotation_period,
    rotation_config: '',
    rotation_func_urn: secret.rotation_func_urn,
    event_subscriptions: [...secret.event_subscriptions],
    enterprise_project_id: '0',
  };
}

interface Page<T> {
  readonly items: T[];
  readonly page_info: { next_marker?: string; previous_marker?: string; current_count: number };
}

/**
 * A page of names after `marker` (exclusive), in name order. `next_marker` is the page's last name and is
 * present only when more items follow (or, variant `csmsNextMarker: 'always'`, whenever the page holds items);
 * `previous_marker` echoes the marker the page started after.
 */
function pageByName<T>(ctx: ApiContext, names: SortedNames, lookup: (name: string) => T | undefined, markerPattern: RegExp, accept: (item: T) => boolean): Page<T> {
  const limit = parseCount(ctx.query.get('limit'), 1, 1000);
  if (limit === null) throw invalid('limit');
  const marker = ctx.query.get('marker') || undefined;
  if (marker !== undefined && !markerPattern.test(marker)) throw invalid('marker');
  const size = pageSizeOf(ctx.state.variants, limit ?? 50);
  const items: T[] = [];
  let last = '';
  let index = names.indexAfter(marker);
  for (; index < names.size && items.length < size; index++) {
    const name = names.at(index) as string;
    const item = lookup(name);
    if (item !== undefined && accept(item)) {
      items.push(item);
      last = name;
    }
  }
  let more = false;
  for (; index < names.size && !more; index++) {
    const item = lookup(names.at(index) as string);
    more = item !== undefined && accept(item);
  }
  return {
    items,
    page_info: {
      current_count: items.length,
      ...(more || (items.length > 0 && ctx.state.variants.csmsNextMarker === 'always') ? { next_marker: last } : {}),
      ...(marker !== undefined ? { previous_marker: marker } : {}),
    },
  };
}

function listSecretEvents(ctx: ApiContext): ApiResult {
  const { events, eventNames } = ctx.project;
  const page = pageByName(ctx, eventNames, (name) => events.get(name), EVENT_MARKER, () => true);
  return { status: 200, body: { events: page.items.map(eventView), page_info: page.page_info } };
}

function showSecretEvent(ctx: ApiContext): ApiResult {
  const name = pathName(ctx, 'event_name');
  const event = ctx.project.events.get(name);
  if (!event) throw notFound(`event ${name}`);
  return { status: 200, body: { event: eventView(event) } };
}

function parseNotification(value: unknown): SecretEvent['notification'] {
  if (!isRecord(value)) throw invalid('notification');
  const { target_type, target_id, target_name } = value;
  if (target_type !== 'SMN') throw invalid('notification.target_type');
  if (typeof target_id !== 'string' || !TARGET_ID.test(target_id)) throw invalid('notification.target_id');
  if (typeof target_name !== 'string' || !NAME.test(target_name)) throw invalid('notification.target_name');
  return { target_type, target_id, target_name };
}

function createSecretEvent(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const name = input['name'];
  if (typeof name !== 'string' || !NAME.test(name)) throw invalid('name');
  const types = input['event_types'];
  if (!Array.isArray(types) || types.length < 1 || types.length > 12) throw invalid('event_types');
  if (!types.every((type) => typeof type === 'string' && EVENT_TYPES.has(type)) || new Set(types).size !== types.length) {
    throw invalid('event_types');
  }
  const state = input['state'];
  if (state !== 'ENABLED' && state !== 'DISABLED') throw invalid('state');
  const notification = parseNotification(input['notification']);
  if (ctx.project.events.has(name)) throw new ApiError(409, 'CSMS.0101', `The event name already exists: ${name}.`);

  const now = ctx.now.getTime();
  const event: SecretEvent = {
    event_id: randomUUID(),
    name,
    project_id: ctx.project.projectId,
    event_types: types as string[],
    state,
    notification,
    create_time: now,
    update_time: now,
  };
  ctx.project.addEvent(event);
  return { status: 200, body: { event: eventView(event) }, resource: { id: event.event_id, name } };
}

/** Refused while any secret subscribes to the event (seed 003); 200 with no body otherwise. */
function deleteSecretEvent(ctx: ApiContext): ApiResult {
  const name = pathName(ctx, 'event_name');
  const event = ctx.project.events.get(name);
  if (!event) throw notFound(`event ${name}`);
  const subscribers: string[] = [];
  for (const secret of ctx.project.secrets.values()) if (secret.event_subscriptions.includes(name)) subscribers.push(secret.name);
  if (subscribers.length > 0) {
    throw new ApiError(400, 'CSMS.0003', `The request is invalid: event ${name} is subscribed by secret(s) ${subscribers.join(', ')}; remove the subscriptions first.`);
  }
  ctx.project.deleteEvent(name);
  return { status: 200, resource: { id: event.event_id, name } };
}

function listSecrets(ctx: ApiContext): ApiResult {
  const eventName = ctx.query.get('event_name');
  if (eventName !== null && (eventName.length < 1 || eventName.length > 64)) throw invalid('event_name');
  const { secrets, secretNames } = ctx.project;
  const accept = eventName === null ? () => true : (secret: Secret) => secret.event_subscriptions.includes(eventName);
  const page = pageByName(ctx, secretNames, (name) => secrets.get(name), NAME, accept);
  return { status: 200, body: { secrets: page.items.map(secretView), page_info: page.page_info } };
}

function showSecret(ctx: ApiContext): ApiResult {
  const secret = findSecret(ctx);
  return { status: 200, body: { secret: secretView(secret) } };
}

function findSecret(ctx: ApiContext): Secret {
  const name = pathName(ctx, 'secret_name');
  const secret = ctx.project.secrets.get(name);
  if (!secret) throw notFound(`secret ${name}`);
  return secret;
}

/** The key must exist in the project and be enabled, or CSMS cannot protect the value with it. */
function usableKey(project: ProjectState, keyId: unknown): string {
  const key = typeof keyId === 'string' ? project.keys.get(keyId) : undefined;
  if (!key || key.key_state !== '2') {
    throw new ApiError(400, 'CSMS.0401', 'Can not get the protected secret value using the provided KMS key.');
  }
  return key.key_id;
}

/** CSMS uses (and creates when missing) the project's `csms/default` key when no key is given. */
function defaultKeyId(ctx: ApiContext): string {
  for (const key of ctx.project.keyOrder) if (key.key_alias === DEFAULT_KEY_ALIAS) return key.key_id;
  const key: KmsKey = {
    key_id: randomUUID(),
    project_id: ctx.project.projectId,
    domain_id: ctx.caller?.domainId ?? '',
    key_alias: DEFAULT_KEY_ALIAS,
    key_description: 'Default key for csms',
    key_state: '2',
    default_key_flag: '1',
    creation_date: String(ctx.now.getTime()),
    scheduled_deletion_date: '',
    key_spec: 'AES_256',
    key_usage: 'ENCRYPT_DECRYPT',
    origin: 'kms',
    tags: new Map(),
  };
  ctx.project.addKey(key);
  return key.key_id;
}

/** At most one event, and it must exist. */
function parseSubscriptions(project: ProjectState, value: unknown): string[] {
  if (!Array.isArray(value) || value.length > 1 || !value.every((name) => typeof name === 'string')) throw invalid('event_subscriptions');
  for (const name of value as string[]) if (!project.events.has(name)) throw invalid(`event_subscriptions (no event ${name})`);
  return [...(value as string[])];
}

function parseDescription(value: unknown): string {
  if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_DESCRIPTION_BYTES) throw invalid('description');
  return value;
}

function createSecret(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const name = input['name'];
  if (typeof name !== 'string' || !NAME.test(name)) throw invalid('name');
  const text = input['secret_string'];
  const binary = input['secret_binary'];
  if ((text === undefined) === (binary === undefined)) throw invalid('exactly one of secret_string and secret_binary');
  const value = text ?? binary;
  if (typeof value !== 'string' || value.length > MAX_SECRET_VALUE) throw invalid(text !== undefined ? 'secret_string' : 'secret_binary');
  const type = input['secret_type'] ?? 'COMMON';
  if (!SECRET_TYPES.includes(type as Secret['secret_type'])) throw invalid('secret_type');
  const autoRotation = input['auto_rotation'] ?? false;
  if (typeof autoRotation !== 'boolean') throw invalid('auto_rotation');
  const description = input['description'] === undefined ? '' : parseDescription(input['description']);
  const subscriptions = input['event_subscriptions'] === undefined ? [] : parseSubscriptions(ctx.project, input['event_subscriptions']);
  if (ctx.project.secrets.has(name)) throw new ApiError(409, 'CSMS.0101', 'The secret name already exists.');
  const kmsKeyId = input['kms_key_id'] === undefined ? defaultKeyId(ctx) : usableKey(ctx.project, input['kms_key_id']);

  const now = ctx.now.getTime();
  const secret: Secret = {
    id: randomUUID(),
    name,
    project_id: ctx.project.projectId,
    kms_key_id: kmsKeyId,
    description,
    event_subscriptions: subscriptions,
    state: 'ENABLED',
    secret_type: type as Secret['secret_type'],
    auto_rotation: autoRotation,
    rotation_period: typeof input['rotation_period'] === 'string' ? input['rotation_period'] : '',
    rotation_func_urn: typeof input['rotation_func_urn'] === 'string' ? input['rotation_func_urn'] : '',
    create_time: now,
    update_time: now,
    version_count: 1,
  };
  ctx.project.addSecret(secret);
  return {
    status: 200,
    body: { secret: secretView(secret) },
    resource: { id: secret.id, name },
    traceRequest: redactSecretValue(input),
  };
}

function updateSecret(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const secret = findSecret(ctx);
  if (secret.state === 'PENDING_DELETE') throw new ApiError(400, 'CSMS.0103', 'The secret is in the scheduled deletion state.');
  const changes: Partial<Pick<Secret, 'kms_key_id' | 'description' | 'event_subscriptions' | 'auto_rotation' | 'rotation_period' | 'rotation_func_urn'>> = {};
  if (input['kms_key_id'] !== undefined) changes.kms_key_id = usableKey(ctx.project, input['kms_key_id']);
  if (input['description'] !== undefined) changes.description = parseDescription(input['description']);
  if (input['event_subscriptions'] !== undefined) changes.event_subscriptions = parseSubscriptions(ctx.project, input['event_subscriptions']);
  if (input['auto_rotation'] !== undefined) {
    if (typeof input['auto_rotation'] !== 'boolean') throw invalid('auto_rotation');
    changes.auto_rotation = input['auto_rotation'];
  }
  for (const field of ['rotation_period', 'rotation_func_urn'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalid(field);
    changes[field] = value;
  }
  Object.assign(secret, changes, { update_time: ctx.now.getTime() });
  return { status: 200, body: { secret: secretView(secret) }, resource: { id: secret.id, name: secret.name } };
}

function redactSecretValue(input: Record<string, unknown>): Record<string, unknown> {
  const shown = { ...input };
  for (const field of ['secret_string', 'secret_binary']) if (field in shown) shown[field] = '******';
  return shown;
}

const trace = (trace_name: string): TraceSpec => ({ service_type: 'CSMS', resource_type: 'csms', trace_name, api_version: 'v1' });

export const csmsRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/{project_id}/csms/events',
    operation: 'csms.listSecretEvents',
    listing: true,
    operationId: 'ListSecretEvents',
    style: 'csms',
    handler: listSecretEvents,
  },
  {
    method: 'POST',
    path: '/v1/{project_id}/csms/events',
    operation: 'csms.createSecretEvent',
    operationId: 'CreateSecretEvent',
    style: 'csms',
    handler: createSecretEvent,
    trace: trace('createSecretEvent'),
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/csms/events/{event_name}',
    operation: 'csms.showSecretEvent',
    operationId: 'ShowSecretEvent',
    style: 'csms',
    handler: showSecretEvent,
  },
  {
    method: 'DELETE',
    path: '/v1/{project_id}/csms/events/{event_name}',
    operation: 'csms.deleteSecretEvent',
    operationId: 'DeleteSecretEvent',
    style: 'csms',
    handler: deleteSecretEvent,
    trace: trace('deleteSecretEvent'),
  },
  { method: 'GET', path: '/v1/{project_id}/secrets', operation: 'csms.listSecrets', operationId: 'ListSecrets', style: 'csms-secret', handler: listSecrets, listing: true },
  {
    method: 'POST',
    path: '/v1/{project_id}/secrets',
    operation: 'csms.createSecret',
    operationId: 'CreateSecret',
    style: 'csms-secret',
    handler: createSecret,
    trace: trace('createSecret'),
  },
  {
    method: 'GET',
    path: '/v1/{project_id}/secrets/{secret_name}',
    operation: 'csms.showSecret',
    operationId: 'ShowSecret',
    style: 'csms-secret',
    handler: showSecret,
  },
  {
    method: 'PUT',
    path: '/v1/{project_id}/secrets/{secret_name}',
    operation: 'csms.updateSecret',
    operationId: 'UpdateSecret',
    style: 'csms-secret',
    handler: updateSecret,
    trace: trace('updateSecret'),
  },
];
