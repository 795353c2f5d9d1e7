import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsFromEnv } from '../shared/hwc/credentials.ts';
import { maskSecrets, registerSecret } from '../shared/runtime/redact.ts';
import { signWebhook } from '../shared/runtime/webhook-auth.ts';
import { isApigEvent } from '../shared/triggers/schemas/apig.ts';
import { isIgnoredResult } from '../shared/runtime/report.ts';
import { describeUnknownVariable, unknownWardenVariables } from '../shared/policy.ts';
import { loadFixture, ProcessRunner, startCloud } from '../local/cloud/index.ts';
import type { InvocationOutcome, LocalCloud } from '../local/cloud/index.ts';
import { buildForHost } from '../local/host/build.ts';
import type { HostBuild } from '../local/host/build.ts';
import { errorOf, functionSnapshot, parseResult } from '../local/host/functions.ts';
import { demoFixture } from '../local/host/demo-fixture.ts';
import { loadServerless } from '../deploy/serverless.ts';
import type { FunctionDefinition } from '../deploy/serverless.ts';
import { functionEnvironment } from '../local/function-context.ts';

/**
 * `warden invoke <function> --event <file|->`: runs one handler once, as FunctionGraph would (the zip `warden
 * deploy` would upload, in a Node.js process of its own, through the embedded FunctionGraph's runner), and
 * returns its result. Against the real cloud from `HUAWEICLOUD_*`, or with `local` against a fresh embedded cloud.
 */

export interface InvokeOptions {
  readonly root: string;
  readonly functionName: string;
  readonly event: unknown;
  readonly dryRun?: boolean;
  /** Run against a fresh embedded cloud seeded with npm start's demo data (or a fixture file). */
  readonly local?: boolean;
  readonly seed?: string | undefined;
  /**
   * Against the real cloud, also apply serverless.yml's provider environment and the function's `userData` (its
   * demo policy). Off by default there, so that nothing the file says reaches a real project unasked; always on
   * with `local`.
   */
  readonly userDataFromServerless?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives what the function writes (its JSON log lines), line by line. */
  readonly logSink?: (line: string) => void;
  /** Where the built zip is kept between runs (local/host/build.ts). Default `~/.cache/hwc-warden/host-build`. */
  readonly buildCacheDir?: string;
  /** What the run is about to do, in words (which cloud, where the policy comes from, warnings): stderr. */
  readonly notice?: (line: string) => void;
}

export interface InvokeResult {
  readonly result: unknown;
  /** True when the run failed: an APIG answer ≥ 400, a report with failed actions, or an ignored event. */
  readonly failed: boolean;
  /** Why the function did nothing with the event (it matches none of its triggers), when it did not. */
  readonly ignored?: string | undefined;
}

