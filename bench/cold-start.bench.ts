/**
 * Cold start: process start → handler ready (`node -e "require(bundle).handler"` until it exits), for each
 * function as `npm run build` makes it by default (dist/<function>/index.js, which requires bundle.js),
 * against a bundle of the official SDK core alone (what a KMS client needs: HcClient, DefaultHttpClient with
 * axios, BasicCredentials, AKSKSigner) and a bare `node -e 0`, interleaved in the same run, every `node` started
 * with PATH alone in its environment (see CLEAN_ENV); every script, the bare one included, ends by writing its
 * own CPU time (one `fs.writeSync`), for the CPU-time figures. Also:
 * - the same built with `--code-cache` (V8's code cache, taken only by the Node that made it: opt-in);
 * - a plain esbuild bundle of one function (no trims, no code cache: the build before them), for comparison;
 * - process start → first sweep answered (check-restorable's TIMER sweep against the local cloud with its
 *   default fixture, in its own process: two API calls), the build against that plain bundle, so that a saving
 *   merely moved to the first request would show (see answeredAt);
 * - the same cold start under the inherited environment, when it sets NODE_EXTRA_CA_CERTS or NODE_OPTIONS;
 * - each bundle's size against the official core bundle and the 400 KB budget.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { DemoIdentity } from '../local/cloud/index.ts';
import { buildFunctions, FUNCTION_BUNDLE_OPTIONS } from '../deploy/build.ts';
import { sourceOf } from '../deploy/serverless.ts';
import { startChild } from './lib/child.ts';
import { rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUDGET_BYTES = 400 * 1024;
const FIRST_SWEEP_FUNCTION = 'check-restorable';

async function officialBundle(dir: string): Promise<string> {
  const entry = join(dir, 'official-entry.cjs');
  writeFileSync(
    entry,
    [
      "const { HcClient } = require('@huaweicloud/huaweicloud-sdk-core/HcClient');",
      "const { DefaultHttpClient } = require('@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient');",
      "const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials');",
      "const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');",
      'module.exports = { HcClient, DefaultHttpClient, BasicCredentials, AKSKSigner, handler: async () => ({}) };',
    ].join('\n'),
  );
  const outfile = join(dir, 'official', 'index.js');
  await build({ ...FUNCTION_BUNDLE_OPTIONS, entryPoints: [entry], outfile, logLevel: 'error', nodePaths: [join(ROOT, 'node_modules')] });
  return outfile;
}

/** The function as one plain esbuild bundle: FUNCTION_BUNDLE_OPTIONS without the trims, no loader, no cache. */
async function plainBundle(dir: string, name: string): Promise<string> {
  const outfile = join(dir, 'plain', name, 'index.js');
  mkdirSync(join(dir, 'plain', name), { recursive: true });
  await build({ ...FUNCTION_BUNDLE_OPTIONS, plugins: [], entryPoints: [join(ROOT, sourceOf(name))], outfile, logLevel: 'error' });
  return outfile;
}

/**
 * The environment every measured `node` starts with: PATH only. Above all without NODE_EXTRA_CA_CERTS (set on
 * this machine, and no business of a function runtime): with it, Node 20 parses every bundled and extra CA
 * certificate as it starts (nodejs/node#40524), ≈ 40 ms that a bare `node -e 0` pays in full, and that
 * swells the baseline of every ratio. The figures under the inherited environment follow, marked, when it has it.
 */
const CLEAN_ENV: Readonly<Record<string, string>> = { PATH: process.env['PATH'] ?? '' };
const INHERITED_ENV = process.env as Readonly<Record<string, string>>;
const INHERITED_DIFFERS = process.env['NODE_EXTRA_CA_CERTS'] !== undefined || process.env['NODE_OPTIONS'] !== undefined;

/** Ends every measured script: writes the process's own CPU time (all threads, ms) to fd 1, for the CPU figures. */
const REPORT_CPU = "const u = process.cpuUsage(); require('fs').writeSync(1, String((u.user + u.system) / 1000))";

/** Wall time from spawn to exit, and the child's own CPU time (less sensitive to other load on the machine). */
function start(args: readonly string[], env: Readonly<Record<string, string>> = CLEAN_ENV): { wall: number; cpu: number } {
  const begin = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env, encoding: 'utf8' });
  const wall = performance.now() - begin;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  return { wall, cpu: Number(result.stdout) };
}

