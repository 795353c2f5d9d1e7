import { describe, expect, it } from 'vitest';
import { DeployInputError, createFunctionBody, updateFunctionCodeBody, updateFunctionConfigBody } from '../../deploy/desired.ts';
import type { DesiredState } from '../../deploy/desired.ts';
import { parseMarker } from '../../deploy/naming.ts';
import { secretsMatch } from '../../deploy/user-data.ts';
import { codeDigest } from '../../deploy/zip.ts';
import { GROUP, PROJECT, REGION, artifactsFor, buildZip, desired, edit, repositoryYaml, service } from './support.ts';

/** The problems a deploy of `text` is refused with. */
function refusals(text: string, options: Parameters<typeof desired>[1] = {}, params?: Record<string, string>): string[] {
  try {
    desired(service(text, params), options);
  } catch (error) {
    expect(error).toBeInstanceOf(DeployInputError);
    return [...(error as DeployInputError).problems];
  }
  throw new Error('expected the deploy to be refused');
}

const byKey = (state: DesiredState, key: string) => state.functions.find((fn) => fn.key === key)!;

describe("desiredState of the repository's serverless.yml", () => {
  const state = desired();
  const tag = byKey(state, 'tag-new-keys');

  it('names each function <service>-<stage>-<function> in the service’s package, with the handler the zip answers to', () => {
    expect(state.functions.map((fn) => fn.func_name)).toEqual(['hwc-warden-dev-tag-new-keys', 'hwc-warden-dev-guard-key-deletion', 'hwc-warden-dev-prune-orphan-events', 'hwc-warden-dev-check-restorable']);
    expect(tag).toMatchObject({ package: 'hwc-warden', runtime: 'Node.js20.15', handler: 'index.handler', memory_size: 256, timeout: 120, xrole: 'hwc-warden-tag-new-keys' });
    expect(tag.code.digest).toBe(codeDigest(buildZip('tag-new-keys')));
    expect(tag.code.filename).toBe('tag-new-keys.zip');
  });

  it('builds CreateFunctionTrigger bodies in the API’s snake_case, serverless.yml’s None sent as NONE', () => {
    expect(tag.triggers.map((t) => t.body)).toEqual([
      { trigger_type_code: 'CTS', trigger_status: 'ACTIVE', event_data: { name: 'warden-kms-create-key', operations: ['KMS:cmk:createKey'] } },
      {
        trigger_type_code: 'APIG',
        trigger_status: 'ACTIVE',
        event_data: {
          name: 'warden_tag_new_keys',
          group_id: GROUP,
          env_name: 'RELEASE',
          env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID',
          req_method: 'POST',
          match_mode: 'NORMAL',
          auth: 'NONE',
          path: '/warden/tag-new-keys',
          protocol: 'HTTPS',
          type: 1,
          func_info: { timeout: 60_000 },
        },
      },
      { trigger_type_code: 'TIMER', trigger_status: 'ACTIVE', event_data: { name: 'warden-tag-sweep', schedule_type: 'Rate', schedule: '1h' } },
    ]);
    expect(byKey(state, 'prune-orphan-events').triggers[0]?.body.event_data).toEqual({ name: 'warden-prune-daily', schedule_type: 'Cron', schedule: '0 30 3 * * ?' });
  });

  it('merges provider variables < userData, adds the region, the project and its marker', () => {
    expect(Object.keys(tag.userData)).toEqual(['WARDEN_DRY_RUN', 'WARDEN_KEY_DESCRIPTION_TEMPLATE', 'WARDEN_KEY_TAGS', 'HUAWEICLOUD_REGION', 'HUAWEICLOUD_SDK_PROJECT_ID', 'WARDEN_DEPLOY']);
    expect(tag.userData).toMatchObject({ WARDEN_DRY_RUN: 'false', WARDEN_KEY_TAGS: '{"owner-team":"platform"}', HUAWEICLOUD_REGION: REGION, HUAWEICLOUD_SDK_PROJECT_ID: PROJECT });
    expect(parseMarker(tag.userData)).toEqual({ service: 'hwc-warden', stage: 'dev', function: 'tag-new-keys' });
    expect(tag.encryptedUserData).toEqual({});
  });

  it('sends CreateFunction what it accepts, UpdateFunctionConfig the whole configuration, UpdateFunctionCode the zip', () => {
    const create = createFunctionBody(tag);
    expect(create).toMatchObject({ func_name: 'hwc-warden-dev-tag-new-keys', package: 'hwc-warden', runtime: 'Node.js20.15', handler: 'index.handler', memory_size: 256, timeout: 120, type: 'v2', code_type: 'zip', code_filename: 'tag-new-keys.zip', xrole: 'hwc-warden-tag-new-keys' });
    expect(Buffer.from((create['func_code'] as { file: string }).file, 'base64').equals(tag.code.zip)).toBe(true);
    expect(JSON.parse(create['user_data'] as string)).toEqual(tag.userData);
    expect(create).not.toHaveProperty('encrypted_user_data');
    expect(updateFunctionConfigBody(tag)).toMatchObject({ func_name: tag.func_name, handler: 'index.handler', encrypted_user_data: '{}', xrole: 'hwc-warden-tag-new-keys' });
    expect(updateFunctionConfigBody(tag)).not.toHaveProperty('package');
    expect(updateFunctionCodeBody(tag)).toEqual({ code_type: 'zip', code_filename: 'tag-new-keys.zip', func_code: { file: tag.code.zip.toString('base64') } });
  });

  it('narrows to --function, and says a deploy is partial', () => {
    const one = desired(service(), { functions: ['check-restorable'] });
    expect(one.functions.map((fn) => fn.key)).toEqual(['check-restorable']);
    expect(one.partial).toBe(true);
    expect(state.partial).toBe(false);
  });
});

