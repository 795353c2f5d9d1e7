import * as z from '../zod.ts';
import { transformed } from '../zod.ts';
import { numberish, optional, present, stringish } from './schema.ts';

/**
 * FunctionGraph v2 (`/v2/{project_id}/fgs/...`): the documented vocabulary, what a request may carry
 * (checked before sending: limits, enums, required fields, and which fields each call accepts) and how
 * answers are read (tolerantly, but an enum value outside the document or a missing field we rely on is an
 * error). Field names are the API's own snake_case, in and out.
 */

// ---- vocabulary -------------------------------------------------------------------------------

/**
 * Runtimes of the API document, plus `Node.js20.15`: the document's enum predates it, while FunctionGraph
 * offers it and serverless.yml deploys on it. Anything else is refused (sent) or an error (read).
 */
export const RUNTIMES = [
  'Java8', 'Java11', 'Java17', 'Python2.7', 'Python3.6', 'Python3.9', 'Python3.10', 'Go1.8', 'Go1.x',
  'Node.js6.10', 'Node.js8.10', 'Node.js10.16', 'Node.js12.13', 'Node.js14.18', 'Node.js16.17', 'Node.js18.15', 'Node.js20.15',
  'C#(.NET Core 2.0)', 'C#(.NET Core 2.1)', 'C#(.NET Core 3.1)', 'C#(.NET Core 6.0)',
  'Custom', 'PHP7.3', 'PHP8.3', 'Cangjie1.0', 'http', 'Custom Image',
] as const;
export type Runtime = (typeof RUNTIMES)[number];

export const CODE_TYPES = ['inline', 'zip', 'obs', 'jar', 'Custom-Image-Swr'] as const;
export type CodeType = (typeof CODE_TYPES)[number];

/** `memory_size` in MB: 128–4096 in these steps. */
export const MEMORY_SIZES = [128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096] as const;
/** `X-Cff-Instance-Memory` of an invocation. */
export const INSTANCE_MEMORY_SIZES = [...MEMORY_SIZES, 8192, 10240] as const;

/** Trigger types a trigger can be created with (CreateFunctionTrigger's enum). */
export const CREATABLE_TRIGGER_TYPES = [
  'TIMER', 'APIG', 'CTS', 'DDS', 'DMS', 'DIS', 'LTS', 'OBS', 'SMN', 'KAFKA', 'RABBITMQ', 'DEDICATEDGATEWAY',
  'OPENSOURCEKAFKA', 'APIC', 'GAUSSMONGO', 'EVENTGRID',
] as const;
/** Every trigger type the API names (the trigger paths also take `IOTDA`). */
export const TRIGGER_TYPES = [...CREATABLE_TRIGGER_TYPES, 'IOTDA'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
export const TRIGGER_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

/** APIG trigger authentication. serverless.yml writes `None`; the API takes only these. */
export const APIG_AUTH = ['IAM', 'APP', 'NONE'] as const;
export const APIG_MATCH_MODES = ['SWA', 'NORMAL'] as const;
export const APIG_PROTOCOLS = ['HTTP', 'HTTPS'] as const;
export const APIG_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'ANY'] as const;
export const SCHEDULE_TYPES = ['Rate', 'Cron'] as const;

/** A function URN: `urn:fss:<region>:<project_id>:function:<package>:<name>[:<version or alias>]`. */
export const FUNCTION_URN = /^urn:fss:[^:\s]+:[^:\s]+:function:[^:\s]+:[^:\s]+(?::[^:\s]+)?$/;
/** Function names: letters, digits, `_` and `-`, starting with a letter, ending with a letter or digit, at most 60. */
export const FUNCTION_NAME = /^[A-Za-z](?:[A-Za-z0-9_-]{0,58}[A-Za-z0-9])?$/;
/** Largest zip/jar a call may upload (`func_code.file`, decoded): 50 MB. */
export const MAX_CODE_BYTES = 50 * 1024 * 1024;
/** `user_data` / `encrypted_user_data`: at most 20 variables, 4 KB in all. */
export const MAX_USER_DATA_ENTRIES = 20;
export const MAX_USER_DATA_BYTES = 4096;