/**
 * Process start → the sweep's report, as the child sees it (`performance.now()` counts from the process's start):
 * not the exit after it, which FunctionGraph does not wait for and which takes ≈ 100 ms after a sweep here.
 */
function answeredAt(args: readonly string[], env: Readonly<Record<string, string>>): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('close', (code) => (code === 0 ? resolve(Number(stdout)) : reject(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr}`))));
  });
}

const series = <K extends string>(names: readonly K[]): Map<K, number[]> => new Map(names.map((name) => [name, []]));

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cold-'));
  const cloud = await startChild<{ url: string; identity: DemoIdentity }>(fileURLToPath(new URL('./lib/small-cloud.ts', import.meta.url)));
  try {
    const functions = await buildFunctions(ROOT, join(dir, 'dist'));
    const cached = await buildFunctions(ROOT, join(dir, 'dist-cached'), { codeCache: true });
    const names = functions.map((f) => f.name);
    const official = await officialBundle(dir);
    const officialBytes = statSync(official).size;
    const plain = await plainBundle(dir, FIRST_SWEEP_FUNCTION);
    const load = (bundle: string) => [
      '-e',
      `if (typeof require(${JSON.stringify(bundle)}).handler !== 'function') process.exit(3); ${REPORT_CPU}`,
    ];
    const bare = ['-e', REPORT_CPU];
    for (let i = 0; i < 2; i++) for (const args of [bare, load(official), load(plain), ...[...functions, ...cached].map((f) => load(f.bundle))]) start(args); // disk cache

    const vsOfficial = series(names);
    const vsBare = series(names);
    const cpuVsBare = series(names);
    const withCacheVsBare = series(names);
    const inheritedVsBare = series(names);
    const officialVsBare: number[] = [];
    const plainVsBare: number[] = [];
    const cpuPlainVsBare: number[] = [];
    const cpuOfficialVsBare: number[] = [];
    const inheritedPlainVsBare: number[] = [];
    for (let r = 0; r < rounds(11); r++) {
      const b = start(bare);
      const o = start(load(official));
      officialVsBare.push(o.wall / b.wall);
      cpuOfficialVsBare.push(o.cpu / b.cpu);
      const p = start(load(plain));
      plainVsBare.push(p.wall / b.wall);
      cpuPlainVsBare.push(p.cpu / b.cpu);
      for (const f of functions) {
        const t = start(load(f.bundle));
        vsOfficial.get(f.name)!.push(t.wall / o.wall);
        vsBare.get(f.name)!.push(t.wall / b.wall);
        cpuVsBare.get(f.name)!.push(t.cpu / b.cpu);
      }
      for (const f of cached) withCacheVsBare.get(f.name)!.push(start(load(f.bundle)).wall / b.wall);
      if (INHERITED_DIFFERS) {
        const bi = start(bare, INHERITED_ENV).wall;
        inheritedPlainVsBare.push(start(load(plain), INHERITED_ENV).wall / bi);
        for (const f of functions) inheritedVsBare.get(f.name)!.push(start(load(f.bundle), INHERITED_ENV).wall / bi);
      }
    }

    // Start → first sweep answered.
    const built = functions.find((f) => f.name === FIRST_SWEEP_FUNCTION)!.bundle;
    const env = {
      ...CLEAN_ENV,
      HUAWEICLOUD_ENDPOINT_URL: cloud.info.url,
      HUAWEICLOUD_REGION: cloud.info.identity.region,
      HUAWEICLOUD_SDK_PROJECT_ID: cloud.info.identity.projectId,
      HUAWEICLOUD_SDK_AK: cloud.info.identity.ak,
      HUAWEICLOUD_SDK_SK: cloud.info.identity.sk,
    };
    const event = { version: 'v1.0', time: new Date().toISOString(), trigger_type: 'TIMER', trigger_name: 'bench', user_event: '' };
    const answered = "require('fs').writeSync(1, String(performance.now()))";
    const sweep = (bundle: string) => [
      '-e',
      `require(${JSON.stringify(bundle)}).createHandler({ logSink: () => {} })(${JSON.stringify(event)}, { getRequestID: () => 'bench', getRemainingTimeInMilliSeconds: () => 60000 })` +
        `.then((r) => { if (r.actions.length === 0) process.exit(3); ${answered}; process.exit(0); }, (e) => { console.error(e); process.exit(1); })`,
    ];
    for (let i = 0; i < 2; i++) for (const bundle of [built, plain]) await answeredAt(sweep(bundle), env);
    const sweepVsPlain: number[] = [];
    const sweepVsBare: number[] = [];
    for (let r = 0; r < rounds(11); r++) {
      const b = await answeredAt(['-e', answered], env);
      const p = await answeredAt(sweep(plain), env);
      const t = await answeredAt(sweep(built), env);
      sweepVsPlain.push(t / p);
      sweepVsBare.push(t / b);
      if (process.env['BENCH_VERBOSE']) console.error(`first sweep answered at: bare ${b.toFixed(0)} ms, plain ${p.toFixed(0)} ms, built ${t.toFixed(0)} ms`);
    }

    const figures: Figure[] = [];
    for (const f of functions) {
      figures.push({ name: `cold start ${f.name} / official core bundle`, values: vsOfficial.get(f.name)!, goal: { op: '<=', value: 1.0 }, note: 'start → handler ready' });
      figures.push({ name: `cold start ${f.name} / bare node -e 0`, values: vsBare.get(f.name)!, goal: { op: '<=', value: 1.4 }, note: 'environment: PATH only' });
    }
    figures.push({ name: 'cold start official core bundle / bare node', values: officialVsBare, note: 'for scale' });
    figures.push({ name: `cold start ${FIRST_SWEEP_FUNCTION} plain esbuild bundle / bare node`, values: plainVsBare, note: 'the build without trims and code cache' });
    for (const f of functions) {
      figures.push({ name: `cold start CPU time ${f.name} / bare node`, values: cpuVsBare.get(f.name)!, note: 'all threads; less sensitive to other load' });
    }
    figures.push({ name: `cold start CPU time ${FIRST_SWEEP_FUNCTION} plain esbuild bundle / bare node`, values: cpuPlainVsBare, note: 'the build without trims and code cache' });
    figures.push({ name: 'cold start CPU time official core bundle / bare node', values: cpuOfficialVsBare, note: 'for scale' });
    for (const f of functions) {
      figures.push({ name: `cold start ${f.name} built with --code-cache / bare node`, values: withCacheVsBare.get(f.name)!, note: 'opt-in: only under the Node that built it' });
    }
    if (INHERITED_DIFFERS) {
      for (const f of functions) {
        figures.push({ name: `cold start ${f.name} / bare node, inherited environment`, values: inheritedVsBare.get(f.name)!, note: 'NODE_EXTRA_CA_CERTS set: baseline +≈ 40 ms' });
      }
      figures.push({ name: `cold start ${FIRST_SWEEP_FUNCTION} plain esbuild bundle / bare node, inherited environment`, values: inheritedPlainVsBare, note: 'the build without trims and code cache' });
    }
    figures.push({ name: `start → first sweep answered ${FIRST_SWEEP_FUNCTION} / plain esbuild bundle`, values: sweepVsPlain, note: 'local cloud, 2 calls; plain = no trims, no code cache' });
    figures.push({ name: `start → first sweep answered ${FIRST_SWEEP_FUNCTION} / bare node`, values: sweepVsBare, note: 'for scale; bare: start → end of its script' });
    for (const f of functions) {
      const cache = cached.find((c) => c.name === f.name)!;
      figures.push({
        name: `bundle ${f.name} / 400 KB`,
        values: [f.bytes / BUDGET_BYTES],
        goal: { op: '<=', value: 1.0 },
        note: `${(f.bytes / 1024).toFixed(0)} KB (${(f.zipBytes / 1024).toFixed(0)} KB zipped; --code-cache adds ${(cache.cacheBytes / 1024).toFixed(0)} KB); official core ${(officialBytes / 1024).toFixed(0)} KB`,
      });
    }
    return figures;
  } finally {
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { table } = await import('./lib/stats.ts');
  console.log(table(await run()));
}
