import type { ApiVariants } from '../variants.ts';
import type { FgsFunction, FunctionTrigger } from '../state.ts';
import { blankedValues } from './rules.ts';

/** FunctionGraph's answers, field for field as the API reference shows them. */

/** `2019-10-25T15:37:27+08:00`: the service's times are China Standard Time, as in every example. */
export function cstTime(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19) + '+08:00';
}

/**
 * Which answer a function is shown in: each carries the fields its response model lists (ListFunctions' items
 * fewer than the rest), plus `func_code: {}` and `last_modified_utc`, which every example of the document shows.
 */
export type FunctionAnswer = 'list' | 'show' | 'create' | 'update';

/** A function's configuration, as `answer` shows it; show and create append `:latest` to the URN, as their examples do. */
export function functionView(fn: FgsFunction, variants: ApiVariants, region: string, answer: FunctionAnswer): Record<string, unknown> {
  const view: Record<string, unknown> = {
    resource_id: `${fn.func_id}:${fn.func_name}`,
    func_urn: answer === 'show' || answer === 'create' ? `${fn.func_urn}:latest` : fn.func_urn,
    func_name: fn.func_name,
    domain_id: fn.domain_id,
    namespace: fn.project_id,
    project_name: region,
    package: fn.package,
    runtime: fn.runtime,
    timeout: fn.timeout,
    handler: fn.handler,
    memory_size: fn.memory_size,
    cpu: Math.round((fn.memory_size / 128) * 100),
    code_type: fn.code.code_type,
    code_url: '',
    code_filename: fn.code.code_filename,
    code_size: fn.code.code_size,
    digest: fn.code.digest,
    user_data: fn.user_data,
    version: 'latest',
    image_name: fn.image_name,
    xrole: fn.xrole,
    app_xrole: fn.app_xrole,
    description: fn.description,
    last_modified: cstTime(fn.last_modified),
    last_modified_utc: Math.floor(fn.last_modified / 1000),
    func_code: {},
    strategy_config: { ...fn.strategy_config },
    type: fn.type,
    enterprise_project_id: fn.enterprise_project_id,
    long_time: false,
  };
  if (answer !== 'list') {
    Object.assign(view, { func_id: fn.func_id, ephemeral_storage: 512, dependencies: [] }, structuredClone(fn.settings));
    if (answer !== 'update') Object.assign(view, { depend_list: [], depend_version_list: [] });
  }
  const encrypted = variants.encryptedUserDataReadBack ?? 'blanked';
  if (encrypted === 'blanked' && fn.encrypted_user_data !== '') view['encrypted_user_data'] = blankedValues(fn.encrypted_user_data);
  if (fn.initializer_handler !== undefined) Object.assign(view, { initializer_handler: fn.initializer_handler, initializer_timeout: fn.initializer_timeout });
  if (fn.pre_stop_handler !== undefined) Object.assign(view, { pre_stop_handler: fn.pre_stop_handler, pre_stop_timeout: fn.pre_stop_timeout });
  return view;
}

/** A function's code: the package itself in `func_code.file`, base64. */
export function codeView(fn: FgsFunction): Record<string, unknown> {
  return {
    func_urn: `${fn.func_urn}:latest`,
    func_name: fn.func_name,
    domain_id: fn.domain_id,
    runtime: fn.runtime,
    code_type: fn.code.code_type,
    code_url: '',
    code_filename: fn.code.code_filename,
    code_size: fn.code.code_size,
    digest: fn.code.digest,
    last_modified: cstTime(fn.last_modified),
    func_code: { file: fn.code.file.toString('base64'), link: '' },
    depend_list: [],
    depend_version_list: [],
    dependencies: [],
    strategy_config: { ...fn.strategy_config },
  };
}

export function triggerView(trigger: FunctionTrigger): Record<string, unknown> {
  return {
    trigger_id: trigger.trigger_id,
    trigger_type_code: trigger.trigger_type_code,
    trigger_status: trigger.trigger_status,
    event_data: structuredClone(trigger.event_data),
    created_time: cstTime(trigger.created_time),
    last_updated_time: cstTime(trigger.last_updated_time),
  };
}
