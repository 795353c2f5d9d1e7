import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { CtsTrace, Fixture, FunctionRunner, FunctionSnapshot, LocalCloud } from '../../../local/cloud/index.ts';
import { zip } from '../../../deploy/zip.ts';
import { call, nextTick } from './helpers.ts';
import { apigData, createBody, ctsData, fgsPaths, handlerZip, sha512, timerData } from './functiongraph-support.ts';

// The embedded FunctionGraph over raw signed HTTP: what it stores, what it answers, and the documented errors.

let cloud: LocalCloud;
let now = new Date('2025-06-01T04:00:00Z');

/** The default fixture plus one function with a TIMER trigger, as a fixture may seed them. */
function fixture(): Fixture {
  return {
    ...defaultFixture(),
    functions: [
      {
        func_name: 'seeded',
        code: handlerZip('exports.handler = async () => "seeded";\n').toString('base64'),
        user_data: '{"WARDEN_DRY_RUN":"true"}',
        encrypted_user_data: '{"WARDEN_WEBHOOK_SECRET":"seeded-secret-value-123"}',
        triggers: [{ trigger_id: 'seeded-timer', trigger_type_code: 'TIMER', event_data: timerData('seeded-sweep', '1h') }],
      },
    ],
  };
}

beforeAll(async () => {
  cloud = await startCloud({ fixture: fixture(), clock: () => now });
});
beforeEach(() => {
  now = new Date('2025-06-01T04:00:00Z');
  cloud.reset();
  cloud.setVariants({});
  cloud.setFaults(undefined);
});
afterAll(() => cloud.close());

const p = () => fgsPaths(cloud);
const send = (method: string, path: string, body?: unknown, options: Parameters<typeof call>[3] = {}) =>
  call(cloud, method, path, { ...(body === undefined ? {} : { body }), signedAt: now, ...options });

function expectFgsError(response: { status: number; body: any }, status: number, code: string, says?: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toEqual({ error_code: code, error_msg: expect.any(String) });
  if (says !== undefined) expect(response.body.error_msg).toContain(says);
}

async function createFunction(name: string, extra: Record<string, unknown> = {}, code?: Buffer) {
  const response = await send('POST', p().functions, createBody(name, code, extra));
  expect(response.status, response.text).toBe(200);
  return response.body;
}

async function createTrigger(urn: string, type: string, eventData: unknown, status?: string) {
  return send('POST', p().triggers(urn), { trigger_type_code: type, ...(status ? { trigger_status: status } : {}), event_data: eventData });
}

