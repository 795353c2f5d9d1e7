import { HwcError } from '../shared/hwc/errors.ts';
import type { FunctionGraphApi } from '../shared/hwc/functiongraph.ts';
import type { CreateFunctionRequest, CreateFunctionTriggerRequest, UpdateFunctionCodeRequest, UpdateFunctionConfigRequest } from '../shared/hwc/functiongraph-model.ts';
import type { ReportAction } from '../shared/runtime/report.ts';
import { createFunctionBody, updateFunctionCodeBody, updateFunctionConfigBody } from './desired.ts';
import { latestUrn } from './naming.ts';
import { OPERATION_OF, appliedActions } from './plan.ts';
import type { CallFailure, DeployAction, DeployPlan } from './plan.ts';

/**
 * Makes a plan's FunctionGraph calls, one at a time, in the plan's order, and stops at the first one that fails:
 * the calls after it may depend on it (the triggers of a function whose creation was refused). The result says
 * what was applied, which call failed (its operation and the cloud's status and error code) and what was not
 * reached (deferred); a rerun observes again and plans only what is still missing.
 *
 * The calls go through `shared/hwc`'s FunctionGraph client, not the official SDK: it signs, retries and parses
 * exactly as the functions' own calls do, refuses a malformed request by field before sending, proves its
 * listings complete, masks credentials in every error, and needs no dependency beyond the project's own.
 */

export interface ApplyResult {
  readonly actions: readonly ReportAction[];
  /** How many of the plan's calls were made and answered with success. */
  readonly done: number;
  readonly failure: CallFailure | undefined;
}

export async function applyPlan(fg: FunctionGraphApi, plan: DeployPlan, options: { readonly signal?: AbortSignal } = {}): Promise<ApplyResult> {
  // URNs of the functions created by this apply, for the triggers created after them (serverless.yml key → URN).
  const created = new Map<string, string>();
  let done = 0;
  for (const action of plan.actions) {
    try {
      await call(fg, action, created, options);
    } catch (error) {
      const failure = failureOf(action, error);
      return { actions: appliedActions(plan, done, failure), done, failure };
    }
    done++;
  }
  return { actions: appliedActions(plan, done), done, failure: undefined };
}

async function call(fg: FunctionGraphApi, action: DeployAction, created: Map<string, string>, options: { readonly signal?: AbortSignal }): Promise<void> {
  switch (action.kind) {
    case 'create-function': {
      const answer = await fg.createFunction(createFunctionBody(action.desired) as CreateFunctionRequest, options);
      created.set(action.function, latestUrn(answer.func_urn));
      return;
    }
    case 'update-code':
      await fg.updateFunctionCode({ function_urn: action.functionUrn, ...updateFunctionCodeBody(action.desired) } as UpdateFunctionCodeRequest, options);
      return;
    case 'update-config':
      await fg.updateFunctionConfig({ function_urn: action.functionUrn, ...updateFunctionConfigBody(action.desired) } as UpdateFunctionConfigRequest, options);
      return;
    case 'delete-function':
      await fg.deleteFunction({ function_urn: action.functionUrn }, options);
      return;
    case 'create-trigger': {
      const urn = action.functionUrn ?? created.get(action.function);
      // The plan puts a new function's creation before its triggers; without its URN there is nothing to attach to.
      if (urn === undefined) throw new Error(`${action.target}: the function's URN is unknown (its creation is not earlier in the plan)`);
      await fg.createFunctionTrigger({ function_urn: urn, ...action.trigger.body } as CreateFunctionTriggerRequest, options);
      return;
    }
    case 'delete-trigger':
      await fg.deleteFunctionTrigger({ function_urn: action.functionUrn, trigger_type_code: action.triggerType as 'TIMER', trigger_id: action.triggerId }, options);
      return;
    case 'update-trigger-status':
      await fg.updateTrigger({ function_urn: action.functionUrn, trigger_type_code: action.triggerType as 'TIMER', trigger_id: action.triggerId, trigger_status: action.status }, options);
      return;
  }
}

function failureOf(action: DeployAction, error: unknown): CallFailure {
  if (error instanceof HwcError) {
    return { operation: error.operation, status: error.status, errorCode: error.errorCode ?? '(no error code)', errorMsg: error.errorMsg ?? error.message };
  }
  return { operation: OPERATION_OF[action.kind], status: 0, errorCode: 'WARDEN.DEPLOY', errorMsg: error instanceof Error ? error.message : String(error) };
}
