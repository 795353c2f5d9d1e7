import { randomUUID } from 'node:crypto';
import type { ApiContext, ApiResult, Route, TraceSpec } from './api.ts';
import { charLength, isRecord, parseCount } from './api.ts';
import { ApiError } from './errors.ts';
import type { KmsKey, ProjectState } from './state.ts';
import { pageSizeOf } from './variants.ts';

/** KMS (`/v1.0/{project_id}/kms/...`): keys and their lifecycle (tags: kms-tags.ts). Error codes from the KMS error-code table. */

const KEY_ID = /^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/;
const KEY_ALIAS = /^[a-zA-Z0-9:/_-]{1,255}$/;
const KEY_SPECS = ['AES_256', 'SM4', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384', 'SECP256K1', 'SM2'];
const SYMMETRIC = new Set(['AES_256', 'SM4']);
const KEY_STATE = /^[1-5]$/;

export const fail = (status: number, code: string, message: string) => new ApiError(status, code, message);
const invalidJson = () => fail(400, 'KMS.0202', 'Invalid JSON format of the request message.');
export const missing = (name: string) => fail(400, 'KMS.0204', `Parameters missing in the request message: ${name}.`);
const invalidParameter = (name: string) => fail(400, 'KMS.0308', `Invalid parameter: ${name}.`);
const pendingDeletion = () => fail(400, 'KMS.0210', 'The key is in Scheduled deletion state and cannot be used.');
const defaultKey = () => fail(400, 'KMS.0211', 'Cannot perform this operation on Default Master Keys.');

export function body(ctx: ApiContext): Record<string, unknown> {
  if (ctx.body === undefined) return {};
  if (!isRecord(ctx.body)) throw invalidJson();
  return ctx.body;
}

export function findKey(project: ProjectState, keyId: unknown): KmsKey {
  if (keyId === undefined || keyId === null || keyId === '') throw missing('key_id');
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) throw fail(400, 'KMS.0205', 'Invalid key ID.');
  const key = project.keys.get(keyId);
  if (!key) throw fail(404, 'KMS.0207', 'The key does not exist.');
  return key;
}

const isDefault = (key: KmsKey) => key.default_key_flag === '1' || key.key_alias.endsWith('/default');

/** KeyDetails as ListKeys and ListKeyDetail return them: every value a string. */
export function keyDetails(key: KmsKey, region: string): Record<string, string> {
  return {
    key_id: key.key_id,
    domain_id: key.domain_id,
    key_alias: key.key_alias,
    realm: region,
    key_spec: key.key_spec,
    key_usage: key.key_usage,
    key_description: key.key_description,
    creation_date: key.creation_date,
    scheduled_deletion_date: key.scheduled_deletion_date,
    key_state: key.key_state,
    default_key_flag: key.default_key_flag,
    key_type: SYMMETRIC.has(key.key_spec) ? '1' : '2',
    expiration_time: '',
    origin: key.origin,
    key_rotation_enabled: 'false',
    sys_enterprise_project_id: '0',
    keystore_id: '0',
  };
}

/** ListKmsByTags' `resource_detail`, typed as the API's example shows it: numbers and booleans, not strings. */
export function looseKeyDetails(key: KmsKey, region: string): Record<string, unknown> {
  return {
    ...keyDetails(key, region),
    creation_date: Number(key.creation_date),
    default_key_flag: Number(key.default_key_flag),
    key_state: Number(key.key_state),
    key_type: SYMMETRIC.has(key.key_spec) ? 1 : 2,
    key_rotation_enabled: false,
  };
}

/** The resource a KMS change names in its CTS trace. */
export const changed = (key: KmsKey) => ({ id: key.key_id, name: key.key_alias });

