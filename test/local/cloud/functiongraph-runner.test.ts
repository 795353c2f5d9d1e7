import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../../deploy/build.ts';
import { startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { FunctionGraphApi } from '../../../shared/hwc/functiongraph.ts';
import { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { KmsApi } from '../../../shared/hwc/kms.ts';
import { signWebhook } from '../../../shared/runtime/webhook-auth.ts';
import { apigData, createBody, ctsData, handlerZip, timerData } from './functiongraph-support.ts';
import { rejection } from '../../shared/hwc/support.ts';

/**
 * The embedded FunctionGraph runs what was deployed: tag-new-keys built once as `npm run build` builds it,
 * uploaded with CreateFunction, run by InvokeFunction and by its triggers, in a process of its own, with its
 * agency's temporary credentials.
 */

const ROOT = join(import.meta.dirname, '..', '..', '..');
const AGENCY = 'warden_functiongraph';
const WEBHOOK_SECRET = 'runner-test-webhook-secret-0123456789';
const GROUP = '318b09eb214a41488c667ecd51667e3a';

let outDir: string;
let bundle: Buffer;
let cloud: LocalCloud;
let hwc: HuaweiCloud;
let fg: FunctionGraphApi;
let kms: KmsApi;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'warden-runner-test-'));
  const [built] = await buildFunctions(ROOT, outDir, { functions: ['tag-new-keys'] });
  bundle = readFileSync((built as { zip: string }).zip);
  // An injected clock: no TIMER fires unless a test says so.
  cloud = await startCloud({ port: 0, runFunctions: true, clock: () => new Date() });
  const { ak, sk, region, projectId } = cloud.identity;
  hwc = new HuaweiCloud({ region, projectId, credentials: { type: 'aksk', ak, sk }, endpoints: { functiongraph: cloud.url, kms: cloud.url }, retry: { attempts: 1 } });
  fg = hwc.use(FunctionGraphApi);
  kms = hwc.use(KmsApi);
}, 60_000);
afterAll(async () => {
  await hwc?.close();
  await cloud?.close();
  rmSync(outDir, { recursive: true, force: true });
});
beforeEach(() => cloud.reset());

/** tag-new-keys as deploy would create it: the built zip, its agency, its user data (the secret encrypted). */
async function deployTagNewKeys(name = 'tag-new-keys'): Promise<string> {
  const created = await fg.createFunction(
    createBody(name, bundle, {
      timeout: 60,
      xrole: AGENCY,
      user_data: JSON.stringify({ WARDEN_KEY_TAGS: '{"owner-team":"platform"}' }),
      encrypted_user_data: JSON.stringify({ WARDEN_WEBHOOK_SECRET: WEBHOOK_SECRET }),
    }) as never,
  );
  return created.func_urn.replace(/:latest$/, '');
}

const sweep = { version: 'v1.0', time: '2025-06-01T12:00:00+08:00', trigger_type: 'TIMER', trigger_name: 'sweep', user_event: '' };
/** Enabled keys a sweep should tag (default keys are the service's own: never tagged). */
const untagged = () => [...cloud.state.keys.values()].filter((key) => key.key_state === '2' && key.default_key_flag === '0' && key.tags.get('owner-team') !== 'platform');

