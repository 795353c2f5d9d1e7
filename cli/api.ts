import { readFileSync } from 'node:fs';
import { HuaweiCloud, HwcError, SERVICES } from '../shared/hwc/index.ts';
import { formatIssues } from '../shared/hwc/schema.ts';
import { printableJson } from '../shared/runtime/printable.ts';
import { defaultFixture, startCloud } from '../local/cloud/index.ts';
import type { LocalCloud } from '../local/cloud/index.ts';
import { demoFixture } from '../local/host/demo-fixture.ts';
import { parsePort } from '../local/lifecycle.ts';
import { closest } from '../deploy/suggest.ts';
import { CATALOGUE, requiredFields } from './api-catalogue.ts';
import type { OperationEntry } from './api-catalogue.ts';
import { parseCommand } from './options.ts';

/**
 * `warden api <service> <operation> [json | @file | -]`: one operation of shared/hwc, signed, its answer printed
 * as JSON (a listing as one array of every page). Parse and validate everything first (service, operation,
 * input against the operation's schema), then choose the cloud, then call: bad input never sends anything.
 */

const OPTIONS = {
  list: { type: 'boolean' },
  local: { type: 'boolean' },
  'from-env': { type: 'boolean' },
  'cloud-port': { type: 'string' },
} as const;

export interface ApiIo {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stdin?: () => string;
}

