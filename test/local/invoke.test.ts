import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invoke, readEvent } from '../../local/invoke.ts';

const root = join(import.meta.dirname, '..', '..');
const sample = (fn: string, trigger: string) => readEvent(join(root, 'events', fn, `${trigger}.json`));

describe('warden invoke', () => {
  it('runs a sample event against a fresh embedded cloud with --local', async () => {
    const logs: string[] = [];
    const { result, failed } = await invoke({
      root,
      functionName: 'check-restorable',
      event: sample('check-restorable', 'timer'),
      local: true,
      env: {},
      logSink: (line) => logs.push(line),
    });
    expect(result).toMatchObject({ function: 'check-restorable', trigger: 'timer', dryRun: false });
    // The default fixture's only backup is days old: the run reports it stale, and says the run failed.
    expect((result as { counts: { failed: number } }).counts.failed).toBeGreaterThan(0);
    expect(failed).toBe(true);
    expect(logs.some((line) => line.includes('"run finished"'))).toBe(true);
  });

  it('signs a sample webhook for the local run and honours --dry-run', async () => {
    const { result } = await invoke({
      root,
      functionName: 'prune-orphan-events',
      event: sample('prune-orphan-events', 'apig'),
      local: true,
      dryRun: true,
      env: {},
      logSink: () => {},
    });
    const response = result as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    const report = JSON.parse(response.body);
    expect(report).toMatchObject({ function: 'prune-orphan-events', trigger: 'apig', dryRun: true });
    expect(report.counts.applied).toBe(0);
  });

  it('refuses to target the real cloud without credentials, naming what is missing', async () => {
    await expect(
      invoke({ root, functionName: 'tag-new-keys', event: sample('tag-new-keys', 'timer'), env: {} }),
    ).rejects.toThrow(/HUAWEICLOUD_SDK_PROJECT_ID is not set: .* or use --local/); // the region comes from serverless.yml
    await expect(
      invoke({
        root,
        functionName: 'tag-new-keys',
        event: sample('tag-new-keys', 'timer'),
        env: { HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: 'p', HUAWEICLOUD_SDK_AK: 'AKONLY' },
      }),
    ).rejects.toThrow(/HUAWEICLOUD_SDK_SK is not set.*--local/);
  });

  it('names an unknown function and lists the declared ones', async () => {
    await expect(invoke({ root, functionName: 'nope', event: {}, local: true, env: {} })).rejects.toThrow(
      /unknown function "nope"; serverless.yml declares: tag-new-keys, guard-key-deletion, prune-orphan-events, check-restorable/,
    );
  });

  it('says which event file is not JSON', () => {
    expect(() => readEvent('-', () => '{nope')).toThrow(/the event in standard input is not valid JSON/);
  });
});