describe('functions', () => {
  it('keeps the uploaded zip byte for byte and reports its SHA-512 digest, size and time', async () => {
    const code = handlerZip();
    const created = await createFunction('tag-new-keys', { user_data: '{"WARDEN_DRY_RUN":"false"}', description: 'tags keys' }, code);
    expect(created).toMatchObject({
      func_urn: p().urn('tag-new-keys', 'latest'),
      func_name: 'tag-new-keys',
      package: 'default',
      runtime: 'Node.js20.15',
      handler: 'index.handler',
      memory_size: 256,
      timeout: 30,
      code_type: 'zip',
      code_filename: 'index.zip',
      code_size: code.length,
      digest: sha512(code),
      user_data: '{"WARDEN_DRY_RUN":"false"}',
      description: 'tags keys',
      version: 'latest',
      type: 'v2',
      namespace: cloud.identity.projectId,
      domain_id: cloud.identity.domainId,
      last_modified: '2025-06-01T12:00:00+08:00',
    });
    expect(cloud.state.functions.get(p().urn('tag-new-keys'))!.code.file.equals(code)).toBe(true);

    const shown = await send('GET', p().fn(p().urn('tag-new-keys'), '/code'));
    expect(shown.status).toBe(200);
    expect(Buffer.from(shown.body.func_code.file, 'base64').equals(code)).toBe(true);
    expect(shown.body).toMatchObject({ digest: sha512(code), code_size: code.length, func_urn: p().urn('tag-new-keys', 'latest') });

    for (const urn of [p().urn('tag-new-keys'), p().urn('tag-new-keys', 'latest')]) {
      const config = await send('GET', p().fn(urn, '/config'));
      expect(config.status).toBe(200);
      expect(config.body).toMatchObject({ func_name: 'tag-new-keys', digest: sha512(code), func_urn: p().urn('tag-new-keys', 'latest') });
    }
  });

  it('takes encrypted_user_data on write and shows it back blanked (or not at all, as a variant)', async () => {
    const secret = 'webhook-secret-0123456789';
    const created = await createFunction('guarded', { encrypted_user_data: JSON.stringify({ WARDEN_WEBHOOK_SECRET: secret }) });
    expect(created.encrypted_user_data).toBe('{"WARDEN_WEBHOOK_SECRET":""}');
    expect(cloud.state.functions.get(p().urn('guarded'))!.encrypted_user_data).toContain(secret);
    const listed = await send('GET', p().functions);
    expect(listed.text).not.toContain(secret);
    expect(listed.body.functions.find((fn: any) => fn.func_name === 'seeded').encrypted_user_data).toBe('{"WARDEN_WEBHOOK_SECRET":""}');

    cloud.setVariants({ encryptedUserDataReadBack: 'absent' });
    const shown = await send('GET', p().fn(p().urn('guarded'), '/config'));
    expect(shown.body).not.toHaveProperty('encrypted_user_data');

    const state = await call(cloud, 'GET', '/__admin/state', { credentials: null });
    expect(state.text).not.toContain(secret);
    expect(state.text).not.toContain('seeded-secret-value-123');
    expect(state.body.functions.map((fn: any) => fn.func_name)).toEqual(['seeded', 'guarded']);
  });

  it.each([
    ['a bad name', { func_name: '9lives' }, 400, 'FSS.1002'],
    ['a name too long', { func_name: `f${'x'.repeat(60)}` }, 400, 'FSS.1002'],
    ['no handler dot', { handler: 'index' }, 400, 'FSS.1003'],
    ['no package', { package: '' }, 400, 'FSS.1004'],
    ['an unknown runtime', { runtime: 'Node.js22' }, 400, 'FSS.1005'],
    ['an unknown code type', { code_type: 'tar' }, 400, 'FSS.1006'],
    ['an odd memory size', { memory_size: 300 }, 400, 'FSS.1007'],
    ['a timeout under 3 s', { timeout: 2 }, 400, 'FSS.1008'],
    ['user_data that is not JSON', { user_data: 'A=b' }, 400, 'FSS.1009'],
    ['user_data with a number', { user_data: '{"A":1}' }, 400, 'FSS.1009'],
    ['21 variables', { user_data: JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`V${i}`, 'x']))) }, 400, 'FSS.1017'],
    ['more than 4 KB of variables', { encrypted_user_data: JSON.stringify({ BIG: 'x'.repeat(4100) }) }, 400, 'FSS.1018'],
    ['code that is not base64', { func_code: { file: 'not base64!' } }, 400, 'FSS.1011'],
    ['no code for a zip', { func_code: {} }, 400, 'FSS.1012'],
    ['code that is not a zip', { func_code: { file: Buffer.from('plain text').toString('base64') } }, 400, 'FSS.1013'],
    ['no code_filename for a zip', { code_filename: undefined }, 400, 'FSS.0400'],
    ['a description over 512 characters', { description: 'd'.repeat(513) }, 400, 'FSS.0400'],
    ['an initializer without its timeout', { initializer_handler: 'index.init' }, 400, 'FSS.0400'],
    ['code from OBS', { code_type: 'obs', code_url: 'https://obs.example/code.zip' }, 501, 'LOCAL.NOT_EMULATED'],
  ])('CreateFunction refuses %s', async (_, change, status, code) => {
    const response = await send('POST', p().functions, { ...createBody('refused'), ...change });
    expectFgsError(response, status, code);
    expect(cloud.state.functions.has(p().urn('refused'))).toBe(false);
  });

  it('refuses a body that is not JSON (406) and a function that exists (409)', async () => {
    expectFgsError(await call(cloud, 'POST', p().functions, { rawBody: '{"func_name":', signedAt: now }), 406, 'FSS.0406');
    expectFgsError(await send('POST', p().functions, createBody('seeded')), 409, 'FSS.0409');
  });

  it('takes a code upload larger than the 1 MiB other calls are limited to', async () => {
    const big = zip([{ name: 'noise.bin', data: randomBytes(800_000) }]);
    expect(big.toString('base64').length).toBeGreaterThan(1024 * 1024);
    const created = await createFunction('big', {}, big);
    expect(created.code_size).toBe(big.length);
    const tooBigForConfig = await send('PUT', p().fn(p().urn('big'), '/config'), { ...createBody('big', big), description: 'x' });
    expect(tooBigForConfig.status).toBe(413);
  });

  it('ListFunctions pages by marker and maxitems, next_marker and count, with filters', async () => {
    for (const name of ['fn-a', 'fn-b', 'fn-c', 'other']) await createFunction(name);
    const first = await send('GET', `${p().functions}?maxitems=2`);
    expect(first.body.functions.map((fn: any) => fn.func_name)).toEqual(['seeded', 'fn-a']);
    expect(first.body).toMatchObject({ next_marker: 2, count: 5 });
    expect(first.body.functions[1].func_urn).toBe(p().urn('fn-a'));
    const second = await send('GET', `${p().functions}?marker=2&maxitems=2`);
    expect(second.body.functions.map((fn: any) => fn.func_name)).toEqual(['fn-b', 'fn-c']);
    const last = await send('GET', `${p().functions}?marker=4&maxitems=2`);
    expect(last.body).toMatchObject({ next_marker: 5, count: 5 });
    expect((await send('GET', `${p().functions}?maxitems=0`)).body.functions).toHaveLength(5);
    expect((await send('GET', `${p().functions}?func_name=fn-`)).body.count).toBe(3);
    expect((await send('GET', `${p().functions}?package_name=nope`)).body).toEqual({ functions: [], next_marker: 0, count: 0 });
    expectFgsError(await send('GET', `${p().functions}?maxitems=-1`), 400, 'FSS.1001');
    expectFgsError(await send('GET', `${p().functions}?marker=abc`), 400, 'FSS.1001');
  });

  it('UpdateFunctionCode replaces the code: a new digest and time', async () => {
    await createFunction('coded');
    now = new Date('2025-06-02T04:00:00Z');
    const code = handlerZip('exports.handler = async () => 2;\n');
    const updated = await send('PUT', p().fn(p().urn('coded', 'latest'), '/code'), { code_type: 'zip', code_filename: 'index.zip', func_code: { file: code.toString('base64') } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ digest: sha512(code), code_size: code.length, last_modified: '2025-06-02T12:00:00+08:00' });
    expect(cloud.state.functions.get(p().urn('coded'))!.code.digest).toBe(sha512(code));
    expectFgsError(await send('PUT', p().fn(p().urn('coded'), '/code'), { code_type: 'zip', code_filename: 'a.zip', func_code: { file: 'aGk=' } }), 400, 'FSS.1013');
    expectFgsError(await send('PUT', p().fn(p().urn('coded'), '/code'), { code_type: 'zip', code_filename: 'a.zip' }), 400, 'FSS.0400');
  });

  it('UpdateFunctionConfig replaces the configuration; an omitted field is cleared, or kept as a variant', async () => {
    await createFunction('configured', { user_data: '{"A":"1"}', encrypted_user_data: '{"S":"s"}', description: 'first', xrole: 'agency-a' });
    const config = { func_name: 'configured', runtime: 'Node.js20.15', handler: 'index.handler', memory_size: 512, timeout: 60 };
    const cleared = await send('PUT', p().fn(p().urn('configured'), '/config'), { ...config, user_data: '{"B":"2"}', package: 'ignored' });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ memory_size: 512, timeout: 60, user_data: '{"B":"2"}', description: '', xrole: '', package: 'default' });
    expect(cleared.body).not.toHaveProperty('encrypted_user_data');
    expect(cleared.body.func_urn).toBe(p().urn('configured'));

    await send('PUT', p().fn(p().urn('configured'), '/config'), { ...config, encrypted_user_data: '{"S":"s"}', description: 'again' });
    cloud.setVariants({ updateFunctionConfigOmitted: 'kept' });
    const kept = await send('PUT', p().fn(p().urn('configured'), '/config'), { ...config, timeout: 90 });
    expect(kept.body).toMatchObject({ timeout: 90, description: 'again', encrypted_user_data: '{"S":""}' });

    expectFgsError(await send('PUT', p().fn(p().urn('configured'), '/config'), { ...config, func_name: 'renamed' }), 400, 'FSS.1002');
    expectFgsError(await send('PUT', p().fn(p().urn('configured'), '/config'), { ...config, runtime: 'Python3.9' }), 400, 'FSS.1005', 'cannot be changed');
    expectFgsError(await send('PUT', p().fn(p().urn('configured'), '/config'), { ...config, memory_size: undefined }), 400, 'FSS.1007');
  });

  it('DeleteFunction deletes the whole function by its unversioned URN; its latest version alone is refused', async () => {
    await createFunction('doomed');
    await createTrigger(p().urn('doomed'), 'TIMER', timerData('doomed-sweep'));
    expectFgsError(await send('DELETE', p().fn(p().urn('doomed', 'latest'))), 400, 'FSS.0400', 'latest');
    expect(cloud.state.functions.has(p().urn('doomed'))).toBe(true);
    const deleted = await send('DELETE', p().fn(p().urn('doomed')));
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(cloud.state.functions.has(p().urn('doomed'))).toBe(false);
    expectFgsError(await send('DELETE', p().fn(p().urn('doomed'))), 404, 'FSS.1051');
    expectFgsError(await send('GET', p().triggers(p().urn('doomed'))), 404, 'FSS.1051');
  });

  it('answers 404 for another version, another project or region, and 400 for a malformed URN', async () => {
    expectFgsError(await send('GET', p().fn(p().urn('seeded', 'v1'), '/config')), 404, 'FSS.1052');
    const otherProject = p().urn('seeded').replace(cloud.identity.projectId, 'f'.repeat(32));
    expectFgsError(await send('GET', p().fn(otherProject, '/config')), 404, 'FSS.1051');
    expectFgsError(await send('GET', p().fn(p().urn('seeded').replace(cloud.identity.region, 'eu-west-0'), '/config')), 404, 'FSS.1051');
    expectFgsError(await send('GET', p().fn('seeded', '/config')), 400, 'FSS.0400');
  });
});

