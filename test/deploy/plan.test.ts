import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createFunctionBody, updateFunctionConfigBody } from '../../deploy/desired.ts';
import type { DesiredState } from '../../deploy/desired.ts';
import { formatMarker } from '../../deploy/naming.ts';
import type { ObservedFunction, ObservedRegion, ObservedTrigger } from '../../deploy/observed.ts';
import { appliedActions, describePlan, planActions, planDeploy, planRemove } from '../../deploy/plan.ts';
import { deployedFunctions, describeDeployed } from '../../deploy/info.ts';
import type { DeployAction, DeployPlan } from '../../deploy/plan.ts';
import { EMPTY, GROUP, PROJECT, REGION, deployed, desired, edit, readBack, repositoryYaml, service } from './support.ts';

const summary = (plan: DeployPlan) => plan.actions.map((action) => `${action.kind} ${action.target}`);
const only = <K extends DeployAction['kind']>(plan: DeployPlan, kind: K) => plan.actions.filter((a): a is DeployAction & { kind: K } => a.kind === kind);

/** A function someone else made in the same package, possibly with a name of ours. */
function foreign(name: string, marker?: Parameters<typeof formatMarker>[0]): { fn: ObservedFunction; triggers: ObservedTrigger[] } {
  return {
    fn: {
      func_name: name,
      func_urn: `urn:fss:${REGION}:${PROJECT}:function:hwc-warden:${name}`,
      package: 'hwc-warden',
      runtime: 'Node.js20.15',
      handler: 'index.handler',
      memory_size: 128,
      timeout: 30,
      digest: 'f'.repeat(128),
      user_data: marker ? JSON.stringify({ WARDEN_DEPLOY: formatMarker(marker) }) : '{"TEAM":"payments"}',
    },
    triggers: [],
  };
}