export async function invoke(options: InvokeOptions): Promise<InvokeResult> {
  const service = loadServerless(join(options.root, 'serverless.yml'));
  const definition = service.functions[options.functionName];
  if (!definition) {
    const known = Object.keys(service.functions).join(', ');
    throw new Error(`unknown function ${JSON.stringify(options.functionName)}; serverless.yml declares: ${known}`);
  }
  const mismatch = eventMismatch(options.functionName, definition, options.event);
  if (mismatch) throw new Error(`${mismatch}; nothing was run (a sample: npx warden events ${options.functionName})`);
  const notice = options.notice ?? (() => {});
  const operatorEnv = options.env ?? process.env;
  const fromServerless = options.local || options.userDataFromServerless === true;
  const run: Record<string, string> = options.dryRun ? { WARDEN_DRY_RUN: 'true' } : {};
  notice(policySource(options.functionName, fromServerless, operatorEnv, definition));
  let connection: Readonly<Record<string, string | undefined>> = operatorEnv;
  let cloud: LocalCloud | undefined;
  let event = options.event;
  if (options.local) {
    cloud = await startCloud({ port: 0, fixture: options.seed ? loadFixture(options.seed) : demoFixture() });
    notice(`cloud: a fresh embedded cloud at ${cloud.url} with ${options.seed ? `the fixture ${options.seed}` : "npm start's demo data"}`);
    connection = localCloudEnv(cloud);
    // The embedded cloud is a simulation: sign the sample webhook with a secret made for this run.
    const secret = randomBytes(24).toString('hex');
    run['WARDEN_WEBHOOK_SECRET'] = secret;
    event = isApigEvent(event) ? signApigEvent(event as Record<string, unknown>, secret) : event;
  }
  // One order for every local run: local/function-context.ts. serverless.yml's policy only when asked (or --local).
  const env = functionEnvironment({
    service: fromServerless ? service.provider.environment.variables : {},
    userData: fromServerless ? definition.userData : {},
    connection,
    operator: operatorEnv,
    run,
  });
  for (const unknown of unknownWardenVariables(Object.keys(env))) notice(`warning: ${describeUnknownVariable(unknown)}`);
  if (!options.local) {
    requireCloudSettings(env);
    const endpoint = env['HUAWEICLOUD_ENDPOINT_URL'] ? `, endpoint ${env['HUAWEICLOUD_ENDPOINT_URL']} (HUAWEICLOUD_ENDPOINT_URL)` : '';
    notice(`cloud: region ${env['HUAWEICLOUD_REGION']} (HUAWEICLOUD_REGION), project ${env['HUAWEICLOUD_SDK_PROJECT_ID']}${endpoint}`);
  }

  // What `warden deploy` would upload, run as the embedded FunctionGraph runs it: a process of its own.
  for (const name of ['HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN', 'WARDEN_WEBHOOK_SECRET']) registerSecret(env[name] ?? run[name]);
  const logSink = options.logSink ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const runner = new ProcessRunner({
    // --dry-run after the operator's WARDEN_*, so that it wins (the webhook secret goes as the function's own, below).
    operatorEnv: { ...operatorEnv, ...run },
    connection,
    processEnv: processSettings(operatorEnv),
    // What the function writes, secrets masked: its JSON log lines, and anything it prints.
    logSink: (line) => logSink(maskSecrets(line)),
  });
  // Ctrl-C: the function's process goes with this one (it exits when its parent does); its unpacked code too.
  const interrupted = () => void runner.close().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    const [build] = await buildForHost(options.root, [options.functionName], options.buildCacheDir === undefined ? {} : { cacheDir: options.buildCacheDir });
    const snapshot = functionSnapshot({
      service,
      name: options.functionName,
      build: build as HostBuild,
      userData: fromServerless ? functionEnvironment({ service: service.provider.environment.variables, userData: definition.userData }) : {},
      // Its webhook secret, as deploy would store it: the one made for a --local run, else yours (when not empty:
      // over serverless.yml's, with --user-data-from-serverless), else serverless.yml's.
      encryptedUserData: webhookSecretOf(run['WARDEN_WEBHOOK_SECRET'] ?? (operatorEnv['WARDEN_WEBHOOK_SECRET'] || undefined)),
      connection: { endpoint: env['HUAWEICLOUD_ENDPOINT_URL'] ?? '', region: env['HUAWEICLOUD_REGION'] ?? '', projectId: env['HUAWEICLOUD_SDK_PROJECT_ID'] ?? '' },
    });
    await runner.start(snapshot);
    const requestId = `invoke-${randomBytes(8).toString('hex')}`;
    const outcome = await runner.invoke(snapshot, { requestId, event: event as Record<string, unknown>, mode: 'sync', logTail: false, instanceMemory: undefined });
    const result = resultOf(options.functionName, outcome);
    const ignored = ignoredReason(result);
    return { result, failed: ignored !== undefined || hasFailed(result), ignored };
  } finally {
    process.off('SIGINT', interrupted);
    await runner.close();
    await cloud?.close();
  }
}

/** Node's own settings a function may need to reach a real project (a private CA, say); nothing else of yours. */
function processSettings(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const names = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name] as string]] : [])));
}

function webhookSecretOf(secret: string | undefined): Record<string, string> {
  return secret === undefined ? {} : { WARDEN_WEBHOOK_SECRET: secret };
}

/** What the function returned (JSON when it returned an object), or why it did not return. */
function resultOf(name: string, outcome: InvocationOutcome): unknown {
  if (outcome.status === 408) throw new Error(`${name}: ${outcome.result}`);
  if (outcome.status === 200) return parseResult(outcome.result);
  throw new Error(`${name} failed: ${errorOf(outcome.result)}`);
}

export function localCloudEnv(cloud: LocalCloud): Record<string, string> {
  return {
    HUAWEICLOUD_ENDPOINT_URL: cloud.url,
    HUAWEICLOUD_REGION: cloud.identity.region,
    HUAWEICLOUD_SDK_PROJECT_ID: cloud.identity.projectId,
    HUAWEICLOUD_SDK_AK: cloud.identity.ak,
    HUAWEICLOUD_SDK_SK: cloud.identity.sk,
  };
}