describe('triggers', () => {
  it('creates TIMER, APIG, DEDICATEDGATEWAY and CTS triggers and lists them as a bare array', async () => {
    const urn = p().urn('seeded');
    const timer = await createTrigger(urn, 'TIMER', { ...timerData('nightly', '0 30 3 * * ?', 'Cron'), user_event: 'hello' });
    expect(timer.status).toBe(201);
    expect(timer.body).toMatchObject({
      trigger_type_code: 'TIMER',
      trigger_status: 'ACTIVE',
      event_data: { name: 'nightly', schedule_type: 'Cron', schedule: '0 30 3 * * ?', user_event: 'hello' },
      created_time: '2025-06-01T12:00:00+08:00',
    });
    const apig = await createTrigger(urn, 'APIG', apigData('warden_seeded', '/warden/seeded'), 'DISABLED');
    expect(apig.status).toBe(201);
    expect(apig.body.trigger_status).toBe('DISABLED');
    expect(apig.body.event_data).toMatchObject({
      name: 'warden_seeded',
      api_name: 'warden_seeded',
      auth: 'NONE',
      backend_type: 'FUNCTION',
      triggerid: apig.body.trigger_id,
      invoke_url: 'https://318b09eb214a41488c667ecd51667e3a.apig.cn-north-4.huaweicloudapis.com/warden/seeded',
      func_info: { timeout: 60_000, function_urn: urn, invocation_type: 'sync', version: 'latest' },
    });
    const dedicated = await createTrigger(urn, 'DEDICATEDGATEWAY', apigData('warden_dedicated', '/warden/dedicated', { instance_id: 'gw-1' }));
    expect(dedicated.status).toBe(201);
    const cts = await createTrigger(urn, 'CTS', ctsData('warden-kms-create-key'));
    expect(cts.body.event_data).toEqual({ name: 'warden-kms-create-key', operations: ['KMS:cmk:createKey'] });

    const listed = await send('GET', p().triggers(p().urn('seeded', 'latest')));
    expect(Array.isArray(listed.body)).toBe(true);
    expect(listed.body.map((t: any) => t.trigger_type_code)).toEqual(['TIMER', 'TIMER', 'APIG', 'DEDICATEDGATEWAY', 'CTS']);
    const shown = await send('GET', p().trigger(urn, 'CTS', cts.body.trigger_id));
    expect(shown.body).toEqual(cts.body);
    expectFgsError(await send('GET', p().trigger(urn, 'TIMER', cts.body.trigger_id)), 404, 'FSS.0404');
    expectFgsError(await send('GET', p().trigger(urn, 'NOPE', cts.body.trigger_id)), 400, 'FSS.0400');
  });

  it.each([
    ['camelCase event data (serverless.yml keys)', 'TIMER', { name: 't1', scheduleType: 'Rate', schedule: '5m' }, 'schedule_type'],
    ['a rate over 60 minutes', 'TIMER', timerData('t1', '61m'), '1–60'],
    ['a cron that is not one', 'TIMER', timerData('t1', '0 99 * * * ?', 'Cron'), 'minutes'],
    ['a bad trigger name', 'TIMER', timerData('1-bad'), 'event_data.name'],
    ['APIG auth "None" as serverless.yml writes it', 'APIG', apigData('warden_x', '/x', { auth: 'None' }), 'event_data.auth must be IAM, APP, NONE (got "None")'],
    ['APIG without func_info.timeout', 'APIG', apigData('warden_x', '/x', { func_info: {} }), 'func_info.timeout'],
    ['APIG with a timeout over 60 s', 'APIG', apigData('warden_x', '/x', { func_info: { timeout: 60_001 } }), 'func_info.timeout'],
    ['APIG without a path slash', 'APIG', apigData('warden_x', 'x'), 'event_data.path'],
    ['APIG match_mode in lower case', 'APIG', apigData('warden_x', '/x', { match_mode: 'normal' }), 'match_mode'],
    ['a dedicated gateway without instance_id', 'DEDICATEDGATEWAY', apigData('warden_x', '/x'), 'instance_id'],
    ['CTS without operations', 'CTS', { name: 'c1', operations: [] }, 'operations'],
    ['a CTS operation that is not SERVICE:type:trace', 'CTS', ctsData('c1', ['KMS createKey']), 'operations'],
  ])('CreateFunctionTrigger refuses %s (400)', async (_, type, eventData, says) => {
    const before = cloud.state.functions.get(p().urn('seeded'))!.triggers.size;
    expectFgsError(await createTrigger(p().urn('seeded'), type, eventData), 400, 'FSS.0400', says);
    expect(cloud.state.functions.get(p().urn('seeded'))!.triggers.size).toBe(before);
  });

  it('keeps names unique: TIMER per function, CTS per project, APIG names and routes per group (409)', async () => {
    const urn = p().urn('seeded');
    await createFunction('second');
    expectFgsError(await createTrigger(urn, 'TIMER', timerData('seeded-sweep')), 409, 'FSS.0409');
    expect((await createTrigger(p().urn('second'), 'TIMER', timerData('seeded-sweep'))).status).toBe(201);

    expect((await createTrigger(urn, 'CTS', ctsData('kms-events'))).status).toBe(201);
    expectFgsError(await createTrigger(p().urn('second'), 'CTS', ctsData('kms-events')), 409, 'FSS.0409');

    expect((await createTrigger(urn, 'APIG', apigData('warden_one', '/warden/one'))).status).toBe(201);
    expectFgsError(await createTrigger(p().urn('second'), 'APIG', apigData('warden_one', '/warden/other')), 409, 'FSS.0409');
    expectFgsError(await createTrigger(p().urn('second'), 'APIG', apigData('warden_two', '/warden/one', { req_method: 'ANY' })), 409, 'FSS.0409');
    expect((await createTrigger(p().urn('second'), 'APIG', apigData('warden_two', '/warden/one', { req_method: 'GET' }))).status).toBe(201);
    const otherGroup = apigData('warden_one', '/warden/one', { group_id: 'a'.repeat(32) });
    expect((await createTrigger(p().urn('second'), 'APIG', otherGroup)).status).toBe(201);
  });

  it('needs instance_id on APIG triggers where only dedicated gateways are offered (variant)', async () => {
    cloud.setVariants({ apigGateways: 'dedicated-only' });
    expectFgsError(await createTrigger(p().urn('seeded'), 'APIG', apigData('warden_x', '/x')), 400, 'FSS.0400', 'dedicated');
    expect((await createTrigger(p().urn('seeded'), 'APIG', apigData('warden_x', '/x', { instance_id: 'gw-1' }))).status).toBe(201);
  });

  it('answers 501 naming the trigger types it does not emulate', async () => {
    const response = await createTrigger(p().urn('seeded'), 'OBS', { bucket: 'b', events: ['s3:ObjectCreated:*'], name: 'obs-1' });
    expectFgsError(response, 501, 'LOCAL.NOT_EMULATED', 'OBS triggers');
  });

  it('UpdateTrigger changes the status only: event_data is refused, so a new schedule is a delete and a create', async () => {
    const urn = p().urn('seeded');
    now = new Date('2025-06-01T05:00:00Z');
    const disabled = await send('PUT', p().trigger(urn, 'TIMER', 'seeded-timer'), { trigger_status: 'DISABLED' });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ trigger_status: 'DISABLED', last_updated_time: '2025-06-01T13:00:00+08:00', event_data: { schedule: '1h' } });
    const reschedule = await send('PUT', p().trigger(urn, 'TIMER', 'seeded-timer'), { trigger_status: 'ACTIVE', event_data: [{ polling_interval: 30 }] });
    expectFgsError(reschedule, 400, 'FSS.0400', 'delete the trigger and create it again');
    expectFgsError(await send('PUT', p().trigger(urn, 'TIMER', 'seeded-timer'), {}), 400, 'FSS.0400', 'trigger_status');
    expect(cloud.state.functions.get(urn)!.triggers.get('seeded-timer')!.trigger_status).toBe('DISABLED');
    expectFgsError(await send('PUT', p().trigger(urn, 'TIMER', 'missing'), { trigger_status: 'ACTIVE' }), 404, 'FSS.0404');
  });

  it('deletes one trigger, then all of them', async () => {
    const urn = p().urn('seeded');
    await createTrigger(urn, 'CTS', ctsData('c1'));
    await createTrigger(urn, 'TIMER', timerData('t2'));
    const deleted = await send('DELETE', p().trigger(urn, 'TIMER', 'seeded-timer'));
    expect(deleted.status).toBe(204);
    expectFgsError(await send('DELETE', p().trigger(urn, 'TIMER', 'seeded-timer')), 404, 'FSS.0404');
    expect((await send('DELETE', p().triggers(p().urn('seeded', 'latest')))).status).toBe(204);
    expect((await send('GET', p().triggers(urn))).body).toEqual([]);
  });

  it('records CTS traces as FunctionGraph does: no request or response, none for UpdateFunctionCode', async () => {
    const traces: CtsTrace[] = [];
    const stop = cloud.onTrace((trace) => traces.push(trace));
    const secret = 'trace-secret-value-42';
    await createFunction('traced', { encrypted_user_data: JSON.stringify({ S: secret }) });
    const urn = p().urn('traced');
    await send('PUT', p().fn(urn, '/code'), { code_type: 'zip', code_filename: 'index.zip', func_code: { file: handlerZip('//2').toString('base64') } });
    await send('PUT', p().fn(urn, '/config'), { func_name: 'traced', runtime: 'Node.js20.15', handler: 'index.handler', memory_size: 128, timeout: 3 });
    const timer = await createTrigger(urn, 'TIMER', timerData('t1'));
    await createTrigger(urn, 'CTS', ctsData('c1'));
    await send('PUT', p().trigger(urn, 'TIMER', timer.body.trigger_id), { trigger_status: 'DISABLED' });
    await send('PUT', p().trigger(urn, 'TIMER', timer.body.trigger_id), { trigger_status: 'ACTIVE' });
    await send('DELETE', p().triggers(urn));
    await send('DELETE', p().fn(urn));
    await send('GET', p().functions);
    await nextTick();
    stop();
    expect(traces.map((t) => `${t.cts.service_type}:${t.cts.resource_type}:${t.cts.trace_name} ${t.cts.resource_name}`)).toEqual([
      'FunctionGraph:Functions:createFunction traced',
      'FunctionGraph:Functions:updateFunctionConfig traced',
      'FunctionGraph:Trigger:createTrigger t1',
      'FunctionGraph:Trigger:createTrigger c1',
      'FunctionGraph:Trigger:disableTrigger t1',
      'FunctionGraph:Trigger:enableTrigger t1',
      'FunctionGraph:Trigger:deleteTrigger t1',
      'FunctionGraph:Trigger:deleteTrigger c1',
      'FunctionGraph:Functions:deleteFunction traced',
    ]);
    expect(traces[0]!.cts).toMatchObject({ request: {}, response: {}, resource_id: 'traced', operation_id: 'CreateFunction', project_id: cloud.identity.projectId });
    expect(traces[2]!.cts.resource_id).toBe(timer.body.trigger_id);
    expect(JSON.stringify(traces)).not.toContain(secret);
  });
});

