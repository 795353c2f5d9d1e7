import { randomBytes, randomUUID } from 'node:crypto';
import type { ApiContext, ApiResult } from '../api.ts';
import { isRecord } from '../api.ts';
import { ApiError, notEmulated } from '../errors.ts';
import type { ApiVariants } from '../variants.ts';
import type { FgsFunction, FunctionTrigger, ProjectState } from '../state.ts';
import { requestBody } from './functions.ts';
import * as rules from './rules.ts';
import { ScheduleError, parseSchedule } from './schedule.ts';
import { namedFunction } from './urn.ts';
import { triggerView } from './views.ts';

/**
 * Triggers: ListFunctionTriggers (a bare array), ShowFunctionTrigger, CreateFunctionTrigger, UpdateTrigger
 * (the status only), DeleteFunctionTrigger, BatchDeleteFunctionTriggers. TIMER, APIG, DEDICATEDGATEWAY and
 * CTS triggers are emulated, with their `event_data` checked as documented; other types answer 501.
 */

const STATUSES = new Set(['ACTIVE', 'DISABLED']);
const TRIGGER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const API_NAME = /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9_\u4e00-\u9fa5-]{2,254}$/;
const API_PATH = /^\/[A-Za-z0-9_\-./{}+~]{0,1023}$/;
const CTS_OPERATION = /^[A-Za-z0-9_-]+:[A-Za-z0-9_;-]+:[A-Za-z0-9_;-]+$/;
const APIG_ENUMS: Readonly<Record<string, readonly string[]>> = {
  protocol: ['HTTP', 'HTTPS'],
  req_method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'ANY'],
  match_mode: ['SWA', 'NORMAL'],
  auth: ['IAM', 'APP', 'NONE'],
};

const triggerNotFound = () => new ApiError(404, 'FSS.0404', 'The specified resource was not found: trigger');

export function listFunctionTriggers(ctx: ApiContext): ApiResult {
  const { fn } = namedFunction(ctx);
  return { status: 200, body: [...fn.triggers.values()].map(triggerView) };
}

export function showFunctionTrigger(ctx: ApiContext): ApiResult {
  return { status: 200, body: triggerView(namedTrigger(ctx).trigger) };
}

export function createFunctionTrigger(ctx: ApiContext): ApiResult {
  const { fn } = namedFunction(ctx);
  const input = requestBody(ctx);
  const type = input['trigger_type_code'];
  if (typeof type !== 'string' || !rules.TRIGGER_TYPES.has(type) || type === 'IOTDA') throw rules.badParameter(`trigger_type_code ${JSON.stringify(type)} is not a trigger type`);
  if (!rules.EMULATED_TRIGGER_TYPES.has(type)) throw notEmulated(`${type} triggers (the embedded FunctionGraph keeps TIMER, APIG, DEDICATEDGATEWAY and CTS triggers)`, 'fgs');
  const status = input['trigger_status'] ?? 'ACTIVE';
  if (typeof status !== 'string' || !STATUSES.has(status)) throw rules.badParameter('trigger_status must be ACTIVE or DISABLED');
  const eventTypeCode = rules.optionalString(input['event_type_code'], 'event_type_code');
  const data = input['event_data'];
  if (!isRecord(data)) throw rules.badParameter('event_data is required (an object)');

  const id = type === 'TIMER' || type === 'CTS' ? randomUUID() : randomBytes(16).toString('hex');
  const eventData =
    type === 'TIMER'
      ? timerEventData(fn, data)
      : type === 'CTS'
        ? ctsEventData(ctx.project, data)
        : apigEventData(ctx.project, ctx.state.region, ctx.state.variants, fn, type, id, data);
  const now = ctx.now.getTime();
  const trigger: FunctionTrigger = {
    trigger_id: id,
    trigger_type_code: type,
    trigger_status: status as FunctionTrigger['trigger_status'],
    event_data: eventData,
    event_type_code: eventTypeCode,
    created_time: now,
    last_updated_time: now,
  };
  fn.triggers.set(id, trigger);
  return { status: 201, body: triggerView(trigger), ...traced([trigger]) };
}

/** Only the status changes (and, on DIS triggers, polling settings): a changed schedule is a delete and a create. */
export function updateTrigger(ctx: ApiContext): ApiResult {
  const { trigger } = namedTrigger(ctx);
  const input = requestBody(ctx);
  if (input['event_data'] !== undefined) {
    throw rules.badParameter(
      `event_data: UpdateTrigger changes only the status of a ${trigger.trigger_type_code} trigger (event_data applies to DIS triggers); delete the trigger and create it again to change it`,
    );
  }
  const status = input['trigger_status'];
  if (typeof status !== 'string' || !STATUSES.has(status)) throw rules.badParameter('trigger_status must be ACTIVE or DISABLED');
  trigger.trigger_status = status as FunctionTrigger['trigger_status'];
  trigger.last_updated_time = ctx.now.getTime();
  const traceName = status === 'ACTIVE' ? 'enableTrigger' : 'disableTrigger';
  return { status: 200, body: triggerView(trigger), ...traced([trigger], traceName) };
}

