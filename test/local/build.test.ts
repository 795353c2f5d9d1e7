import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../local/build.ts';
import type { BuiltFunction } from '../../local/build.ts';
import { localCloudEnv } from '../../local/invoke.ts';
import { loadServerless } from '../../local/serverless.ts';
import { startRig, timerEvent } from '../support/functions.ts';
import type { FunctionRig } from '../support/functions.ts';

const root = join(import.meta.dirname, '..', '..');
let outDir: string;
let built: BuiltFunction[];

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'warden-build-'));
  built = await buildFunctions(root, outDir);
}, 60_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('npm run build', () => {
  it('bundles exactly the functions serverless.yml declares, where their handlers point', () => {
    const service = loadServerless(join(root, 'serverless.yml'));
    expect(built.map((f) => f.name).sort()).toEqual(Object.keys(service.functions).sort());
    for (const [name, fn] of Object.entries(service.functions)) {
      expect(fn.handler).toBe(`dist/${name}/index.handler`);
    }
  });

  it('writes self-contained CommonJS bundles that plain Node loads, exporting handler', () => {
    for (const fn of built) {
      const out = execFileSync(process.execPath, ['-e', `const m = require(${JSON.stringify(fn.bundle)}); process.stdout.write(typeof m.handler)`], {
        cwd: tmpdir(), // no node_modules to fall back on
        encoding: 'utf8',
      });
      expect(out, fn.name).toBe('function');
    }
  });

  it('packs each bundle alone in a valid zip', () => {
    for (const fn of built) {
      const listing = execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(",".join(z.namelist()))', fn.zip], { encoding: 'utf8' });
      expect(listing.trim(), fn.name).toBe('index.js');
      expect(fn.zipBytes).toBeLessThan(fn.bytes);
    }
  });
});

describe('a bundled handler, run by plain Node against the embedded cloud', () => {
  let rig: FunctionRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(() => rig.close());

  it('sweeps and reports like the source does', async () => {
    const bundle = built.find((f) => f.name === 'check-restorable')!.bundle;
    const script = `require(${JSON.stringify(bundle)}).handler(${JSON.stringify(timerEvent())}, { getRequestID: () => 'r1', getRemainingTimeInMilliSeconds: () => 60000 })
      .then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e)); process.exit(1); });`;
    // Asynchronously: the embedded cloud answers from this process's event loop.
    const run = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      const env = { PATH: process.env['PATH'] ?? '', ...localCloudEnv(rig.cloud) };
      execFile(process.execPath, ['-e', script], { cwd: tmpdir(), encoding: 'utf8', env }, (error, stdout, stderr) =>
        resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ function: 'check-restorable', trigger: 'timer', dryRun: false });
    expect(report.actions.length).toBeGreaterThan(0);
    // Logs went to stderr as JSON lines, without the secret key.
    expect(run.stderr).toContain('"function":"check-restorable"');
    expect(run.stderr).not.toContain(rig.cloud.identity.sk);
  });
});
