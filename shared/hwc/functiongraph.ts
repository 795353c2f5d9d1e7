import * as z from '../zod.ts';
import { HwcError, LocalErrorCode } from './errors.ts';
import {
  AsyncInvokeFunctionRequestSchema,
  AsyncInvokeFunctionResponseSchema,
  CreateFunctionRequestSchema,
  CreateFunctionTriggerRequestSchema,
  FunctionCodeSchema,
  FunctionConfigSchema,
  FunctionUrnRequestSchema,
  InvokeFunctionRequestSchema,
  InvokeFunctionResponseSchema,
  ListFunctionTriggersResponseSchema,
  ListFunctionsRequestSchema,
  ListFunctionsResponseSchema,
  TriggerRequestSchema,
  TriggerSchema,
  UpdateFunctionCodeRequestSchema,
  UpdateFunctionConfigRequestSchema,
  UpdateTriggerRequestSchema,
} from './functiongraph-model.ts';
import type {
  AsyncInvokeFunctionRequest,
  AsyncInvokeFunctionResponse,
  CreateFunctionRequest,
  CreateFunctionTriggerRequest,
  FunctionCode,
  FunctionConfig,
  FunctionUrnRequest,
  InvokeFunctionRequest,
  InvokeFunctionResponse,
  ListFunctionsRequest,
  ListFunctionsResponse,
  Trigger,
  TriggerRequest,
  UpdateFunctionCodeRequest,
  UpdateFunctionConfigRequest,
  UpdateTriggerRequest,
} from './functiongraph-model.ts';
import { paginate } from './paginate.ts';
import { callAndParse, parseRequest } from './schema.ts';
import type { ApiContext, CallOptions } from './schema.ts';
import { pathOf } from './transport.ts';
import type { CallSpec } from './transport.ts';

/**
 * FunctionGraph v2: functions (config and code) and their triggers, and invocations. Not built into every
 * client: attach it where it is used, `cloud.use(FunctionGraphApi)`, so function bundles do not carry it.
 */

/** Page size `listFunctions` asks for: the API's maximum. */
export const FUNCTIONS_PAGE_SIZE = 400;

/** The function's URN without a version or alias (`…:function:<package>:<name>`). */
export function unversionedUrn(urn: string): string {
  const parts = urn.split(':');
  return parts.length > 7 ? parts.slice(0, 7).join(':') : urn;
}

/** The URN's version or alias (`latest`, `v1`…), or undefined for an unversioned URN. */
export function urnVersion(urn: string): string | undefined {
  return urn.split(':')[7];
}

export class FunctionGraphApi {
  constructor(private readonly ctx: ApiContext) {}

  /** One page of functions (`GET /v2/{project_id}/fgs/functions`). */
  async listFunctionsPage(params: ListFunctionsRequest = {}, options: CallOptions = {}): Promise<ListFunctionsResponse> {
    const query = parseRequest(ListFunctionsRequestSchema, params, 'functiongraph.listFunctions');
    return this.call({ operation: 'functiongraph.listFunctions', method: 'GET', path: this.path`/fgs/functions`, query }, ListFunctionsResponseSchema, options);
  }

  /**
   * Every function, page after page (`maxitems`, default 400). The listing proves it is complete: it ends
   * once it has read as far as `count` says there are; an empty page before that, or a `next_marker` that does
   * not move forward (a repeat), is an error rather than a short listing.
   */
  listFunctions(params: ListFunctionsRequest = {}, options: CallOptions = {}): AsyncGenerator<FunctionConfig, void, undefined> {
    const operation = 'functiongraph.listFunctions';
    const request = parseRequest(ListFunctionsRequestSchema, { ...params, maxitems: params.maxitems ?? FUNCTIONS_PAGE_SIZE }, operation);
    const { marker: start, ...query } = request;
    // Markers are offsets (next_marker = marker + the page's items) and `count` is every match: the listing ends
    // once `count` is reached; an empty page before that, or a marker read twice, is an error (paginate's rules).
    return paginate(
      async (marker) => {
        const page = await this.call({ operation, method: 'GET', path: this.path`/fgs/functions`, query: { ...query, marker } }, ListFunctionsResponseSchema, options);
        const { functions, next_marker: next, count } = page;
        return { items: functions, next: String(next), more: Number(marker ?? 0) + functions.length < count, total: count };
      },
      { operation, limit: Number(query.maxitems), start: start === undefined ? undefined : String(start), itemsBefore: undefined, endField: 'count', offsetMarkers: true },
    );
  }

  /** A function's configuration (`GET …/fgs/functions/{function_urn}/config`). */
  async showFunctionConfig(params: FunctionUrnRequest, options: CallOptions = {}): Promise<FunctionConfig> {
    const { function_urn } = parseRequest(FunctionUrnRequestSchema, params, 'functiongraph.showFunctionConfig');
    return this.call({ operation: 'functiongraph.showFunctionConfig', method: 'GET', path: this.functionPath(function_urn, '/config') }, FunctionConfigSchema, options);
  }