export function deleteFunctionTrigger(ctx: ApiContext): ApiResult {
  const { fn, trigger } = namedTrigger(ctx);
  fn.triggers.delete(trigger.trigger_id);
  return { status: 204, ...traced([trigger]) };
}

/** Every trigger of the function goes (its only version here is `latest`). */
export function batchDeleteFunctionTriggers(ctx: ApiContext): ApiResult {
  const { fn } = namedFunction(ctx);
  const deleted = [...fn.triggers.values()];
  fn.triggers.clear();
  return { status: 204, ...traced(deleted) };
}

function namedTrigger(ctx: ApiContext): { fn: FgsFunction; trigger: FunctionTrigger } {
  const { fn } = namedFunction(ctx);
  const type = ctx.params['trigger_type_code'] ?? '';
  if (!rules.TRIGGER_TYPES.has(type)) throw rules.badParameter(`trigger_type_code ${JSON.stringify(type)} is not a trigger type`);
  const trigger = fn.triggers.get(ctx.params['trigger_id'] ?? '');
  if (!trigger || trigger.trigger_type_code !== type) throw triggerNotFound();
  return { fn, trigger };
}

// ---- event data -------------------------------------------------------------------------------

function timerEventData(fn: FgsFunction, data: Record<string, unknown>): Record<string, unknown> {
  const name = triggerName(data['name'], 'Timer');
  if (sameType(fn, 'TIMER').some((trigger) => trigger.event_data['name'] === name)) throw rules.alreadyExists(`a TIMER trigger named ${name} on this function`);
  const scheduleType = data['schedule_type'];
  if (scheduleType !== 'Rate' && scheduleType !== 'Cron') throw rules.badParameter('event_data.schedule_type must be Rate or Cron');
  const schedule = data['schedule'];
  if (typeof schedule !== 'string' || schedule.trim() === '') throw rules.badParameter('event_data.schedule is required');
  try {
    parseSchedule(scheduleType, schedule);
  } catch (error) {
    if (error instanceof ScheduleError) throw rules.badParameter(`event_data.schedule: ${error.message}`);
    throw error;
  }
  const userEvent = rules.optionalString(data['user_event'], 'event_data.user_event');
  return { name, schedule_type: scheduleType, schedule, ...(userEvent === undefined ? {} : { user_event: userEvent }) };
}

function ctsEventData(project: ProjectState, data: Record<string, unknown>): Record<string, unknown> {
  const name = triggerName(data['name'], 'cts');
  const taken = [...project.functions.values()].some((fn) => sameType(fn, 'CTS').some((trigger) => trigger.event_data['name'] === name));
  if (taken) throw rules.alreadyExists(`a CTS trigger named ${name}`);
  const operations = data['operations'];
  if (!Array.isArray(operations) || operations.length === 0) throw rules.badParameter('event_data.operations must list at least one operation');
  for (const operation of operations) {
    if (typeof operation !== 'string' || !CTS_OPERATION.test(operation)) {
      throw rules.badParameter(`event_data.operations: ${JSON.stringify(operation)} is not SERVICE:resource_type:trace_name`);
    }
  }
  return { name, operations: [...operations] };
}

