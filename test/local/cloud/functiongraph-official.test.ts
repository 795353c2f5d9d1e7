import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { camelCase, functionGraphModelFields, officialFunctionGraphClient, sdkFunctionGraph as fgs } from '../../support/official-sdk.ts';
import { apigData, ctsData, handlerZip, sha512, timerData } from './functiongraph-support.ts';

// The official @huaweicloud/huaweicloud-sdk-functiongraph client drives the embedded FunctionGraph through every
// operation `warden deploy` uses: its signature is accepted, and each answer fits the SDK's response model (every
// field one the model declares, the document's required fields populated, read through the model's accessors).

let cloud: LocalCloud;
let client: ReturnType<typeof officialFunctionGraphClient>;

beforeAll(async () => {
  cloud = await startCloud({ port: 0, fixture: defaultFixture() });
  client = officialFunctionGraphClient(cloud);
});
beforeEach(() => cloud.reset());
afterAll(() => cloud.close());

/** In every example of the API document, though not in its schemas. */
const FROM_EXAMPLES = new Set(['func_code', 'last_modified_utc']);
const FUNCTION_REQUIRED = ['code_size', 'code_type', 'cpu', 'digest', 'domain_id', 'func_name', 'func_urn', 'handler', 'image_name', 'last_modified', 'memory_size', 'namespace', 'package', 'project_name', 'runtime', 'timeout', 'version'];
const CODE_REQUIRED = ['code_size', 'code_type', 'digest', 'domain_id', 'func_name', 'func_urn', 'last_modified', 'runtime'];
const TRIGGER_REQUIRED = ['created_time', 'event_data', 'last_updated_time', 'trigger_id', 'trigger_status', 'trigger_type_code'];

type Answer = Record<string, unknown>;

/** The answer fits the model: only fields it declares, the required ones populated and readable through it. */
function expectModel(answer: unknown, model: string, required: readonly string[]): void {
  const fields = functionGraphModelFields(model);
  const record = answer as Answer;
  const stray = Object.keys(record).filter((key) => key !== 'httpStatusCode' && !fields.has(key) && !FROM_EXAMPLES.has(key));
  expect(stray, `fields ${model} does not declare`).toEqual([]);
  const Model = (fgs as unknown as Record<string, new () => Answer>)[model]!;
  const parsed = Object.assign(new Model(), record);
  for (const field of required) {
    const value = parsed[camelCase(field)];
    expect(value === undefined || value === null || value === '', `${model}.${field} is empty`).toBe(false);
  }
}

function expectTriggerModel(trigger: Answer, model: string): void {
  expectModel(trigger, model, TRIGGER_REQUIRED);
  expectModel(trigger['event_data'], 'TriggerEventDataResponseBody', []);
  const funcInfo = (trigger['event_data'] as Answer)['func_info'];
  if (funcInfo !== undefined) expectModel(funcInfo, 'ApigTriggerFuncInfo', ['timeout', 'function_urn']);
}

async function failure(call: Promise<unknown>): Promise<{ httpStatusCode?: number; errorCode?: string; errorMsg?: string }> {
  try {
    await call;
  } catch (error) {
    return error as { httpStatusCode?: number; errorCode?: string; errorMsg?: string };
  }
  throw new Error('expected the official client to fail');
}

const configBody = (name: string) =>
  new fgs.UpdateFunctionConfigRequestBody().withFuncName(name).withRuntime('Node.js20.15').withHandler('index.handler').withMemorySize(512).withTimeout(60).withUserData('{"WARDEN_DRY_RUN":"true"}');