describe('secrets', () => {
  const text = edit(repositoryYaml, '      WARDEN_ORPHAN_GRACE_DAYS: "7"\n', '      WARDEN_ORPHAN_GRACE_DAYS: "7"\n      WARDEN_WEBHOOK_SECRET: ${param:pruneSecret}\n      SMN_API_TOKEN: tok-123\n');
  const state = desired(service(text, { apigGroupId: GROUP, pruneSecret: 'correct-horse-battery-staple' }));
  const prune = byKey(state, 'prune-orphan-events');

  it('go to encrypted user data, never to user_data, with a fingerprint in the marker', () => {
    expect(Object.keys(prune.encryptedUserData)).toEqual(['SMN_API_TOKEN', 'WARDEN_WEBHOOK_SECRET']);
    expect(prune.userData).not.toHaveProperty('WARDEN_WEBHOOK_SECRET');
    const body = createFunctionBody(prune);
    expect(body['user_data']).not.toContain('correct-horse-battery-staple');
    expect(JSON.parse(body['encrypted_user_data'] as string)).toEqual({ SMN_API_TOKEN: 'tok-123', WARDEN_WEBHOOK_SECRET: 'correct-horse-battery-staple' });
    const marker = parseMarker(prune.userData);
    expect(marker?.encrypted).toMatch(/^scrypt:16384:8:1:/);
    expect(secretsMatch(marker?.encrypted, prune.encryptedUserData)).toBe(true);
    expect(marker?.encrypted).not.toContain('correct-horse');
  });

  it('never show in the desired state as printed', () => {
    for (const printed of [JSON.stringify(state), String(prune.encryptedUserData['WARDEN_WEBHOOK_SECRET']), `${prune.encryptedUserData['SMN_API_TOKEN']}`]) {
      expect(printed).not.toContain('correct-horse-battery-staple');
      expect(printed).not.toContain('tok-123');
    }
  });
});

