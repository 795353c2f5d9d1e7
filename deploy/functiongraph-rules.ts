/**
 * What FunctionGraph accepts, from its API reference (CreateFunction, CreateFunctionTrigger; v2). Checked before
 * any call so that a bad serverless.yml is refused naming the field, not half-deployed.
 */

/**
 * CreateFunction's `runtime` enum, plus `Node.js20.15`: FunctionGraph offers Node.js 20.15 (the runtime these
 * bundles are built for, see README), but the API reference's enum was written before it and stops at
 * Node.js18.15. It is the one value added by hand; everything else is the document's list as it stands.
 */
export const FUNCTIONGRAPH_RUNTIMES = [
  'Java8', 'Java11', 'Java17',
  'Python2.7', 'Python3.6', 'Python3.9', 'Python3.10',
  'Go1.8', 'Go1.x',
  'Node.js6.10', 'Node.js8.10', 'Node.js10.16', 'Node.js12.13', 'Node.js14.18', 'Node.js16.17', 'Node.js18.15', 'Node.js20.15',
  'C#(.NET Core 2.0)', 'C#(.NET Core 2.1)', 'C#(.NET Core 3.1)', 'C#(.NET Core 6.0)',
  'Custom', 'PHP7.3', 'PHP8.3', 'Cangjie1.0', 'http', 'Custom Image',
] as const;
export type FunctionGraphRuntime = (typeof FUNCTIONGRAPH_RUNTIMES)[number];

/** The runtimes `npm run build`'s bundles run on: they target Node 20 (undici 7 needs it). */
export const BUNDLE_RUNTIMES: readonly FunctionGraphRuntime[] = ['Node.js20.15'];

/** `memory_size`: "取值范围为:128、256、512、768、1024、1280、1536、1792、2048、2560、3072、3584、4096" (MB). */
export const MEMORY_SIZES = [128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096] as const;

/** `timeout`: "范围3~259200秒". */
export const TIMEOUT_SECONDS = { min: 3, max: 259_200 } as const;

/** APIG `func_info.timeout`: 1–60000 ms; serverless-huawei-functions' default is 5000. */
export const APIG_TIMEOUT_MS = { min: 1, max: 60_000, default: 5_000 } as const;

/** `user_data` / `encrypted_user_data`: "最多定义20个,总长度不超过4KB". */
export const USER_DATA_LIMITS = { entries: 20, bytes: 4096 } as const;

/** The trigger types warden deploys (CreateFunctionTrigger offers more; serverless.yml uses these three). */
export const TRIGGER_TYPES = ['TIMER', 'APIG', 'CTS'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** "TIMER、DDS、DMS、KAFKA、LTS触发器支持禁用,其他触发器不支持": of ours, only TIMER can be DISABLED. */
export const DISABLEABLE_TRIGGERS: readonly TriggerType[] = ['TIMER'];

/**
 * TIMER Rate: "单位为分钟时,输入值不能超过60;单位为小时时,输入值不能超过24;单位为天时,输入值不能超过30".
 * Returns a problem, or undefined when the rate is valid.
 */
export function rateProblem(schedule: string): string | undefined {
  const match = /^(\d+)([mhd])$/.exec(schedule);
  if (!match) return `expected <n>m, <n>h or <n>d (e.g. 30m), got ${JSON.stringify(schedule)}`;
  const n = Number(match[1]);
  const max = { m: 60, h: 24, d: 30 }[match[2] as 'm' | 'h' | 'd'];
  if (n < 1 || n > max) return `${schedule}: ${({ m: 'minutes', h: 'hours', d: 'days' } as const)[match[2] as 'm' | 'h' | 'd']} must be 1–${max}`;
  return undefined;
}

/**
 * TIMER Cron: FunctionGraph's `sec min hour day-of-month month [day-of-week]`, optionally after `CRON_TZ=<zone>`,
 * or `@every <duration>`. Only the shape is checked here; the cloud checks the fields.
 */
export function cronProblem(schedule: string): string | undefined {
  const text = schedule.trim().replace(/^CRON_TZ=\S+\s+/, '');
  if (/^@every\s+\S+$/.test(text)) return undefined;
  const fields = text.split(/\s+/);
  if (fields.length < 5 || fields.length > 6 || !fields.every((field) => /^[0-9A-Za-z*?/,\-LW#]+$/.test(field))) {
    return `expected "sec min hour day-of-month month [day-of-week]" (e.g. 0 30 3 * * ?), got ${JSON.stringify(schedule)}`;
  }
  return undefined;
}

/**
 * Function (and package) names: letters, digits, "-" and "_", starting with a letter, ending with a letter or a
 * digit, at most 60 characters. The API reference only says "函数名称"; this is FunctionGraph's console rule,
 * checked here so that a long service + stage + function name is refused before any call.
 */
export const NAME_RULE = { pattern: /^[A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9]$/, maxLength: 60 } as const;

export function nameProblem(name: string): string | undefined {
  if (name.length > NAME_RULE.maxLength) return `${name} is ${name.length} characters long; FunctionGraph allows ${NAME_RULE.maxLength}`;
  if (!NAME_RULE.pattern.test(name)) return `${name}: FunctionGraph names take letters, digits, "-" and "_", start with a letter and end with a letter or a digit`;
  return undefined;
}

/**
 * Trigger names and APIG paths as FunctionGraph and APIG take them (their published rules; the FunctionGraph
 * client checks the same), and the description's 512 characters: checked with the rest of serverless.yml, so
 * that a deploy is not refused by the client halfway through.
 */
export const TRIGGER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const APIG_NAME = /^[A-Za-z][A-Za-z0-9_-]{2,254}$/;
export const APIG_PATH = /^\/[A-Za-z0-9_\-./{}+~]{0,1023}$/;
export const DESCRIPTION_MAX = 512;