function listKeys(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const limit = parseCount(input['limit'], 1, 1000);
  if (limit === null) throw fail(400, 'KMS.1601', 'Invalid limit.');
  const marker = parseCount(input['marker'], 0, 1_000_000_000);
  if (marker === null) throw fail(400, 'KMS.1602', 'marker must be greater than or equals 0.');
  const state = input['key_state'];
  if (state !== undefined && (typeof state !== 'string' || !KEY_STATE.test(state))) throw invalidParameter('key_state');
  const spec = input['key_spec'] ?? 'AES_256';
  if (typeof spec !== 'string' || (spec !== 'ALL' && !KEY_SPECS.includes(spec))) throw invalidParameter('key_spec');

  const start = marker ?? 0;
  const size = pageSizeOf(ctx.state.variants, limit ?? 1000);
  const all = ctx.project.keyOrder;
  const page: KmsKey[] = [];
  let total: number;
  if (state === undefined && spec === 'ALL') {
    total = all.length;
    for (let i = start; i < Math.min(all.length, start + size); i++) page.push(all[i] as KmsKey);
  } else {
    total = 0;
    for (const key of all) {
      if ((state !== undefined && key.key_state !== state) || (spec !== 'ALL' && key.key_spec !== spec)) continue;
      if (total >= start && page.length < size) page.push(key);
      total++;
    }
  }
  const truncated = start + page.length < total;
  if (ctx.state.variants.listKeysTotal === 'all') total = all.length;
  return {
    status: 200,
    body: {
      keys: page.map((key) => key.key_id),
      key_details: page.map((key) => keyDetails(key, ctx.state.region)),
      next_marker: truncated ? String(start + page.length) : '',
      truncated: truncated ? 'true' : 'false',
      total,
    },
  };
}

function describeKey(ctx: ApiContext): ApiResult {
  const key = findKey(ctx.project, body(ctx)['key_id']);
  return { status: 200, body: { key_info: keyDetails(key, ctx.state.region) } };
}

function createKey(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const alias = input['key_alias'];
  if (alias === undefined || alias === '') throw missing('key_alias');
  if (typeof alias !== 'string' || !KEY_ALIAS.test(alias) || alias.endsWith('/default')) {
    throw fail(400, 'KMS.1101', 'Invalid key_alias.');
  }
  if (ctx.project.aliases.has(alias)) throw fail(400, 'KMS.1104', 'Duplicate key aliases.');
  const description = input['key_description'] ?? '';
  if (typeof description !== 'string' || charLength(description) > 255) throw fail(400, 'KMS.1103', 'Invalid key_description.');
  const spec = input['key_spec'] ?? 'AES_256';
  if (typeof spec !== 'string' || !KEY_SPECS.includes(spec)) throw fail(400, 'KMS.1110', 'Invalid alg_type.');
  const usage = input['key_usage'] ?? (SYMMETRIC.has(spec) ? 'ENCRYPT_DECRYPT' : 'SIGN_VERIFY');
  if (usage !== 'ENCRYPT_DECRYPT' && usage !== 'SIGN_VERIFY') throw invalidParameter('key_usage');
  const origin = input['origin'] ?? 'kms';
  if (origin !== 'kms' && origin !== 'external') throw invalidParameter('origin');

  const key: KmsKey = {
    key_id: randomUUID(),
    project_id: ctx.project.projectId,
    domain_id: ctx.caller?.domainId ?? '',
    key_alias: alias,
    key_description: description,
    key_state: origin === 'external' ? '5' : '2',
    default_key_flag: '0',
    creation_date: String(ctx.now.getTime()),
    scheduled_deletion_date: '',
    key_spec: spec,
    key_usage: usage,
    origin,
    tags: new Map(),
  };
  ctx.project.addKey(key);
  return { status: 200, body: { key_info: { key_id: key.key_id, domain_id: key.domain_id } }, resource: changed(key) };
}

function scheduleKeyDeletion(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const key = findKey(ctx.project, input['key_id']);
  if (input['pending_days'] === undefined || input['pending_days'] === '') throw missing('pending_days');
  const days = parseCount(input['pending_days'], 7, 1096);
  if (days === null || days === undefined) throw fail(400, 'KMS.1401', 'Set the pending deletion period between 7 to 1096 days.');
  if (isDefault(key)) throw defaultKey();
  if (key.key_state === '4') throw fail(400, 'KMS.1402', 'The key is already in Pending deletion state.');
  key.key_state = '4';
  key.scheduled_deletion_date = String(ctx.now.getTime() + days * 86_400_000);
  return { status: 200, body: { key_id: key.key_id, key_state: key.key_state }, resource: changed(key) };
}

