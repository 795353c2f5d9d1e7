import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { FunctionGraphApi } from '../../../shared/hwc/functiongraph.ts';
import { HuaweiCloud, LocalErrorCode } from '../../../shared/hwc/index.ts';
import type { CreateFunctionRequest, HuaweiCloudOptions } from '../../../shared/hwc/index.ts';
import { apigData, createBody, ctsData, handlerZip, sha512, timerData } from '../../local/cloud/functiongraph-support.ts';
import { FAST_RETRY, collect, expectRefusedBeforeSending, rejection, seedFailingFirst } from './support.ts';

// FunctionGraphApi against the embedded FunctionGraph: round trips, checks before sending, the documented
// errors, and answers it cannot trust (a listing that cannot prove it is complete, an undocumented enum value).

let cloud: LocalCloud;
let hwc: HuaweiCloud;
let fg: FunctionGraphApi;

function fixture(): Fixture {
  return { ...defaultFixture(), functions: [{ func_name: 'seeded', triggers: [{ trigger_id: 'seeded-timer', trigger_type_code: 'TIMER', event_data: timerData('seeded-sweep') }] }] };
}

function client(target: { url: string }, options: Partial<HuaweiCloudOptions> = {}): HuaweiCloud {
  const { ak, sk, region, projectId } = cloud.identity;
  return new HuaweiCloud({ region, projectId, credentials: { type: 'aksk', ak, sk }, endpoints: { functiongraph: target.url }, retry: FAST_RETRY, ...options });
}

beforeAll(async () => {
  cloud = await startCloud({ port: 0, fixture: fixture() });
  hwc = client(cloud);
  fg = hwc.use(FunctionGraphApi);
});
afterAll(async () => {
  await hwc.close();
  await cloud.close();
});
beforeEach(() => {
  cloud.reset();
  cloud.setFaults(undefined);
  cloud.setVariants({});
});

const urn = (name: string, version?: string) =>
  `urn:fss:${cloud.identity.region}:${cloud.identity.projectId}:function:default:${name}${version ? `:${version}` : ''}`;
const create = (name: string, extra: Partial<CreateFunctionRequest> = {}) => fg.createFunction({ ...(createBody(name) as CreateFunctionRequest), ...extra });
const configOf = (name: string) => ({ function_urn: urn(name), func_name: name, runtime: 'Node.js20.15' as const, handler: 'index.handler', memory_size: 256, timeout: 30 });

