import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { credentialsFromEnv } from '../shared/hwc/credentials.ts';
import { signWebhook } from '../shared/runtime/webhook-auth.ts';
import type { GuardrailOptions } from '../shared/runtime/guardrail.ts';
import { isApigEvent } from '../shared/triggers/schemas/apig.ts';
import { defaultFixture, loadFixture, startCloud } from '../local/cloud/index.ts';
import type { LocalCloud } from '../local/cloud/index.ts';
import { loadServerless, sourceOf } from '../deploy/serverless.ts';
import { functionEnvironment, functionGraphContext } from '../local/function-context.ts';

/**
 * `warden invoke <function> --event <file|->`: runs one handler once, as FunctionGraph would, and returns
 * its result. Against the real cloud from `HUAWEICLOUD_*`, or with `local` against a fresh embedded cloud.
 */

export interface InvokeOptions {
  readonly root: string;
  readonly functionName: string;
  readonly event: unknown;
  readonly dryRun?: boolean;
  /** Run against a fresh embedded cloud (optionally seeded from a fixture file). */
  readonly local?: boolean;
  readonly seed?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logSink?: (line: string) => void;
}

export interface InvokeResult {
  readonly result: unknown;
  /** True when the run failed: an APIG answer ≥ 400, or a report with failed actions. */
  readonly failed: boolean;
}

type HandlerModule = { createHandler(options?: GuardrailOptions): (event: unknown, context: unknown) => Promise<unknown> };

export async function invoke(options: InvokeOptions): Promise<InvokeResult> {
  const service = loadServerless(join(options.root, 'serverless.yml'));
  const definition = service.functions[options.functionName];
  if (!definition) {
    const known = Object.keys(service.functions).join(', ');
    throw new Error(`unknown function ${JSON.stringify(options.functionName)}; serverless.yml declares: ${known}`);
  }
  const operatorEnv = options.env ?? process.env;
  const run: Record<string, string> = options.dryRun ? { WARDEN_DRY_RUN: 'true' } : {};
  let connection: Readonly<Record<string, string | undefined>> = operatorEnv;
  let cloud: LocalCloud | undefined;
  let event = options.event;
  if (options.local) {
    cloud = await startCloud({ port: 0, fixture: options.seed ? loadFixture(options.seed) : defaultFixture() });
    connection = localCloudEnv(cloud);
    // The embedded cloud is a simulation: sign the sample webhook with a secret made for this run.
    const secret = randomBytes(24).toString('hex');
    run['WARDEN_WEBHOOK_SECRET'] = secret;
    event = isApigEvent(event) ? signApigEvent(event as Record<string, unknown>, secret) : event;
  }
  // One order for every local run: local/function-context.ts.
  const env = functionEnvironment({ service: service.provider.environment.variables, userData: definition.userData, connection, operator: operatorEnv, run });
  if (!options.local) requireCloudSettings(env);

  try {
    const module = (await import(pathToFileURL(join(options.root, sourceOf(options.functionName))).href)) as HandlerModule;
    const handler = module.createHandler({ env, ...(options.logSink ? { logSink: options.logSink } : {}) });
    const timeoutMs = (definition.timeout ?? service.provider.timeout) * 1000;
    const requestId = `invoke-${randomBytes(8).toString('hex')}`;
    const context = functionGraphContext({ requestId, functionName: options.functionName, deadline: Date.now() + timeoutMs, environment: env });
    const result = await handler(event, context);
    return { result, failed: hasFailed(result) };
  } finally {
    await cloud?.close();
  }
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
  const text = source === '-' ? stdin() : readFileSync(source, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = source === '-' ? 'standard input' : source;
    throw new Error(`the event in ${where} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
