import { afterAll, describe, expect, it } from 'vitest';
import { guardrail } from '../../../shared/runtime/guardrail.ts';
import { timerEvent } from '../../support/functions.ts';
import { startRig } from './helpers.ts';
import type { HostRig } from './helpers.ts';

/** Configuration typos and invalid values: said at the start (npm start) or the cold start (a function), once. */

const rigs: HostRig[] = [];
afterAll(async () => {
  for (const rig of rigs) await rig.close();
});

describe('npm start and the configuration', () => {
  it('stops at start on an invalid policy value, naming it', async () => {
    await expect(startRig({ userEnv: { WARDEN_MAX_DELETIONS: 'abc' } })).rejects.toThrow(
      /^tag-new-keys: invalid configuration: WARDEN_MAX_DELETIONS: expected a whole number ≥ 0, got "abc" \(set in your environment or serverless.yml\)$/,
    );
  });

  it('warns of an unknown WARDEN_* setting, naming the closest known one', async () => {
    const rig = await startRig({ userEnv: { WARDEN_MAX_DELETION: '3' } });
    rigs.push(rig);
    expect(rig.host.configurationWarnings).toEqual(['WARDEN_MAX_DELETION is not a setting hwc-warden knows; it has no effect (did you mean WARDEN_MAX_DELETIONS?)']);
  });
});

describe('a guardrail at cold start', () => {
  it('logs an unknown WARDEN_* setting once, through the functions’ logger', async () => {
    const logs: string[] = [];
    const env = { HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: 'p', HUAWEICLOUD_SDK_AK: 'AK', HUAWEICLOUD_SDK_SK: 'SK', WARDEN_DRYRUN: 'true' };
    const handler = guardrail({ name: 'typo-test', traceNames: [], run: async () => {} }, { env, logSink: (line) => logs.push(line) }) as unknown as (
      event: unknown,
      context: unknown,
    ) => Promise<unknown>;
    const context = { getRequestID: () => 'req', getRemainingTimeInMilliSeconds: () => 60_000, getUserData: () => undefined };
    await handler(timerEvent(), context);
    await handler(timerEvent(), context);
    const warnings = logs.map((line) => JSON.parse(line)).filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ message: 'WARDEN_DRYRUN is not a setting hwc-warden knows; it has no effect (did you mean WARDEN_DRY_RUN?)', variable: 'WARDEN_DRYRUN' });
  });
});
