import { describe, expect, it } from 'vitest';
import { functionEnvironment, functionGraphContext } from '../../local/function-context.ts';
import { adaptContext } from '../../shared/runtime/context.ts';
import { loadPolicy } from '../../shared/policy.ts';

const RUN_SECRET = 'this-run-webhook-secret-0123456789abcdef';

describe('functionEnvironment: one order for every local run', () => {
  const layers = {
    service: { WARDEN_DRY_RUN: 'false', WARDEN_KEY_TAGS: '{"team":"service"}', HUAWEICLOUD_REGION: 'from-service', SHARED: 'service' },
    userData: { WARDEN_KEY_TAGS: '{"team":"function"}', HUAWEICLOUD_REGION: 'from-user-data', SHARED: 'function' },
    connection: { HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_ENDPOINT_URL: 'http://127.0.0.1:1', PATH: '/usr/bin', WARDEN_DRY_RUN: 'connection' },
    operator: { WARDEN_DRY_RUN: 'true', WARDEN_WEBHOOK_SECRET_TAG_NEW_KEYS: 'other-functions-secret', HUAWEICLOUD_REGION: 'operator', HOME: '/root' },
    run: { WARDEN_WEBHOOK_SECRET: RUN_SECRET },
  };

  it('service < user data < connection (HUAWEICLOUD_* only) < operator (WARDEN_* only) < run', () => {
    expect(functionEnvironment(layers)).toEqual({
      WARDEN_DRY_RUN: 'true',
      WARDEN_KEY_TAGS: '{"team":"function"}',
      HUAWEICLOUD_REGION: 'cn-north-4',
      HUAWEICLOUD_ENDPOINT_URL: 'http://127.0.0.1:1',
      SHARED: 'function',
      WARDEN_WEBHOOK_SECRET: RUN_SECRET,
    });
  });

  it("never passes an operator's webhook secret over the function's own (its user data, or the run's)", () => {
    const env = functionEnvironment({ operator: { WARDEN_WEBHOOK_SECRET: 'operator', WARDEN_WEBHOOK_SECRET_X: 'x' }, run: { WARDEN_WEBHOOK_SECRET: 'run' } });
    expect(env).toEqual({ WARDEN_WEBHOOK_SECRET: 'run' });
    // An exported WARDEN_WEBHOOK_SECRET, even empty, never blanks the secret a function was deployed with.
    expect(functionEnvironment({ userData: { WARDEN_WEBHOOK_SECRET: 'own' }, operator: { WARDEN_WEBHOOK_SECRET: '' } })).toEqual({ WARDEN_WEBHOOK_SECRET: 'own' });
    expect(functionEnvironment({ operator: { WARDEN_WEBHOOK_SECRET: 'operator' } })).toEqual({});
  });

  it('the context answers user data from the resolved environment, so the policy reads the same value either way', () => {
    const environment = functionEnvironment(layers);
    const context = functionGraphContext({ requestId: 'r', functionName: 'f', deadline: 0, environment });
    const runtime = adaptContext(context);
    expect(runtime.userData('WARDEN_DRY_RUN')).toBe('true');
    expect(loadPolicy({ env: {}, userData: (name) => runtime.userData(name) }).dryRun).toBe(true);
    expect(loadPolicy({ env: environment }).dryRun).toBe(true);
  });
});

describe('functionGraphContext', () => {
  it("offers FunctionGraph's getters: request id, time left, agency credentials, logger", () => {
    let now = 1_000;
    const lines: string[] = [];
    const context = functionGraphContext({
      requestId: 'req-1',
      functionName: 'tag-new-keys',
      deadline: 4_000,
      now: () => now,
      credentials: { accessKey: 'AK', secretKey: 'SK-secret-value', securityToken: 'TOKEN-value' },
      logSink: (line) => lines.push(line),
      environment: { A: '1' },
    });
    expect(context.getRequestID()).toBe('req-1');
    expect(context.getRemainingTimeInMilliSeconds()).toBe(3_000);
    now = 5_000;
    expect(context.getRemainingTimeInMilliSeconds()).toBe(0);
    expect([context.getSecurityAccessKey(), context.getSecuritySecretKey(), context.getSecurityToken()]).toEqual(['AK', 'SK-secret-value', 'TOKEN-value']);
    expect(context.getUserData('A')).toBe('1');
    expect(context.getUserData('toString')).toBeUndefined();
    // The runtime adapter reads the agency's credentials (and registers them as secrets: masked in any log).
    expect(adaptContext(context).credentials?.()).toEqual({ accessKey: 'AK', secretKey: 'SK-secret-value', securityToken: 'TOKEN-value' });
    context.getLogger().info('using', 'SK-secret-value');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'info', function: 'tag-new-keys', requestId: 'req-1' });
    expect(lines[0]).not.toContain('SK-secret-value');
  });

  it('without an agency the getters answer "" and the adapter offers no credentials', () => {
    const context = functionGraphContext({ requestId: 'r', functionName: 'f', deadline: 0 });
    expect(context.getSecurityAccessKey()).toBe('');
    expect(adaptContext(context).credentials?.()).toBeUndefined();
  });
});