describe('planDeploy', () => {
  it('first deploy: creates each function, then its triggers, in serverless.yml’s order', () => {
    const plan = planDeploy(EMPTY, desired());
    expect(plan.conflicts).toEqual([]);
    expect(summary(plan).slice(0, 4)).toEqual([
      'create-function hwc-warden-dev-tag-new-keys',
      'create-trigger hwc-warden-dev-tag-new-keys CTS warden-kms-create-key',
      'create-trigger hwc-warden-dev-tag-new-keys APIG warden_tag_new_keys',
      'create-trigger hwc-warden-dev-tag-new-keys TIMER warden-tag-sweep',
    ]);
    expect(only(plan, 'create-function')).toHaveLength(4);
    expect(only(plan, 'create-trigger')).toHaveLength(10);
    expect(only(plan, 'create-trigger').every((a) => a.functionUrn === undefined)).toBe(true);
    expect(planActions(plan).every((a) => a.status === 'planned')).toBe(true);
  });

  it('an unchanged tree plans nothing: reads only, "up to date" (with a fresh fingerprint salt and the cloud’s extra trigger fields)', () => {
    const secret = edit(repositoryYaml, '      WARDEN_BACKUP_MAX_AGE_HOURS: "26"\n', '      WARDEN_BACKUP_MAX_AGE_HOURS: "26"\n      WARDEN_WEBHOOK_SECRET: ${param:s}\n');
    const params = { apigGroupId: GROUP, s: 'a-webhook-secret-of-32-characters' };
    const before = desired(service(secret, params));
    const again = desired(service(secret, params));
    const plan = planDeploy(deployed(before), again);
    expect(plan.actions).toEqual([]);
    expect(plan.upToDate).toEqual(again.functions.map((fn) => fn.func_name));
    expect(describePlan(plan)).toContain('up to date: nothing to change');
  });

  it('a change to one function’s code updates that code and nothing else', () => {
    const before = desired();
    const plan = planDeploy(deployed(before), desired(service(), { versions: { 'guard-key-deletion': 2 } }));
    expect(summary(plan)).toEqual(['update-code hwc-warden-dev-guard-key-deletion']);
    const [action] = only(plan, 'update-code');
    expect(action?.functionUrn).toBe(`urn:fss:${REGION}:${PROJECT}:function:hwc-warden:hwc-warden-dev-guard-key-deletion:latest`);
    expect(action?.reason).toMatch(/^code [0-9a-f]{12}… → [0-9a-f]{12}…$/);
  });

  it('a configuration change is one UpdateFunctionConfig, naming what changes', () => {
    const before = desired();
    const text = edit(edit(repositoryYaml, '  check-restorable:\n    handler: index.handler\n', '  check-restorable:\n    handler: index.handler\n    memorySize: 512\n'), 'WARDEN_BACKUP_MAX_AGE_HOURS: "26"', 'WARDEN_BACKUP_MAX_AGE_HOURS: "30"');
    const plan = planDeploy(deployed(before), desired(service(text)));
    expect(summary(plan)).toEqual(['update-config hwc-warden-dev-check-restorable']);
    expect(plan.actions[0]?.reason).toBe('memory_size 256 → 512; user_data ~WARDEN_BACKUP_MAX_AGE_HOURS');
  });

  it('provider-wide changes reach every function; an agency removed is sent as none', () => {
    const before = desired();
    const text = edit(edit(repositoryYaml, '  timeout: 120\n', '  timeout: 90\n'), '    xrole: hwc-warden-check-restorable\n', '');
    const plan = planDeploy(deployed(before), desired(service(text)));
    expect(summary(plan)).toEqual(only(plan, 'update-config').map((a) => `update-config ${a.target}`));
    expect(plan.actions).toHaveLength(4);
    const restorable = only(plan, 'update-config').find((a) => a.function === 'check-restorable');
    expect(restorable?.reason).toBe('timeout 120 → 90; xrole "hwc-warden-check-restorable" → ""');
    expect(updateFunctionConfigBody(restorable!.desired)).toMatchObject({ xrole: '', timeout: 90 });
  });

  it('a changed schedule is a delete and a create (UpdateTrigger changes only the status), the delete first', () => {
    const region = deployed(desired());
    const plan = planDeploy(region, desired(service(edit(repositoryYaml, 'schedule: 30m', 'schedule: 15m'))));
    expect(summary(plan)).toEqual(['delete-trigger hwc-warden-dev-guard-key-deletion TIMER warden-guard-sweep', 'create-trigger hwc-warden-dev-guard-key-deletion TIMER warden-guard-sweep']);
    expect(plan.actions[0]?.reason).toBe('changed: UpdateTrigger changes only the status, so it is deleted and created again');
    expect(plan.actions[1]?.reason).toBe('replaces the trigger of that name: schedule 30m → 15m');
    const [removed] = only(plan, 'delete-trigger');
    const observedSweep = region.triggers.get('hwc-warden-dev-guard-key-deletion')?.find((t) => t.event_data['name'] === 'warden-guard-sweep');
    expect(removed).toMatchObject({ triggerType: 'TIMER', triggerId: observedSweep?.trigger_id });
  });

  it('an APIG change (auth, timeout) is a delete and a create too', () => {
    const before = desired();
    const text = edit(repositoryYaml, '          path: /warden/check-restorable\n          timeout: 60000', '          path: /warden/check-restorable\n          timeout: 30000');
    const plan = planDeploy(deployed(before), desired(service(text)));
    expect(summary(plan)).toEqual(['delete-trigger hwc-warden-dev-check-restorable APIG warden_check_restorable', 'create-trigger hwc-warden-dev-check-restorable APIG warden_check_restorable']);
    expect(plan.actions[1]?.reason).toBe('replaces the trigger of that name: func_info.timeout 60000 → 30000');
  });

  it('a TIMER disabled in the file is one UpdateTrigger of its status', () => {
    const before = desired();
    const text = edit(repositoryYaml, '      - triggerTypeCode: TIMER\n        status: ACTIVE\n        eventData:\n          name: warden-tag-sweep', '      - triggerTypeCode: TIMER\n        status: DISABLED\n        eventData:\n          name: warden-tag-sweep');
    const plan = planDeploy(deployed(before), desired(service(text)));
    expect(summary(plan)).toEqual(['update-trigger-status hwc-warden-dev-tag-new-keys TIMER warden-tag-sweep']);
    expect(only(plan, 'update-trigger-status')[0]).toMatchObject({ status: 'DISABLED', triggerType: 'TIMER', reason: 'status ACTIVE → DISABLED' });
  });

  it('exactly the file’s triggers: a trigger added by hand (any type) is deleted, one removed from the file too', () => {
    const before = desired();
    const region = deployed(before);
    const name = 'hwc-warden-dev-prune-orphan-events';
    const handMade: ObservedTrigger = { trigger_id: 'obs-1', trigger_type_code: 'OBS', trigger_status: 'ACTIVE', event_data: { bucket: 'uploads', events: ['s3:ObjectCreated:*'] } };
    const triggers = new Map(region.triggers);
    triggers.set(name, [...(triggers.get(name) ?? []), handMade]);
    const text = edit(repositoryYaml, '      - triggerTypeCode: TIMER\n        status: ACTIVE\n        eventData:\n          name: warden-restorable-daily\n          scheduleType: Cron\n          schedule: 0 0 6 * * ?\n', '');
    const plan = planDeploy({ ...region, triggers }, desired(service(text)));
    expect(summary(plan)).toEqual(['delete-trigger hwc-warden-dev-prune-orphan-events OBS obs-1', 'delete-trigger hwc-warden-dev-check-restorable TIMER warden-restorable-daily']);
    expect(plan.actions.map((a) => a.reason)).toEqual(['not in serverless.yml', 'not in serverless.yml']);
  });

  it('a trigger deleted by hand is created again', () => {
    const before = desired();
    const region = deployed(before);
    const triggers = new Map(region.triggers);
    triggers.set('hwc-warden-dev-tag-new-keys', (triggers.get('hwc-warden-dev-tag-new-keys') ?? []).filter((t) => t.trigger_type_code !== 'CTS'));
    const plan = planDeploy({ ...region, triggers }, desired());
    expect(summary(plan)).toEqual(['create-trigger hwc-warden-dev-tag-new-keys CTS warden-kms-create-key']);
    expect(only(plan, 'create-trigger')[0]?.functionUrn).toBe(`urn:fss:${REGION}:${PROJECT}:function:hwc-warden:hwc-warden-dev-tag-new-keys:latest`);
  });

  it('a runtime change cannot be made in place: the function is deleted and created again, triggers and all', () => {
    const before = desired();
    const region = deployed(before);
    const functions = region.functions.map((fn) => (fn.func_name === 'hwc-warden-dev-check-restorable' ? { ...fn, runtime: 'Node.js18.15' } : fn));
    const plan = planDeploy({ ...region, functions }, desired());
    expect(summary(plan)).toEqual([
      'delete-function hwc-warden-dev-check-restorable',
      'create-function hwc-warden-dev-check-restorable',
      'create-trigger hwc-warden-dev-check-restorable TIMER warden-restorable-daily',
      'create-trigger hwc-warden-dev-check-restorable APIG warden_check_restorable',
    ]);
    expect(only(plan, 'delete-function')[0]?.functionUrn).toBe(`urn:fss:${REGION}:${PROJECT}:function:hwc-warden:hwc-warden-dev-check-restorable`);
  });

  describe('ownership', () => {
    it('never touches a function it did not create, even with the service and stage’s name prefix; says so', () => {
      const state = desired();
      const plan = planDeploy(deployed(state, [foreign('hwc-warden-dev-reports'), foreign('hwc-warden-dev-old', { service: 'hwc-warden', stage: 'prod', function: 'old' })]), state, { prune: true });
      expect(plan.actions).toEqual([]);
      expect(plan.notes).toEqual([
        "hwc-warden-dev-reports has this service and stage's name prefix but no warden marker for them: not warden's, not touched",
        "hwc-warden-dev-old has this service and stage's name prefix but no warden marker for them: not warden's, not touched",
      ]);
    });

    it('refuses to deploy over a function of the same name it did not create (nothing is applied)', () => {
      const state = desired();
      const plan = planDeploy({ functions: [foreign('hwc-warden-dev-tag-new-keys').fn], triggers: new Map() }, state);
      expect(plan.conflicts).toEqual([
        'hwc-warden-dev-tag-new-keys exists (package hwc-warden) but was not created by warden deploy for hwc-warden/dev; warden leaves it alone: remove or rename it, or deploy under another stage',
      ]);
      expect(plan.actions.some((a) => a.target.startsWith('hwc-warden-dev-tag-new-keys'))).toBe(false);
      expect(describePlan(plan)).toContain('  refused  hwc-warden-dev-tag-new-keys exists');
    });

    it('a marker naming another function than the name says is not ours either', () => {
      const state = desired();
      const plan = planDeploy({ functions: [foreign('hwc-warden-dev-tag-new-keys', { service: 'hwc-warden', stage: 'dev', function: 'check-restorable' }).fn], triggers: new Map() }, state);
      expect(plan.conflicts).toHaveLength(1);
    });

    it('a function deploy created that the file no longer declares is left, and said; --prune deletes it (unversioned URN)', () => {
      const state = desired();
      const old = foreign('hwc-warden-dev-rotate-keys', { service: 'hwc-warden', stage: 'dev', function: 'rotate-keys' });
      const kept = planDeploy(deployed(state, [old]), state);
      expect(kept.actions).toEqual([]);
      expect(kept.notes).toEqual(['hwc-warden-dev-rotate-keys (function rotate-keys) is no longer in serverless.yml: left deployed; deploy --prune or remove --function rotate-keys deletes it']);
      const pruned = planDeploy(deployed(state, [old]), state, { prune: true });
      expect(only(pruned, 'delete-function')).toEqual([
        { kind: 'delete-function', function: 'rotate-keys', target: 'hwc-warden-dev-rotate-keys', functionUrn: `urn:fss:${REGION}:${PROJECT}:function:hwc-warden:hwc-warden-dev-rotate-keys`, reason: 'no longer in serverless.yml (--prune)' },
      ]);
      // A deploy of some functions only (--function) neither prunes nor mentions the others.
      const partial = planDeploy(deployed(state, [old]), desired(service(), { functions: ['tag-new-keys'] }), { prune: true });
      expect(partial.actions).toEqual([]);
      expect(partial.notes).toEqual([]);
    });
  });

  describe('secrets (encrypted user data, read back blanked)', () => {
    const text = edit(repositoryYaml, '      WARDEN_ORPHAN_GRACE_DAYS: "7"\n', '      WARDEN_ORPHAN_GRACE_DAYS: "7"\n      WARDEN_WEBHOOK_SECRET: ${param:pruneSecret}\n');
    const SECRET_A = 'first-webhook-secret-0123456789abcdef';
    const SECRET_B = 'second-webhook-secret-fedcba9876543210';
    const state = (secret: string): DesiredState => desired(service(text, { apigGroupId: GROUP, pruneSecret: secret }));

    it('a changed secret is detected through the fingerprint, and only its name is shown', () => {
      const plan = planDeploy(deployed(state(SECRET_A)), state(SECRET_B));
      expect(summary(plan)).toEqual(['update-config hwc-warden-dev-prune-orphan-events']);
      expect(plan.actions[0]?.reason).toBe('encrypted_user_data: WARDEN_WEBHOOK_SECRET not as deployed (by fingerprint)');
    });

    it('the same secret is recognised whatever the salt; without the fingerprint (edited by hand) it is sent again', () => {
      expect(planDeploy(deployed(state(SECRET_A)), state(SECRET_A)).actions).toEqual([]);
      const region = deployed(state(SECRET_A));
      const functions = region.functions.map((fn) => {
        if (fn.func_name !== 'hwc-warden-dev-prune-orphan-events') return fn;
        const data = JSON.parse(fn.user_data ?? '{}') as Record<string, string>;
        const marker = JSON.parse(data['WARDEN_DEPLOY'] ?? '{}') as Record<string, string>;
        delete marker['encrypted'];
        return { ...fn, user_data: JSON.stringify({ ...data, WARDEN_DEPLOY: JSON.stringify(marker) }) };
      });
      expect(summary(planDeploy({ ...region, functions }, state(SECRET_A)))).toEqual(['update-config hwc-warden-dev-prune-orphan-events']);
    });

    it('a secret added or removed is named', () => {
      expect(planDeploy(deployed(desired()), state(SECRET_A)).actions[0]?.reason).toBe('encrypted_user_data +WARDEN_WEBHOOK_SECRET');
      expect(planDeploy(deployed(state(SECRET_A)), desired()).actions[0]?.reason).toBe('encrypted_user_data -WARDEN_WEBHOOK_SECRET');
    });

    it('never appears in any plan text: the plan, its report, its printout, util.inspect', () => {
      const plans = [planDeploy(EMPTY, state(SECRET_B)), planDeploy(deployed(state(SECRET_A)), state(SECRET_B))];
      for (const plan of plans) {
        for (const text of [JSON.stringify(plan), describePlan(plan), JSON.stringify(planActions(plan)), inspect(plan, { depth: 20 })]) {
          expect(text).not.toContain(SECRET_A);
          expect(text).not.toContain(SECRET_B);
        }
      }
      // Only the request body built at apply time carries it, encrypted user data only.
      const create = only(plans[0]!, 'create-function').find((a) => a.function === 'prune-orphan-events')!;
      const body = createFunctionBody(create.desired);
      expect(body['encrypted_user_data']).toBe(JSON.stringify({ WARDEN_WEBHOOK_SECRET: SECRET_B }));
      expect(body['user_data']).not.toContain(SECRET_B);
    });
  });

  it('refuses to plan an owned function whose triggers were not read (it would duplicate them)', () => {
    const state = desired();
    const region = deployed(state);
    expect(() => planDeploy({ ...region, triggers: new Map() }, state)).toThrow('planDeploy: the triggers of hwc-warden-dev-tag-new-keys were not read');
  });

  it('reads numbers sent back as strings and absent optional fields as their defaults', () => {
    const state = desired();
    const region = deployed(state);
    const functions = region.functions.map((fn) => ({ ...fn, memory_size: '256' as unknown as number, description: fn.description === '' ? undefined : fn.description }));
    const triggers = new Map(
      [...region.triggers].map(([name, list]) => [
        name,
        list.map((t) => (t.trigger_type_code === 'APIG' ? { ...t, event_data: { ...t.event_data, type: '1', func_info: { timeout: '60000' } } } : t)),
      ]),
    );
    expect(planDeploy({ functions, triggers }, state).actions).toEqual([]);
  });
});

