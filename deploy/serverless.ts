import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  APIG_TIMEOUT_MS,
  DISABLEABLE_TRIGGERS,
  FUNCTIONGRAPH_RUNTIMES,
  MEMORY_SIZES,
  TIMEOUT_SECONDS,
  TRIGGER_TYPES,
  cronProblem,
  rateProblem,
} from './functiongraph-rules.ts';
import { ParamError, formatPath, resolveParams } from './params.ts';
import type { Params, UnresolvedParam } from './params.ts';
import { closest } from './suggest.ts';

/**
 * serverless.yml, read strictly: the one list of functions and triggers that `warden deploy`, the build, the
 * local host and `warden invoke` share. Every object refuses keys it does not know, naming them (with the
 * closest known key), because a deploy that reconciles the cloud from this file must not silently drop a
 * misspelled `timout:`. The keys are serverless-huawei-functions' own (its README and trigger reference, and
 * the function keys its source reads: `xrole`, `code.codeUri`, `encryptedUserData`), so the file stays valid
 * for `sls deploy`; warden understands a subset of them and refuses the rest.
 */

/** An object that refuses unknown keys: `<path>.<key>: unknown key (did you mean …?)`. */
function strict<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      // One line per key, in the issue's key order: formatIssue puts each under its own path.
      return issue.keys
        .map((key) => {
          const suggestion = closest(key, known);
          return suggestion ? `unknown key (did you mean ${suggestion}?)` : `unknown key (known here: ${known.join(', ')})`;
        })
        .join('\n');
    },
  });
}

const status = z.enum(['ACTIVE', 'DISABLED']).default('ACTIVE');
const triggerName = z.string().min(1);

const timerTrigger = strict({
  triggerTypeCode: z.literal('TIMER'),
  status,
  eventData: strict({
    name: triggerName.optional(),
    scheduleType: z.enum(['Rate', 'Cron']).default('Rate'),
    schedule: z.string().min(1),
    userEvent: z.string().optional(),
  }),
});

const apigTrigger = strict({
  triggerTypeCode: z.literal('APIG'),
  status,
  eventData: strict({
    name: triggerName.optional(),
    /**
     * The APIG group, usually `${param:apigGroupId}`: required by the API and serverless-huawei-functions, so
     * `warden deploy` refuses a trigger without one; `npm start` serves the route without it.
     */
    groupId: z.string().min(1).optional(),
    /** A dedicated gateway's instance id (regions that only offer dedicated gateways need it). */
    instanceId: z.string().min(1).optional(),
    envName: z.string().min(1).default('RELEASE'),
    envId: z.string().min(1).default('DEFAULT_ENVIRONMENT_RELEASE_ID'),
    protocol: z.enum(['HTTP', 'HTTPS']).default('HTTPS'),
    slDomain: z.string().min(1).optional(),
    reqMethod: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'ANY']).default('GET'),
    path: z.string().startsWith('/', 'must start with /'),
    matchMode: z.enum(['SWA', 'NORMAL']).default('SWA'),
    /** serverless-huawei-functions' spelling; the API's is IAM / APP / NONE (deploy maps it). */
    auth: z.enum(['App', 'IAM', 'None']).default('IAM'),
    /** Milliseconds APIG waits for the function. */
    timeout: z.number().int().min(APIG_TIMEOUT_MS.min).max(APIG_TIMEOUT_MS.max).default(APIG_TIMEOUT_MS.default),
  }),
});

const ctsTrigger = strict({
  triggerTypeCode: z.literal('CTS'),
  status,
  eventData: strict({
    name: triggerName.optional(),
    /** `SERVICE:resourceType:traceName`, `;` separating alternatives: `KMS:cmk:createKey;scheduleKeyDeletion`. */
    operations: z.array(z.string().regex(/^[A-Za-z]+:[A-Za-z;]+:[A-Za-z;]+$/, 'expected SERVICE:resourceType:traceName')).min(1),
  }),
});

const triggerSchema = z.discriminatedUnion('triggerTypeCode', [timerTrigger, apigTrigger, ctsTrigger], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `${JSON.stringify((issue.input as { triggerTypeCode?: unknown } | undefined)?.triggerTypeCode)} is not a trigger type warden deploys (${TRIGGER_TYPES.join(', ')})`
      : undefined,
});

const variables = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name'), z.string({ error: 'expected a string (quote numbers and booleans)' }));
const runtime = z.enum(FUNCTIONGRAPH_RUNTIMES, {
  error: (issue) => (issue.input === undefined ? 'required' : `${JSON.stringify(issue.input)} is not a FunctionGraph runtime (${FUNCTIONGRAPH_RUNTIMES.join(', ')})`),
});
const memorySize = z.union(MEMORY_SIZES.map((size) => z.literal(size)), { error: `expected one of ${MEMORY_SIZES.join(', ')} (MB)` });
const timeout = z.number().int().min(TIMEOUT_SECONDS.min).max(TIMEOUT_SECONDS.max);

const functionSchema = strict({
  /** FunctionGraph's `<file>.<export>`, relative to the root of the function's zip: `index.handler`. */
  handler: z.string().regex(/^[^.\s]+\.[A-Za-z_$][\w$]*$/, 'expected <file>.<export>, e.g. index.handler'),
  description: z.string().optional(),
  runtime: runtime.optional(),
  memorySize: memorySize.optional(),
  timeout: timeout.optional(),
  /** The agency FunctionGraph hands the function's credentials from (serverless-huawei-functions' key). */
  xrole: z.string().min(1).optional(),
  userData: variables.default({}),
  /** Sent as encrypted user data whatever the names (secret-like names go there anyway). */
  encryptedUserData: variables.default({}),
  /** What serverless-huawei-functions zips for this function: the directory `npm run build` writes. */
  code: strict({ codeUri: z.string().min(1) }).optional(),
  /** The serverless framework's packaging; warden packs dist/<function>/ whatever it says. */
  package: strict({ patterns: z.array(z.string()).optional(), individually: z.boolean().optional() }).optional(),
  events: z.array(triggerSchema).default([]),
});