  /** A function's code, `func_code.file` in base64, with its `digest` (`GET …/{function_urn}/code`). */
  async showFunctionCode(params: FunctionUrnRequest, options: CallOptions = {}): Promise<FunctionCode> {
    const { function_urn } = parseRequest(FunctionUrnRequestSchema, params, 'functiongraph.showFunctionCode');
    return this.call({ operation: 'functiongraph.showFunctionCode', method: 'GET', path: this.functionPath(function_urn, '/code') }, FunctionCodeSchema, options);
  }

  /** Creates a function with its code (`POST /v2/{project_id}/fgs/functions`). */
  async createFunction(params: CreateFunctionRequest, options: CallOptions = {}): Promise<FunctionConfig> {
    const body = parseRequest(CreateFunctionRequestSchema, params, 'functiongraph.createFunction');
    return this.call({ operation: 'functiongraph.createFunction', method: 'POST', path: this.path`/fgs/functions`, body }, FunctionConfigSchema, options);
  }

  /** Replaces a function's code (`PUT …/{function_urn}/code`). */
  async updateFunctionCode(params: UpdateFunctionCodeRequest, options: CallOptions = {}): Promise<FunctionCode> {
    const { function_urn, ...body } = parseRequest(UpdateFunctionCodeRequestSchema, params, 'functiongraph.updateFunctionCode');
    return this.call({ operation: 'functiongraph.updateFunctionCode', method: 'PUT', path: this.functionPath(function_urn, '/code'), body }, FunctionCodeSchema, options);
  }

  /** Replaces a function's configuration (`PUT …/{function_urn}/config`); see `UpdateFunctionConfigRequest`. */
  async updateFunctionConfig(params: UpdateFunctionConfigRequest, options: CallOptions = {}): Promise<FunctionConfig> {
    const { function_urn, ...body } = parseRequest(UpdateFunctionConfigRequestSchema, params, 'functiongraph.updateFunctionConfig');
    return this.call({ operation: 'functiongraph.updateFunctionConfig', method: 'PUT', path: this.functionPath(function_urn, '/config'), body }, FunctionConfigSchema, options);
  }

  /**
   * Deletes a whole function (its unversioned URN) or one published version. The `latest` version cannot be
   * deleted on its own, so a `:latest` URN is refused before sending. A 404 on a retry means an earlier
   * attempt deleted it and its answer was lost: that is success.
   */
  async deleteFunction(params: FunctionUrnRequest, options: CallOptions = {}): Promise<void> {
    const operation = 'functiongraph.deleteFunction';
    const { function_urn } = parseRequest(FunctionUrnRequestSchema, params, operation);
    if (urnVersion(function_urn) === 'latest') {
      throw new HwcError({
        operation,
        status: 0,
        errorCode: LocalErrorCode.invalidRequest,
        errorMsg: `invalid request: function_urn: the latest version cannot be deleted; delete the whole function with ${unversionedUrn(function_urn)}`,
      });
    }
    await this.deleteAllowingLostAnswer({ operation, method: 'DELETE', path: this.functionPath(function_urn, '') }, options);
  }

  /** Every trigger of a function (`GET …/fgs/triggers/{function_urn}`, a bare array). */
  async listFunctionTriggers(params: FunctionUrnRequest, options: CallOptions = {}): Promise<Trigger[]> {
    const { function_urn } = parseRequest(FunctionUrnRequestSchema, params, 'functiongraph.listFunctionTriggers');
    return this.call({ operation: 'functiongraph.listFunctionTriggers', method: 'GET', path: this.triggersPath(function_urn) }, ListFunctionTriggersResponseSchema, options);
  }

  async showFunctionTrigger(params: TriggerRequest, options: CallOptions = {}): Promise<Trigger> {
    const { function_urn, trigger_type_code, trigger_id } = parseRequest(TriggerRequestSchema, params, 'functiongraph.showFunctionTrigger');
    return this.call(
      { operation: 'functiongraph.showFunctionTrigger', method: 'GET', path: this.triggerPath(function_urn, trigger_type_code, trigger_id) },
      TriggerSchema,
      options,
    );
  }

  /**
   * Creates a trigger (`POST …/fgs/triggers/{function_urn}`). `event_data` is checked per type: TIMER, APIG,
   * DEDICATEDGATEWAY and CTS with their documented snake_case fields only (APIG `auth` is IAM, APP or NONE).
   */
  async createFunctionTrigger(params: CreateFunctionTriggerRequest, options: CallOptions = {}): Promise<Trigger> {
    const { function_urn, ...body } = parseRequest(CreateFunctionTriggerRequestSchema, params, 'functiongraph.createFunctionTrigger');
    return this.call({ operation: 'functiongraph.createFunctionTrigger', method: 'POST', path: this.triggersPath(function_urn), body }, TriggerSchema, options);
  }

