import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS, NOT_EMULATED, defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { CbrApi } from '../../../shared/hwc/cbr.ts';
import { CtsApi } from '../../../shared/hwc/cts.ts';
import { EcsApi } from '../../../shared/hwc/ecs.ts';
import { FunctionGraphApi } from '../../../shared/hwc/functiongraph.ts';
import * as hwcModule from '../../../shared/hwc/index.ts';
import { HuaweiCloud, HwcError } from '../../../shared/hwc/index.ts';
import { createBody, timerData } from './functiongraph-support.ts';
import { apiOperations } from '../../support/hwc-operations.ts';

// Every operation of every shared/hwc API class is served by the embedded cloud. The operations are read from
// the source (each public method of each `…Api` class, built in or attached with `use`), so a new one fails here
// until it has a call below, and that call must reach a route of the cloud: answered by it, never "not emulated".

type Apis = {
  kms: hwcModule.KmsApi;
  csms: hwcModule.CsmsApi;
  csbs: hwcModule.CsbsApi;
  smn: hwcModule.SmnApi;
  iam: hwcModule.IamApi;
  fg: FunctionGraphApi;
  cts: CtsApi;
  cbr: CbrApi;
  ecs: EcsApi;
};

let cloud: LocalCloud;
let client: HuaweiCloud;
let apis: Apis;

const fnUrn = () => `urn:fss:${cloud.identity.region}:${cloud.identity.projectId}:function:default:covered`;
const first = async (items: AsyncIterable<unknown>) => {
  for await (const item of items) return item;
  return undefined;
};

