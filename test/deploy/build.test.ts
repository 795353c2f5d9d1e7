import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions, FUNCTION_FILES } from '../../deploy/build.ts';
import type { BuiltFunction } from '../../deploy/build.ts';
import { localCloudEnv } from '../../cli/invoke.ts';
import { loadServerless } from '../../deploy/serverless.ts';
import { codeDigest, unzip } from '../../deploy/zip.ts';
import { startRig, timerEvent } from '../support/functions.ts';
import type { FunctionRig } from '../support/functions.ts';

const root = join(import.meta.dirname, '..', '..');
let outDir: string;
/** `npm run build`, as deployed by default. */
let built: BuiltFunction[];
/** `warden build --code-cache`. */
let cached: BuiltFunction[];

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'warden-build-'));
  built = await buildFunctions(root, join(outDir, 'dist'));
  cached = await buildFunctions(root, join(outDir, 'cached'), { codeCache: true });
}, 90_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Node built-ins that the bundle trims (deploy/build.ts) keep a function from loading. */
const TRIMMED = ['http2', 'assert', 'stream/web', 'tls'];
const LOADED_TRIMMED = `${JSON.stringify(TRIMMED)}.filter((m) => process.moduleLoadList.includes('NativeModule ' + m))`;
const CACHE_STATUS = /^warden: code cache (.*)$/m;

/** A copy of one function's directory as built with the code cache, elsewhere, to move or damage without touching the others. */
function copyOf(name: string): string {
  const dir = join(mkdtempSync(join(outDir, 'copy-')), name);
  cpSync(join(outDir, 'cached', name), dir, { recursive: true });
  return dir;
}

/**
 * Loads <dir>/index.js in plain Node as FunctionGraph would (no node_modules around, WARDEN_CODE_CACHE=verbose
 * unless `mode` says otherwise): what the loader says of the code cache, the handler's type, which trimmed
 * built-ins got loaded.
 */
function load(dir: string, options: { flags?: string[]; mode?: string } = {}): { cache: string; handler: string; trimmed: string[] } {
  const script = `const m = require(${JSON.stringify(join(dir, 'index.js'))}); process.stdout.write(JSON.stringify({ handler: typeof m.handler, trimmed: ${LOADED_TRIMMED} }))`;
  const result = spawnSync(process.execPath, [...(options.flags ?? []), '-e', script], {
    cwd: tmpdir(),
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', WARDEN_CODE_CACHE: options.mode ?? 'verbose' },
  });
  if (result.status !== 0) throw new Error(`loading ${dir} failed (${result.status ?? result.signal}): ${result.stderr}`);
  const out = JSON.parse(result.stdout) as { handler: string; trimmed: string[] };
  return { cache: CACHE_STATUS.exec(result.stderr)?.[1] ?? '(nothing said)', ...out };
}

