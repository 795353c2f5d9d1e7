/**
 * Sweeps at scale: the local cloud (its own process) holds 50,000 keys and answers every API call after 20 ms;
 * each function's TIMER sweep runs from its deployable bundle (`npm run build`'s) under plain Node in another process. Per sweep: wall time against the minimum
 * (calls × latency / concurrency), calls against the minimum the data needs (see BENCHMARKS.md for the
 * derivation), and the sweep process's peak RSS against 150 MB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunctions } from '../deploy/build.ts';
import { createInterface } from 'node:readline';
import { HuaweiCloud } from '../shared/hwc/index.ts';
import { forEachLimit } from '../shared/runtime/concurrency.ts';
import { startChild } from './lib/child.ts';
import { SCENARIO } from './lib/sweep-cloud.ts';
import { rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CONCURRENCY = Number(process.env.WARDEN_CONCURRENCY ?? 8);
const PAGE = 1000;

interface Stats {
  requests: number;
  byOperation: Record<string, number>;
}

/** The fewest calls each sweep can make on this data, whatever its design (derivation in BENCHMARKS.md). */
function minimumCalls(name: string): number {
  const { keys, untaggedEvery, pendingEvery } = SCENARIO;
  const untagged = Math.ceil(keys / untaggedEvery);
  const pending = Math.floor(keys / pendingEvery);
  const protectedKeys = Math.ceil(pending / 2);
  // Every key's tags must be read (one unfiltered ListKmsByTags page brings 1,000 keys with their tags and
  // details), and each key lacking the policy tags needs one BatchCreateKmsTags.
  if (name === 'tag-new-keys') return Math.ceil(keys / PAGE) + untagged;
  // The pending keys (ListKeys, state 4), then each one's tags: a ShowKmsTags per pending key or the unfiltered
  // listing, whichever is fewer (a tag filter matches values exactly, the protect tag's "true" is any case);
  // then per protected key `in-progress`, CancelKeyDeletion and the audit tag (the tag written before the cancel
  // is what lets a later run finish what one could not), and one listing of the keys left `in-progress`.
  return Math.ceil(pending / PAGE) + Math.min(pending, Math.ceil(keys / PAGE)) + 3 * protectedKeys + 1;
}

/**
 * For scale: what the same cloud, client and concurrency give with no sweep at all: 2,000 BatchCreateKmsTags
 * back to back, 8 at a time, against the formula. Per-call overhead (timers, both processes' CPU) shows here.
 */
async function bareCalls(info: { url: string; identity: unknown }, lines: AsyncIterator<string>, command: (line: string) => () => void): Promise<Figure> {
  const id = info.identity as { region: string; projectId: string; ak: string; sk: string };
  const hwc = HuaweiCloud.fromEnv({
    HUAWEICLOUD_REGION: id.region,
    HUAWEICLOUD_SDK_PROJECT_ID: id.projectId,
    HUAWEICLOUD_SDK_AK: id.ak,
    HUAWEICLOUD_SDK_SK: id.sk,
    HUAWEICLOUD_ENDPOINT_URL: info.url,
  });
  const keyIds = Array.from({ length: 2000 }, (_, i) => `00000000-0000-4000-8000-${(i * SCENARIO.untaggedEvery).toString(16).padStart(12, '0')}`);
  const values: number[] = [];
  try {
    for (let r = 0; r < rounds(3); r++) {
      await ask(lines, command('reset'));
      const start = performance.now();
      await forEachLimit(keyIds, CONCURRENCY, async (key_id) => {
        await hwc.kms.batchCreateKmsTags({ key_id, action: 'create', tags: [{ key: 'team', value: 'platform' }] });
      });
      values.push((performance.now() - start) / ((keyIds.length * LATENCY_MS) / CONCURRENCY));
    }
  } finally {
    await hwc.close();
  }
  return { name: `bare calls, no sweep: time / (calls × ${LATENCY_MS} ms / ${CONCURRENCY})`, values, note: 'for scale: 2,000 BatchCreateKmsTags' };
}

async function ask<T>(lines: AsyncIterator<string>, send: () => void): Promise<T> {
  send();
  const next = await lines.next();
  return JSON.parse(next.value as string) as T;
}

function sweep(bundle: string, url: string, identity: unknown): Promise<{ ms: number; rss: number; counts: Record<string, number> }> {
  const script = fileURLToPath(new URL('./lib/sweep-run.cjs', import.meta.url));
  const child = spawn(process.execPath, [script, bundle, url, JSON.stringify(identity), String(CONCURRENCY)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${bundle} sweep exited with ${code}: ${out}`))));
  });
}

export async function run(): Promise<Figure[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const bundles = new Map((await buildFunctions(fileURLToPath(new URL('..', import.meta.url)), outDir)).map((f) => [f.name, f.bundle]));
  const cloud = await startChild<{ url: string; identity: unknown }>(fileURLToPath(new URL('./lib/sweep-cloud.ts', import.meta.url)), [String(LATENCY_MS)]);
  const lines = createInterface({ input: cloud.child.stdout! })[Symbol.asyncIterator]();
  const command = (line: string) => () => cloud.child.stdin!.write(`${line}\n`);
  const figures: Figure[] = [];
  try {
    figures.push(await bareCalls(cloud.info, lines, command));
    for (const name of ['tag-new-keys', 'guard-key-deletion']) {
      const time: number[] = [];
      const callsRatio: number[] = [];
      const rss: number[] = [];
      const min = minimumCalls(name);
      for (let r = 0; r < rounds(3); r++) {
        await ask(lines, command('reset'));
        const before = (await ask<{ stats: Stats }>(lines, command('stats'))).stats.requests;
        const result = await sweep(bundles.get(name)!, cloud.info.url, cloud.info.identity);
        const after = await ask<{ stats: Stats; rss: number }>(lines, command('stats'));
        const calls = after.stats.requests - before;
        time.push(result.ms / ((calls * LATENCY_MS) / CONCURRENCY));
        callsRatio.push(calls / min);
        rss.push(result.rss / 1024 / 150);
        if (process.env.BENCH_VERBOSE) {
          console.error(`${name}: ${calls} calls in ${(result.ms / 1000).toFixed(1)} s, sweep RSS ${(result.rss / 1024).toFixed(0)} MB, cloud RSS ${(after.rss / 1024).toFixed(0)} MB, report ${JSON.stringify(result.counts)}, by operation ${JSON.stringify(after.stats.byOperation)}`);
        }
      }
      figures.push(
        { name: `sweep ${name}: time / (calls × ${LATENCY_MS} ms / ${CONCURRENCY})`, values: time, goal: { op: '<=', value: 1.15 }, note: `${SCENARIO.keys} keys` },
        { name: `sweep ${name}: calls / minimum needed`, values: callsRatio, goal: { op: '<=', value: 1.05 }, note: `minimum ${min} (derivation: BENCHMARKS.md)` },
        { name: `sweep ${name}: peak RSS / 150 MB`, values: rss, goal: { op: '<=', value: 1.0 }, note: 'sweep process, max RSS' },
      );
    }
  } finally {
    await cloud.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { table } = await import('./lib/stats.ts');
  console.log(table(await run()));
  process.exit(0);
}