/** One call per operation, with input the client accepts (what the cloud then answers does not matter here). */
const CALLS: Record<string, (api: Apis) => Promise<unknown>> = {
  'KmsApi.listKeysPage': ({ kms }) => kms.listKeysPage({ limit: 1 }),
  'KmsApi.listKeys': ({ kms }) => first(kms.listKeys()),
  'KmsApi.listKeyDetail': ({ kms }) => kms.listKeyDetail({ key_id: DEFAULT_IDS.keys.appData }),
  'KmsApi.createKey': ({ kms }) => kms.createKey({ key_alias: 'coverage/key' }),
  'KmsApi.deleteKey': ({ kms }) => kms.deleteKey({ key_id: DEFAULT_IDS.keys.orders, pending_days: 7 }),
  'KmsApi.cancelKeyDeletion': ({ kms }) => kms.cancelKeyDeletion({ key_id: DEFAULT_IDS.keys.retiring }),
  'KmsApi.updateKeyDescription': ({ kms }) => kms.updateKeyDescription({ key_id: DEFAULT_IDS.keys.appData, key_description: 'covered' }),
  'KmsApi.enableKey': ({ kms }) => kms.enableKey({ key_id: DEFAULT_IDS.keys.appData }),
  'KmsApi.disableKey': ({ kms }) => kms.disableKey({ key_id: DEFAULT_IDS.keys.appData }),
  'KmsApi.showKmsTags': ({ kms }) => kms.showKmsTags({ key_id: DEFAULT_IDS.keys.appData }),
  'KmsApi.batchCreateKmsTags': ({ kms }) => kms.batchCreateKmsTags({ key_id: DEFAULT_IDS.keys.appData, action: 'create', tags: [{ key: 'k', value: 'v' }] }),
  'KmsApi.listKmsByTagsPage': ({ kms }) => kms.listKmsByTagsPage({ limit: 1 }),
  'KmsApi.listKmsByTags': ({ kms }) => first(kms.listKmsByTags()),
  'KmsApi.countKmsByTags': ({ kms }) => kms.countKmsByTags(),
  'CsmsApi.listSecretEventsPage': ({ csms }) => csms.listSecretEventsPage(),
  'CsmsApi.listSecretEvents': ({ csms }) => first(csms.listSecretEvents()),
  'CsmsApi.showSecretEvent': ({ csms }) => csms.showSecretEvent({ event_name: DEFAULT_IDS.event }),
  'CsmsApi.createSecretEvent': ({ csms }) =>
    csms.createSecretEvent({
      name: 'covered',
      event_types: ['SECRET_DELETED'],
      state: 'ENABLED',
      notification: { target_type: 'SMN', target_id: `urn:smn:${cloud.identity.region}:${cloud.identity.projectId}:${DEFAULT_IDS.topic}`, target_name: DEFAULT_IDS.topic },
    }),
  'CsmsApi.deleteSecretEvent': ({ csms }) => csms.deleteSecretEvent({ event_name: 'not-there' }),
  'CsmsApi.listSecretsPage': ({ csms }) => csms.listSecretsPage(),
  'CsmsApi.listSecrets': ({ csms }) => first(csms.listSecrets()),
  'CsmsApi.createSecret': ({ csms }) => csms.createSecret({ name: 'covered', secret_string: 'value' }),
  'CsmsApi.updateSecret': ({ csms }) => csms.updateSecret({ secret_name: DEFAULT_IDS.secret, description: 'covered' }),
  'CsbsApi.listCheckpointItemsPage': ({ csbs }) => csbs.listCheckpointItemsPage(),
  'CsbsApi.listCheckpointItems': ({ csbs }) => first(csbs.listCheckpointItems()),
  'CsbsApi.countCheckpointItems': ({ csbs }) => csbs.countCheckpointItems(),
  'CsbsApi.checkRestorable': ({ csbs }) =>
    csbs.checkRestorable({
      check_restorable: [
        {
          checkpoint_item_id: DEFAULT_IDS.checkpointItem,
          target: { resource_id: DEFAULT_IDS.server, resource_type: 'OS::Nova::Server', volumes: [{ backup_id: DEFAULT_IDS.volumeBackups.system, volume_id: DEFAULT_IDS.volumes.system }] },
        },
      ],
    }),
  'SmnApi.publishMessage': ({ smn }) => smn.publishMessage({ topic_urn: `urn:smn:${cloud.identity.region}:${cloud.identity.projectId}:${DEFAULT_IDS.topic}`, message: 'covered' }),
  'IamApi.createTokenByPassword': ({ iam }) =>
    iam.createTokenByPassword({ userName: cloud.identity.userName, password: cloud.identity.password, domainName: cloud.identity.domainName, projectId: cloud.identity.projectId }),
  'IamApi.listAuthProjects': ({ iam }) => iam.listAuthProjects(),
  'CbrApi.listBackupsPage': ({ cbr }) => cbr.listBackupsPage(),
  'CbrApi.listBackups': ({ cbr }) => first(cbr.listBackups()),
  'CbrApi.showBackup': ({ cbr }) => cbr.showBackup({ backup_id: '00000000-0000-4000-8000-000000000000' }),
  'CbrApi.listVaultPage': ({ cbr }) => cbr.listVaultPage(),
  'CbrApi.listVault': ({ cbr }) => first(cbr.listVault()),
  'EcsApi.listServersDetailsPage': ({ ecs }) => ecs.listServersDetailsPage(),
  'EcsApi.listServersDetails': ({ ecs }) => first(ecs.listServersDetails()),
  'EcsApi.listServerBlockDevices': ({ ecs }) => ecs.listServerBlockDevices({ server_id: '00000000-0000-4000-8000-000000000000' }),
  'CtsApi.listTracesPage': ({ cts }) => cts.listTracesPage(),
  'CtsApi.listTraces': ({ cts }) => first(cts.listTraces()),
  'FunctionGraphApi.listFunctionsPage': ({ fg }) => fg.listFunctionsPage(),
  'FunctionGraphApi.listFunctions': ({ fg }) => first(fg.listFunctions()),
  'FunctionGraphApi.showFunctionConfig': ({ fg }) => fg.showFunctionConfig({ function_urn: fnUrn() }),
  'FunctionGraphApi.showFunctionCode': ({ fg }) => fg.showFunctionCode({ function_urn: fnUrn() }),
  'FunctionGraphApi.createFunction': ({ fg }) => fg.createFunction(createBody('created') as never),
  'FunctionGraphApi.updateFunctionCode': ({ fg }) => fg.updateFunctionCode({ function_urn: fnUrn(), code_type: 'inline', func_code: {} }),
  'FunctionGraphApi.updateFunctionConfig': ({ fg }) =>
    fg.updateFunctionConfig({ function_urn: fnUrn(), func_name: 'covered', runtime: 'Node.js20.15', handler: 'index.handler', memory_size: 128, timeout: 3 }),
  'FunctionGraphApi.deleteFunction': ({ fg }) => fg.deleteFunction({ function_urn: fnUrn() }),
  'FunctionGraphApi.listFunctionTriggers': ({ fg }) => fg.listFunctionTriggers({ function_urn: fnUrn() }),
  'FunctionGraphApi.showFunctionTrigger': ({ fg }) => fg.showFunctionTrigger({ function_urn: fnUrn(), trigger_type_code: 'TIMER', trigger_id: 'covered-timer' }),
  'FunctionGraphApi.createFunctionTrigger': ({ fg }) => fg.createFunctionTrigger({ function_urn: fnUrn(), trigger_type_code: 'TIMER', event_data: timerData('another') as never }),
  'FunctionGraphApi.updateTrigger': ({ fg }) => fg.updateTrigger({ function_urn: fnUrn(), trigger_type_code: 'TIMER', trigger_id: 'covered-timer', trigger_status: 'DISABLED' }),
  'FunctionGraphApi.deleteFunctionTrigger': ({ fg }) => fg.deleteFunctionTrigger({ function_urn: fnUrn(), trigger_type_code: 'TIMER', trigger_id: 'covered-timer' }),
  'FunctionGraphApi.batchDeleteFunctionTriggers': ({ fg }) => fg.batchDeleteFunctionTriggers({ function_urn: fnUrn() }),
  'FunctionGraphApi.invokeFunction': ({ fg }) => fg.invokeFunction({ function_urn: fnUrn(), event: {} }),
  'FunctionGraphApi.asyncInvokeFunction': ({ fg }) => fg.asyncInvokeFunction({ function_urn: fnUrn(), event: {} }),
};