/** Fails early, naming what is missing, rather than on the first API call. */
function requireCloudSettings(env: Readonly<Record<string, string | undefined>>): void {
  const missing = ['HUAWEICLOUD_REGION', 'HUAWEICLOUD_SDK_PROJECT_ID'].filter((name) => !env[name]);
  if (missing.length > 0) {
    const verb = missing.length > 1 ? 'are' : 'is';
    throw new Error(`${missing.join(' and ')} ${verb} not set: set it to target a real project, or use --local`);
  }
  try {
    credentialsFromEnv(env);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; or use --local`);
  }
}

function signApigEvent(event: Record<string, unknown>, secret: string): Record<string, unknown> {
  const body = typeof event['body'] === 'string' ? event['body'] : '';
  const raw = event['isBase64Encoded'] === true ? Buffer.from(body, 'base64') : body;
  const headers = { ...(event['headers'] as Record<string, string> | undefined), 'x-warden-signature': signWebhook(raw, secret) };
  return { ...event, headers };
}

/** Where the policy (the WARDEN_* settings) comes from, said before the run. */
function policySource(name: string, fromServerless: boolean, env: Readonly<Record<string, string | undefined>>, definition: FunctionDefinition): string {
  const own = Object.keys(env).filter((variable) => variable.startsWith('WARDEN_') && env[variable] !== undefined).sort();
  const yours = own.length > 0 ? `your ${own.join(', ')}` : undefined;
  if (fromServerless) {
    const file = `serverless.yml (provider environment, ${name} userData: ${Object.keys(definition.userData).join(', ') || 'none'})`;
    return `policy: ${yours ? `${yours} over ` : ''}${file}, then the defaults`;
  }
  return `policy: ${yours ?? 'the defaults (no WARDEN_* variable set)'}${yours ? ', then the defaults' : ''}; serverless.yml's userData is not applied (--user-data-from-serverless applies it)`;
}

/**
 * An event that cannot be this function's, told before anything runs: a request to another function's route,
 * or a timer another function declares. (A trace of another operation is for the handler to say.)
 */
export function eventMismatch(name: string, definition: FunctionDefinition, event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return `the event is ${JSON.stringify(event)}, not a JSON object`;
  const record = event as Record<string, unknown>;
  const of = (code: string) => definition.events.filter((trigger) => trigger.triggerTypeCode === code);
  if (isApigEvent(event) && typeof record['path'] === 'string') {
    const routes = of('APIG').map((trigger) => (trigger.eventData as { path: string }).path);
    if (routes.length === 0) return `the event is an APIG request, and ${name} has no APIG trigger`;
    if (!routes.includes(record['path'])) return `the event is a request to ${record['path']}; ${name}'s APIG route is ${routes.join(', ')}`;
  }
  if (record['trigger_type'] === 'TIMER') {
    const timers = of('TIMER');
    if (timers.length === 0) return `the event is a TIMER event, and ${name} has no TIMER trigger`;
    const names = timers.map((trigger) => trigger.eventData.name).filter((timer) => timer !== undefined);
    const named = record['trigger_name'];
    if (typeof named === 'string' && names.length === timers.length && !names.includes(named)) {
      return `the event is from the timer ${JSON.stringify(named)}; ${name}'s timers are ${names.join(', ')}`;
    }
  }
  return undefined;
}

function ignoredReason(result: unknown): string | undefined {
  if (isIgnoredResult(result)) return String((result as { reason?: unknown }).reason ?? 'the event matches none of its triggers');
  const record = result as { statusCode?: unknown; body?: unknown } | null;
  if (typeof record?.statusCode === 'number' && typeof record.body === 'string') {
    const body = parseOrUndefined(record.body);
    if (isIgnoredResult(body)) return String((body as { reason?: unknown }).reason ?? 'the event matches none of its triggers');
  }
  return undefined;
}

function hasFailed(result: unknown): boolean {
  if (typeof result !== 'object' || result === null) return false;
  const record = result as { statusCode?: unknown; body?: unknown; counts?: { failed?: unknown } };
  if (typeof record.statusCode === 'number') {
    return record.statusCode >= 400 || (typeof record.body === 'string' && hasFailed(parseOrUndefined(record.body)));
  }
  return typeof record.counts?.failed === 'number' && record.counts.failed > 0;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads an event from a file, or standard input for `-`, and names the problem when it isn't JSON. */
export function readEvent(source: string, stdin: () => string = () => readFileSync(0, 'utf8')): unknown {
  const text = source === '-' ? stdin() : readEventFile(source);
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = source === '-' ? 'standard input' : source;
    throw new Error(`the event in ${where} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readEventFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'it cannot be read (permission denied)' : `it cannot be read (${String(code ?? error)})`;
    throw new Error(
      `cannot read the event file ${path}: ${why}; pass a JSON event file (samples in events/<function>/, or npx warden events <function> <trigger>), - for standard input, or --data '<json>'`,
    );
  }
}