const serviceSchema = strict({
  service: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'expected letters, digits and -, starting with a letter'),
  frameworkVersion: z.string().optional(),
  provider: strict({
    name: z.literal('huawei'),
    /** serverless-huawei-functions' credentials file; warden reads HUAWEICLOUD_* instead. */
    credentials: z.string().optional(),
    runtime,
    region: z.string().min(1).optional(),
    stage: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'expected letters and digits, starting with a letter').optional(),
    memorySize: memorySize.default(256),
    timeout: timeout.default(30),
    environment: strict({ variables: variables.default({}) }).default({ variables: {} }),
  }),
  plugins: z.array(z.string()).optional(),
  package: strict({ patterns: z.array(z.string()).optional(), individually: z.boolean().optional() }).optional(),
  custom: strict({
    /** Each function's agency needs these (README); checked only for naming declared functions. */
    permissions: z.record(z.string(), z.array(z.string().min(1))).optional(),
  }).optional(),
  functions: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected lower-case letters, digits and -, starting with a letter'), functionSchema),
});

export type ServiceDefinition = z.output<typeof serviceSchema> & {
  /** `${param:…}` no `--param` filled, left as written; `warden deploy` refuses them where it needs the value. */
  readonly unresolvedParams: readonly UnresolvedParam[];
};
export type FunctionDefinition = z.output<typeof functionSchema>;
export type TriggerDefinition = z.output<typeof triggerSchema>;

/** serverless.yml is not what warden can deploy; `problems` name each field (`functions.x.timout: unknown key …`). */
export class ServerlessError extends Error {
  override readonly name = 'ServerlessError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is not a valid serverless.yml:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadOptions {
  /** `--param name=value` pairs for `${param:name}`. */
  readonly params?: Params;
}

export function loadServerless(path: string, options: LoadOptions = {}): ServiceDefinition {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseServerless(text, path, options);
}

export function parseServerless(text: string, source = 'serverless.yml', options: LoadOptions = {}): ServiceDefinition {
  let document: unknown;
  try {
    document = parse(text, { uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    throw new ServerlessError(source, [error instanceof Error ? error.message : String(error)]);
  }
  let resolved: ReturnType<typeof resolveParams>;
  try {
    resolved = resolveParams(document, options.params ?? {});
  } catch (error) {
    if (error instanceof ParamError) throw new ServerlessError(source, [error.message]);
    throw error;
  }
  const parsed = serviceSchema.safeParse(resolved.document);
  if (!parsed.success) throw new ServerlessError(source, parsed.error.issues.flatMap(formatIssue));
  const problems = crossChecks(parsed.data);
  if (problems.length > 0) throw new ServerlessError(source, problems);
  return { ...parsed.data, unresolvedParams: resolved.unresolved };
}

/** What one schema can't see: a field against another, a trigger against the others. */
function crossChecks(service: z.output<typeof serviceSchema>): string[] {
  const problems: string[] = [];
  const triggerNames = new Map<string, string>();
  for (const [name, fn] of Object.entries(service.functions)) {
    const at = `functions.${name}`;
    if (fn.code && fn.code.codeUri.replace(/\/+$/, '') !== `dist/${name}`) {
      problems.push(`${at}.code.codeUri: expected dist/${name} (where npm run build writes this function), got ${fn.code.codeUri}`);
    }
    for (const key of Object.keys(fn.encryptedUserData)) {
      if (Object.hasOwn(fn.userData, key)) problems.push(`${at}.encryptedUserData.${key}: also set in userData; give it once`);
    }
    fn.events.forEach((trigger, index) => {
      const where = `${at}.events[${index}]`;
      if (trigger.status === 'DISABLED' && !DISABLEABLE_TRIGGERS.includes(trigger.triggerTypeCode)) {
        problems.push(`${where}.status: a ${trigger.triggerTypeCode} trigger cannot be DISABLED (FunctionGraph disables only ${DISABLEABLE_TRIGGERS.join(', ')} of these)`);
      }
      if (trigger.triggerTypeCode === 'TIMER') {
        const { scheduleType, schedule } = trigger.eventData;
        const problem = scheduleType === 'Rate' ? rateProblem(schedule) : cronProblem(schedule);
        if (problem) problems.push(`${where}.eventData.schedule: ${problem}`);
      }
      const triggerName = trigger.eventData.name;
      if (triggerName !== undefined) {
        const first = triggerNames.get(triggerName);
        if (first) problems.push(`${where}.eventData.name: ${triggerName} is also the name of ${first}; trigger names must be unique`);
        else triggerNames.set(triggerName, where);
      }
    });
  }
  for (const name of Object.keys(service.custom?.permissions ?? {})) {
    if (!Object.hasOwn(service.functions, name)) problems.push(`custom.permissions.${name}: no function ${name} in functions`);
  }
  return problems;
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    const lines = issue.message.split('\n');
    return issue.keys.map((key, index) => `${formatPath([...issue.path, key])}: ${lines[index] ?? 'unknown key'}`);
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return [`${formatPath(issue.path)}: required`];
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

/** The source file of a function: `functions/<name>.ts`. */
export function sourceOf(name: string): string {
  return `functions/${name}.ts`;
}
