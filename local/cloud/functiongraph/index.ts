import type { Route, TraceSpec } from '../api.ts';
import * as functions from './functions.ts';
import { asyncInvokeFunction, invokeFunction } from './invoke.ts';
import type { FunctionInvoker } from './invoke.ts';
import { MAX_CODE_BODY_BYTES } from './rules.ts';
import * as triggers from './triggers.ts';

/**
 * The embedded FunctionGraph (v2): functions, their code and configuration, triggers, invocations. Changes are
 * recorded in CTS as FunctionGraph records them (`FunctionGraph:Functions:createFunction|deleteFunction|
 * updateFunctionConfig`, `FunctionGraph:Trigger:createTrigger|deleteTrigger|enableTrigger|disableTrigger`);
 * UpdateFunctionCode is not in FunctionGraph's list of audited operations, so it leaves no trace.
 */

export type { FunctionPlatform, FunctionRunner, FunctionSnapshot, InvocationOutcome, InvocationRequest, InvocationSource } from './invoke.ts';
export { FunctionInvoker } from './invoke.ts';
export type { InvocationRecord, InvocationStatus, InvocationTrigger } from './journal.ts';
export { InvocationJournal } from './journal.ts';

const FUNCTIONS = '/v2/{project_id}/fgs/functions';
const FUNCTION = `${FUNCTIONS}/{function_urn}`;
const TRIGGERS = '/v2/{project_id}/fgs/triggers/{function_urn}';
const TRIGGER = `${TRIGGERS}/{trigger_type_code}/{trigger_id}`;

const functionTrace = (trace_name: string): TraceSpec => ({ service_type: 'FunctionGraph', resource_type: 'Functions', trace_name, api_version: '' });
const triggerTrace = (trace_name: string): TraceSpec => ({ service_type: 'FunctionGraph', resource_type: 'Trigger', trace_name, api_version: '' });

/** The routes, with invocations handed to `invoker` (without a runner they answer 501 "not emulated yet"). */
export function functiongraphRoutes(invoker: FunctionInvoker): Route[] {
  const route = (method: Route['method'], path: string, operationId: string, handler: Route['handler'], extra: Partial<Route> = {}): Route => ({
    method,
    path,
    operation: `functiongraph.${operationId[0]!.toLowerCase()}${operationId.slice(1)}`,
    operationId,
    style: 'fgs',
    handler,
    ...extra,
  });
  return [
    route('GET', FUNCTIONS, 'ListFunctions', functions.listFunctions, { listing: true }),
    route('POST', FUNCTIONS, 'CreateFunction', functions.createFunction, { trace: functionTrace('createFunction'), maxBodyBytes: MAX_CODE_BODY_BYTES }),
    route('GET', `${FUNCTION}/config`, 'ShowFunctionConfig', functions.showFunctionConfig),
    route('PUT', `${FUNCTION}/config`, 'UpdateFunctionConfig', functions.updateFunctionConfig, { trace: functionTrace('updateFunctionConfig') }),
    route('GET', `${FUNCTION}/code`, 'ShowFunctionCode', functions.showFunctionCode),
    route('PUT', `${FUNCTION}/code`, 'UpdateFunctionCode', functions.updateFunctionCode(invoker), { maxBodyBytes: MAX_CODE_BODY_BYTES }),
    route('DELETE', FUNCTION, 'DeleteFunction', functions.deleteFunction(invoker), { trace: functionTrace('deleteFunction') }),
    route('POST', `${FUNCTION}/invocations`, 'InvokeFunction', invokeFunction(invoker)),
    route('POST', `${FUNCTION}/invocations-async`, 'AsyncInvokeFunction', asyncInvokeFunction(invoker)),
    route('GET', TRIGGERS, 'ListFunctionTriggers', triggers.listFunctionTriggers),
    route('POST', TRIGGERS, 'CreateFunctionTrigger', triggers.createFunctionTrigger, { trace: triggerTrace('createTrigger') }),
    route('DELETE', TRIGGERS, 'BatchDeleteFunctionTriggers', triggers.batchDeleteFunctionTriggers, { trace: triggerTrace('deleteTrigger') }),
    route('GET', TRIGGER, 'ShowFunctionTrigger', triggers.showFunctionTrigger),
    route('PUT', TRIGGER, 'UpdateTrigger', triggers.updateTrigger, { trace: triggerTrace('enableTrigger') }),
    route('DELETE', TRIGGER, 'DeleteFunctionTrigger', triggers.deleteFunctionTrigger, { trace: triggerTrace('deleteTrigger') }),
  ];
}
