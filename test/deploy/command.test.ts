import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deployCli } from '../../cli/deploy.ts';
import { buildFunctions } from '../../deploy/build.ts';
import type { DesiredOptions } from '../../deploy/desired.ts';
import { codeDigest, unzip, zip } from '../../deploy/zip.ts';
import { startCloud } from '../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../local/cloud/index.ts';
import { FunctionGraphApi } from '../../shared/hwc/functiongraph.ts';
import type { FunctionConfig, Trigger } from '../../shared/hwc/functiongraph-model.ts';
import { clientFor } from '../shared/hwc/support.ts';
import { officialFunctionGraphClient, sdkFunctionGraph as fgs } from '../support/official-sdk.ts';
import { AP_SOUTHEAST_PROJECT, twoRegionFixture } from '../support/two-regions.ts';
import { GROUP } from './support.ts';

/**
 * `warden deploy | remove | info` in process, against the embedded cloud over HTTP: the repository's
 * serverless.yml and its four functions, built once for the file.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const NAMES = ['tag-new-keys', 'guard-key-deletion', 'prune-orphan-events', 'check-restorable'];
const WRITES = [
  'functiongraph.createFunction',
  'functiongraph.updateFunctionCode',
  'functiongraph.updateFunctionConfig',
  'functiongraph.deleteFunction',
  'functiongraph.createFunctionTrigger',
  'functiongraph.deleteFunctionTrigger',
  'functiongraph.updateTrigger',
];

let cloud: LocalCloud;
let outDir: string;
let artifacts: DesiredOptions['artifacts'];

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'warden-deploy-'));
  const built = await buildFunctions(ROOT, outDir);
  artifacts = Object.fromEntries(built.map((fn) => [fn.name, { zip: readFileSync(fn.zip) }]));
  cloud = await startCloud({ port: 0, fixture: twoRegionFixture() });
});

afterAll(async () => {
  await cloud.close();
  rmSync(outDir, { recursive: true, force: true });
});

beforeEach(() => {
  cloud.reset(twoRegionFixture());
  cloud.setFaults(undefined);
});

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const { ak, sk, projectId } = cloud.identity;
  return {
    HUAWEICLOUD_SDK_AK: ak,
    HUAWEICLOUD_SDK_SK: sk,
    HUAWEICLOUD_REGION: 'cn-north-4',
    HUAWEICLOUD_SDK_PROJECT_ID: projectId,
    HUAWEICLOUD_ENDPOINT_URL: cloud.url,
    HUAWEICLOUD_RETRY_BASE_DELAY_MS: '1',
    ...extra,
  };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Write calls the cloud received during the run, by operation. */
  readonly writes: Record<string, number>;
}

async function run(command: 'deploy' | 'remove' | 'info', argv: readonly string[] = [], options: { env?: Record<string, string | undefined>; artifacts?: DesiredOptions['artifacts']; params?: false; root?: string } = {}): Promise<Run> {
  const before = { ...cloud.stats.byOperation };
  let stdout = '';
  let stderr = '';
  const args = command === 'deploy' && options.params !== false ? ['--param', `apigGroupId=${GROUP}`, ...argv] : argv;
  const code = await deployCli(command, args, {
    env: options.env ?? env(),
    root: options.root ?? ROOT,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    build: async () => options.artifacts ?? artifacts,
  });
  const writes: Record<string, number> = {};
  for (const op of WRITES) {
    const n = (cloud.stats.byOperation[op] ?? 0) - (before[op] ?? 0);
    if (n > 0) writes[op] = n;
  }
  return { code, stdout, stderr, writes };
}

function total(writes: Record<string, number>): number {
  return Object.values(writes).reduce((a, b) => a + b, 0);
}

/** What the embedded FunctionGraph holds for a project, read through the FunctionGraph API. */
async function holdings(projectId = cloud.identity.projectId): Promise<Map<string, { fn: FunctionConfig; triggers: Trigger[] }>> {
  const client = clientFor(cloud, { projectId, endpoints: { functiongraph: cloud.url, iam: cloud.url } });
  try {
    const fg = client.use(FunctionGraphApi);
    const out = new Map<string, { fn: FunctionConfig; triggers: Trigger[] }>();
    for await (const fn of fg.listFunctions()) out.set(fn.func_name, { fn, triggers: await fg.listFunctionTriggers({ function_urn: `${fn.func_urn}:latest` }) });
    return out;
  } finally {
    await client.close();
  }
}