const RATE = /^(\d+)([mhd])$/;
const RATE_MAX: Readonly<Record<string, number>> = { m: 60, h: 24, d: 30 };
/** A `Rate` schedule: `<n>m` (1–60), `<n>h` (1–24) or `<n>d` (1–30), as the API document limits it. */
export function isRate(schedule: string): boolean {
  const match = RATE.exec(schedule);
  if (!match) return false;
  const n = Number(match[1]);
  return n >= 1 && n <= (RATE_MAX[match[2] as string] as number);
}

// ---- request pieces ---------------------------------------------------------------------------

// Messages leave the field out: the error names it already (`timeout: must be a whole number 3–259200`).
const int = (min: number, max: number) =>
  z.number().check(z.int(`must be a whole number ${min}–${max}`), z.gte(min, `must be a whole number ${min}–${max}`), z.lte(max, `must be a whole number ${min}–${max}`));
const oneOf = <T extends number>(values: readonly T[]) => z.number().check(z.refine((n) => (values as readonly number[]).includes(n), `must be one of ${values.join(', ')}`));
const text = (max?: number) =>
  max === undefined
    ? z.string().check(z.minLength(1, 'must not be empty'))
    : z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(max, `must be at most ${max} characters`));

export const functionUrn = z.string().check(z.regex(FUNCTION_URN, 'must be urn:fss:<region>:<project>:function:<package>:<name>[:<version>]'));
export const functionName = z.string().check(z.regex(FUNCTION_NAME, 'must be 1–60 of A-Z a-z 0-9 _ -, start with a letter and end with a letter or digit'));
const handler = z.string().check(z.regex(/^\S*\.\S*$|^-$/, 'must be file.function (it must contain a ".")'));
const memorySize = oneOf(MEMORY_SIZES);
const timeout = int(3, 259_200);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const codeFile = z
  .string()
  .check(
    z.regex(BASE64, 'must be base64'),
    z.refine((file) => Math.floor((file.length * 3) / 4) <= MAX_CODE_BYTES + 2, `must decode to at most ${MAX_CODE_BYTES} bytes (50 MB)`),
  );
const funcCode = z.strictObject({ file: z.optional(codeFile), link: z.optional(z.string()) });

/** The reason a `user_data` string is not the documented JSON object of variables, or undefined. */
export function userDataProblem(value: string): string | undefined {
  if (Buffer.byteLength(value) > MAX_USER_DATA_BYTES) return `must be at most ${MAX_USER_DATA_BYTES} bytes`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'must be a JSON object of string variables';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'must be a JSON object of string variables';
  const entries = Object.entries(parsed);
  if (entries.length > MAX_USER_DATA_ENTRIES) return `holds at most ${MAX_USER_DATA_ENTRIES} variables`;
  const bad = entries.find(([, v]) => typeof v !== 'string');
  return bad ? `variable ${JSON.stringify(bad[0])} must be a string` : undefined;
}
const userData = z.string().check(z.refine((value) => userDataProblem(value) === undefined, { error: (issue) => userDataProblem(String(issue.input)) ?? 'invalid' }));

const logConfig = z.strictObject({
  group_id: z.optional(z.string()),
  group_name: z.optional(z.string()),
  stream_id: z.optional(z.string()),
  stream_name: z.optional(z.string()),
});
const strategyConfig = z.strictObject({ concurrency: z.optional(int(-1, 1000)), concurrent_num: z.optional(int(1, 1000)) });
/** Settings the embedded cloud does not model are passed through as the caller gives them. */
const passThrough = z.record(z.string(), z.unknown());