describe('FunctionGraphApi round trips', () => {
  it('creates a function, reads its config and code, replaces both, and deletes it', async () => {
    const code = handlerZip();
    const created = await create('tag-new-keys', { user_data: '{"WARDEN_DRY_RUN":"true"}', encrypted_user_data: '{"WARDEN_WEBHOOK_SECRET":"s3cret-s3cret-s3cret"}' });
    expect(created).toMatchObject({ func_urn: urn('tag-new-keys', 'latest'), digest: sha512(code), code_size: code.length, runtime: 'Node.js20.15', type: 'v2' });
    expect(created.encrypted_user_data).toBe('{"WARDEN_WEBHOOK_SECRET":""}');

    const config = await fg.showFunctionConfig({ function_urn: urn('tag-new-keys') });
    expect(config).toMatchObject({ func_name: 'tag-new-keys', memory_size: 256, timeout: 30, user_data: '{"WARDEN_DRY_RUN":"true"}' });
    const shown = await fg.showFunctionCode({ function_urn: urn('tag-new-keys', 'latest') });
    expect(Buffer.from(shown.func_code!.file!, 'base64').equals(code)).toBe(true);

    const next = handlerZip('exports.handler = async () => 2;\n');
    const updated = await fg.updateFunctionCode({ function_urn: urn('tag-new-keys'), code_type: 'zip', code_filename: 'index.zip', func_code: { file: next.toString('base64') } });
    expect(updated.digest).toBe(sha512(next));
    const reconfigured = await fg.updateFunctionConfig({ ...configOf('tag-new-keys'), memory_size: 512, description: 'tags new keys' });
    expect(reconfigured).toMatchObject({ memory_size: 512, description: 'tags new keys' });

    await fg.deleteFunction({ function_urn: urn('tag-new-keys') });
    expect(cloud.state.functions.has(urn('tag-new-keys'))).toBe(false);
    expect(await rejection(fg.showFunctionConfig({ function_urn: urn('tag-new-keys') }))).toMatchObject({ status: 404, errorCode: 'FSS.1051' });
  });

  it('lists every function across pages, and one page on its own', async () => {
    for (const name of ['fn-a', 'fn-b', 'fn-c', 'fn-d']) await create(name);
    const before = cloud.stats.requests;
    const names = (await collect(fg.listFunctions({ maxitems: 2 }))).map((fn) => fn.func_name);
    expect(names).toEqual(['seeded', 'fn-a', 'fn-b', 'fn-c', 'fn-d']);
    expect(cloud.stats.requests - before).toBe(3);
    expect((await collect(fg.listFunctions({ marker: 3 }))).map((fn) => fn.func_name)).toEqual(['fn-c', 'fn-d']);
    expect((await collect(fg.listFunctions({ func_name: 'fn-' }))).length).toBe(4);
    const page = await fg.listFunctionsPage({ maxitems: 2, marker: '2' });
    expect(page).toMatchObject({ next_marker: 4, count: 5 });
    expect(page.functions.map((fn) => fn.func_urn)).toEqual([urn('fn-b'), urn('fn-c')]);
  });

  it('creates TIMER, APIG and CTS triggers, lists, shows, disables and deletes them', async () => {
    const function_urn = urn('seeded');
    const timer = await fg.createFunctionTrigger({ function_urn, trigger_type_code: 'TIMER', trigger_status: 'ACTIVE', event_data: { name: 'sweep', schedule_type: 'Cron', schedule: '0 30 3 * * ?' } });
    expect(timer).toMatchObject({ trigger_type_code: 'TIMER', trigger_status: 'ACTIVE', event_data: { schedule_type: 'Cron' } });
    const apig = await fg.createFunctionTrigger({ function_urn, trigger_type_code: 'APIG', event_data: apigData('warden_seeded', '/warden/seeded') as never });
    expect(apig.trigger_type_code === 'APIG' && apig.event_data).toMatchObject({ auth: 'NONE', req_method: 'POST', func_info: { timeout: 60_000 } });
    const cts = await fg.createFunctionTrigger({ function_urn, trigger_type_code: 'CTS', event_data: ctsData('kms-create-key') });

    const listed = await fg.listFunctionTriggers({ function_urn });
    expect(listed.map((t) => t.trigger_type_code)).toEqual(['TIMER', 'TIMER', 'APIG', 'CTS']);
    expect(await fg.showFunctionTrigger({ function_urn, trigger_type_code: 'CTS', trigger_id: cts.trigger_id })).toEqual(cts);

    const disabled = await fg.updateTrigger({ function_urn, trigger_type_code: 'TIMER', trigger_id: timer.trigger_id, trigger_status: 'DISABLED' });
    expect(disabled.trigger_status).toBe('DISABLED');
    await fg.deleteFunctionTrigger({ function_urn, trigger_type_code: 'TIMER', trigger_id: timer.trigger_id });
    expect((await fg.listFunctionTriggers({ function_urn })).length).toBe(3);
    await fg.batchDeleteFunctionTriggers({ function_urn });
    expect(await fg.listFunctionTriggers({ function_urn })).toEqual([]);
  });
});

describe('FunctionGraphApi checks requests before sending', () => {
  const function_urn = () => urn('seeded');
  it.each([
    ['serverless.yml camelCase event data', () => fg.createFunctionTrigger({ function_urn: function_urn(), trigger_type_code: 'TIMER', event_data: { scheduleType: 'Rate', schedule: '5m' } as never }), 'scheduleType'],
    ['APIG auth "None"', () => fg.createFunctionTrigger({ function_urn: function_urn(), trigger_type_code: 'APIG', event_data: apigData('warden_x', '/x', { auth: 'None' }) as never }), 'event_data.auth'],
    ['a rate over 60 minutes', () => fg.createFunctionTrigger({ function_urn: function_urn(), trigger_type_code: 'TIMER', event_data: timerData('t', '61m') as never }), 'event_data.schedule'],
    ['a dedicated gateway without instance_id', () => fg.createFunctionTrigger({ function_urn: function_urn(), trigger_type_code: 'DEDICATEDGATEWAY', event_data: apigData('warden_x', '/x') as never }), 'event_data.instance_id'],
    ['a changed schedule through UpdateTrigger', () => fg.updateTrigger({ function_urn: function_urn(), trigger_type_code: 'TIMER', trigger_id: 'seeded-timer', trigger_status: 'ACTIVE', event_data: [{ polling_interval: 1 }] }), 'event_data'],
    ['deleting the latest version alone', () => fg.deleteFunction({ function_urn: urn('seeded', 'latest') }), 'function_urn'],
    ['a field only CreateFunction takes', () => fg.updateFunctionConfig({ ...configOf('seeded'), package: 'default' } as never), 'package'],
    ['user_data that is not a JSON object of strings', () => create('f', { user_data: '{"A":1}' }), 'user_data'],
    ['an odd memory size', () => create('f', { memory_size: 300 }), 'memory_size'],
    ['a runtime outside the document', () => create('f', { runtime: 'Node.js22' as never }), 'runtime'],
    ['zip code without a file name', () => create('f', { code_filename: undefined }), 'code_filename'],
    ['a malformed URN', () => fg.showFunctionConfig({ function_urn: 'seeded' }), 'function_urn'],
    ['an invalid instance memory', () => fg.invokeFunction({ function_urn: function_urn(), event: {}, instance_memory: 100 as never }), 'instance_memory'],
    ['a negative marker', () => fg.listFunctionsPage({ marker: -1 }), 'marker'],
  ])('refuses %s', async (_, send, field) => {
    await expectRefusedBeforeSending(cloud, send, field);
  });
});