describe('planRemove', () => {
  it('deletes exactly what deploy created for this service and stage: each trigger, then the function by its unversioned URN', () => {
    const state = desired();
    const region = deployed(state, [foreign('hwc-warden-dev-reports'), foreign('hwc-warden-prod-tag-new-keys', { service: 'hwc-warden', stage: 'prod', function: 'tag-new-keys' })]);
    const plan = planRemove(region, { service: 'hwc-warden', stage: 'dev', region: REGION });
    expect(summary(plan).slice(0, 4)).toEqual([
      'delete-trigger hwc-warden-dev-tag-new-keys CTS warden-kms-create-key',
      'delete-trigger hwc-warden-dev-tag-new-keys APIG warden_tag_new_keys',
      'delete-trigger hwc-warden-dev-tag-new-keys TIMER warden-tag-sweep',
      'delete-function hwc-warden-dev-tag-new-keys',
    ]);
    expect(only(plan, 'delete-function').map((a) => a.functionUrn)).toEqual(state.functions.map((fn) => `urn:fss:${REGION}:${PROJECT}:function:hwc-warden:${fn.func_name}`));
    expect(plan.actions.some((a) => a.target.includes('reports') || a.target.includes('prod'))).toBe(false);
    expect(plan.notes).toEqual(["hwc-warden-dev-reports has this service and stage's name prefix but no warden marker for them: not warden's, not touched"]);
  });

  it('--function narrows it; a function not deployed is said', () => {
    const region = deployed(desired());
    const plan = planRemove(region, { service: 'hwc-warden', stage: 'dev', region: REGION }, ['check-restorable', 'rotate-keys']);
    expect(summary(plan)).toEqual([
      'delete-trigger hwc-warden-dev-check-restorable TIMER warden-restorable-daily',
      'delete-trigger hwc-warden-dev-check-restorable APIG warden_check_restorable',
      'delete-function hwc-warden-dev-check-restorable',
    ]);
    expect(plan.notes).toEqual(['hwc-warden-dev-rotate-keys: not deployed by warden here; nothing to remove']);
  });

  it('an empty region: nothing to remove', () => {
    const plan = planRemove(EMPTY as ObservedRegion, { service: 'hwc-warden', stage: 'dev', region: REGION });
    expect(plan.actions).toEqual([]);
    expect(describePlan(plan)).toContain('up to date: nothing to change');
  });
});