describe('InvokeFunction runs the uploaded zip', () => {
  it("answers the function's report, and the cloud changed as the guardrail says, through the agency's credentials", async () => {
    const urn = await deployTagNewKeys();
    expect(untagged().length).toBeGreaterThan(0);
    const answer = await fg.invokeFunction({ function_urn: urn, event: sweep, log_type: 'tail' });
    expect(answer.status).toBe(200);
    const report = JSON.parse(answer.result as string);
    expect(report).toMatchObject({ function: 'tag-new-keys', trigger: 'timer', dryRun: false });
    expect(report.counts.failed).toBe(0);
    expect(report.counts.applied).toBeGreaterThan(0);
    expect(untagged()).toEqual([]);
    // The tags were written by the agency (temporary credentials from the context), not by the user.
    const tagTraces = cloud.state.traces.filter((trace) => trace.cts.service_type === 'KMS' && trace.cts.trace_name !== 'createKey');
    expect(tagTraces.length).toBeGreaterThan(0);
    expect(tagTraces.every((trace) => trace.cts.user.type === 'AssumedAgency')).toBe(true);
    // The log tail: what the function logged, secrets masked.
    expect(answer.log).toContain('run finished');
    expect(answer.log).not.toContain(WEBHOOK_SECRET);
  });

  it('journals each run, readable through the admin route', async () => {
    const urn = await deployTagNewKeys();
    await fg.invokeFunction({ function_urn: urn, event: sweep });
    const accepted = await fg.asyncInvokeFunction({ function_urn: urn, event: sweep });
    expect(accepted.request_id).toMatch(/./);
    await cloud.functionGraph.idle();
    const response = await fetch(`${cloud.url}/__admin/functiongraph/invocations`);
    const { invocations } = (await response.json()) as { invocations: Array<Record<string, unknown>> };
    expect(invocations.map((record) => [record['func_name'], record['mode'], record['status'], (record['trigger'] as { type: string }).type])).toEqual([
      ['tag-new-keys', 'sync', 'ok', 'api'],
      ['tag-new-keys', 'async', 'ok', 'api'],
    ]);
    expect(invocations[1]?.['request_id']).toBe(accepted.request_id);
    expect(invocations[0]?.['summary']).toContain('"function":"tag-new-keys"');
    expect(typeof invocations[0]?.['duration_ms']).toBe('number');
  });

  it('runs two invocations that arrive together on a cold function in one process', async () => {
    const created = await fg.createFunction(createBody('twins', handlerZip('exports.handler = async () => ({ pid: process.pid });\n')) as never);
    const [one, two] = await Promise.all([0, 1].map(() => fg.invokeFunction({ function_urn: created.func_urn, event: {} })));
    expect([one?.status, two?.status]).toEqual([200, 200]);
    expect(JSON.parse(one?.result as string).pid).toBe(JSON.parse(two?.result as string).pid);
  });

  it('answers 404 FSS.1051 for a function that does not exist', async () => {
    const urn = `urn:fss:${cloud.identity.region}:${cloud.identity.projectId}:function:default:absent`;
    expect(await rejection(fg.invokeFunction({ function_urn: urn, event: {} }))).toMatchObject({ status: 404, errorCode: 'FSS.1051' });
  });
});

describe('a function that cannot run answers why', () => {
  const invoke = async (name: string, source: string, extra: Record<string, unknown> = {}) => {
    const created = await fg.createFunction(createBody(name, handlerZip(source), extra) as never);
    return fg.invokeFunction({ function_urn: created.func_urn, event: { a: 1 }, log_type: 'tail' });
  };

  it.concurrent('a handler file the zip lacks', async () => {
    const answer = await invoke('no-file', 'exports.handler = async () => 1;\n', { handler: 'main.handler' });
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.result as string)).toMatchObject({ errorType: 'InitializationError', errorMessage: 'the code has no main.js (handler main.handler)' });
  });

  it.concurrent('an export the handler names that the file lacks', async () => {
    const answer = await invoke('wrong-export', 'exports.main = async () => 1;\n');
    expect(JSON.parse(answer.result as string).errorMessage).toBe('index.js exports no function handler (handler index.handler); its functions: main');
  });

  it.concurrent('a handler that throws: its error is the result, and the process stays warm', async () => {
    const answer = await invoke('throws', 'let n = 0;\nexports.handler = async (event) => { n++; if (event.a === 1) throw new TypeError("boom " + n); return n; };\n');
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.result as string)).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom 1' });
    expect(answer.log).toContain('invocation failed: TypeError: boom 1');
    const urn = `urn:fss:${cloud.identity.region}:${cloud.identity.projectId}:function:default:throws`;
    const again = await fg.invokeFunction({ function_urn: urn, event: { a: 2 } });
    expect([again.status, again.result]).toEqual([200, '2']);
  });

  it.concurrent("a handler that outlives its timeout is stopped: 408 FSS.0408, and the next run starts afresh", async () => {
    const created = await fg.createFunction(
      createBody('sleeps', handlerZip('let runs = 0;\nexports.handler = async (event) => { runs++; if (event.sleep) await new Promise(() => setInterval(() => {}, 1000)); return runs; };\n'), { timeout: 3 }) as never,
    );
    const error = await rejection(fg.invokeFunction({ function_urn: created.func_urn, event: { sleep: true } }));
    expect(error).toMatchObject({ status: 408, errorCode: 'FSS.0408' });
    expect(error.message).toContain('the function ran longer than its timeout (3 s) and was stopped');
    const next = await fg.invokeFunction({ function_urn: created.func_urn, event: {} });
    expect(next.result).toBe('1');
  });
});