export async function apiCommand(argv: readonly string[], io: ApiIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const { values, positionals } = parseCommand('api', argv, OPTIONS, true);
  if (values['list']) {
    process.stdout.write(listing(positionals[0]));
    return 0;
  }
  const [service, operation, source, ...extra] = positionals;
  if (service === undefined || operation === undefined) {
    throw new Error('expected <service> <operation>, e.g. warden api kms listKeys (warden api --list shows them all)');
  }
  if (extra.length > 0) throw new Error(`unexpected argument ${JSON.stringify(extra[0])}: the input is one JSON object (quote it)`);
  if (values['local'] && values['from-env']) throw new Error('--local and --from-env each choose the cloud: pass one');
  const entry = findOperation(service, operation);
  const input = validInput(entry, `${service}.${operation}`, readInput(source, io.stdin));

  const target = await chooseCloud(values, env);
  process.stderr.write(`warden api: ${target.description}\n`);
  try {
    const api = CATALOGUE[service]!.api(target.client) as Record<string, (...args: unknown[]) => unknown>;
    const answer = await collect(entry.input === null ? api[operation]!.call(api) : api[operation]!.call(api, input));
    process.stdout.write(`${printableJson(JSON.stringify(answer ?? null, null, 2))}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof HwcError)) throw error;
    // The error's fields as JSON; an HwcError never carries a credential (shared/hwc/errors.ts).
    process.stderr.write(`${printableJson(JSON.stringify({ error: error.toJSON() }, null, 2))}\n`);
    if (error.status === 401 && target.onUnauthorized) process.stderr.write(`warden api: ${target.onUnauthorized}\n`);
    return 1;
  } finally {
    await target.close();
  }
}

function findOperation(service: string, operation: string): OperationEntry {
  const catalogue = CATALOGUE[service];
  if (catalogue === undefined) {
    const hint = closest(service, Object.keys(CATALOGUE));
    throw new Error(`unknown service ${JSON.stringify(service)}${hint ? ` (did you mean ${hint}?)` : ''}; services: ${Object.keys(CATALOGUE).join(', ')}`);
  }
  const entry = catalogue.operations[operation];
  if (entry === undefined) {
    const hint = closest(operation, Object.keys(catalogue.operations));
    throw new Error(
      `${service} has no operation ${JSON.stringify(operation)}${hint ? ` (did you mean ${hint}?)` : ''}; its operations: ${Object.keys(catalogue.operations).join(', ')}`,
    );
  }
  if (entry.refused !== undefined) throw new Error(`warden api does not call ${service} ${operation}: ${entry.refused}`);
  return entry;
}

/** The input text: inline JSON, `@file`, `-` for standard input; none is `{}`. */
function readInput(source: string | undefined, stdin: () => string = () => readFileSync(0, 'utf8')): { text: string; where: string } {
  if (source === undefined) return { text: '{}', where: 'the input' };
  if (source === '-') return { text: stdin(), where: 'standard input' };
  if (source.startsWith('@')) {
    const path = source.slice(1);
    try {
      return { text: readFileSync(path, 'utf8'), where: path };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
      throw new Error(`cannot read the input file ${path}: ${why}; pass a JSON object inline, @file or - (standard input)`);
    }
  }
  return { text: source, where: 'the input' };
}

function validInput(entry: OperationEntry, name: string, { text, where }: { text: string; where: string }): unknown {
  let input: unknown;
  try {
    input = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error(`${where} must be a JSON object of ${name}'s fields`);
  if (entry.input === null) {
    if (Object.keys(input).length > 0) throw new Error(`${name} takes no input`);
    return undefined;
  }
  const parsed = entry.input.safeParse(input);
  if (!parsed.success) throw new Error(`invalid input for ${name} (nothing was sent): ${formatIssues(parsed.error)}`);
  return input;
}

interface Target {
  readonly client: HuaweiCloud;
  readonly description: string;
  /** What to do when this cloud refuses the credentials warden api chose for it. */
  readonly onUnauthorized?: string;
  close(): Promise<void>;
}

async function chooseCloud(values: Record<string, string | boolean | undefined>, env: Readonly<Record<string, string | undefined>>): Promise<Target> {
  if (values['from-env']) {
    const client = HuaweiCloud.fromEnv(env);
    const where = env['HUAWEICLOUD_ENDPOINT_URL'] ? `endpoint ${env['HUAWEICLOUD_ENDPOINT_URL']}` : `endpoints ${client.endpoints.kms}, …`;
    return { client, description: `the cloud HUAWEICLOUD_* names: region ${client.region}, project ${client.projectId}, ${where}`, close: () => client.close() };
  }
  if (values['local']) {
    const cloud = await startCloud({ port: 0, fixture: demoFixture() });
    const client = embeddedClient(cloud.url, cloud.identity);
    return {
      client,
      description: `a fresh embedded cloud with the demo data (${cloud.url}), closed after this call`,
      close: async () => {
        await client.close();
        await cloud.close();
      },
    };
  }
  const portText = (values['cloud-port'] as string | undefined) ?? env['WARDEN_CLOUD_PORT'] ?? '4000';
  const port = parsePort(portText, values['cloud-port'] !== undefined ? '--cloud-port' : 'WARDEN_CLOUD_PORT');
  const url = `http://127.0.0.1:${port}`;
  const client = embeddedClient(url, await runningCloud(url));
  return {
    client,
    description: `the embedded cloud at ${url} (npm start), as its demo user`,
    onUnauthorized:
      `the embedded cloud at ${url} does not know its demo user: it was seeded with users of its own (--seed). ` +
      `Sign as one of them: --from-env with HUAWEICLOUD_ENDPOINT_URL=${url} and that user's HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, ` +
      'HUAWEICLOUD_SDK_PROJECT_ID and HUAWEICLOUD_REGION',
    close: () => client.close(),
  };
}

type Identity = Pick<LocalCloud['identity'], 'region' | 'projectId' | 'ak' | 'sk'>;

function embeddedClient(url: string, identity: Identity): HuaweiCloud {
  const { region, projectId, ak, sk } = identity;
  const endpoints = Object.fromEntries(SERVICES.map((service) => [service, url]));
  return new HuaweiCloud({ region, projectId, credentials: { type: 'aksk', ak, sk }, endpoints });
}

/**
 * The running embedded cloud answers its admin API (loopback only); it is signed for with the demo identity it is
 * seeded with (the AK/SK npm start prints). A cloud seeded with users of its own answers 401: then --from-env.
 */
async function runningCloud(url: string): Promise<Identity> {
  const choices = 'start one with npm start (or npx warden cloud), pass --local for a fresh one, or --from-env for the cloud HUAWEICLOUD_* names';
  let answer: Response;
  try {
    answer = await fetch(`${url}/__admin/faults`, { signal: AbortSignal.timeout(3000) });
    await answer.body?.cancel();
  } catch {
    throw new Error(`no embedded cloud answers on ${url}: ${choices} (another port: --cloud-port N)`);
  }
  if (!answer.ok) throw new Error(`${url} does not answer as the embedded cloud (GET /__admin/faults: HTTP ${answer.status}): ${choices}`);
  const user = defaultFixture().users[0]!;
  return { region: defaultFixture().region ?? 'cn-north-4', projectId: user.projectId, ak: user.ak, sk: user.sk };
}

/** A listing (an async generator) read to its end, as one array; any other answer as it is. */
async function collect(answer: unknown): Promise<unknown> {
  const value = await answer;
  if (typeof value !== 'object' || value === null || !(Symbol.asyncIterator in value)) return value;
  const items: unknown[] = [];
  for await (const item of value as AsyncIterable<unknown>) items.push(item);
  return items;
}

/** `warden api --list [service]`: every operation with the fields it requires. */
function listing(only: string | undefined): string {
  if (only !== undefined && CATALOGUE[only] === undefined) throw new Error(`unknown service ${JSON.stringify(only)}; services: ${Object.keys(CATALOGUE).join(', ')}`);
  const lines: string[] = [];
  for (const [service, entry] of Object.entries(CATALOGUE)) {
    if (only !== undefined && service !== only) continue;
    lines.push(`${service}`);
    for (const [operation, op] of Object.entries(entry.operations)) {
      const required = requiredFields(op.input);
      const needs = op.refused !== undefined ? `(not offered: ${op.refused})` : op.input === null ? '(no input)' : required.length === 0 ? '{}' : `requires ${required.join(', ')}`;
      lines.push(`  ${operation.padEnd(28)} ${needs}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
