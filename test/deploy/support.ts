import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { desiredState } from '../../deploy/desired.ts';
import type { DesiredFunction, DesiredOptions, DesiredState } from '../../deploy/desired.ts';
import type { ObservedFunction, ObservedRegion, ObservedTrigger } from '../../deploy/observed.ts';
import { parseServerless } from '../../deploy/serverless.ts';
import type { ServiceDefinition } from '../../deploy/serverless.ts';
import { userDataText } from '../../deploy/user-data.ts';
import { zip } from '../../deploy/zip.ts';

/** Fixtures for the pure deploy modules: serverless.yml text, zips shaped like the build's, and read-backs. */

export const REGION = 'cn-north-4';
export const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const GROUP = '9205f83fe721481eb490870d380cf31d';

export const repositoryYaml = readFileSync(join(import.meta.dirname, '..', '..', 'serverless.yml'), 'utf8');

export function service(text = repositoryYaml, params: Readonly<Record<string, string>> = { apigGroupId: GROUP }): ServiceDefinition {
  return parseServerless(text, 'serverless.yml', { params });
}

/** A zip laid out as `npm run build` lays it out (index.js, bundle.js, package.json at the root); `version` changes its bytes. */
export function buildZip(name: string, version = 1): Buffer {
  return zip([
    { name: 'index.js', data: Buffer.from("'use strict';\nmodule.exports = require('./bundle.js');\n") },
    { name: 'bundle.js', data: Buffer.from(`"use strict";exports.handler=async()=>(${JSON.stringify(name)},${version});\n`) },
    { name: 'package.json', data: Buffer.from('{ "type": "commonjs" }\n') },
  ]);
}

export function artifactsFor(definition: ServiceDefinition, versions: Readonly<Record<string, number>> = {}): DesiredOptions['artifacts'] {
  return Object.fromEntries(Object.keys(definition.functions).map((name) => [name, { zip: buildZip(name, versions[name] ?? 1) }]));
}

/** The desired state of `definition` at stage dev in REGION. */
export function desired(definition: ServiceDefinition = service(), options: Partial<DesiredOptions> & { versions?: Record<string, number> } = {}): DesiredState {
  return desiredState(definition, { stage: 'dev', region: REGION, projectId: PROJECT, artifacts: artifactsFor(definition, options.versions), ...options });
}

let triggerIds = 0;

/**
 * What FunctionGraph reports once `fn` is deployed as planned: ListFunctions' fields (URN without version,
 * encrypted values blanked) and ListFunctionTriggers' entries (the fields sent, plus those the cloud adds).
 */
export function readBack(fn: DesiredFunction, state: Pick<DesiredState, 'region' | 'projectId'> = { region: REGION, projectId: PROJECT }): { fn: ObservedFunction; triggers: ObservedTrigger[] } {
  const urn = `urn:fss:${state.region}:${state.projectId}:function:${fn.package}:${fn.func_name}`;
  return {
    fn: {
      func_name: fn.func_name,
      func_urn: urn,
      package: fn.package,
      runtime: fn.runtime,
      handler: fn.handler,
      memory_size: fn.memory_size,
      timeout: fn.timeout,
      digest: fn.code.digest,
      code_size: fn.code.size,
      code_type: 'zip',
      description: fn.description,
      ...(fn.xrole !== '' ? { xrole: fn.xrole } : {}),
      user_data: userDataText(fn.userData),
      encrypted_user_data: JSON.stringify(Object.fromEntries(Object.keys(fn.encryptedUserData).map((name) => [name, '']))),
      last_modified: '2026-01-02T03:04:05+08:00',
    },
    triggers: fn.triggers.map((trigger) => {
      const id = `t-${++triggerIds}`;
      const extra: Record<string, unknown> =
        trigger.body.trigger_type_code === 'APIG'
          ? {
              api_id: `api-${id}`,
              api_name: trigger.body.event_data.name,
              group_name: 'APIGroup_warden',
              invoke_url: `https://${GROUP}.apig.${state.region}.example/${trigger.body.event_data.path}`,
              sl_domain: `${GROUP}.apig.${state.region}.example`,
              triggerid: id,
              func_info: { ...trigger.body.event_data.func_info, function_urn: `${urn}:latest`, invocation_type: 'sync', version: 'latest' },
            }
          : {};
      return {
        trigger_id: id,
        trigger_type_code: trigger.body.trigger_type_code,
        trigger_status: trigger.body.trigger_status,
        event_data: { ...trigger.body.event_data, ...extra },
        created_time: '2026-01-02T03:04:05+08:00',
        last_updated_time: '2026-01-02T03:04:05+08:00',
      };
    }),
  };
}

/** The region after `state` was deployed as planned, plus `extra` functions (someone else's). */
export function deployed(state: DesiredState, extra: ReadonlyArray<{ fn: ObservedFunction; triggers?: ObservedTrigger[] }> = []): ObservedRegion {
  const all = [...state.functions.map((fn) => readBack(fn, state)), ...extra];
  return {
    functions: all.map((entry) => entry.fn),
    triggers: new Map(all.filter((entry) => entry.triggers !== undefined).map((entry) => [entry.fn.func_name, entry.triggers as ObservedTrigger[]])),
  };
}

export const EMPTY: ObservedRegion = { functions: [], triggers: new Map() };

/** serverless.yml text with `from` replaced by `to` (which must be there). */
export function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`edit: ${JSON.stringify(from)} is not in the text`);
  return text.replace(from, to);
}