/** What CreateFunction and UpdateFunctionConfig both accept. */
const configFields = {
  handler,
  memory_size: memorySize,
  timeout,
  description: z.optional(z.string().check(z.maxLength(512, 'must be at most 512 characters'))),
  user_data: z.optional(userData),
  encrypted_user_data: z.optional(userData),
  user_data_encrypt_kms_key_id: z.optional(z.string()),
  xrole: z.optional(z.string()),
  app_xrole: z.optional(z.string()),
  initializer_handler: z.optional(handler),
  initializer_timeout: z.optional(int(1, 300)),
  pre_stop_handler: z.optional(handler),
  pre_stop_timeout: z.optional(int(1, 90)),
  enterprise_project_id: z.optional(z.string()),
  enable_dynamic_memory: z.optional(z.boolean()),
  is_stateful_function: z.optional(z.boolean()),
  enable_lts_log: z.optional(z.boolean()),
  log_config: z.optional(logConfig),
  lts_custom_tag: z.optional(z.record(z.string(), z.string())),
  gpu_memory: z.optional(int(1024, 16_384)),
  gpu_type: z.optional(z.string()),
  domain_names: z.optional(z.string()),
  func_vpc: z.optional(passThrough),
  mount_config: z.optional(passThrough),
  network_controller: z.optional(passThrough),
  custom_image: z.optional(passThrough),
};

interface Initializer {
  readonly initializer_handler?: string | undefined;
  readonly initializer_timeout?: number | undefined;
}
const initializerPaired = z.refine<Initializer>((r) => (r.initializer_handler === undefined) === (r.initializer_timeout === undefined), {
  message: 'initializer_handler and initializer_timeout go together',
  path: ['initializer_timeout'],
});

// ---- requests ---------------------------------------------------------------------------------

export const ListFunctionsRequestSchema = z.strictObject({
  /** Where the page starts: the `next_marker` of the page before (an offset; 0 for the first page). */
  marker: z.optional(transformed(z.union([z.number().check(z.int(), z.nonnegative()), z.string().check(z.regex(/^\d{1,9}$/, 'must be a whole number'))]), String)),
  /** Page size, 1–400 (the API's maximum). */
  maxitems: z.optional(transformed(int(1, 400), String)),
  package_name: z.optional(text()),
  /** Matches names containing it. */
  func_name: z.optional(text()),
});
export type ListFunctionsRequest = z.input<typeof ListFunctionsRequestSchema>;

export const FunctionUrnRequestSchema = z.strictObject({ function_urn: functionUrn });
export type FunctionUrnRequest = z.input<typeof FunctionUrnRequestSchema>;

export const CreateFunctionRequestSchema = z
  .strictObject({
    func_name: functionName,
    package: text(),
    runtime: z.enum(RUNTIMES),
    ...configFields,
    code_type: z.optional(z.enum(CODE_TYPES)),
    code_url: z.optional(z.string()),
    code_filename: z.optional(text()),
    func_code: z.optional(funcCode),
    code_encrypt_kms_key_id: z.optional(z.string()),
    depend_version_list: z.optional(z.array(z.string())),
    /** `v2` (the current generation); the API's default is `v1` where a region offers only that. */
    type: z.optional(z.enum(['v1', 'v2'])),
    tags: z.optional(z.string()),
  })
  .check(
    initializerPaired,
    z.refine((r) => r.code_type !== undefined || r.runtime === 'Custom Image', { message: 'code_type is required (except for Custom Image functions)', path: ['code_type'] }),
    z.refine((r) => !(r.code_type === 'zip' || r.code_type === 'jar') || r.code_filename !== undefined, { message: 'code_filename is required for zip and jar code', path: ['code_filename'] }),
    z.refine((r) => !(r.code_type === 'zip' || r.code_type === 'jar') || r.func_code?.file !== undefined, { message: 'func_code.file (base64) is required for zip and jar code', path: ['func_code', 'file'] }),
    z.refine((r) => r.code_type !== 'obs' || (r.code_url ?? '') !== '', { message: 'code_url is required for obs code', path: ['code_url'] }),
  );
