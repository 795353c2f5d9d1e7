import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invoke, readEvent } from '../../cli/invoke.ts';

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
    // npm start's demo data: servers with restorable backups, and some stale or without any (a failed run).
    const { counts } = result as { counts: { applied: number; failed: number } };
    expect(counts.applied).toBeGreaterThan(0);
    expect(counts.failed).toBeGreaterThan(0);
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
    ).rejects.toThrow(/HUAWEICLOUD_REGION and HUAWEICLOUD_SDK_PROJECT_ID are not set: .* or use --local/); // serverless.yml names no region for the functions: deploy sets it
    await expect(
      invoke({
        root,
        functionName: 'tag-new-keys',
        event: sample('tag-new-keys', 'timer'),
        env: { HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: 'p', HUAWEICLOUD_SDK_AK: 'AKONLY' },
      }),
    ).rejects.toThrow(/HUAWEICLOUD_SDK_SK is not set.*--local/);
  });

  it('runs the zip warden deploy would upload, in a process of its own, and names how a function failed', async () => {
    const service = join(root, 'test', 'local', 'host', 'service');
    const request = { ...(sample('prune-orphan-events', 'apig') as Record<string, unknown>), path: '/echo', httpMethod: 'GET' };
    const { result } = await invoke({ root: service, functionName: 'echo', event: request, local: true, env: {}, logSink: () => {} });
    const echoed = JSON.parse((result as { body: string }).body);
    expect(echoed.env.pid).not.toBe(process.pid);
    expect(echoed.env).toMatchObject({ WARDEN_FROM_USER_DATA: 'user-data', hasSecret: true });

    const boom = { ...request, path: '/boom', httpMethod: 'POST' };
    await expect(invoke({ root: service, functionName: 'boom', event: boom, local: true, env: {}, logSink: () => {} })).rejects.toThrow(/^boom failed: Error: connection to db\.internal:5432 failed/);
  });

  it('lets --dry-run win over your WARDEN_DRY_RUN=false, and names a function that does not build', async () => {
    const { result } = await invoke({ root, functionName: 'guard-key-deletion', event: sample('guard-key-deletion', 'timer'), local: true, dryRun: true, env: { WARDEN_DRY_RUN: 'false' }, logSink: () => {} });
    expect(result).toMatchObject({ dryRun: true, counts: { applied: 0 } });

    const broken = mkdtempSync(join(tmpdir(), 'warden-invoke-broken-'));
    try {
      cpSync(join(root, 'test', 'local', 'host', 'service'), broken, { recursive: true });
      writeFileSync(join(broken, 'functions', 'keys.ts'), 'export const handler = async () => { return (;\n');
      const trace = sample('tag-new-keys', 'cts');
      await expect(invoke({ root: broken, functionName: 'keys', event: trace, local: true, env: {}, logSink: () => {} })).rejects.toThrow(/^function keys: esbuild could not bundle functions\/keys\.ts/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
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

describe('warden invoke, the command', () => {
  const run = (args: string[], input?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [join(root, 'bin', 'warden.js'), 'invoke', ...args], { cwd: root, env: { PATH: process.env['PATH'] ?? '', XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'] ?? '' } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
      if (input !== undefined) child.stdin?.end(input);
    });

  it('prints the report on stdout and JSON log lines on stderr', async () => {
    const { code, stdout, stderr } = await run(['guard-key-deletion', '--event', 'events/guard-key-deletion/timer.json', '--local', '--dry-run']);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ function: 'guard-key-deletion', trigger: 'timer', dryRun: true });
    expect(report.counts.planned).toBeGreaterThan(0); // the default fixture has a protected key pending deletion
    // Before the run, what it targets and where its policy comes from, in words; then the function's JSON logs.
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^warden invoke: policy: serverless.yml/);
    const logs = lines.filter((line) => !line.startsWith('warden invoke: '));
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(JSON.parse(line)).toHaveProperty('function', 'guard-key-deletion');
  }, 30_000);

  it('reads the event from standard input and exits 1 with a clear message on bad input', async () => {
    const bad = await run(['tag-new-keys', '--event', '-', '--local'], '{"cts":');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^warden invoke: the event in standard input is not valid JSON/);
    const missing = await run(['tag-new-keys']);
    expect(missing.stderr).toMatch(/--event <file\|-> or --data '<json>' is required/);
  }, 30_000);
});