  /** Enables or disables a trigger (`PUT …/{trigger_type_code}/{trigger_id}`); a changed schedule is a delete and a create. */
  async updateTrigger(params: UpdateTriggerRequest, options: CallOptions = {}): Promise<Trigger> {
    const { function_urn, trigger_type_code, trigger_id, ...body } = parseRequest(UpdateTriggerRequestSchema, params, 'functiongraph.updateTrigger');
    return this.call(
      { operation: 'functiongraph.updateTrigger', method: 'PUT', path: this.triggerPath(function_urn, trigger_type_code, trigger_id), body },
      TriggerSchema,
      options,
    );
  }

  /** Deletes one trigger; a 404 on a retry (an earlier attempt deleted it) is success. */
  async deleteFunctionTrigger(params: TriggerRequest, options: CallOptions = {}): Promise<void> {
    const { function_urn, trigger_type_code, trigger_id } = parseRequest(TriggerRequestSchema, params, 'functiongraph.deleteFunctionTrigger');
    await this.deleteAllowingLostAnswer(
      { operation: 'functiongraph.deleteFunctionTrigger', method: 'DELETE', path: this.triggerPath(function_urn, trigger_type_code, trigger_id) },
      options,
    );
  }

  /** Deletes every trigger of a function (of one version or alias when the URN names one). */
  async batchDeleteFunctionTriggers(params: FunctionUrnRequest, options: CallOptions = {}): Promise<void> {
    const { function_urn } = parseRequest(FunctionUrnRequestSchema, params, 'functiongraph.batchDeleteFunctionTriggers');
    await this.ctx.transport.call({
      operation: 'functiongraph.batchDeleteFunctionTriggers',
      service: 'functiongraph',
      method: 'DELETE',
      path: this.triggersPath(function_urn),
      signal: options.signal,
    });
  }

  /** Runs a function and waits for its result (`POST …/{function_urn}/invocations`, answered as JSON: v1). */
  async invokeFunction(params: InvokeFunctionRequest, options: CallOptions = {}): Promise<InvokeFunctionResponse> {
    const { function_urn, event, log_type, instance_memory } = parseRequest(InvokeFunctionRequestSchema, params, 'functiongraph.invokeFunction');
    const headers: Record<string, string> = { 'X-CFF-Request-Version': 'v1' };
    if (log_type !== undefined) headers['X-Cff-Log-Type'] = log_type;
    if (instance_memory !== undefined) headers['X-Cff-Instance-Memory'] = String(instance_memory);
    return this.call(
      { operation: 'functiongraph.invokeFunction', method: 'POST', path: this.functionPath(function_urn, '/invocations'), body: event, headers },
      InvokeFunctionResponseSchema,
      options,
    );
  }

  /** Queues a run of a function (`POST …/{function_urn}/invocations-async`, 202). */
  async asyncInvokeFunction(params: AsyncInvokeFunctionRequest, options: CallOptions = {}): Promise<AsyncInvokeFunctionResponse> {
    const { function_urn, event, instance_memory } = parseRequest(AsyncInvokeFunctionRequestSchema, params, 'functiongraph.asyncInvokeFunction');
    const headers = instance_memory === undefined ? undefined : { 'X-Cff-Instance-Memory': String(instance_memory) };
    return this.call(
      { operation: 'functiongraph.asyncInvokeFunction', method: 'POST', path: this.functionPath(function_urn, '/invocations-async'), body: event, headers },
      AsyncInvokeFunctionResponseSchema,
      options,
    );
  }

  private async deleteAllowingLostAnswer(spec: Omit<CallSpec, 'service' | 'signal'>, options: CallOptions): Promise<void> {
    try {
      await this.ctx.transport.call({ ...spec, service: 'functiongraph', signal: options.signal });
    } catch (error) {
      if (error instanceof HwcError && error.status === 404 && error.attempts > 1) return;
      throw error;
    }
  }

  /** `/v2/{project_id}` + the rest, each parameter encoded. */
  private path(strings: TemplateStringsArray, ...params: string[]): string {
    return pathOf`/v2/${this.ctx.projectId}` + pathOf(strings, ...params);
  }

  private functionPath(urn: string, rest: string): string {
    return `${this.path`/fgs/functions/`}${urnSegment(urn)}${rest}`;
  }

  private triggersPath(urn: string): string {
    return `${this.path`/fgs/triggers/`}${urnSegment(urn)}`;
  }

  private triggerPath(urn: string, type: string, id: string): string {
    return `${this.triggersPath(urn)}${pathOf`/${type}/${id}`}`;
  }

  private call<S extends z.ZodMiniType>(spec: Omit<CallSpec, 'service' | 'signal'>, schema: S, options: CallOptions): Promise<z.output<S>> {
    return callAndParse(this.ctx, { ...spec, service: 'functiongraph', signal: options.signal }, schema);
  }
}

/** A URN in a path keeps its colons, as the official SDKs send it; everything else is percent-encoded. */
function urnSegment(urn: string): string {
  return encodeURIComponent(urn).replace(/%3A/gi, ':');
}