describe('the official FunctionGraph SDK against the embedded FunctionGraph', () => {
  it('manages a function: create, list, show config and code, update code and config, delete', async () => {
    const code = handlerZip();
    const body = new fgs.CreateFunctionRequestBody()
      .withFuncName('tag-new-keys')
      .withPackage('default')
      .withRuntime('Node.js20.15')
      .withHandler('index.handler')
      .withMemorySize(256)
      .withTimeout(120)
      .withCodeType('zip')
      .withCodeFilename('index.zip')
      .withFuncCode(new fgs.FuncCode().withFile(code.toString('base64')))
      .withUserData('{"WARDEN_DRY_RUN":"false"}')
      .withEncryptedUserData('{"WARDEN_WEBHOOK_SECRET":"a-webhook-secret-value"}')
      .withXrole('hwc-warden-tag-new-keys')
      .withType('v2');
    const created = (await client.createFunction(new fgs.CreateFunctionRequest().withBody(body))) as unknown as Answer;
    expectModel(created, 'CreateFunctionResponse', FUNCTION_REQUIRED);
    expect(created).toMatchObject({ digest: sha512(code), encrypted_user_data: '{"WARDEN_WEBHOOK_SECRET":""}', xrole: 'hwc-warden-tag-new-keys' });
    const urn = created['func_urn'] as string;

    const listed = (await client.listFunctions(new fgs.ListFunctionsRequest().withMaxitems('400'))) as unknown as Answer;
    expectModel(listed, 'ListFunctionsResponse', ['functions', 'next_marker', 'count']);
    for (const fn of listed['functions'] as Answer[]) expectModel(fn, 'ListFunctionResult', FUNCTION_REQUIRED);

    expectModel(await client.showFunctionConfig(new fgs.ShowFunctionConfigRequest().withFunctionUrn(urn)), 'ShowFunctionConfigResponse', FUNCTION_REQUIRED);
    const shown = (await client.showFunctionCode(new fgs.ShowFunctionCodeRequest().withFunctionUrn(urn))) as unknown as Answer;
    expectModel(shown, 'ShowFunctionCodeResponse', CODE_REQUIRED);
    expect((shown['func_code'] as Answer)['file']).toBe(code.toString('base64'));

    const next = handlerZip('exports.handler = async () => 2;\n');
    const codeUpdate = new fgs.UpdateFunctionCodeRequestBody().withCodeType('zip').withCodeFilename('index.zip').withFuncCode(new fgs.FuncCode().withFile(next.toString('base64')));
    const updatedCode = await client.updateFunctionCode(new fgs.UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(codeUpdate));
    expectModel(updatedCode, 'UpdateFunctionCodeResponse', CODE_REQUIRED);
    expect((updatedCode as unknown as Answer)['digest']).toBe(sha512(next));

    const updatedConfig = await client.updateFunctionConfig(new fgs.UpdateFunctionConfigRequest().withFunctionUrn(urn).withBody(configBody('tag-new-keys')));
    expectModel(updatedConfig, 'UpdateFunctionConfigResponse', FUNCTION_REQUIRED);
    expect(updatedConfig).toMatchObject({ memory_size: 512, timeout: 60 });

    const refused = await failure(client.deleteFunction(new fgs.DeleteFunctionRequest().withFunctionUrn(urn)));
    expect(refused).toMatchObject({ httpStatusCode: 400, errorCode: 'FSS.0400' });
    const deleted = (await client.deleteFunction(new fgs.DeleteFunctionRequest().withFunctionUrn(urn.replace(/:latest$/, '')))) as unknown as Answer;
    expect(deleted['httpStatusCode']).toBe(204);
    const missing = await failure(client.showFunctionConfig(new fgs.ShowFunctionConfigRequest().withFunctionUrn(urn)));
    expect(missing).toMatchObject({ httpStatusCode: 404, errorCode: 'FSS.1051', errorMsg: 'Not found the function' });
    expect(cloud.stats.requests).toBe(9);
  });

  it('manages triggers: TIMER, APIG and CTS created, listed as a bare array, shown, disabled and deleted', async () => {
    const created = (await client.createFunction(
      new fgs.CreateFunctionRequest().withBody(
        new fgs.CreateFunctionRequestBody()
          .withFuncName('guard-key-deletion')
          .withPackage('default')
          .withRuntime('Node.js20.15')
          .withHandler('index.handler')
          .withMemorySize(256)
          .withTimeout(120)
          .withCodeType('zip')
          .withCodeFilename('index.zip')
          .withFuncCode(new fgs.FuncCode().withFile(handlerZip().toString('base64'))),
      ),
    )) as unknown as Answer;
    const urn = created['func_urn'] as string;
    const timer = timerData('warden-guard-sweep', '30m');
    const apig = apigData('warden_guard_key_deletion', '/warden/guard-key-deletion');
    const cts = ctsData('warden-kms-schedule-deletion', ['KMS:cmk:scheduleKeyDeletion']);
    const eventData = {
      TIMER: new fgs.TriggerEventDataRequestBody().withName(timer.name).withScheduleType(timer.schedule_type).withSchedule(timer.schedule),
      APIG: new fgs.TriggerEventDataRequestBody()
        .withName(apig.name)
        .withGroupId(apig.group_id)
        .withEnvId(apig.env_id)
        .withEnvName(apig.env_name)
        .withProtocol(apig.protocol)
        .withReqMethod(apig.req_method)
        .withMatchMode(apig.match_mode)
        .withAuth(apig.auth)
        .withPath(apig.path)
        .withType(apig.type)
        .withFuncInfo(new fgs.ApigTriggerFuncInfo().withTimeout(60_000)),
      CTS: new fgs.TriggerEventDataRequestBody().withName(cts.name).withOperations(cts.operations),
    };
    const ids: Record<string, string> = {};
    for (const [type, data] of Object.entries(eventData)) {
      const request = new fgs.CreateFunctionTriggerRequest()
        .withFunctionUrn(urn)
        .withBody(new fgs.CreateFunctionTriggerRequestBody().withTriggerTypeCode(type).withTriggerStatus('ACTIVE').withEventData(data));
      const trigger = (await client.createFunctionTrigger(request)) as unknown as Answer;
      expect(trigger['httpStatusCode']).toBe(201);
      expectTriggerModel(trigger, 'CreateFunctionTriggerResponse');
      ids[type] = trigger['trigger_id'] as string;
    }

    const listed = (await client.listFunctionTriggers(new fgs.ListFunctionTriggersRequest().withFunctionUrn(urn))) as unknown as Answer[];
    expect(Array.isArray(listed)).toBe(true);
    expect(listed.map((trigger) => trigger['trigger_type_code'])).toEqual(['TIMER', 'APIG', 'CTS']);
    for (const trigger of listed) expectTriggerModel(trigger, 'ListFunctionTriggerResult');

    const shown = await client.showFunctionTrigger(new fgs.ShowFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode('APIG').withTriggerId(ids['APIG']!));
    expectTriggerModel(shown as unknown as Answer, 'ShowFunctionTriggerResponse');
    expect((shown as unknown as Answer)['event_data']).toMatchObject({ auth: 'NONE', path: '/warden/guard-key-deletion', func_info: { timeout: 60_000 } });

    const disabled = await client.updateTrigger(
      new fgs.UpdateTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode('TIMER').withTriggerId(ids['TIMER']!).withBody(new fgs.UpdateTriggerRequestBody().withTriggerStatus('DISABLED')),
    );
    expectTriggerModel(disabled as unknown as Answer, 'UpdateTriggerResponse');
    expect((disabled as unknown as Answer)['trigger_status']).toBe('DISABLED');

    const deleted = (await client.deleteFunctionTrigger(
      new fgs.DeleteFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode('CTS').withTriggerId(ids['CTS']!),
    )) as unknown as Answer;
    expect(deleted['httpStatusCode']).toBe(204);
    await client.batchDeleteFunctionTriggers(new fgs.BatchDeleteFunctionTriggersRequest().withFunctionUrn(urn));
    expect(cloud.state.functions.get(urn.replace(/:latest$/, ''))!.triggers.size).toBe(0);

    const none = await failure(client.showFunctionTrigger(new fgs.ShowFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode('APIG').withTriggerId(ids['APIG']!)));
    expect(none).toMatchObject({ httpStatusCode: 404, errorCode: 'FSS.0404' });
  });

  it('sees the invocation routes answer 501 not emulated yet, as a service error it can read', async () => {
    const urn = `urn:fss:${cloud.identity.region}:${cloud.identity.projectId}:function:default:absent:latest`;
    const absent = await failure(client.invokeFunction(new fgs.InvokeFunctionRequest().withFunctionUrn(urn).withBody({ event: { a: 1 } })));
    expect(absent).toMatchObject({ httpStatusCode: 404, errorCode: 'FSS.1051' });
    cloud.reset({ ...defaultFixture(), functions: [{ func_name: 'present' }] });
    const present = await failure(client.invokeFunction(new fgs.InvokeFunctionRequest().withFunctionUrn(urn.replace('absent', 'present')).withBody({ event: { a: 1 } })));
    expect(present).toMatchObject({ httpStatusCode: 501, errorCode: 'LOCAL.NOT_EMULATED', errorMsg: 'not emulated yet: running functions (functiongraph.invokeFunction)' });
  });
});