export type CreateFunctionRequest = z.input<typeof CreateFunctionRequestSchema>;

export const UpdateFunctionCodeRequestSchema = z
  .strictObject({
    function_urn: functionUrn,
    code_type: z.enum(CODE_TYPES),
    code_url: z.optional(z.string()),
    code_filename: z.optional(text()),
    func_code: funcCode,
    depend_version_list: z.optional(z.array(z.string())),
    code_encrypt_kms_key_id: z.optional(z.string()),
  })
  .check(
    z.refine((r) => !(r.code_type === 'zip' || r.code_type === 'jar') || r.code_filename !== undefined, { message: 'code_filename is required for zip and jar code', path: ['code_filename'] }),
    z.refine((r) => !(r.code_type === 'zip' || r.code_type === 'jar') || r.func_code.file !== undefined, { message: 'func_code.file (base64) is required for zip and jar code', path: ['func_code', 'file'] }),
    z.refine((r) => r.code_type !== 'obs' || (r.code_url ?? '') !== '', { message: 'code_url is required for obs code', path: ['code_url'] }),
  );
export type UpdateFunctionCodeRequest = z.input<typeof UpdateFunctionCodeRequestSchema>;

/**
 * UpdateFunctionConfig: the function's whole configuration (not `package`, `code_*` or `type`, which only
 * CreateFunction takes). Send every field you mean to keep: the API does not document whether an omitted
 * optional field is kept or cleared.
 */
export const UpdateFunctionConfigRequestSchema = z
  .strictObject({
    function_urn: functionUrn,
    func_name: functionName,
    runtime: z.enum(RUNTIMES),
    ...configFields,
    strategy_config: z.optional(strategyConfig),
    ephemeral_storage: z.optional(oneOf([512, 10240])),
    extend_config: z.optional(z.string()),
    peering_cidr: z.optional(z.string()),
    heartbeat_handler: z.optional(handler),
    restore_hook_handler: z.optional(handler),
    restore_hook_timeout: z.optional(int(1, 300)),
    enable_class_isolation: z.optional(z.boolean()),
    enable_auth_in_header: z.optional(z.boolean()),
  })
  .check(initializerPaired);
export type UpdateFunctionConfigRequest = z.input<typeof UpdateFunctionConfigRequestSchema>;

// Trigger event data, per type. Strict: a camelCase key (serverless.yml's `scheduleType`) is refused by name.

const triggerName = z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 of A-Z a-z 0-9 _ -, starting with a letter'));

export const TimerEventDataSchema = z
  .strictObject({
    name: z.optional(triggerName),
    schedule_type: z.enum(SCHEDULE_TYPES),
    schedule: text(256),
    user_event: z.optional(z.string()),
  })
  .check(
    z.refine((d) => d.schedule_type !== 'Rate' || isRate(d.schedule), {
      message: 'a Rate is <n>m (1–60), <n>h (1–24) or <n>d (1–30)',
      path: ['schedule'],
    }),
  );
export type TimerEventData = z.input<typeof TimerEventDataSchema>;