describe('triggers fire', () => {
  it('a TIMER fires when the clock reaches its schedule, a DISABLED one never', async () => {
    const urn = await deployTagNewKeys();
    const timer = await fg.createFunctionTrigger({ function_urn: urn, trigger_type_code: 'TIMER', trigger_status: 'ACTIVE', event_data: timerData('hourly', '1h') } as never);
    await fg.createFunctionTrigger({ function_urn: urn, trigger_type_code: 'TIMER', trigger_status: 'DISABLED', event_data: timerData('disabled', '1m') } as never);
    // A Rate counts from the trigger's creation (kept in ms; the API shows it to the second).
    const created = cloud.state.functions.get(urn)?.triggers.get(timer.trigger_id)?.created_time as number;
    expect(created).toBeGreaterThan(0);
    await cloud.functionGraph.runDueTimers(new Date(created + 59 * 60_000));
    expect(cloud.functionGraph.invocations).toEqual([]);
    expect(untagged().length).toBeGreaterThan(0);
    await cloud.functionGraph.runDueTimers(new Date(created + 60 * 60_000));
    expect(cloud.functionGraph.invocations.map((record) => [record.trigger, record.status])).toEqual([[{ type: 'timer', name: 'hourly' }, 'ok']]);
    expect(untagged()).toEqual([]);
  });

  it('a CTS trigger fires when a key is created through KMS, with the trace as its event', async () => {
    const urn = await deployTagNewKeys();
    await fg.createFunctionTrigger({ function_urn: urn, trigger_type_code: 'CTS', trigger_status: 'ACTIVE', event_data: ctsData('on-create-key') } as never);
    const { key_info } = await kms.createKey({ key_alias: 'runner/new-key' });
    await cloud.functionGraph.idle();
    expect(cloud.functionGraph.invocations.map((record) => [record.trigger, record.status])).toEqual([[{ type: 'cts', name: 'on-create-key' }, 'ok']]);
    const key = cloud.state.keys.get(key_info.key_id);
    expect(key?.tags.get('owner-team')).toBe('platform');
    expect(key?.tags.get('created-by')).toBe(cloud.identity.userName);
  });

  it('an APIG route runs the function with the APIG envelope and answers what it answers; a DISABLED one is not served', async () => {
    const urn = await deployTagNewKeys();
    await fg.createFunctionTrigger({ function_urn: urn, trigger_type_code: 'APIG', trigger_status: 'ACTIVE', event_data: apigData('warden_tag', '/warden/tag-new-keys') } as never);
    const body = JSON.stringify({ dryRun: true });
    const post = (path: string, signature = signWebhook(body, WEBHOOK_SECRET)) =>
      fetch(`${cloud.url}/apig/${GROUP}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-warden-signature': signature }, body });
    const answer = await post('/warden/tag-new-keys');
    expect(answer.status).toBe(200);
    const report = (await answer.json()) as { trigger: string; dryRun: boolean; counts: { planned: number } };
    expect(report).toMatchObject({ trigger: 'apig', dryRun: true });
    expect(report.counts.planned).toBeGreaterThan(0);
    expect(untagged().length).toBeGreaterThan(0);
    // The function's own refusal comes back as it answered it.
    expect((await post('/warden/tag-new-keys', 't=1,v1=00')).status).toBe(401);
    expect((await post('/elsewhere')).status).toBe(404);

    const disabled = await fg.createFunctionTrigger({ function_urn: urn, trigger_type_code: 'APIG', trigger_status: 'DISABLED', event_data: apigData('warden_off', '/off') } as never);
    expect(disabled.trigger_status).toBe('DISABLED');
    expect((await post('/off')).status).toBe(404);
  });

  it('a CTS trigger that is DISABLED does not fire', async () => {
    const urn = await deployTagNewKeys();
    await fg.createFunctionTrigger({ function_urn: urn, trigger_type_code: 'CTS', trigger_status: 'DISABLED', event_data: ctsData('off') } as never);
    await kms.createKey({ key_alias: 'runner/unseen' });
    await cloud.functionGraph.idle();
    expect(cloud.functionGraph.invocations).toEqual([]);
  });
});
