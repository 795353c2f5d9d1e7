import { randomUUID } from 'node:crypto';
import type { ApiContext, ApiResult } from '../api.ts';
import { isRecord } from '../api.ts';
import { notEmulated } from '../errors.ts';
import { codePackage, functionUrn } from '../state.ts';
import type { FgsFunction, FunctionCodePackage } from '../state.ts';
import type { FunctionInvoker } from './invoke.ts';
import * as rules from './rules.ts';
import { namedFunction } from './urn.ts';
import { codeView, functionView } from './views.ts';

/**
 * Functions: ListFunctions, ShowFunctionConfig, ShowFunctionCode, CreateFunction, UpdateFunctionCode,
 * UpdateFunctionConfig, DeleteFunction. The uploaded code is kept byte for byte; `digest` is its SHA-512.
 */

export function requestBody(ctx: ApiContext): Record<string, unknown> {
  if (ctx.body === undefined) return {};
  if (!isRecord(ctx.body)) throw rules.badParameter('the request body must be a JSON object');
  return ctx.body;
}

export function listFunctions(ctx: ApiContext): ApiResult {
  const marker = ctx.query.get('marker') || '0';
  if (!/^\d{1,9}$/.test(marker)) throw rules.invalid('FSS.1001', 'Invalid query parameter: marker must be a whole number');
  const maxitems = ctx.query.get('maxitems') || '0';
  if (!/^-?\d{1,9}$/.test(maxitems) || Number(maxitems) < 0) throw rules.invalid('FSS.1001', 'Invalid query parameter: maxitems must be a whole number ≥ 0');
  // As documented: absent, 0 or more than 400 reads 400.
  const size = Number(maxitems) === 0 || Number(maxitems) > 400 ? 400 : Number(maxitems);
  const pkg = ctx.query.get('package_name') || undefined;
  const name = ctx.query.get('func_name') || undefined;
  const matching = [...ctx.project.functions.values()].filter((fn) => (pkg === undefined || fn.package === pkg) && (name === undefined || fn.func_name.includes(name)));
  const start = Number(marker);
  const page = matching.slice(start, start + size);
  return {
    status: 200,
    body: {
      functions: page.map((fn) => functionView(fn, ctx.state.variants, ctx.state.region, 'list')),
      next_marker: Math.min(start, matching.length) + page.length,
      count: matching.length,
    },
  };
}

export function showFunctionConfig(ctx: ApiContext): ApiResult {
  const { fn } = namedFunction(ctx);
  return { status: 200, body: functionView(fn, ctx.state.variants, ctx.state.region, 'show') };
}

export function showFunctionCode(ctx: ApiContext): ApiResult {
  const { fn } = namedFunction(ctx);
  return { status: 200, body: codeView(fn) };
}

export function createFunction(ctx: ApiContext): ApiResult {
  const input = requestBody(ctx);
  const name = rules.funcName(input['func_name']);
  const pkg = input['package'];
  if (typeof pkg !== 'string' || pkg === '' || pkg.includes(':')) throw rules.invalid('FSS.1004', 'Invalid Package (function app): package is required');
  const runtime = rules.runtime(input['runtime']);
  const type = input['type'] ?? 'v1';
  if (type !== 'v1' && type !== 'v2') throw rules.badParameter('type must be v1 or v2');
  const urn = functionUrn(ctx.state.region, ctx.project.projectId, pkg, name);
  const required = {
    handler: rules.handler(input['handler']),
    memory_size: rules.memorySize(input['memory_size']),
    timeout: rules.timeout(input['timeout']),
  };
  const config = { ...DEFAULTS, ...optionalConfig(input) };
  const code = uploadedPackage(input, runtime === 'Custom Image');
  if (ctx.project.functions.has(urn)) throw rules.alreadyExists(`function ${pkg}/${name}`);

  const now = ctx.now.getTime();
  const fn: FgsFunction = {
    func_id: randomUUID(),
    func_name: name,
    package: pkg,
    project_id: ctx.project.projectId,
    domain_id: ctx.caller?.domainId ?? '',
    func_urn: urn,
    runtime,
    type,
    ...required,
    ...config,
    enterprise_project_id: optionalText(input, 'enterprise_project_id') ?? '0',
    code,
    last_modified: now,
    image_name: imageName(now),
    triggers: new Map(),
  };
  ctx.project.functions.set(urn, fn);
  return { status: 200, body: functionView(fn, ctx.state.variants, ctx.state.region, 'create'), ...traced(fn) };
}

export function updateFunctionCode(invoker: FunctionInvoker) {
  return (ctx: ApiContext): ApiResult => {
    const { fn } = namedFunction(ctx);
    const input = requestBody(ctx);
    fn.code = uploadedPackage(input, false, true);
    fn.last_modified = ctx.now.getTime();
    fn.image_name = imageName(fn.last_modified);
    invoker.release(fn.func_urn);
    return { status: 200, body: codeView(fn) };
  };
}