describe('npm run build', () => {
  it('bundles exactly the functions serverless.yml declares, each zip holding the handler\'s file at its root', () => {
    const service = loadServerless(join(root, 'serverless.yml'));
    expect(built.map((f) => f.name).sort()).toEqual(Object.keys(service.functions).sort());
    for (const fn of built) {
      const { handler, code } = service.functions[fn.name]!;
      expect(handler, fn.name).toBe('index.handler');
      expect(code?.codeUri, fn.name).toBe(`dist/${fn.name}`);
      expect(unzip(readFileSync(fn.zip)).map((entry) => entry.name), fn.name).toContain('index.js');
    }
  });

  it('is reproducible: built again from a copy of the tree elsewhere, every zip has the same SHA-512 (FunctionGraph\'s digest)', async () => {
    const copy = join(outDir, 'tree-copy');
    for (const part of ['functions', 'shared', 'deploy', 'serverless.yml', 'package.json', 'tsconfig.json']) cpSync(join(root, part), join(copy, part), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    const again = await buildFunctions(copy, join(copy, 'dist'));
    expect(again.map((fn) => fn.name)).toEqual(built.map((fn) => fn.name));
    for (const [index, fn] of built.entries()) {
      expect(fn.digest, fn.name).toBe(codeDigest(readFileSync(fn.zip)));
      expect(again[index]!.digest, fn.name).toBe(fn.digest);
    }
  }, 60_000);

  it('writes self-contained CommonJS functions that plain Node loads, exporting handler; by default without a code cache', () => {
    for (const fn of built) {
      expect(fn.cache, fn.name).toBeUndefined();
      expect(load(join(outDir, 'dist', fn.name)), fn.name).toEqual({ cache: 'missing', handler: 'function', trimmed: [] });
    }
  });

  it('with --code-cache, writes one that plain Node (this one) takes', () => {
    for (const fn of cached) {
      expect(fn.cacheBytes, fn.name).toBeGreaterThan(100_000);
      expect(load(join(outDir, 'cached', fn.name)), fn.name).toEqual({ cache: 'accepted', handler: 'function', trimmed: [] });
    }
  });

  it('packs each function directory (entry, bundle, package.json, and the code cache when built) in a valid zip', () => {
    // unzip() inflates every entry and checks its CRC-32; each must equal the file it was made from.
    const names = (zipPath: string) =>
      unzip(readFileSync(zipPath))
        .map((entry) => {
          expect(entry.data.equals(readFileSync(join(zipPath.replace(/\.zip$/, ''), entry.name))), entry.name).toBe(true);
          return entry.name;
        })
        .join(',');
    for (const fn of built) {
      expect(names(fn.zip), fn.name).toBe(FUNCTION_FILES.filter((file) => file !== 'bundle.cache').join(','));
      expect(fn.zipBytes).toBeLessThan(fn.bytes);
    }
    for (const fn of cached) {
      expect(names(fn.zip), fn.name).toBe(FUNCTION_FILES.join(','));
      expect(fn.zipBytes).toBeLessThan(fn.bytes + fn.cacheBytes);
    }
  });
});

describe('the code cache next to each bundle (--code-cache)', () => {
  const name = 'guard-key-deletion';

  it('is used wherever the function directory is unpacked (it does not depend on the path)', () => {
    expect(load(copyOf(name))).toEqual({ cache: 'accepted', handler: 'function', trimmed: [] });
  });

  it('is refused by V8 under other V8 flags, and the function loads all the same', () => {
    expect(load(copyOf(name), { flags: ['--max-old-space-size=512'] })).toEqual({ cache: 'rejected by V8', handler: 'function', trimmed: [] });
  });

  it('is skipped when WARDEN_CODE_CACHE=off', () => {
    expect(load(copyOf(name), { mode: 'off' }).handler).toBe('function');
    const dir = copyOf(name);
    const result = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(dir, 'index.js'))})`], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', WARDEN_CODE_CACHE: 'off' } });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('is not handed to V8 when missing, damaged, truncated, made for another bundle or by another Node; the function loads all the same', () => {
    const cases: Array<[string, (dir: string) => void, string]> = [
      ['missing', (dir) => rmSync(join(dir, 'bundle.cache')), 'missing'],
      [
        // V8 does not check a cache's bytes in a release build: handed this one, it crashes the process.
        'bytes flipped in the V8 data',
        (dir) => {
          const file = readFileSync(join(dir, 'bundle.cache'));
          for (const at of [0.3, 0.5, 0.7]) file[Math.floor(file.length * at)]! ^= 0xff;
          writeFileSync(join(dir, 'bundle.cache'), file);
        },
        'invalid (digest)',
      ],
      ['truncated', (dir) => writeFileSync(join(dir, 'bundle.cache'), readFileSync(join(dir, 'bundle.cache')).subarray(0, 100_000)), 'invalid (digest)'],
      [
        // Same length, so V8's own source check (the length) would pass it.
        'bundle.js changed after the cache was made',
        (dir) => {
          const code = readFileSync(join(dir, 'bundle.js'), 'utf8');
          expect(code.startsWith('"use strict";')).toBe(true);
          writeFileSync(join(dir, 'bundle.js'), `'use strict';${code.slice('"use strict";'.length)}`);
        },
        'invalid (digest)',
      ],
      [
        'made by another Node',
        (dir) => {
          const file = readFileSync(join(dir, 'bundle.cache'));
          writeFileSync(join(dir, 'bundle.cache'), Buffer.from(file.toString('latin1').replace(`"node":"${process.version}"`, '"node":"v20.15.1"'), 'latin1'));
        },
        `not used (made by Node v20.15.1 ${process.arch}, this is ${process.version} ${process.arch})`,
      ],
      ['not a cache at all', (dir) => writeFileSync(join(dir, 'bundle.cache'), 'garbage'), 'invalid (header)'],
      ['another format', (dir) => writeFileSync(join(dir, 'bundle.cache'), 'null\n'), 'invalid (format)'],
    ];
    for (const [what, damage, status] of cases) {
      const dir = copyOf(name);
      damage(dir);
      expect(load(dir), what).toEqual({ cache: status, handler: 'function', trimmed: [] });
    }
  });

  it('keeps stack traces pointing at the right line and column of bundle.js, with and without the cache', () => {
    const dir = copyOf(name);
    for (const mode of ['verbose', 'off']) {
      const result = spawnSync(
        process.execPath,
        ['-e', `try { require(${JSON.stringify(join(dir, 'index.js'))}).planGuard(null); } catch (e) { process.stdout.write(String(e.stack)); }`],
        { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', WARDEN_CODE_CACHE: mode } },
      );
      expect(result.stderr).toBe(mode === 'off' ? '' : 'warden: code cache accepted\n');
      expect(result.stdout).toContain("Cannot read properties of null (reading 'key')");
      const [, line, column] = /bundle\.js:(\d+):(\d+)/.exec(result.stdout) ?? [];
      expect(line, result.stdout).toBeDefined();
      const text = readFileSync(join(dir, 'bundle.js'), 'utf8').split('\n')[Number(line) - 1]!;
      expect(text.slice(Number(column) - 1), mode).toMatch(/^key\b/);
    }
  });
});

describe('a bundled handler, run by plain Node against the embedded cloud', () => {
  let rig: FunctionRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(() => rig.close());

  /** One TIMER sweep of <dir>/index.js in plain Node; the report, the log, and the trimmed built-ins loaded by then. */
  async function sweep(dir: string, extraEnv: Record<string, string> = {}): Promise<{ status: number; report: any; stderr: string; trimmed: string[] }> {
    const script = `require(${JSON.stringify(join(dir, 'index.js'))}).handler(${JSON.stringify(timerEvent())}, { getRequestID: () => 'r1', getRemainingTimeInMilliSeconds: () => 60000 })
      .then((r) => process.stdout.write(JSON.stringify({ report: r, trimmed: ${LOADED_TRIMMED} })), (e) => { process.stderr.write(String(e)); process.exit(1); });`;
    // Asynchronously: the embedded cloud answers from this process's event loop.
    const run = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      const env = { PATH: process.env['PATH'] ?? '', WARDEN_CODE_CACHE: 'verbose', ...localCloudEnv(rig.cloud), ...extraEnv };
      execFile(process.execPath, ['-e', script], { cwd: tmpdir(), encoding: 'utf8', env }, (error, stdout, stderr) =>
        resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    const out = run.status === 0 ? (JSON.parse(run.stdout) as { report: unknown; trimmed: string[] }) : { report: undefined, trimmed: [] };
    return { status: run.status, stderr: run.stderr, ...out };
  }

  it('sweeps and reports like the source does, with none of the trimmed built-ins loaded on the way', async () => {
    const run = await sweep(join(outDir, 'dist', 'check-restorable'));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('warden: code cache missing');
    expect(run.report).toMatchObject({ function: 'check-restorable', trigger: 'timer', dryRun: false });
    expect(run.report.actions.length).toBeGreaterThan(0);
    // Not merely put off to the first request: still not loaded once the sweep has answered.
    expect(run.trimmed).toEqual([]);
    // Logs went to stderr as JSON lines, without the secret key.
    expect(run.stderr).toContain('"function":"check-restorable"');
    expect(run.stderr).not.toContain(rig.cloud.identity.sk);
  });

  it("says why it cannot run where undici would need its HTTP parser without WebAssembly SIMD (left out of the bundle)", async () => {
    const run = await sweep(join(outDir, 'dist', 'check-restorable'), { UNDICI_NO_WASM_SIMD: '1' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.report.counts.failed).toBeGreaterThan(0);
    for (const action of run.report.actions) expect(action.reason).toContain("undici's HTTP parser without WebAssembly SIMD is not in this bundle");
  });

  it('sweeps the same with a damaged code cache (compiled from source instead)', async () => {
    const dir = copyOf('check-restorable');
    const file = readFileSync(join(dir, 'bundle.cache'));
    file[file.length - 1000]! ^= 0xff;
    writeFileSync(join(dir, 'bundle.cache'), file);
    const run = await sweep(dir);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('warden: code cache invalid (digest)');
    expect(run.report).toMatchObject({ function: 'check-restorable', trigger: 'timer', dryRun: false });
    expect(run.report.actions.length).toBeGreaterThan(0);
  });
});