it('a readBack helper round-trips (guards the fixtures themselves)', () => {
  const fn = desired().functions[0]!;
  expect(readBack(fn).fn.func_urn).toBe(`urn:fss:${REGION}:${PROJECT}:function:hwc-warden:hwc-warden-dev-tag-new-keys`);
});

describe('appliedActions: a deploy that stops halfway', () => {
  it('reports what was applied, the failing call with the cloud’s error code, and what was not reached', () => {
    const plan = planDeploy(EMPTY, desired());
    const report = appliedActions(plan, 2, { operation: 'functiongraph.createFunctionTrigger', status: 400, errorCode: 'FSS.1052', errorMsg: 'apig group not found' });
    expect(report.slice(0, 4).map((a) => a.status)).toEqual(['applied', 'applied', 'failed', 'deferred']);
    expect(report[2]?.reason).toBe('functiongraph.createFunctionTrigger answered 400 FSS.1052: apig group not found');
    expect(report[3]?.reason).toBe('not reached: the deploy stopped at create-trigger hwc-warden-dev-tag-new-keys APIG warden_tag_new_keys; run it again');
    expect(report.filter((a) => a.status === 'deferred')).toHaveLength(plan.actions.length - 3);
    expect(appliedActions(plan, plan.actions.length).every((a) => a.status === 'applied')).toBe(true);
  });

  it('the next run plans only what was not done', () => {
    const state = desired();
    const region = deployed(state);
    // The first function and its triggers went through; nothing else did.
    const first = state.functions[0]!.func_name;
    const partial: ObservedRegion = { functions: region.functions.filter((fn) => fn.func_name === first), triggers: new Map([...region.triggers].filter(([name]) => name === first)) };
    expect(summary(planDeploy(partial, state)).filter((line) => line.includes(first))).toEqual([]);
    expect(only(planDeploy(partial, state), 'create-function')).toHaveLength(3);
  });
});