/**
 * The whole configuration is replaced: `func_name` (the function's own), `runtime` (unchanged: a function's
 * runtime is fixed), `handler`, `memory_size` and `timeout` are required; an optional field left out is cleared
 * or kept as `variants.updateFunctionConfigOmitted` says. What only CreateFunction takes (`package`, `code_*`,
 * `type`) is ignored.
 */
export function updateFunctionConfig(ctx: ApiContext): ApiResult {
  const { fn } = namedFunction(ctx);
  const input = requestBody(ctx);
  if (rules.funcName(input['func_name']) !== fn.func_name) throw rules.invalid('FSS.1002', `Invalid function name: func_name must be the function's own (${fn.func_name}); a function cannot be renamed`);
  if (rules.runtime(input['runtime']) !== fn.runtime) throw rules.invalid('FSS.1005', `Invalid runtime: the runtime of a function cannot be changed (${fn.runtime})`);
  const required = {
    handler: rules.handler(input['handler']),
    memory_size: rules.memorySize(input['memory_size']),
    timeout: rules.timeout(input['timeout']),
  };
  const given = optionalConfig(input);
  const strategy = strategyConfig(input['strategy_config']);
  const kept = (ctx.state.variants.updateFunctionConfigOmitted ?? 'cleared') === 'kept';
  const base: Config = kept ? pickConfig(fn) : { ...DEFAULTS, settings: {} };
  Object.assign(fn, required, base, given, {
    settings: kept ? { ...fn.settings, ...given.settings } : (given.settings ?? {}),
    last_modified: ctx.now.getTime(),
  });
  if (strategy) fn.strategy_config = strategy;
  if (input['enterprise_project_id'] !== undefined) fn.enterprise_project_id = optionalText(input, 'enterprise_project_id') ?? fn.enterprise_project_id;
  return { status: 200, body: functionView(fn, ctx.state.variants, ctx.state.region, 'update'), ...traced(fn) };
}

/** Deletes the whole function (and its triggers); its `latest` version alone cannot be deleted. */
export function deleteFunction(invoker: FunctionInvoker) {
  return (ctx: ApiContext): ApiResult => {
    const { fn, version } = namedFunction(ctx);
    if (version === 'latest') {
      throw rules.badParameter(`the latest version of a function cannot be deleted; delete the whole function with ${fn.func_urn}`);
    }
    ctx.project.functions.delete(fn.func_urn);
    invoker.release(fn.func_urn);
    return { status: 204, ...traced(fn) };
  };
}

// ---- configuration ----------------------------------------------------------------------------

type Config = Pick<
  FgsFunction,
  | 'description' | 'user_data' | 'encrypted_user_data' | 'xrole' | 'app_xrole'
  | 'initializer_handler' | 'initializer_timeout' | 'pre_stop_handler' | 'pre_stop_timeout' | 'settings'
>;

const DEFAULTS: Omit<Config, 'settings'> & { settings: Record<string, unknown>; strategy_config: FgsFunction['strategy_config'] } = {
  description: '',
  user_data: '',
  encrypted_user_data: '',
  xrole: '',
  app_xrole: '',
  initializer_handler: undefined,
  initializer_timeout: undefined,
  pre_stop_handler: undefined,
  pre_stop_timeout: undefined,
  settings: {},
  strategy_config: { concurrency: 400, concurrent_num: 1 },
};

function pickConfig(fn: FgsFunction): Config {
  const { description, user_data, encrypted_user_data, xrole, app_xrole, initializer_handler, initializer_timeout, pre_stop_handler, pre_stop_timeout, settings } = fn;
  return { description, user_data, encrypted_user_data, xrole, app_xrole, initializer_handler, initializer_timeout, pre_stop_handler, pre_stop_timeout, settings };
}

/** Settings shown back as given but not modelled, with the JSON type each must have. */
const SETTINGS: Readonly<Record<string, 'object' | 'boolean' | 'string' | 'number'>> = {
  func_vpc: 'object',
  mount_config: 'object',
  network_controller: 'object',
  custom_image: 'object',
  log_config: 'object',
  lts_custom_tag: 'object',
  enable_dynamic_memory: 'boolean',
  is_stateful_function: 'boolean',
  enable_lts_log: 'boolean',
  enable_class_isolation: 'boolean',
  enable_auth_in_header: 'boolean',
  gpu_memory: 'number',
  gpu_type: 'string',
  domain_names: 'string',
  peering_cidr: 'string',
  extend_config: 'string',
  heartbeat_handler: 'string',
  restore_hook_handler: 'string',
  restore_hook_timeout: 'number',
  user_data_encrypt_kms_key_id: 'string',
  ephemeral_storage: 'number',
};