function apigEventData(
  project: ProjectState,
  region: string,
  variants: ApiVariants,
  fn: FgsFunction,
  type: string,
  triggerId: string,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const text = (field: string, max: number): string => {
    const value = data[field];
    if (typeof value !== 'string' || value === '' || value.length > max) throw rules.badParameter(`event_data.${field} is required (1–${max} characters)`);
    return value;
  };
  const groupId = text('group_id', 64);
  const envId = text('env_id', 64);
  const envName = text('env_name', 64);
  const path = data['path'];
  if (typeof path !== 'string' || !API_PATH.test(path)) throw rules.badParameter('event_data.path is required: "/" then A-Z a-z 0-9 _ - . / { } + ~');
  const chosen: Record<string, string> = {};
  for (const [field, values] of Object.entries(APIG_ENUMS)) {
    const value = data[field];
    if (typeof value !== 'string' || !values.includes(value)) {
      throw rules.badParameter(`event_data.${field} must be ${values.join(', ')}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`);
    }
    chosen[field] = value;
  }
  const apiType = data['type'];
  if (apiType !== 1 && apiType !== 2) throw rules.badParameter('event_data.type must be 1 (public API) or 2 (private API)');
  const funcInfo = data['func_info'];
  if (!isRecord(funcInfo) || !rules.isWhole(funcInfo['timeout'], 1, 60_000)) throw rules.badParameter('event_data.func_info.timeout is required: 1–60000 milliseconds');
  const invocationType = funcInfo['invocation_type'] ?? 'sync';
  if (invocationType !== 'sync' && invocationType !== 'async') throw rules.badParameter('event_data.func_info.invocation_type must be sync or async');
  if (data['backend_type'] !== undefined && data['backend_type'] !== 'FUNCTION') throw rules.badParameter('event_data.backend_type must be FUNCTION');
  const instanceId = rules.optionalString(data['instance_id'], 'event_data.instance_id', 64);
  if (instanceId === undefined && type === 'DEDICATEDGATEWAY') throw rules.badParameter('event_data.instance_id is required for a dedicated gateway (DEDICATEDGATEWAY)');
  if (instanceId === undefined && (variants.apigGateways ?? 'shared') === 'dedicated-only') {
    throw rules.badParameter('event_data.instance_id is required: this region offers dedicated API gateways only');
  }
  const givenName = data['name'];
  if (givenName !== undefined && (typeof givenName !== 'string' || !API_NAME.test(givenName))) {
    throw rules.badParameter('event_data.name (the API name) must be 3–255 of letters, digits, _ and -, starting with a letter');
  }
  const name = givenName ?? fn.func_name;
  const method = chosen['req_method'] as string;
  for (const other of apisInGroup(project, groupId)) {
    if (other['name'] === name) throw rules.alreadyExists(`an API named ${name} in group ${groupId}`);
    const clash = other['path'] === path && (other['req_method'] === method || other['req_method'] === 'ANY' || method === 'ANY');
    if (clash) throw rules.alreadyExists(`an API for ${method} ${path} in group ${groupId}`);
  }
  const slDomain = rules.optionalString(data['sl_domain'], 'event_data.sl_domain', 255) ?? `${groupId}.apig.${region}.huaweicloudapis.com`;
  const groupName = rules.optionalString(data['group_name'], 'event_data.group_name');
  return {
    name,
    api_id: randomBytes(16).toString('hex'),
    api_name: name,
    group_id: groupId,
    ...(groupName === undefined ? {} : { group_name: groupName }),
    env_id: envId,
    env_name: envName,
    ...chosen,
    path,
    type: apiType,
    backend_type: 'FUNCTION',
    sl_domain: slDomain,
    invoke_url: `${(chosen['protocol'] as string).toLowerCase()}://${slDomain}${path}`,
    triggerid: triggerId,
    ...(instanceId === undefined ? {} : { instance_id: instanceId }),
    func_info: { function_urn: fn.func_urn, invocation_type: invocationType, timeout: funcInfo['timeout'], version: 'latest' },
  };
}

function triggerName(value: unknown, prefix: string): string {
  if (value === undefined) return `${prefix}-${randomBytes(2).toString('hex')}`;
  if (typeof value !== 'string' || !TRIGGER_NAME.test(value)) throw rules.badParameter('event_data.name must be 1–64 of A-Z a-z 0-9 _ -, starting with a letter');
  return value;
}

function sameType(fn: FgsFunction, type: string): FunctionTrigger[] {
  return [...fn.triggers.values()].filter((trigger) => trigger.trigger_type_code === type);
}

function apisInGroup(project: ProjectState, groupId: string): Array<Readonly<Record<string, unknown>>> {
  const apis: Array<Readonly<Record<string, unknown>>> = [];
  for (const fn of project.functions.values()) {
    for (const trigger of fn.triggers.values()) {
      const isApi = trigger.trigger_type_code === 'APIG' || trigger.trigger_type_code === 'DEDICATEDGATEWAY';
      if (isApi && trigger.event_data['group_id'] === groupId) apis.push(trigger.event_data);
    }
  }
  return apis;
}

/** CTS: one trace per trigger, the trigger as the resource, without request or response (as FunctionGraph records them). */
function traced(triggers: readonly FunctionTrigger[], traceName?: string): Pick<ApiResult, 'traces' | 'traceRequest' | 'traceResponse'> {
  return {
    traces: triggers.map((trigger) => ({
      ...(traceName === undefined ? {} : { trace_name: traceName }),
      resource: { id: trigger.trigger_id, name: String(trigger.event_data['name'] ?? '') },
    })),
    traceRequest: {},
    traceResponse: {},
  };
}