describe('deployedFunctions (warden info)', () => {
  it('lists this service and stage’s functions with their triggers and code against the local build', () => {
    const state = desired();
    const region = deployed(state, [foreign('hwc-warden-dev-reports')]);
    const local = Object.fromEntries(state.functions.map((fn) => [fn.key, fn.key === 'check-restorable' ? 'e'.repeat(128) : fn.code.digest]));
    delete local['prune-orphan-events'];
    const rows = deployedFunctions(region, { service: 'hwc-warden', stage: 'dev' }, local);
    expect(rows.map((r) => [r.function, r.code])).toEqual([
      ['tag-new-keys', 'same'],
      ['guard-key-deletion', 'same'],
      ['prune-orphan-events', 'no local build'],
      ['check-restorable', 'differs'],
    ]);
    expect(rows[0]?.triggers).toEqual(['CTS warden-kms-create-key (ACTIVE)', 'APIG warden_tag_new_keys (ACTIVE)', 'TIMER warden-tag-sweep (ACTIVE)']);
    const text = describeDeployed(REGION, rows);
    expect(text).toContain('hwc-warden-dev-check-restorable  code ');
    expect(text).toContain('(differs from the local build)  last modified 2026-01-02T03:04:05+08:00');
    expect(text).not.toContain('reports');
    expect(describeDeployed(REGION, [])).toBe('cn-north-4: nothing deployed');
  });
});