describe('FunctionGraphApi errors', () => {
  it('carries the cloud\'s 400, 404 and 409 with their FSS codes', async () => {
    expect(await rejection(fg.updateFunctionConfig({ ...configOf('seeded'), runtime: 'Python3.9' }))).toMatchObject({
      operation: 'functiongraph.updateFunctionConfig',
      status: 400,
      errorCode: 'FSS.1005',
    });
    expect(await rejection(fg.showFunctionCode({ function_urn: urn('missing') }))).toMatchObject({ status: 404, errorCode: 'FSS.1051' });
    expect(await rejection(fg.showFunctionConfig({ function_urn: urn('seeded', 'v2') }))).toMatchObject({ status: 404, errorCode: 'FSS.1052' });
    expect(await rejection(create('seeded'))).toMatchObject({ status: 409, errorCode: 'FSS.0409' });
  });

  it('is refused with 401 for a wrong key and 403 for another project', async () => {
    const wrongKey = client(cloud, { credentials: { type: 'aksk', ak: cloud.identity.ak, sk: 'not-the-secret-key' } });
    expect(await rejection(wrongKey.use(FunctionGraphApi).listFunctionsPage())).toMatchObject({ status: 401, errorCode: 'APIGW.0301' });
    const otherProject = client(cloud, { projectId: 'f'.repeat(32) });
    expect(await rejection(otherProject.use(FunctionGraphApi).listFunctionsPage())).toMatchObject({ status: 403, errorCode: 'FSS.0403' });
    await Promise.all([wrongKey.close(), otherProject.close()]);
  });

  it.each([
    [500, 'FSS.0500'],
    [502, 'APIGW.0202'],
    [504, 'APIGW.0203'],
  ] as const)('retries %i and reports it once the attempts are spent', async (status, code) => {
    cloud.setFaults({ seed: 3, rate: { [String(status)]: 1 }, operations: ['functiongraph.showFunctionConfig'] });
    expect(await rejection(fg.showFunctionConfig({ function_urn: urn('seeded') }))).toMatchObject({ status, errorCode: code, attempts: 4 });
    cloud.setFaults({ seed: seedFailingFirst(2), rate: { [String(status)]: 0.5 }, operations: ['functiongraph.showFunctionConfig'] });
    expect((await fg.showFunctionConfig({ function_urn: urn('seeded') })).func_name).toBe('seeded');
  });

  it('takes a 404 on a retried delete as done: the first attempt deleted it and its answer was lost', async () => {
    cloud.setFaults({ seed: seedFailingFirst(1), rate: { '502': 0.5 }, when: 'after', operations: ['functiongraph.deleteFunction', 'functiongraph.deleteFunctionTrigger'] });
    await fg.deleteFunctionTrigger({ function_urn: urn('seeded'), trigger_type_code: 'TIMER', trigger_id: 'seeded-timer' });
    cloud.setFaults({ seed: seedFailingFirst(1), rate: { '502': 0.5 }, when: 'after', operations: ['functiongraph.deleteFunction'] });
    await fg.deleteFunction({ function_urn: urn('seeded') });
    expect(cloud.state.functions.size).toBe(0);
  });

  it('reports the invocation routes as not emulated yet (501), naming the operation', async () => {
    expect(await rejection(fg.invokeFunction({ function_urn: urn('seeded'), event: { a: 1 }, log_type: 'tail' }))).toMatchObject({
      status: 501,
      errorCode: 'LOCAL.NOT_EMULATED',
      errorMsg: 'not emulated yet: running functions (functiongraph.invokeFunction)',
      attempts: 1,
    });
    expect(await rejection(fg.asyncInvokeFunction({ function_urn: urn('seeded'), event: {} }))).toMatchObject({ status: 501, errorCode: 'LOCAL.NOT_EMULATED' });
  });
});