describe('invocations', () => {
  it('check their input, then answer 501 "not emulated yet: running functions", naming the operation', async () => {
    const urn = p().urn('seeded');
    const sync = await send('POST', p().fn(urn, '/invocations'), { key: 'value' });
    expectFgsError(sync, 501, 'LOCAL.NOT_EMULATED', 'not emulated yet: running functions (functiongraph.invokeFunction)');
    const queued = await send('POST', p().fn(urn, '/invocations-async'), { key: 'value' });
    expectFgsError(queued, 501, 'LOCAL.NOT_EMULATED', 'functiongraph.asyncInvokeFunction');
    expectFgsError(await send('POST', p().fn(p().urn('missing'), '/invocations'), {}), 404, 'FSS.1051');
    expectFgsError(await send('POST', p().fn(urn, '/invocations'), [1, 2]), 400, 'FSS.0400', 'JSON object');
    expectFgsError(await send('POST', p().fn(urn, '/invocations'), {}, { headers: { 'X-Cff-Log-Type': 'head' } }), 400, 'FSS.0400', 'X-Cff-Log-Type');
    expectFgsError(await send('POST', p().fn(urn, '/invocations'), {}, { headers: { 'X-Cff-Instance-Memory': '100' } }), 400, 'FSS.0400', 'X-Cff-Instance-Memory');
  });

  it('run through a plugged-in runner: each revision started once, stopped when the code changes or the function goes', async () => {
    const calls: string[] = [];
    const runner: FunctionRunner = {
      start: async (fn: FunctionSnapshot) => void calls.push(`start ${fn.func_name} ${fn.code.digest.slice(0, 8)} ${JSON.stringify(fn.encrypted_user_data)}`),
      invoke: async (fn, request) => {
        calls.push(`invoke ${fn.func_name} ${request.mode}`);
        return { result: JSON.stringify({ echo: request.event, memory: request.instanceMemory ?? fn.memory_size }), status: 200, log: 'ran' };
      },
      stop: async (urn) => void calls.push(`stop ${urn.split(':').pop()}`),
    };
    const withRunner = await startCloud({ fixture: fixture(), functionRunner: runner });
    try {
      const urn = fgsPaths(withRunner).urn('seeded');
      const path = fgsPaths(withRunner).fn(urn, '/invocations');
      const ran = await call(withRunner, 'POST', path, { body: { n: 1 }, headers: { 'X-CFF-Request-Version': 'v1', 'X-Cff-Log-Type': 'tail' } });
      expect(ran.status).toBe(200);
      expect(ran.body).toEqual({ request_id: ran.headers['x-request-id'], result: '{"echo":{"n":1},"memory":256}', log: 'ran', status: 200 });
      await call(withRunner, 'POST', path, { body: { n: 2 }, headers: { 'X-Cff-Instance-Memory': '512' } });
      const queued = await call(withRunner, 'POST', fgsPaths(withRunner).fn(urn, '/invocations-async'), { body: {} });
      expect(queued.status).toBe(202);
      expect(queued.body).toEqual({ request_id: queued.headers['x-request-id'] });
      await call(withRunner, 'PUT', fgsPaths(withRunner).fn(urn, '/code'), { body: { code_type: 'zip', code_filename: 'index.zip', func_code: { file: handlerZip('//v2').toString('base64') } } });
      await call(withRunner, 'POST', path, { body: {} });
      await call(withRunner, 'DELETE', fgsPaths(withRunner).fn(urn));
      await nextTick();
      expect(calls.map((entry) => entry.replace(/ [0-9a-f]{8} /, ' <digest> '))).toEqual([
        'start seeded <digest> {"WARDEN_WEBHOOK_SECRET":"seeded-secret-value-123"}',
        'invoke seeded sync',
        'invoke seeded sync',
        'invoke seeded async',
        'stop seeded',
        'start seeded <digest> {"WARDEN_WEBHOOK_SECRET":"seeded-secret-value-123"}',
        'invoke seeded sync',
        'stop seeded',
      ]);
    } finally {
      await withRunner.close();
    }
  });
});

