import { APIG_NAME, APIG_PATH, BUNDLE_RUNTIMES, DESCRIPTION_MAX, TRIGGER_NAME, nameProblem } from './functiongraph-rules.ts';
import type { TriggerType } from './functiongraph-rules.ts';
import { MARKER_KEY, formatMarker, functionNameOf, packageOf } from './naming.ts';
import type { SecretValue } from './secret.ts';
import type { FunctionDefinition, ServiceDefinition, TriggerDefinition } from './serverless.ts';
import { encryptedUserDataText, fingerprintSecrets, limitProblems, splitUserData, userDataText } from './user-data.ts';
import { codeDigest, unzip } from './zip.ts';

/**
 * What FunctionGraph should hold for a service at a stage in one region, computed from serverless.yml and the
 * built zips before any call: per function the CreateFunction / UpdateFunctionConfig fields and the
 * CreateFunctionTrigger bodies, in the API's own snake_case. Everything wrong with the file for a deploy is
 * refused here, naming the function and the field, all problems at once.
 */

/** User data keys deploy sets itself; serverless.yml may not. */
export const REGION_KEY = 'HUAWEICLOUD_REGION';
export const PROJECT_KEY = 'HUAWEICLOUD_SDK_PROJECT_ID';
const RESERVED_KEYS = [MARKER_KEY, REGION_KEY, PROJECT_KEY];

export interface TimerEventData {
  readonly name: string;
  readonly schedule_type: 'Rate' | 'Cron';
  readonly schedule: string;
  readonly user_event?: string;
}

export interface ApigEventData {
  readonly name: string;
  readonly group_id: string;
  readonly env_name: string;
  readonly env_id: string;
  readonly req_method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'PATCH' | 'OPTIONS' | 'ANY';
  readonly match_mode: 'SWA' | 'NORMAL';
  readonly auth: 'IAM' | 'APP' | 'NONE';
  readonly path: string;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** 1: a public API ("APIG触发器此参数必填"). */
  readonly type: 1;
  /** APIG's wait for the function, in ms (serverless.yml's `timeout`). */
  readonly func_info: { readonly timeout: number };
  /** A dedicated gateway's instance. */
  readonly instance_id?: string;
  readonly sl_domain?: string;
}

export interface CtsEventData {
  readonly name: string;
  readonly operations: readonly string[];
}

/** A CreateFunctionTrigger request body. */
export type TriggerBody =
  | { readonly trigger_type_code: 'TIMER'; readonly trigger_status: 'ACTIVE' | 'DISABLED'; readonly event_data: TimerEventData }
  | { readonly trigger_type_code: 'APIG'; readonly trigger_status: 'ACTIVE'; readonly event_data: ApigEventData }
  | { readonly trigger_type_code: 'CTS'; readonly trigger_status: 'ACTIVE'; readonly event_data: CtsEventData };

export interface DesiredTrigger {
  /** `TIMER warden-tag-sweep`: how plans and reports name it. */
  readonly label: string;
  readonly body: TriggerBody;
}

export interface DesiredCode {
  /** SHA-512 of the zip: compared with the function's `digest`. */
  readonly digest: string;
  readonly size: number;
  /** `code_filename`. */
  readonly filename: string;
  readonly zip: Buffer;
}

export interface DesiredFunction {
  /** The function's key in serverless.yml. */
  readonly key: string;
  readonly func_name: string;
  readonly package: string;
  readonly runtime: string;
  readonly handler: string;
  readonly memory_size: number;
  readonly timeout: number;
  readonly description: string;
  /** The agency; '' for none. */
  readonly xrole: string;
  /** Plain user data, deploy's own keys included (marker, region, project). */
  readonly userData: Readonly<Record<string, string>>;
  readonly encryptedUserData: Readonly<Record<string, SecretValue>>;
  readonly code: DesiredCode;
  readonly triggers: readonly DesiredTrigger[];
}

export interface DesiredState {
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  readonly projectId: string;
  readonly package: string;
  /** The functions this deploy is about (all, or those of `--function`), in serverless.yml's order. */
  readonly functions: readonly DesiredFunction[];
  /** True when `--function` narrowed the deploy: functions outside it are neither compared nor pruned. */
  readonly partial: boolean;
}