describe('FunctionGraphApi fails closed on answers it cannot trust', () => {
  it('a value outside a documented enum, or a field it relies on missing, is an error naming the field', async () => {
    cloud.setFaults({ rate: { 'unexpected-state': 1 }, operations: ['functiongraph.listFunctionTriggers'] });
    const odd = await rejection(fg.listFunctionTriggers({ function_urn: urn('seeded') }));
    expect(odd).toMatchObject({ status: 200, errorCode: LocalErrorCode.invalidResponse });
    expect(odd.errorMsg).toContain('trigger_status');
    cloud.setFaults({ rate: { 'missing-fields': 1 }, operations: ['functiongraph.listFunctionTriggers'] });
    expect((await rejection(fg.listFunctionTriggers({ function_urn: urn('seeded') }))).errorMsg).toContain('0.trigger_type_code');
    cloud.setFaults({ rate: { 'empty-200': 1 }, operations: ['functiongraph.showFunctionConfig'] });
    expect((await rejection(fg.showFunctionConfig({ function_urn: urn('seeded') }))).errorMsg).toContain('func_urn');
    cloud.setFaults(undefined);
    cloud.reset({ ...fixture(), functions: [{ func_name: 'exotic', runtime: 'Node.js99' }] });
    const exotic = await rejection(collect(fg.listFunctions()));
    expect(exotic.errorMsg).toContain('functions.0.runtime');
  });

  describe('a listing that cannot prove it is complete', () => {
    let server: Server;
    let pages: Array<{ functions: unknown[]; next_marker: number; count: number }> = [];
    let asked: string[] = [];
    const fn = (name: string) => ({ ...cloud.state.functions.get(urn('seeded'))!, func_name: name });
    beforeAll(async () => {
      server = createServer((req, res) => {
        const marker = new URL(req.url ?? '/', 'http://x').searchParams.get('marker') ?? '';
        asked.push(marker);
        const page = pages.shift() ?? { functions: [], next_marker: 0, count: 0 };
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(page));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      asked = [];
    });

    const view = (name: string) => {
      const { triggers: _t, code, ...rest } = fn(name);
      return { ...rest, func_urn: urn(name), code_type: 'zip', digest: code.digest, code_size: code.code_size, last_modified: '2025-01-01T08:00:00+08:00' };
    };
    const listFrom = async () => {
      const target = client({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      try {
        return await collect(target.use(FunctionGraphApi).listFunctions({ maxitems: 2 }));
      } finally {
        await target.close();
      }
    };

    it('a next_marker that repeats one already read is an error', async () => {
      pages = [
        { functions: [view('a'), view('b')], next_marker: 2, count: 5 },
        { functions: [view('c'), view('d')], next_marker: 2, count: 5 },
      ];
      const error = await rejection(listFrom());
      expect(error).toMatchObject({ operation: 'functiongraph.listFunctions', errorCode: LocalErrorCode.incompleteListing });
      expect(error.errorMsg).toContain('the next page\'s marker "2" was already read');
      expect(asked).toEqual(['', '2']);
    });

    it('an empty page before the count is reached is an error', async () => {
      pages = [
        { functions: [view('a'), view('b')], next_marker: 2, count: 5 },
        { functions: [], next_marker: 4, count: 5 },
      ];
      expect((await rejection(listFrom())).errorMsg).toContain('an empty page while more were announced');
    });

    it('a last page read to the count ends the listing, whatever its next_marker', async () => {
      pages = [
        { functions: [view('a'), view('b')], next_marker: 2, count: 3 },
        { functions: [view('c')], next_marker: 0, count: 3 },
      ];
      expect((await listFrom()).map((f) => f.func_name)).toEqual(['a', 'b', 'c']);
      expect(asked).toEqual(['', '2']);
    });
  });
});
