/**
 * Cold start: process start → handler ready (`node -e "require(bundle).handler"` until it exits), for each
 * function bundle as `npm run build` makes it, against a bundle of the official SDK core alone (what a KMS
 * client needs: HcClient, DefaultHttpClient with axios, BasicCredentials, AKSKSigner) and a bare `node -e 0`,
 * interleaved in the same run. Also each bundle's size against the official core bundle and the 400 KB budget.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildFunctions } from '../local/build.ts';
import { rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';
import { FUNCTION_BUNDLE_OPTIONS } from '../local/build.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUDGET_BYTES = 400 * 1024;

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

function startMs(args: readonly string[]): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = performance.now() - start;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return elapsed;
}

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cold-'));
  try {
    const functions = await buildFunctions(ROOT, join(dir, 'dist'));
    const official = await officialBundle(dir);
    const officialBytes = statSync(official).size;
    const load = (bundle: string) => ['-e', `if (typeof require(${JSON.stringify(bundle)}).handler !== 'function') process.exit(3)`];
    const bare = ['-e', '0'];
    for (let i = 0; i < 2; i++) for (const args of [bare, load(official), ...functions.map((f) => load(f.bundle))]) startMs(args); // disk cache
    const vsOfficial = new Map<string, number[]>(functions.map((f) => [f.name, []]));
    const vsBare = new Map<string, number[]>(functions.map((f) => [f.name, []]));
    const officialVsBare: number[] = [];
    for (let r = 0; r < rounds(11); r++) {
      const b = startMs(bare);
      const o = startMs(load(official));
      officialVsBare.push(o / b);
      for (const f of functions) {
        const t = startMs(load(f.bundle));
        vsOfficial.get(f.name)!.push(t / o);
        vsBare.get(f.name)!.push(t / b);
      }
    }
    const figures: Figure[] = [];
    for (const f of functions) {
      figures.push({ name: `cold start ${f.name} / official core bundle`, values: vsOfficial.get(f.name)!, goal: { op: '<=', value: 1.0 }, note: 'start → handler ready' });
      figures.push({ name: `cold start ${f.name} / bare node -e 0`, values: vsBare.get(f.name)!, goal: { op: '<=', value: 1.4 } });
    }
    figures.push({ name: 'cold start official core bundle / bare node', values: officialVsBare, note: 'for scale' });
    for (const f of functions) {
      figures.push({
        name: `bundle ${f.name} / 400 KB`,
        values: [f.bytes / BUDGET_BYTES],
        goal: { op: '<=', value: 1.0 },
        note: `${(f.bytes / 1024).toFixed(0)} KB (${(f.zipBytes / 1024).toFixed(0)} KB zipped); official core ${(officialBytes / 1024).toFixed(0)} KB`,
      });
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { table } = await import('./lib/stats.ts');
  console.log(table(await run()));
}