export interface DesiredOptions {
  readonly stage: string;
  readonly region: string;
  readonly projectId: string;
  /** The zip `npm run build` made of each function (deploy/build.ts). */
  readonly artifacts: Readonly<Record<string, { readonly zip: Buffer }>>;
  /** `--function`: only these. */
  readonly functions?: readonly string[] | undefined;
  /** Salt for the encrypted user data fingerprint (default: 16 random bytes per function). */
  readonly salt?: (() => Buffer) | undefined;
}

export class DeployInputError extends Error {
  override readonly name = 'DeployInputError';
  constructor(readonly problems: readonly string[]) {
    super(`serverless.yml cannot be deployed as it is:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function desiredState(service: ServiceDefinition, options: DesiredOptions): DesiredState {
  const problems: string[] = [];
  const all = Object.keys(service.functions);
  const keys = options.functions ?? all;
  for (const key of keys) if (!all.includes(key)) problems.push(`--function ${key}: serverless.yml declares ${all.join(', ')}`);
  const inScope = keys.filter((key) => all.includes(key));

  for (const { path, name } of service.unresolvedParams) {
    if (!path.startsWith('functions.') || inScope.some((key) => path.startsWith(`functions.${key}.`))) {
      problems.push(`${path}: \${param:${name}} has no value; pass --param ${name}=<value>`);
    }
  }
  for (const name of RESERVED_KEYS) {
    if (Object.hasOwn(service.provider.environment.variables, name)) problems.push(`provider.environment.variables.${name}: ${reservedWhy(name)}`);
  }
  const pkg = packageOf(service.service);
  const packageProblem = nameProblem(pkg);
  if (packageProblem) problems.push(`service: the FunctionGraph package is named after the service: ${packageProblem}`);

  const functions = inScope.map((key) => desiredFunction(service, key, service.functions[key] as FunctionDefinition, options, problems));
  problems.push(...routeClashes(functions));
  if (problems.length > 0) throw new DeployInputError(problems);
  return { service: service.service, stage: options.stage, region: options.region, projectId: options.projectId, package: pkg, functions, partial: keys.length !== all.length };
}

function desiredFunction(service: ServiceDefinition, key: string, fn: FunctionDefinition, options: DesiredOptions, problems: string[]): DesiredFunction {
  const at = `functions.${key}`;
  const func_name = functionNameOf(service.service, options.stage, key);
  const nameIssue = nameProblem(func_name);
  if (nameIssue) problems.push(`${at}: its FunctionGraph name is <service>-<stage>-<function>: ${nameIssue}`);

  const runtime = fn.runtime ?? service.provider.runtime;
  if (!BUNDLE_RUNTIMES.includes(runtime)) {
    problems.push(`${fn.runtime ? `${at}.runtime` : 'provider.runtime'}: ${runtime} cannot run what npm run build makes (Node 20 bundles); use ${BUNDLE_RUNTIMES.join(' or ')}`);
  }

  const code = codeOf(key, fn.handler, options.artifacts[key]?.zip, problems);
  if ((fn.description ?? '').length > DESCRIPTION_MAX) problems.push(`${at}.description: ${fn.description?.length} characters; FunctionGraph allows ${DESCRIPTION_MAX}`);

  for (const name of RESERVED_KEYS) {
    for (const field of ['userData', 'encryptedUserData'] as const) {
      if (Object.hasOwn(fn[field], name)) problems.push(`${at}.${field}.${name}: ${reservedWhy(name)}`);
    }
  }
  const split = splitUserData(service.provider.environment.variables, fn.userData, fn.encryptedUserData);
  const encrypted = split.encrypted;
  const fingerprint = Object.keys(encrypted).length > 0 ? fingerprintSecrets(encrypted, options.salt?.()) : undefined;
  const userData = {
    ...split.plain,
    [REGION_KEY]: options.region,
    [PROJECT_KEY]: options.projectId,
    [MARKER_KEY]: formatMarker({ service: service.service, stage: options.stage, function: key, ...(fingerprint ? { encrypted: fingerprint } : {}) }),
  };
  for (const problem of limitProblems(Object.keys(userData).length, userDataText(userData))) problems.push(`${at}: user data (with deploy's ${RESERVED_KEYS.length} keys): ${problem}`);
  for (const problem of limitProblems(Object.keys(encrypted).length, encryptedUserDataText(encrypted))) problems.push(`${at}: encrypted user data: ${problem}`);

  return {
    key,
    func_name,
    package: packageOf(service.service),
    runtime,
    handler: fn.handler,
    memory_size: fn.memorySize ?? service.provider.memorySize,
    timeout: fn.timeout ?? service.provider.timeout,
    description: fn.description ?? '',
    xrole: fn.xrole ?? '',
    userData,
    encryptedUserData: encrypted,
    code,
    triggers: triggersOf(key, fn.events, problems),
  };
}

function reservedWhy(name: string): string {
  return name === MARKER_KEY
    ? 'reserved: warden deploy marks the functions it deploys with it'
    : 'set by warden deploy to the region and project each copy runs in; remove it from serverless.yml';
}

/**
 * The zip as built, and a check that the handler's file is in it: FunctionGraph's `<file>.<export>` names
 * `<file>.js` relative to the zip's root (`index.handler` → index.js).
 */
function codeOf(key: string, handler: string, archive: Buffer | undefined, problems: string[]): DesiredCode {
  const filename = `${key}.zip`;
  if (archive === undefined) {
    problems.push(`functions.${key}: no zip was built for it`);
    return { digest: '', size: 0, filename, zip: Buffer.alloc(0) };
  }
  let files: string[];
  try {
    files = unzip(archive).map((entry) => entry.name);
  } catch (error) {
    problems.push(`functions.${key}: its zip cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    files = [];
  }
  const file = `${handler.slice(0, handler.lastIndexOf('.'))}.js`;
  if (files.length > 0 && !files.includes(file)) {
    problems.push(
      `functions.${key}.handler: ${handler} names ${file}, which the build does not put in the function's zip (it holds ${files.join(', ')} at its root): use index.handler`,
    );
  }
  return { digest: codeDigest(archive), size: archive.length, filename, zip: archive };
}

function triggersOf(key: string, events: readonly TriggerDefinition[], problems: string[]): DesiredTrigger[] {
  const counts: Partial<Record<TriggerType, number>> = {};
  const triggers = events.map((trigger, index): DesiredTrigger => {
    const n = (counts[trigger.triggerTypeCode] = (counts[trigger.triggerTypeCode] ?? 0) + 1);
    if (trigger.triggerTypeCode === 'APIG' && trigger.eventData.groupId === undefined) {
      problems.push(`functions.${key}.events[${index}].eventData.groupId: required: an APIG trigger needs its API group (e.g. groupId: \${param:apigGroupId}, deployed with --param apigGroupId=<group id>)`);
    }
    const body = triggerBody(key, trigger, n);
    const where = `functions.${key}.events[${index}].eventData`;
    if (body.trigger_type_code === 'APIG') {
      if (!APIG_NAME.test(body.event_data.name)) problems.push(`${where}.name: ${body.event_data.name}: an API name is 3–255 of letters, digits, _ and -, starting with a letter`);
      if (!APIG_PATH.test(body.event_data.path)) problems.push(`${where}.path: ${body.event_data.path}: a path takes A-Z a-z 0-9 _ - . / { } + ~ after its leading /`);
    } else if (!TRIGGER_NAME.test(body.event_data.name)) {
      problems.push(`${where}.name: ${body.event_data.name}: a trigger name is 1–64 of letters, digits, _ and -, starting with a letter`);
    }
    return { label: `${body.trigger_type_code} ${body.event_data.name}`, body };
  });
  const seen = new Set<string>();
  for (const trigger of triggers) {
    if (seen.has(trigger.label)) problems.push(`functions.${key}.events: two triggers are named ${trigger.label} (one of them by default); name them`);
    seen.add(trigger.label);
  }
  return triggers;
}

/** Default names where serverless.yml gives none: APIG as serverless-huawei-functions does (the function, `-` → `_`). */
function triggerBody(key: string, trigger: TriggerDefinition, n: number): TriggerBody {
  switch (trigger.triggerTypeCode) {
    case 'TIMER': {
      const { name, scheduleType, schedule, userEvent } = trigger.eventData;
      return {
        trigger_type_code: 'TIMER',
        trigger_status: trigger.status,
        event_data: { name: name ?? `${key}-timer-${n}`, schedule_type: scheduleType, schedule, ...(userEvent !== undefined ? { user_event: userEvent } : {}) },
      };
    }
    case 'APIG': {
      const e = trigger.eventData;
      return {
        trigger_type_code: 'APIG',
        trigger_status: 'ACTIVE',
        event_data: {
          name: e.name ?? `${key.replace(/-/g, '_')}${n > 1 ? `_${n}` : ''}`,
          group_id: e.groupId ?? '',
          env_name: e.envName,
          env_id: e.envId,
          req_method: e.reqMethod,
          match_mode: e.matchMode,
          auth: ({ App: 'APP', IAM: 'IAM', None: 'NONE' } as const)[e.auth],
          path: e.path,
          protocol: e.protocol,
          type: 1,
          func_info: { timeout: e.timeout },
          ...(e.instanceId !== undefined ? { instance_id: e.instanceId } : {}),
          ...(e.slDomain !== undefined ? { sl_domain: e.slDomain } : {}),
        },
      };
    }
    case 'CTS':
      return { trigger_type_code: 'CTS', trigger_status: 'ACTIVE', event_data: { name: trigger.eventData.name ?? `${key}-cts-${n}`, operations: trigger.eventData.operations } };
  }
}

/** Two APIG triggers on one group and path with the same method (or either ANY) would be one API: APIG refuses the second. */
function routeClashes(functions: readonly DesiredFunction[]): string[] {
  const problems: string[] = [];
  const routes: Array<{ group: string; path: string; method: string; owner: string }> = [];
  for (const fn of functions) {
    for (const trigger of fn.triggers) {
      if (trigger.body.trigger_type_code !== 'APIG') continue;
      const e = trigger.body.event_data;
      const first = routes.find((r) => r.group === e.group_id && r.path === e.path && (r.method === e.req_method || r.method === 'ANY' || e.req_method === 'ANY'));
      if (first) problems.push(`functions.${fn.key}: APIG ${e.req_method} ${e.path} is also the route of ${first.owner}`);
      else routes.push({ group: e.group_id, path: e.path, method: e.req_method, owner: `functions.${fn.key} (${trigger.label}, ${e.req_method})` });
    }
  }
  return problems;
}

/** CreateFunction's body: everything CreateFunction accepts. The only place (with the one below) secrets are revealed. */
export function createFunctionBody(fn: DesiredFunction): Record<string, unknown> {
  return {
    func_name: fn.func_name,
    package: fn.package,
    runtime: fn.runtime,
    handler: fn.handler,
    memory_size: fn.memory_size,
    timeout: fn.timeout,
    type: 'v2',
    code_type: 'zip',
    code_filename: fn.code.filename,
    func_code: { file: fn.code.zip.toString('base64') },
    description: fn.description,
    ...(fn.xrole !== '' ? { xrole: fn.xrole } : {}),
    user_data: userDataText(fn.userData),
    ...(Object.keys(fn.encryptedUserData).length > 0 ? { encrypted_user_data: encryptedUserDataText(fn.encryptedUserData) } : {}),
  };
}

/**
 * UpdateFunctionConfig's body. It replaces the configuration, so it carries all of it, the encrypted user data
 * included (an empty object when there is none, which clears what was there).
 */
export function updateFunctionConfigBody(fn: DesiredFunction): Record<string, unknown> {
  return {
    func_name: fn.func_name,
    runtime: fn.runtime,
    handler: fn.handler,
    memory_size: fn.memory_size,
    timeout: fn.timeout,
    description: fn.description,
    // '' takes an agency away that serverless.yml no longer names.
    xrole: fn.xrole,
    user_data: userDataText(fn.userData),
    encrypted_user_data: encryptedUserDataText(fn.encryptedUserData),
  };
}

export function updateFunctionCodeBody(fn: DesiredFunction): Record<string, unknown> {
  return { code_type: 'zip', code_filename: fn.code.filename, func_code: { file: fn.code.zip.toString('base64') } };
}