/** A build in which one function's bundle changed (a comment added: other bytes, same behaviour). */
function withChangedCode(name: string): DesiredOptions['artifacts'] {
  const entries = unzip(artifacts[name]!.zip).map((entry) => (entry.name === 'bundle.js' ? { ...entry, data: Buffer.concat([entry.data, Buffer.from('// changed\n')]) } : entry));
  return { ...artifacts, [name]: { zip: zip(entries) } };
}

function foreignFunction(name: string, extra: Partial<NonNullable<Fixture['functions']>[number]> = {}): NonNullable<Fixture['functions']>[number] {
  return { func_name: name, package: 'hwc-warden', runtime: 'Node.js20.15', handler: 'index.handler', user_data: '{"OWNER":"another-team"}', ...extra };
}

describe('warden deploy', () => {
  it('creates the four functions with their triggers; a redeploy of the same tree makes no write and says up to date', async () => {
    const first = await run('deploy');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.writes).toEqual({ 'functiongraph.createFunction': 4, 'functiongraph.createFunctionTrigger': 10 });
    expect(first.stdout).toContain('applied   create-function       hwc-warden-dev-tag-new-keys: not deployed yet');
    expect(first.stdout).toContain('applied   create-trigger        hwc-warden-dev-check-restorable APIG warden_check_restorable: new function');
    expect(first.stdout).toMatch(/deployed: 14 calls made\n$/);

    const held = await holdings();
    expect([...held.keys()].sort()).toEqual(NAMES.map((n) => `hwc-warden-dev-${n}`).sort());
    const tag = held.get('hwc-warden-dev-tag-new-keys')!;
    expect(tag.fn).toMatchObject({ package: 'hwc-warden', runtime: 'Node.js20.15', handler: 'index.handler', memory_size: 256, timeout: 120, xrole: 'hwc-warden-tag-new-keys' });
    expect(tag.fn.digest).toBe(codeDigest(artifacts['tag-new-keys']!.zip));
    expect(JSON.parse(tag.fn.user_data!)).toMatchObject({ WARDEN_DRY_RUN: 'false', WARDEN_KEY_TAGS: '{"owner-team":"platform"}', HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: cloud.identity.projectId });
    expect(tag.triggers.map((t) => `${t.trigger_type_code} ${t.event_data.name} ${t.trigger_status}`)).toEqual(['CTS warden-kms-create-key ACTIVE', 'APIG warden_tag_new_keys ACTIVE', 'TIMER warden-tag-sweep ACTIVE']);
    const apig = tag.triggers.find((t) => t.trigger_type_code === 'APIG')!;
    expect(apig.event_data).toMatchObject({ group_id: GROUP, req_method: 'POST', match_mode: 'NORMAL', auth: 'NONE', path: '/warden/tag-new-keys', protocol: 'HTTPS', func_info: { timeout: 60000 } });

    const again = await run('deploy');
    expect(again.code).toBe(0);
    expect(again.writes).toEqual({});
    expect(again.stdout).toContain('up to date            hwc-warden-dev-check-restorable');
    expect(again.stdout).toMatch(/\nup to date\n$/);
  });

  it('a change to one function\'s code is exactly one UpdateFunctionCode', async () => {
    await run('deploy');
    const changed = await run('deploy', [], { artifacts: withChangedCode('prune-orphan-events') });
    expect(changed.code).toBe(0);
    expect(changed.writes).toEqual({ 'functiongraph.updateFunctionCode': 1 });
    expect(changed.stdout).toMatch(/applied {3}update-code {11}hwc-warden-dev-prune-orphan-events: code [0-9a-f]{12}… → [0-9a-f]{12}…/);
    expect(changed.stdout).toContain('deployed: 1 call made');
    const held = await holdings();
    expect(held.get('hwc-warden-dev-prune-orphan-events')!.fn.digest).toBe(codeDigest(withChangedCode('prune-orphan-events')['prune-orphan-events']!.zip));
  });

  it('--plan prints the changes function by function and trigger by trigger and writes nothing', async () => {
    const planned = await run('deploy', ['--plan']);
    expect(planned.code).toBe(0);
    expect(planned.writes).toEqual({});
    expect(planned.stdout).toContain('hwc-warden (stage dev) in cn-north-4:');
    expect(planned.stdout).toContain('  create-function       hwc-warden-dev-guard-key-deletion: not deployed yet');
    expect(planned.stdout).toContain('  create-trigger        hwc-warden-dev-guard-key-deletion TIMER warden-guard-sweep: new function');
    expect(await holdings()).toEqual(new Map());
  });

  it('a configuration change and a changed schedule: one UpdateFunctionConfig, the trigger deleted and created again', async () => {
    await run('deploy');
    const root = mkdtempSync(join(tmpdir(), 'warden-deploy-yml-'));
    try {
      const yaml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8').replace('WARDEN_MAX_DELETIONS: "20"', 'WARDEN_MAX_DELETIONS: "5"').replace('schedule: 30m', 'schedule: 15m');
      writeFileSync(join(root, 'serverless.yml'), yaml);
      let stdout = '';
      const before = { ...cloud.stats.byOperation };
      const code = await deployCli('deploy', ['--param', `apigGroupId=${GROUP}`], { env: env(), root, stdout: (t) => (stdout += t), stderr: (t) => (stdout += t), build: async () => artifacts });
      expect(code).toBe(0);
      const delta = (op: string) => (cloud.stats.byOperation[op] ?? 0) - (before[op] ?? 0);
      expect(WRITES.map(delta)).toEqual([0, 0, 1, 0, 1, 1, 0]);
      expect(stdout).toContain('update-config         hwc-warden-dev-prune-orphan-events: user_data ~WARDEN_MAX_DELETIONS');
      expect(stdout).toContain('delete-trigger        hwc-warden-dev-guard-key-deletion TIMER warden-guard-sweep: changed');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    const guard = (await holdings()).get('hwc-warden-dev-guard-key-deletion')!;
    expect(guard.triggers.find((t) => t.trigger_type_code === 'TIMER')!.event_data).toMatchObject({ schedule: '15m' });
  });

  it('a cloud refusal mid-deploy: what was applied, the call that failed with its error code, what was not reached; exit 1; a rerun finishes', async () => {
    // Another team's function already serves POST /warden/tag-new-keys in the group: APIG refuses the 3rd write.
    const fixture = twoRegionFixture();
    fixture.functions = [
      {
        func_name: 'someone-elses-webhook',
        package: 'default',
        runtime: 'Node.js20.15',
        handler: 'index.handler',
        triggers: [
          {
            trigger_type_code: 'APIG',
            trigger_id: 'foreign-apig',
            event_data: { name: 'their_api', group_id: GROUP, env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID', env_name: 'RELEASE', req_method: 'POST', match_mode: 'NORMAL', auth: 'NONE', path: '/warden/tag-new-keys', protocol: 'HTTPS', type: 1, func_info: { timeout: 5000 } },
          },
        ],
      },
    ];
    cloud.reset(fixture);
    const failed = await run('deploy');
    expect(failed.code).toBe(1);
    expect(failed.writes).toEqual({ 'functiongraph.createFunction': 1, 'functiongraph.createFunctionTrigger': 2 });
    expect(failed.stdout).toContain('applied   create-function       hwc-warden-dev-tag-new-keys');
    expect(failed.stdout).toContain('applied   create-trigger        hwc-warden-dev-tag-new-keys CTS warden-kms-create-key');
    expect(failed.stdout).toMatch(/failed {4}create-trigger {8}hwc-warden-dev-tag-new-keys APIG warden_tag_new_keys: functiongraph\.createFunctionTrigger answered 409 FSS\.0409: .*POST \/warden\/tag-new-keys/);
    expect(failed.stdout).toContain('deferred  create-trigger        hwc-warden-dev-tag-new-keys TIMER warden-tag-sweep: not reached: the deploy stopped at create-trigger hwc-warden-dev-tag-new-keys APIG warden_tag_new_keys; run it again');
    expect(failed.stdout.match(/^ {2}deferred/gm)).toHaveLength(11);
    expect(failed.stderr).toContain('run it again to finish');

    // The other team moves their route; the rerun plans and makes only what is missing.
    const urn = [...cloud.state.project().functions.keys()].find((u) => u.endsWith(':someone-elses-webhook'))!;
    cloud.state.project().functions.get(urn)!.triggers.clear();
    const rerun = await run('deploy');
    expect(rerun.code).toBe(0);
    expect(rerun.writes).toEqual({ 'functiongraph.createFunction': 3, 'functiongraph.createFunctionTrigger': 9 });
    expect(rerun.stdout).toContain('applied   create-trigger        hwc-warden-dev-tag-new-keys APIG warden_tag_new_keys: not deployed yet');
    expect(rerun.stdout).not.toContain('create-trigger        hwc-warden-dev-tag-new-keys CTS');
    expect((await run('deploy')).writes).toEqual({});
  });

  it('a 500 on the one write (retries exhausted) is reported with its status; the rerun makes it', async () => {
    await run('deploy');
    cloud.setFaults({ rate: { '500': 1 }, operations: ['functiongraph.updateFunctionCode'] });
    const failed = await run('deploy', [], { env: env({ HUAWEICLOUD_RETRY_ATTEMPTS: '2' }), artifacts: withChangedCode('check-restorable') });
    expect(failed.code).toBe(1);
    expect(failed.writes).toEqual({ 'functiongraph.updateFunctionCode': 2 });
    expect(failed.stdout).toMatch(/failed {4}update-code {11}hwc-warden-dev-check-restorable: functiongraph\.updateFunctionCode answered 500 /);
    cloud.setFaults(undefined);
    const rerun = await run('deploy', [], { artifacts: withChangedCode('check-restorable') });
    expect(rerun.writes).toEqual({ 'functiongraph.updateFunctionCode': 1 });
    expect(rerun.code).toBe(0);
  });

  it('a function of a wanted name that deploy did not create: refused before any write, left as it was', async () => {
    const fixture = twoRegionFixture();
    fixture.functions = [foreignFunction('hwc-warden-dev-guard-key-deletion')];
    cloud.reset(fixture);
    const refused = await run('deploy');
    expect(refused.code).toBe(1);
    expect(refused.writes).toEqual({});
    expect(refused.stdout).toContain('refused  hwc-warden-dev-guard-key-deletion exists (package hwc-warden) but was not created by warden deploy for hwc-warden/dev');
    expect(refused.stderr).toContain('nothing was written');
    const held = await holdings();
    expect([...held.keys()]).toEqual(['hwc-warden-dev-guard-key-deletion']);
    expect(JSON.parse(held.get('hwc-warden-dev-guard-key-deletion')!.fn.user_data!)).toEqual({ OWNER: 'another-team' });
  });

  it('reads every page of the package before planning; a listing that cannot prove itself whole stops the deploy before any write', async () => {
    const fixture = twoRegionFixture();
    // 402 functions in the service's package (another team's, no marker): the listing takes two pages of 400.
    fixture.functions = Array.from({ length: 402 }, (_, i) => foreignFunction(`other-${i}`));
    cloud.reset(fixture);
    cloud.setFaults({ rate: { 'repeated-cursor': 1 }, operations: ['functiongraph.listFunctions'] });
    const refused = await run('deploy');
    expect(refused.code).toBe(1);
    expect(refused.writes).toEqual({});
    expect(refused.stderr).toContain('WARDEN.INCOMPLETE_LISTING');
    cloud.setFaults(undefined);
    const before = cloud.stats.byOperation['functiongraph.listFunctions'] ?? 0;
    const deployed = await run('deploy');
    expect(deployed.code).toBe(0);
    expect(deployed.writes).toEqual({ 'functiongraph.createFunction': 4, 'functiongraph.createFunctionTrigger': 10 });
    expect((cloud.stats.byOperation['functiongraph.listFunctions'] ?? 0) - before).toBe(2);
    expect((await run('deploy')).writes).toEqual({});
  });

  it('two regions, each with its project looked up through IAM and its own region and project in the user data', async () => {
    const both = await run('deploy', ['--region', 'cn-north-4,ap-southeast-1'], { env: env({ HUAWEICLOUD_SDK_PROJECT_ID: undefined }) });
    expect(both.stderr).toBe('');
    expect(both.code).toBe(0);
    expect(both.writes).toEqual({ 'functiongraph.createFunction': 8, 'functiongraph.createFunctionTrigger': 20 });
    expect(both.stdout).toContain('hwc-warden (stage dev) in ap-southeast-1:');
    for (const [region, project] of [['cn-north-4', cloud.identity.projectId], ['ap-southeast-1', AP_SOUTHEAST_PROJECT]] as const) {
      const held = await holdings(project);
      expect(held.size).toBe(4);
      expect(JSON.parse(held.get('hwc-warden-dev-check-restorable')!.fn.user_data!)).toMatchObject({ HUAWEICLOUD_REGION: region, HUAWEICLOUD_SDK_PROJECT_ID: project });
    }
    expect((await run('deploy', ['--region', 'ap-southeast-1,cn-north-4'])).writes).toEqual({});
  });

  it('secrets go to encrypted user data only and never into the output', async () => {
    const secret = 'webhook-secret-0123456789abcdef';
    const root = mkdtempSync(join(tmpdir(), 'warden-deploy-yml-'));
    try {
      const yaml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8').replace('      WARDEN_ORPHAN_GRACE_DAYS: "7"', '      WARDEN_ORPHAN_GRACE_DAYS: "7"\n      WARDEN_WEBHOOK_SECRET: ${param:pruneSecret}');
      writeFileSync(join(root, 'serverless.yml'), yaml);
      let out = '';
      const io = { env: env(), root, stdout: (t: string) => (out += t), stderr: (t: string) => (out += t), build: async () => artifacts };
      expect(await deployCli('deploy', ['--param', `apigGroupId=${GROUP}`, '--param', `pruneSecret=${secret}`], io)).toBe(0);
      expect(await deployCli('deploy', ['--param', `apigGroupId=${GROUP}`, '--param', `pruneSecret=${secret}-rotated`, '--plan'], io)).toBe(0);
      expect(out).toContain('encrypted_user_data: WARDEN_WEBHOOK_SECRET not as deployed (by fingerprint)');
      expect(out).not.toContain(secret);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    const prune = (await holdings()).get('hwc-warden-dev-prune-orphan-events')!.fn;
    expect(prune.user_data).not.toContain(secret);
    expect(JSON.parse(prune.encrypted_user_data!)).toEqual({ WARDEN_WEBHOOK_SECRET: '' });
    const stored = [...cloud.state.project().functions.values()].find((fn) => fn.func_name === 'hwc-warden-dev-prune-orphan-events')!;
    expect(JSON.parse(stored.encrypted_user_data)).toEqual({ WARDEN_WEBHOOK_SECRET: secret });
  });

  it('refuses before any call: missing credentials name the variable; a bad serverless.yml names function and field', async () => {
    const noSk = await run('deploy', [], { env: env({ HUAWEICLOUD_SDK_SK: undefined }) });
    expect(noSk).toMatchObject({ code: 1, stdout: '' });
    expect(noSk.stderr).toContain('warden deploy: HUAWEICLOUD_SDK_SK is not set');
    const none = await run('info', [], { env: env({ HUAWEICLOUD_SDK_AK: undefined, HUAWEICLOUD_SDK_SK: undefined }) });
    expect(none.stderr).toContain('no Huawei Cloud credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK');

    const noGroup = await run('deploy', [], { params: false });
    expect(noGroup.code).toBe(1);
    expect(noGroup.stderr).toContain('functions.tag-new-keys.events[1].eventData.groupId: ${param:apigGroupId} has no value; pass --param apigGroupId=<value>');
    const badHandler = Object.fromEntries(Object.entries(artifacts).map(([name, a]) => [name, { zip: zip(unzip(a.zip).filter((e) => e.name !== 'index.js')) }]));
    const refused = await run('deploy', [], { artifacts: badHandler });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('functions.check-restorable.handler: index.handler names index.js, which the build does not put in the function\'s zip');
    expect(cloud.stats.requests).toBe(0);
  });
});

describe('what deploy made, read by the official FunctionGraph client', () => {
  it('lists the package page by page (marker / next_marker) and each function\'s triggers, the fields deploy compares populated', async () => {
    await run('deploy');
    const client = officialFunctionGraphClient(cloud);
    // The SDK hands back the answer's JSON as sent (snake_case), typed as its model.
    type Listed = { func_name: string; func_urn: string; digest: string; user_data: string; handler: string };
    const seen: Listed[] = [];
    let marker = '0';
    for (let page = 0; page < 3; page++) {
      const answer = (await client.listFunctions(new fgs.ListFunctionsRequest().withPackageName('hwc-warden').withMaxitems('3').withMarker(marker))) as unknown as { functions: Listed[]; next_marker: number; count: number };
      seen.push(...answer.functions);
      if (seen.length >= answer.count) break;
      marker = String(answer.next_marker);
    }
    expect(seen.map((fn) => fn.func_name).sort()).toEqual(NAMES.map((n) => `hwc-warden-dev-${n}`).sort());
    for (const fn of seen) {
      const key = fn.func_name.replace('hwc-warden-dev-', '');
      expect(fn.digest).toBe(codeDigest(artifacts[key]!.zip));
      expect(JSON.parse(fn.user_data)).toHaveProperty('WARDEN_DEPLOY');
      expect(fn.handler).toBe('index.handler');
      const answer = (await client.listFunctionTriggers(new fgs.ListFunctionTriggersRequest().withFunctionUrn(`${fn.func_urn}:latest`))) as unknown as { body?: unknown };
      const triggers = (Array.isArray(answer) ? answer : answer.body) as Array<{ trigger_type_code: string; trigger_status: string }>;
      expect(triggers).toHaveLength(key === 'tag-new-keys' || key === 'guard-key-deletion' ? 3 : 2);
      for (const trigger of triggers) expect(trigger.trigger_status).toBe('ACTIVE');
    }
  });
});

describe('warden remove and warden info', () => {
  it('info lists functions, triggers and whether the code is the local build; remove deletes exactly what deploy created', async () => {
    const fixture = twoRegionFixture();
    fixture.functions = [foreignFunction('hwc-warden-dev-legacy'), foreignFunction('unrelated', { package: 'default' })];
    cloud.reset(fixture);
    await run('deploy', [], { artifacts: withChangedCode('tag-new-keys') });

    // The local build: dist/<function>.zip beside serverless.yml (tag-new-keys' differs from what was deployed).
    const root = mkdtempSync(join(tmpdir(), 'warden-info-'));
    writeFileSync(join(root, 'serverless.yml'), readFileSync(join(ROOT, 'serverless.yml')));
    mkdirSync(join(root, 'dist'));
    for (const name of NAMES) writeFileSync(join(root, 'dist', `${name}.zip`), artifacts[name]!.zip);
    const info = await run('info', [], { root });
    rmSync(root, { recursive: true, force: true });
    expect(info.code).toBe(0);
    expect(info.writes).toEqual({});
    expect(info.stdout).toMatch(/hwc-warden-dev-guard-key-deletion {2}code [0-9a-f]{12}… \(same as the local build\)/);
    expect(info.stdout).toMatch(/hwc-warden-dev-tag-new-keys {2}code [0-9a-f]{12}… \(differs from the local build\)/);
    expect(info.stdout).toContain('    CTS warden-kms-schedule-deletion (ACTIVE)');
    expect(info.stdout).not.toContain('hwc-warden-dev-legacy');

    const planned = await run('remove', ['--plan']);
    expect(planned.writes).toEqual({});
    expect(planned.stdout).toContain('  delete-function       hwc-warden-dev-tag-new-keys: remove');
    expect(planned.stdout).toContain("note: hwc-warden-dev-legacy has this service and stage's name prefix but no warden marker for them: not warden's, not touched");

    const removed = await run('remove');
    expect(removed.code).toBe(0);
    expect(removed.writes).toEqual({ 'functiongraph.deleteFunctionTrigger': 10, 'functiongraph.deleteFunction': 4 });
    expect([...(await holdings()).keys()].sort()).toEqual(['hwc-warden-dev-legacy', 'unrelated']);
    expect((await run('remove')).stdout).toContain('nothing to remove');
  });
});