/** The optional configuration fields the request carries (only those), checked. */
function optionalConfig(input: Record<string, unknown>): Partial<Config> {
  const config: Partial<Config> = {};
  const description = rules.optionalString(input['description'], 'description', 512);
  if (description !== undefined) config.description = description;
  if (input['user_data'] !== undefined) config.user_data = rules.userData(input['user_data'], 'user_data');
  if (input['encrypted_user_data'] !== undefined) config.encrypted_user_data = rules.userData(input['encrypted_user_data'], 'encrypted_user_data');
  for (const field of ['xrole', 'app_xrole'] as const) {
    const value = rules.optionalString(input[field], field);
    if (value !== undefined) config[field] = value;
  }
  const initializer = input['initializer_handler'];
  if (initializer !== undefined || input['initializer_timeout'] !== undefined) {
    if (!rules.isWhole(input['initializer_timeout'], 1, 300)) throw rules.badParameter('initializer_timeout must be 1–300 seconds, with initializer_handler');
    config.initializer_handler = rules.handler(initializer, 'initializer_handler');
    config.initializer_timeout = input['initializer_timeout'];
  }
  if (input['pre_stop_handler'] !== undefined || input['pre_stop_timeout'] !== undefined) {
    if (!rules.isWhole(input['pre_stop_timeout'], 1, 90)) throw rules.badParameter('pre_stop_timeout must be 1–90 seconds, with pre_stop_handler');
    config.pre_stop_handler = rules.handler(input['pre_stop_handler'], 'pre_stop_handler');
    config.pre_stop_timeout = input['pre_stop_timeout'];
  }
  const settings: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(SETTINGS)) {
    const value = input[field];
    if (value === undefined) continue;
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    if (actual !== kind) throw rules.badParameter(`${field} must be a${kind === 'object' ? 'n' : ''} ${kind}`);
    settings[field] = structuredClone(value);
  }
  if (settings['ephemeral_storage'] !== undefined && settings['ephemeral_storage'] !== 512 && settings['ephemeral_storage'] !== 10240) {
    throw rules.badParameter('ephemeral_storage must be 512 or 10240');
  }
  if (Object.keys(settings).length > 0) config.settings = settings;
  return config;
}

function strategyConfig(value: unknown): FgsFunction['strategy_config'] | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw rules.badParameter('strategy_config must be an object');
  const concurrency = value['concurrency'] ?? 400;
  const concurrentNum = value['concurrent_num'] ?? 1;
  if (!rules.isWhole(concurrency, -1, 1000)) throw rules.badParameter('strategy_config.concurrency must be -1–1000');
  if (!rules.isWhole(concurrentNum, 1, 1000)) throw rules.badParameter('strategy_config.concurrent_num must be 1–1000');
  return { concurrency, concurrent_num: concurrentNum };
}

function optionalText(input: Record<string, unknown>, field: string): string | undefined {
  return rules.optionalString(input[field], field);
}

// ---- code -------------------------------------------------------------------------------------

const CODE_TYPES = new Set(['inline', 'zip', 'obs', 'jar', 'Custom-Image-Swr']);
/** The code FunctionGraph starts an inline Node.js function with when none is given. */
const DEFAULT_INLINE_CODE = Buffer.from("exports.handler = async (event, context) => ({ statusCode: 200, body: 'hello' });\n");

/** The code package a create or an update carries. `updating`: UpdateFunctionCode, where `func_code` is required. */
function uploadedPackage(input: Record<string, unknown>, customImage: boolean, updating = false): FunctionCodePackage {
  const codeType = input['code_type'];
  if (codeType === undefined && customImage && !updating) throw notEmulated('Custom Image functions (code from SWR)', 'fgs');
  if (typeof codeType !== 'string' || !CODE_TYPES.has(codeType)) throw rules.invalid('FSS.1006', 'Invalid function code entry mode: code_type must be inline, zip, obs, jar or Custom-Image-Swr');
  if (codeType === 'obs') throw notEmulated('function code from OBS (code_type obs)', 'fgs');
  if (codeType === 'Custom-Image-Swr') throw notEmulated('Custom Image functions (code from SWR)', 'fgs');
  if (updating && !isRecord(input['func_code'])) throw rules.badParameter('func_code is required');
  const file = rules.uploadedCode(codeType, input['func_code']);
  if (codeType === 'inline') return codePackage('inline', optionalText(input, 'code_filename') ?? 'index.js', file ?? DEFAULT_INLINE_CODE);
  const filename = optionalText(input, 'code_filename');
  if (filename === undefined || filename === '') throw rules.badParameter(`code_filename is required for ${codeType} code`);
  if (file === undefined) throw rules.invalid('FSS.1012', `The function code must be configured: func_code.file (base64) is required for ${codeType} code`);
  return codePackage(codeType as 'zip' | 'jar', filename, file);
}

/** FunctionGraph's internal version label, `latest-<yyMMddHHmmss>@<tag>`. */
function imageName(ms: number): string {
  const stamp = new Date(ms).toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return `latest-${stamp}@${randomUUID().slice(0, 5)}`;
}

/** CTS: FunctionGraph's traces name the function as the resource and carry neither request nor response. */
function traced(fn: FgsFunction): Pick<ApiResult, 'resource' | 'traceRequest' | 'traceResponse'> {
  return { resource: { id: fn.func_name, name: fn.func_name }, traceRequest: {}, traceResponse: {} };
}