function cancelKeyDeletion(ctx: ApiContext): ApiResult {
  const key = findKey(ctx.project, body(ctx)['key_id']);
  if (key.key_state !== '4') throw fail(400, 'KMS.1501', 'The key is not in Pending deletion state.');
  key.key_state = '3';
  key.scheduled_deletion_date = '';
  return { status: 200, body: { key_id: key.key_id, key_state: key.key_state }, resource: changed(key) };
}

function updateKeyDescription(ctx: ApiContext): ApiResult {
  const input = body(ctx);
  const key = findKey(ctx.project, input['key_id']);
  const description = input['key_description'];
  if (description === undefined || description === null) throw missing('key_description');
  if (typeof description !== 'string' || charLength(description) > 255) throw fail(400, 'KMS.1103', 'Invalid key_description.');
  if (isDefault(key)) throw defaultKey();
  if (key.key_state === '4') throw pendingDeletion();
  key.key_description = description;
  return { status: 200, body: { key_info: { key_id: key.key_id, key_description: description } }, resource: changed(key) };
}

function setEnabled(enable: boolean) {
  return (ctx: ApiContext): ApiResult => {
    const key = findKey(ctx.project, body(ctx)['key_id']);
    if (key.key_state === '4') throw pendingDeletion();
    if (!enable && isDefault(key)) throw defaultKey();
    if (enable && key.key_state !== '3') throw fail(400, 'KMS.1201', 'The key is not disabled.');
    if (!enable && key.key_state !== '2') throw fail(400, 'KMS.1301', 'The key is not enabled.');
    key.key_state = enable ? '2' : '3';
    return { status: 200, body: { key_info: { key_id: key.key_id, key_state: key.key_state } }, resource: changed(key) };
  };
}

export const kmsTrace = (trace_name: string): TraceSpec => ({ service_type: 'KMS', resource_type: 'cmk', trace_name, api_version: 'v1.0' });
export const KMS_BASE = '/v1.0/{project_id}/kms';
const base = KMS_BASE;
const trace = kmsTrace;

export const kmsRoutes: readonly Route[] = [
  { method: 'POST', path: `${base}/list-keys`, operation: 'kms.listKeys', operationId: 'ListKeys', style: 'kms', handler: listKeys, listing: true },
  { method: 'POST', path: `${base}/describe-key`, operation: 'kms.listKeyDetail', operationId: 'ListKeyDetail', style: 'kms', handler: describeKey },
  {
    method: 'POST',
    path: `${base}/create-key`,
    operation: 'kms.createKey',
    operationId: 'CreateKey',
    style: 'kms',
    handler: createKey,
    sequenced: true,
    trace: trace('createKey'),
  },
  {
    method: 'POST',
    path: `${base}/schedule-key-deletion`,
    operation: 'kms.deleteKey',
    operationId: 'DeleteKey',
    style: 'kms',
    handler: scheduleKeyDeletion,
    sequenced: true,
    trace: trace('scheduleKeyDeletion'),
  },
  {
    method: 'POST',
    path: `${base}/cancel-key-deletion`,
    operation: 'kms.cancelKeyDeletion',
    operationId: 'CancelKeyDeletion',
    style: 'kms',
    handler: cancelKeyDeletion,
    sequenced: true,
    trace: trace('cancelKeyDeletion'),
  },
  {
    method: 'POST',
    path: `${base}/update-key-description`,
    operation: 'kms.updateKeyDescription',
    operationId: 'UpdateKeyDescription',
    style: 'kms',
    handler: updateKeyDescription,
    sequenced: true,
    trace: trace('updateKeyDescription'),
  },
  {
    method: 'POST',
    path: `${base}/enable-key`,
    operation: 'kms.enableKey',
    operationId: 'EnableKey',
    style: 'kms',
    handler: setEnabled(true),
    sequenced: true,
    trace: trace('enableKey'),
  },
  {
    method: 'POST',
    path: `${base}/disable-key`,
    operation: 'kms.disableKey',
    operationId: 'DisableKey',
    style: 'kms',
    handler: setEnabled(false),
    sequenced: true,
    trace: trace('disableKey'),
  },
];