describe('the gateway in front', () => {
  it('authenticates (401), checks the project (403), counts, and injects faults in FunctionGraph shape', async () => {
    const unsigned = await send('GET', p().functions, undefined, { credentials: null });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error_code).toBe('APIGW.0301');
    expectFgsError(await send('GET', `/v2/${'f'.repeat(32)}/fgs/functions`), 403, 'FSS.0403');

    cloud.setFaults({ seed: 1, rate: { '500': 1 }, operations: ['functiongraph.listFunctions'] });
    expectFgsError(await send('GET', p().functions), 500, 'FSS.0500');
    cloud.setFaults({ seed: 1, rate: { '503': 1 }, operations: ['functiongraph.listFunctions'] });
    expectFgsError(await send('GET', p().functions), 503, 'FSS.0503');
    cloud.setFaults(undefined);
    expect(cloud.stats.byOperation['functiongraph.listFunctions']).toBe(4);
  });

  it('answers 501 naming the method and path no route serves', async () => {
    const response = await send('GET', `/v2/${cloud.identity.projectId}/fgs/functions/${p().urn('seeded')}/versions`);
    expect(response.status).toBe(501);
    expect(response.body).toEqual({
      error_code: 'LOCAL.NOT_EMULATED',
      error_msg: `not emulated: GET /v2/${cloud.identity.projectId}/fgs/functions/${p().urn('seeded')}/versions (no route of the embedded cloud serves it)`,
      request_id: response.headers['x-request-id'],
    });
    expect((await send('PATCH', p().functions)).body.error_msg).toContain('PATCH /v2/');
  });
});

describe('fixtures', () => {
  it('seed functions with their code and triggers, and refuse user data that is not a JSON object of strings', () => {
    const seeded = cloud.state.functions.get(p().urn('seeded'))!;
    expect(seeded).toMatchObject({ runtime: 'Node.js20.15', handler: 'index.handler', memory_size: 256, package: 'default', type: 'v2' });
    expect(seeded.code.digest).toBe(sha512(handlerZip('exports.handler = async () => "seeded";\n')));
    expect([...seeded.triggers.keys()]).toEqual(['seeded-timer']);
    expect(() => cloud.reset({ ...defaultFixture(), functions: [{ func_name: 'bad', user_data: 'A=b' }] })).toThrow(/must be a JSON object of string variables\n  → at functions\[0\]\.user_data/);
  });
});