const apigFields = {
  name: z.optional(z.string().check(z.regex(/^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9_\u4e00-\u9fa5-]{2,254}$/, 'the API name must be 3–255 of letters, digits, _ -, starting with a letter'))),
  group_id: text(64),
  group_name: z.optional(z.string()),
  env_id: text(64),
  env_name: text(64),
  protocol: z.enum(APIG_PROTOCOLS),
  req_method: z.enum(APIG_METHODS),
  match_mode: z.enum(APIG_MATCH_MODES),
  auth: z.enum(APIG_AUTH),
  path: z.string().check(z.regex(/^\/[A-Za-z0-9_\-./{}+~]{0,1023}$/, 'must start with "/" and hold only A-Z a-z 0-9 _ - . / { } + ~')),
  type: oneOf([1, 2]),
  backend_type: z.optional(z.literal('FUNCTION')),
  sl_domain: z.optional(text(255)),
  roma_app_id: z.optional(z.string()),
  func_info: z.strictObject({
    /** Milliseconds the gateway waits for the function: 1–60000. */
    timeout: int(1, 60_000),
    function_urn: z.optional(functionUrn),
    invocation_type: z.optional(z.enum(['sync', 'async'])),
    version: z.optional(z.string()),
  }),
};
/** Shared gateway; in regions that offer only dedicated gateways an `instance_id` is needed. */
export const ApigEventDataSchema = z.strictObject({ ...apigFields, instance_id: z.optional(text(64)) });
export const DedicatedGatewayEventDataSchema = z.strictObject({ ...apigFields, instance_id: text(64) });
export type ApigEventData = z.input<typeof ApigEventDataSchema>;

/** A CTS operation: `SERVICE:resource_type:trace_name`, each of the last two possibly `a;b`. */
export const CTS_OPERATION = /^[A-Za-z0-9_-]+:[A-Za-z0-9_;-]+:[A-Za-z0-9_;-]+$/;
export const CtsEventDataSchema = z.strictObject({
  name: z.optional(triggerName),
  operations: z
    .array(z.string().check(z.regex(CTS_OPERATION, 'each is SERVICE:resource_type:trace_name')))
    .check(z.minLength(1, 'must name at least one operation')),
});
export type CtsEventData = z.input<typeof CtsEventDataSchema>;

const triggerCommon = {
  function_urn: functionUrn,
  trigger_status: z.optional(z.enum(TRIGGER_STATUSES)),
  event_type_code: z.optional(z.string()),
};
const OTHER_CREATABLE = CREATABLE_TRIGGER_TYPES.filter((type) => !['TIMER', 'APIG', 'DEDICATEDGATEWAY', 'CTS'].includes(type)) as unknown as readonly [
  'DDS', ...Array<(typeof CREATABLE_TRIGGER_TYPES)[number]>,
];

export const CreateFunctionTriggerRequestSchema = z.discriminatedUnion('trigger_type_code', [
  z.strictObject({ ...triggerCommon, trigger_type_code: z.literal('TIMER'), event_data: TimerEventDataSchema }),
  z.strictObject({ ...triggerCommon, trigger_type_code: z.literal('APIG'), event_data: ApigEventDataSchema }),
  z.strictObject({ ...triggerCommon, trigger_type_code: z.literal('DEDICATEDGATEWAY'), event_data: DedicatedGatewayEventDataSchema }),
  z.strictObject({ ...triggerCommon, trigger_type_code: z.literal('CTS'), event_data: CtsEventDataSchema }),
  z.strictObject({ ...triggerCommon, trigger_type_code: z.enum(OTHER_CREATABLE), event_data: passThrough }),
]);
export type CreateFunctionTriggerRequest = z.input<typeof CreateFunctionTriggerRequestSchema>;

const triggerId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 of A-Z a-z 0-9 _ -'));
export const TriggerRequestSchema = z.strictObject({ function_urn: functionUrn, trigger_type_code: z.enum(TRIGGER_TYPES), trigger_id: triggerId });
export type TriggerRequest = z.input<typeof TriggerRequestSchema>;

/**
 * UpdateTrigger changes a trigger's status, and (DIS triggers only) its polling settings; anything else
 * about a trigger changes by deleting it and creating it again.
 */