describe('a serverless.yml that cannot be deployed is refused before any call, naming the function and the field', () => {
  it('an APIG group left as ${param:apigGroupId} without --param', () => {
    expect(refusals(repositoryYaml, {}, {})).toEqual([
      'functions.tag-new-keys.events[1].eventData.groupId: ${param:apigGroupId} has no value; pass --param apigGroupId=<value>',
      'functions.guard-key-deletion.events[1].eventData.groupId: ${param:apigGroupId} has no value; pass --param apigGroupId=<value>',
      'functions.prune-orphan-events.events[1].eventData.groupId: ${param:apigGroupId} has no value; pass --param apigGroupId=<value>',
      'functions.check-restorable.events[1].eventData.groupId: ${param:apigGroupId} has no value; pass --param apigGroupId=<value>',
    ]);
    // Only the functions deployed count.
    expect(() => desired(service(edit(repositoryYaml, 'groupId: ${param:apigGroupId}', 'groupId: g'), {}), { functions: ['tag-new-keys'] })).not.toThrow();
  });

  it('an APIG trigger without a group', () => {
    const text = edit(repositoryYaml, '          groupId: ${param:apigGroupId}\n          reqMethod: POST\n          matchMode: NORMAL\n          auth: None # requests are authenticated by X-Warden-Signature\n          path: /warden/tag-new-keys', '          reqMethod: POST\n          matchMode: NORMAL\n          auth: None\n          path: /warden/tag-new-keys');
    expect(refusals(text)).toEqual([
      'functions.tag-new-keys.events[1].eventData.groupId: required: an APIG trigger needs its API group (e.g. groupId: ${param:apigGroupId}, deployed with --param apigGroupId=<group id>)',
    ]);
  });

  it('a handler whose file the build does not put in the zip (the old dist/<fn>/index.handler)', () => {
    const text = edit(repositoryYaml, '    handler: index.handler\n    code:\n      codeUri: dist/check-restorable', '    handler: dist/check-restorable/index.handler\n    code:\n      codeUri: dist/check-restorable');
    expect(refusals(text)).toEqual([
      'functions.check-restorable.handler: dist/check-restorable/index.handler names dist/check-restorable/index.js, which the build does not put in the function\'s zip (it holds index.js, bundle.js, package.json at its root): use index.handler',
    ]);
  });

  it('a runtime the Node 20 bundles cannot run on', () => {
    expect(refusals(edit(repositoryYaml, 'runtime: Node.js20.15', 'runtime: Node.js18.15'))).toEqual([
      'provider.runtime: Node.js18.15 cannot run what npm run build makes (Node 20 bundles); use Node.js20.15',
      'provider.runtime: Node.js18.15 cannot run what npm run build makes (Node 20 bundles); use Node.js20.15',
      'provider.runtime: Node.js18.15 cannot run what npm run build makes (Node 20 bundles); use Node.js20.15',
      'provider.runtime: Node.js18.15 cannot run what npm run build makes (Node 20 bundles); use Node.js20.15',
    ]);
    const one = edit(repositoryYaml, '    xrole: hwc-warden-check-restorable\n', '    xrole: hwc-warden-check-restorable\n    runtime: Python3.9\n');
    expect(refusals(one)).toEqual(['functions.check-restorable.runtime: Python3.9 cannot run what npm run build makes (Node 20 bundles); use Node.js20.15']);
  });

  it('the keys deploy sets itself', () => {
    const text = edit(repositoryYaml, '      WARDEN_DRY_RUN: "false"\n', '      WARDEN_DRY_RUN: "false"\n      HUAWEICLOUD_REGION: cn-north-4\n');
    const marker = edit(repositoryYaml, '      WARDEN_BACKUP_MAX_AGE_HOURS: "26"\n', '      WARDEN_BACKUP_MAX_AGE_HOURS: "26"\n      WARDEN_DEPLOY: "{}"\n');
    expect(refusals(text)).toEqual(['provider.environment.variables.HUAWEICLOUD_REGION: set by warden deploy to the region and project each copy runs in; remove it from serverless.yml']);
    expect(refusals(marker)).toEqual(['functions.check-restorable.userData.WARDEN_DEPLOY: reserved: warden deploy marks the functions it deploys with it']);
  });

  it('a function name FunctionGraph would refuse (over 60 characters)', () => {
    const text = edit(repositoryYaml, 'service: hwc-warden', 'service: hwc-warden-guardrails-for-the-platform-team');
    const found = refusals(text);
    expect(found).toEqual([
      'functions.guard-key-deletion: its FunctionGraph name is <service>-<stage>-<function>: hwc-warden-guardrails-for-the-platform-team-dev-guard-key-deletion is 66 characters long; FunctionGraph allows 60',
      'functions.prune-orphan-events: its FunctionGraph name is <service>-<stage>-<function>: hwc-warden-guardrails-for-the-platform-team-dev-prune-orphan-events is 67 characters long; FunctionGraph allows 60',
      'functions.check-restorable: its FunctionGraph name is <service>-<stage>-<function>: hwc-warden-guardrails-for-the-platform-team-dev-check-restorable is 64 characters long; FunctionGraph allows 60',
    ]);
  });

  it('user data over FunctionGraph’s 20 entries', () => {
    const many = Array.from({ length: 16 }, (_, i) => `      WARDEN_EXTRA_${i}: "x"\n`).join('');
    const text = edit(repositoryYaml, '      WARDEN_BACKUP_MAX_AGE_HOURS: "26"\n', `      WARDEN_BACKUP_MAX_AGE_HOURS: "26"\n${many}`);
    expect(refusals(text)).toEqual(["functions.check-restorable: user data (with deploy's 3 keys): 22 entries; FunctionGraph allows 20"]);
  });

  it('trigger names and APIG paths FunctionGraph would refuse, and a description over 512 characters', () => {
    const text = edit(
      edit(edit(repositoryYaml, 'name: warden-tag-sweep', 'name: tag sweep'), 'name: warden_guard_key_deletion', 'name: _guard'),
      'path: /warden/check-restorable',
      'path: /warden/check restorable',
    );
    expect(refusals(text)).toEqual([
      'functions.tag-new-keys.events[2].eventData.name: tag sweep: a trigger name is 1–64 of letters, digits, _ and -, starting with a letter',
      'functions.guard-key-deletion.events[1].eventData.name: _guard: an API name is 3–255 of letters, digits, _ and -, starting with a letter',
      'functions.check-restorable.events[1].eventData.path: /warden/check restorable: a path takes A-Z a-z 0-9 _ - . / { } + ~ after its leading /',
    ]);
    const long = edit(repositoryYaml, 'description: Checks that each server', `description: ${'x'.repeat(500)} Checks that each server`);
    expect(refusals(long)).toEqual(['functions.check-restorable.description: 601 characters; FunctionGraph allows 512']);
  });

  it('two APIG triggers on one route', () => {
    const text = edit(repositoryYaml, 'path: /warden/check-restorable', 'path: /warden/tag-new-keys');
    expect(refusals(text)).toEqual(['functions.check-restorable: APIG POST /warden/tag-new-keys is also the route of functions.tag-new-keys (APIG warden_tag_new_keys, POST)']);
    // ANY takes every method of its path; another method on the same path is another API.
    const sharedPath = edit(repositoryYaml, 'path: /warden/check-restorable', 'path: /warden/tag-new-keys');
    const tagRoute = '          reqMethod: POST\n          matchMode: NORMAL\n          auth: None # requests are authenticated by X-Warden-Signature\n          path: /warden/tag-new-keys';
    const withMethod = (method: string) => edit(sharedPath, tagRoute, tagRoute.replace('reqMethod: POST', `reqMethod: ${method}`));
    expect(refusals(withMethod('ANY'))).toEqual(['functions.check-restorable: APIG POST /warden/tag-new-keys is also the route of functions.tag-new-keys (APIG warden_tag_new_keys, ANY)']);
    expect(() => desired(service(withMethod('GET')))).not.toThrow();
  });

  it('an unknown --function, and a function with no zip', () => {
    expect(refusals(repositoryYaml, { functions: ['tag-new-key'] })).toEqual(['--function tag-new-key: serverless.yml declares tag-new-keys, guard-key-deletion, prune-orphan-events, check-restorable']);
    const definition = service();
    const { 'check-restorable': _missing, ...artifacts } = artifactsFor(definition);
    expect(refusals(repositoryYaml, { artifacts })).toEqual(['functions.check-restorable: no zip was built for it']);
  });
});