beforeAll(async () => {
  // Functions run (the process runner), so invocations are answered, not "not emulated yet".
  cloud = await startCloud({ port: 0, runFunctions: true });
  const { ak, sk, region, projectId } = cloud.identity;
  client = new HuaweiCloud({ region, projectId, credentials: { type: 'aksk', ak, sk }, endpoints: Object.fromEntries(hwcModule.SERVICES.map((s) => [s, cloud.url])), retry: { attempts: 1 } });
  apis = { kms: client.kms, csms: client.csms, csbs: client.csbs, smn: client.smn, iam: client.iam, fg: client.use(FunctionGraphApi), cts: client.use(CtsApi), cbr: client.use(CbrApi), ecs: client.use(EcsApi) };
});
beforeEach(() =>
  cloud.reset({ ...defaultFixture(), functions: [{ func_name: 'covered', triggers: [{ trigger_id: 'covered-timer', trigger_type_code: 'TIMER', event_data: timerData('covered-sweep') }] }] }),
);
afterAll(async () => {
  await client.close();
  await cloud.functionGraph.idle();
  await cloud.close();
});

const operations = apiOperations();

describe('every shared/hwc operation has a route in the embedded cloud', () => {
  it('finds the API classes, built in and attached, and a call for each of their operations', () => {
    const builtIn = Object.keys(hwcModule).filter((name) => name.endsWith('Api'));
    expect([...operations.keys()].sort()).toEqual([...builtIn, 'FunctionGraphApi', 'CtsApi', 'CbrApi', 'EcsApi'].sort());
    const all = [...operations].flatMap(([api, methods]) => methods.map((method) => `${api}.${method}`));
    expect(all.filter((operation) => !(operation in CALLS)), 'operations without a call here').toEqual([]);
    expect(Object.keys(CALLS).filter((operation) => !all.includes(operation)), 'calls for operations that are gone').toEqual([]);
  });

  it.each(Object.keys(CALLS))('%s is answered by a route', async (operation) => {
    const routed = () => Object.values(cloud.stats.byOperation).reduce((sum, count) => sum + count, 0);
    const before = { requests: cloud.stats.requests, routed: routed() };
    let failure: HwcError | undefined;
    try {
      await CALLS[operation]!(apis);
    } catch (error) {
      if (!(error instanceof HwcError)) throw error;
      failure = error;
    }
    expect(failure?.status, `${operation} was not sent: ${failure?.message}`).not.toBe(0);
    expect(cloud.stats.requests, `${operation} sent nothing`).toBeGreaterThan(before.requests);
    expect(routed() - before.routed, `${operation} reached no route`).toBe(cloud.stats.requests - before.requests);
    expect(failure?.errorCode, `${operation}: ${failure?.message}`).not.toBe(NOT_EMULATED);
  });
});