export const UpdateTriggerRequestSchema = z
  .strictObject({
    function_urn: functionUrn,
    trigger_type_code: z.enum(TRIGGER_TYPES),
    trigger_id: triggerId,
    trigger_status: z.optional(z.enum(TRIGGER_STATUSES)),
    event_data: z.optional(
      z.array(
        z.strictObject({
          is_serial: z.optional(z.boolean()),
          max_fetch_bytes: z.optional(int(0, 4_194_304)),
          polling_interval: z.optional(z.number().check(z.int())),
          polling_unit: z.optional(z.enum(['ms', 's'])),
        }),
      ),
    ),
  })
  .check(
    z.refine((r) => r.event_data === undefined || r.trigger_type_code === 'DIS', {
      message: 'event_data can be updated on DIS triggers only; delete and create any other trigger to change it',
      path: ['event_data'],
    }),
    z.refine((r) => r.trigger_status !== undefined || r.event_data !== undefined, { message: 'trigger_status is required', path: ['trigger_status'] }),
  );
export type UpdateTriggerRequest = z.input<typeof UpdateTriggerRequestSchema>;

export const InvokeFunctionRequestSchema = z.strictObject({
  function_urn: functionUrn,
  /** The event the function receives: a JSON object. */
  event: z.record(z.string(), z.unknown()),
  /** `tail`: the answer carries the last 4 KB of the run's log. */
  log_type: z.optional(z.literal('tail')),
  instance_memory: z.optional(oneOf(INSTANCE_MEMORY_SIZES)),
});
export type InvokeFunctionRequest = z.input<typeof InvokeFunctionRequestSchema>;

export const AsyncInvokeFunctionRequestSchema = z.strictObject({
  function_urn: functionUrn,
  event: z.record(z.string(), z.unknown()),
  instance_memory: z.optional(oneOf(INSTANCE_MEMORY_SIZES)),
});
export type AsyncInvokeFunctionRequest = z.input<typeof AsyncInvokeFunctionRequestSchema>;

// ---- responses --------------------------------------------------------------------------------

const StrategyConfigSchema = z.object({ concurrency: optional(numberish), concurrent_num: optional(numberish) });
const FuncCodeSchema = z.object({ file: optional(stringish), link: optional(stringish) });

/** A function as ListFunctions, ShowFunctionConfig, CreateFunction and UpdateFunctionConfig describe it. */
export const FunctionConfigSchema = z.object({
  func_urn: present,
  func_name: present,
  package: present,
  runtime: z.enum(RUNTIMES),
  handler: present,
  memory_size: numberish,
  timeout: numberish,
  code_type: z.enum(CODE_TYPES),
  /** SHA-512 of the code, hex: whether the code changed. */
  digest: stringish,
  code_size: numberish,
  last_modified: present,
  func_id: optional(stringish),
  resource_id: optional(stringish),
  domain_id: optional(stringish),
  namespace: optional(stringish),
  project_name: optional(stringish),
  cpu: optional(numberish),
  code_url: optional(stringish),
  code_filename: optional(stringish),
  user_data: optional(stringish),
  /** Read back with the variables' values blanked, or not at all. */
  encrypted_user_data: optional(stringish),
  version: optional(stringish),
  image_name: optional(stringish),
  xrole: optional(stringish),
  app_xrole: optional(stringish),
  description: optional(stringish),
  type: optional(z.enum(['v1', 'v2'])),
  initializer_handler: optional(stringish),
  initializer_timeout: optional(numberish),
  pre_stop_handler: optional(stringish),
  pre_stop_timeout: optional(numberish),
  enterprise_project_id: optional(stringish),
  strategy_config: optional(StrategyConfigSchema),
  ephemeral_storage: optional(numberish),
  log_group_id: optional(stringish),
  log_stream_id: optional(stringish),
});
export type FunctionConfig = z.output<typeof FunctionConfigSchema>;

export const ListFunctionsResponseSchema = z.object({
  functions: z.array(FunctionConfigSchema),
  /** Where the next page starts (an offset). */
  next_marker: numberish,
  /** How many functions match in all. */
  count: numberish,
});
export type ListFunctionsResponse = z.output<typeof ListFunctionsResponseSchema>;

