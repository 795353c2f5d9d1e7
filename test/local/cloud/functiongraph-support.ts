import { createHash } from 'node:crypto';
import { zip } from '../../../deploy/zip.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';

/** Shared pieces of the FunctionGraph tests: a real zip, request bodies as a deployer sends them, paths. */

/** A zip holding one handler file, as `npm run build` packs a function. */
export function handlerZip(source = 'exports.handler = async () => ({ ok: true });\n'): Buffer {
  return zip([{ name: 'index.js', data: Buffer.from(source) }]);
}

export function sha512(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('hex');
}

/** A CreateFunction body for a zip function. */
export function createBody(name: string, code: Buffer = handlerZip(), extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    func_name: name,
    package: 'default',
    runtime: 'Node.js20.15',
    handler: 'index.handler',
    memory_size: 256,
    timeout: 30,
    code_type: 'zip',
    code_filename: 'index.zip',
    func_code: { file: code.toString('base64') },
    type: 'v2',
    ...extra,
  };
}

export const timerData = (name: string, schedule = '5m', scheduleType = 'Rate') => ({ name, schedule_type: scheduleType, schedule });

export const apigData = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
  name,
  group_id: '318b09eb214a41488c667ecd51667e3a',
  env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID',
  env_name: 'RELEASE',
  protocol: 'HTTPS',
  req_method: 'POST',
  match_mode: 'NORMAL',
  auth: 'NONE',
  path,
  type: 1,
  func_info: { timeout: 60_000 },
  ...extra,
});

export const ctsData = (name: string, operations = ['KMS:cmk:createKey']) => ({ name, operations });

export function fgsPaths(cloud: LocalCloud) {
  const project = cloud.identity.projectId;
  const functions = `/v2/${project}/fgs/functions`;
  return {
    functions,
    urn: (name: string, version?: string) => `urn:fss:${cloud.identity.region}:${project}:function:default:${name}${version === undefined ? '' : `:${version}`}`,
    fn: (urn: string, rest = '') => `${functions}/${urn}${rest}`,
    triggers: (urn: string) => `/v2/${project}/fgs/triggers/${urn}`,
    trigger: (urn: string, type: string, id: string) => `/v2/${project}/fgs/triggers/${urn}/${type}/${id}`,
  };
}