/** A function's code (ShowFunctionCode, UpdateFunctionCode): `func_code.file` is the code, base64. */
export const FunctionCodeSchema = z.object({
  func_urn: present,
  func_name: present,
  runtime: z.enum(RUNTIMES),
  code_type: z.enum(CODE_TYPES),
  code_size: numberish,
  digest: stringish,
  last_modified: present,
  code_filename: optional(stringish),
  code_url: optional(stringish),
  func_code: optional(FuncCodeSchema),
  domain_id: optional(stringish),
  depend_version_list: optional(z.array(stringish)),
  strategy_config: optional(StrategyConfigSchema),
});
export type FunctionCode = z.output<typeof FunctionCodeSchema>;

const TimerEventDataResponseSchema = z.object({
  name: present,
  schedule_type: z.enum(SCHEDULE_TYPES),
  schedule: present,
  user_event: optional(stringish),
});
const ApigEventDataResponseSchema = z.object({
  name: optional(stringish),
  api_id: optional(stringish),
  api_name: optional(stringish),
  group_id: present,
  group_name: optional(stringish),
  env_id: present,
  env_name: optional(stringish),
  protocol: z.enum(APIG_PROTOCOLS),
  req_method: z.enum(APIG_METHODS),
  match_mode: z.enum(APIG_MATCH_MODES),
  auth: z.enum(APIG_AUTH),
  path: present,
  type: optional(numberish),
  backend_type: optional(z.literal('FUNCTION')),
  sl_domain: optional(stringish),
  invoke_url: optional(stringish),
  instance_id: optional(stringish),
  triggerid: optional(stringish),
  func_info: optional(
    z.object({
      timeout: numberish,
      function_urn: optional(stringish),
      invocation_type: optional(z.enum(['sync', 'async'])),
      version: optional(stringish),
    }),
  ),
});
const CtsEventDataResponseSchema = z.object({ name: present, operations: z.array(present) });

const triggerResponseCommon = {
  trigger_id: present,
  trigger_status: z.enum(TRIGGER_STATUSES),
  event_type_code: optional(stringish),
  created_time: present,
  last_updated_time: present,
};
const OTHER_TYPES = TRIGGER_TYPES.filter((type) => !['TIMER', 'APIG', 'DEDICATEDGATEWAY', 'CTS'].includes(type)) as unknown as readonly [
  'DDS', ...Array<TriggerType>,
];

/** A trigger as the API describes it; `event_data` is read per type (others are kept as sent). */
export const TriggerSchema = z.discriminatedUnion('trigger_type_code', [
  z.object({ ...triggerResponseCommon, trigger_type_code: z.literal('TIMER'), event_data: TimerEventDataResponseSchema }),
  z.object({ ...triggerResponseCommon, trigger_type_code: z.enum(['APIG', 'DEDICATEDGATEWAY']), event_data: ApigEventDataResponseSchema }),
  z.object({ ...triggerResponseCommon, trigger_type_code: z.literal('CTS'), event_data: CtsEventDataResponseSchema }),
  z.object({ ...triggerResponseCommon, trigger_type_code: z.enum(OTHER_TYPES), event_data: z.record(z.string(), z.unknown()) }),
]);
export type Trigger = z.output<typeof TriggerSchema>;

/** ListFunctionTriggers answers a bare array. */
export const ListFunctionTriggersResponseSchema = z.array(TriggerSchema);

export const InvokeFunctionResponseSchema = z.object({
  request_id: present,
  /** What the function returned, as text (JSON for an object). */
  result: optional(stringish),
  /** The last 4 KB of the run's log, when asked for (`log_type: 'tail'`). */
  log: optional(stringish),
  /** 200 when the function ran to completion. */
  status: optional(numberish),
});
export type InvokeFunctionResponse = z.output<typeof InvokeFunctionResponseSchema>;

export const AsyncInvokeFunctionResponseSchema = z.object({ request_id: present });
export type AsyncInvokeFunctionResponse = z.output<typeof AsyncInvokeFunctionResponseSchema>;
