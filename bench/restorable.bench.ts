/**
 * check-restorable on CBR at scale: the local cloud (its own process) holds 5,000 servers and 50,000 CBR backups
 * and answers every API call after 20 ms; the function's deployable bundle sweeps under plain Node in another
 * process. Per round: calls against the minimum needed (BENCHMARKS.md derives it), wall time against the
 * minimum's time (the formula the sweeps use, and a measured floor: the same calls made bare), and the sweep
 * process's peak RSS against 150 MB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import PoolClass from 'undici/lib/dispatcher/pool.js';
import poolRequest from 'undici/lib/api/api-request.js';
import { buildFunctions } from '../deploy/build.ts';
import { signRequest } from '../shared/hwc/signer.ts';
import { forEachLimit } from '../shared/runtime/concurrency.ts';
import { startChild } from './lib/child.ts';
import { SCENARIO } from './lib/restorable-cloud.ts';
import { rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CONCURRENCY = Number(process.env.WARDEN_CONCURRENCY ?? 8);
const PAGE = 1000;

interface Identity {
  ak: string;
  sk: string;
  projectId: string;
  region: string;
}

/**
 * The fewest calls any design makes on this data (BENCHMARKS.md): every server with its disks (ListServersDetails,
 * 1,000 a page, the disks included), every server backup (ListBackups, 1,000 a page, children included) and the
 * server vaults (ListVault, 1,000 a page).
 */
export function minimumCalls(): number {
  return Math.ceil(1 / PAGE) + Math.ceil(SCENARIO.servers / PAGE) + Math.ceil(SCENARIO.backups / PAGE);
}

/** The paths of those calls, offsets known in advance (an oracle: no first page needed to learn the totals). */
function minimumPaths(projectId: string): string[] {
  const paths = [`/v3/${projectId}/vaults?object_type=server&limit=${PAGE}&offset=0`];
  for (let page = 1; page <= Math.ceil(SCENARIO.servers / PAGE); page++) paths.push(`/v1/${projectId}/cloudservers/detail?limit=${PAGE}&offset=${page}`);
  for (let offset = 0; offset < SCENARIO.backups; offset += PAGE) {
    paths.push(`/v3/${projectId}/backups?resource_type=OS%3A%3ANova%3A%3AServer&image_type=backup&limit=${PAGE}&offset=${offset}`);
  }
  return paths;
}

/** The floor: the minimum calls, `CONCURRENCY` at a time, signed, each answer read and JSON-parsed, nothing else. */
async function bareMinimum(url: string, identity: Identity): Promise<number> {
  const pool = new PoolClass(url, { connections: 16, pipelining: 1 });
  const credentials = { ak: identity.ak, sk: identity.sk };
  const started = performance.now();
  try {
    await forEachLimit(minimumPaths(identity.projectId), CONCURRENCY, async (path) => {
      const target = new URL(url + path);
      const headers = signRequest({ method: 'GET', url: target, headers: { 'X-Project-Id': identity.projectId }, body: undefined }, credentials);
      const response = await poolRequest.call(pool, { method: 'GET', path, headers });
      if (response.statusCode !== 200) throw new Error(`${path}: HTTP ${response.statusCode}`);
      JSON.parse(await response.body.text());
    });
    return performance.now() - started;
  } finally {
    await pool.close();
  }
}

function sweep(bundle: string, url: string, identity: Identity): Promise<{ ms: number; rss: number; counts: Record<string, number> }> {
  const script = fileURLToPath(new URL('./lib/sweep-run.cjs', import.meta.url));
  const child = spawn(process.execPath, [script, bundle, url, JSON.stringify(identity), String(CONCURRENCY)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`check-restorable sweep exited with ${code}: ${out}`))));
  });
}

async function ask<T>(lines: AsyncIterator<string>, send: () => void): Promise<T> {
  send();
  const next = await lines.next();
  return JSON.parse(next.value as string) as T;
}

export async function run(): Promise<Figure[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const built = await buildFunctions(fileURLToPath(new URL('..', import.meta.url)), outDir);
  const bundle = built.find((f) => f.name === 'check-restorable')!.bundle;
  const cloud = await startChild<{ url: string; identity: Identity }>(fileURLToPath(new URL('./lib/restorable-cloud.ts', import.meta.url)), [String(LATENCY_MS)]);
  const lines = createInterface({ input: cloud.child.stdout! })[Symbol.asyncIterator]();
  const command = (line: string) => () => cloud.child.stdin!.write(`${line}\n`);
  const min = minimumCalls();
  const formula = Math.ceil(min / CONCURRENCY) * LATENCY_MS;
  const calls: number[] = [];
  const byFormula: number[] = [];
  const byFloor: number[] = [];
  const rss: number[] = [];
  const floorRatio: number[] = [];
  try {
    for (let r = 0; r < rounds(3); r++) {
      await ask(lines, command('reset'));
      const floor = await bareMinimum(cloud.info.url, cloud.info.identity);
      await ask(lines, command('reset'));
      const before = (await ask<{ stats: { requests: number } }>(lines, command('stats'))).stats.requests;
      const result = await sweep(bundle, cloud.info.url, cloud.info.identity);
      const after = await ask<{ stats: { requests: number; byOperation: Record<string, number> }; rss: number }>(lines, command('stats'));
      const made = after.stats.requests - before;
      calls.push(made / min);
      byFormula.push(result.ms / formula);
      byFloor.push(result.ms / floor);
      floorRatio.push(floor / formula);
      rss.push(result.rss / 1024 / 150);
      if (process.env.BENCH_VERBOSE) {
        console.error(`check-restorable: ${made} calls in ${(result.ms / 1000).toFixed(2)} s (bare minimum calls: ${(floor / 1000).toFixed(2)} s), sweep RSS ${(result.rss / 1024).toFixed(0)} MB, cloud RSS ${(after.rss / 1024).toFixed(0)} MB, report ${JSON.stringify(result.counts)}`);
      }
    }
  } finally {
    await cloud.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
  const note = `${SCENARIO.servers} servers, ${SCENARIO.backups} backups`;
  return [
    { name: 'check-restorable (CBR): calls / minimum needed', values: calls, goal: { op: '<=', value: 1.05 }, note: `minimum ${min} (derivation: BENCHMARKS.md)` },
    { name: 'check-restorable (CBR): time / bare minimum calls', values: byFloor, goal: { op: '<=', value: 1.15 }, note: `the ${min} calls, ${CONCURRENCY} at a time, signed and JSON-parsed only` },
    { name: `check-restorable (CBR): time / (⌈minimum / ${CONCURRENCY}⌉ × ${LATENCY_MS} ms)`, values: byFormula, note: `${formula} ms: latency alone, as the sweeps' formula` },
    { name: `bare minimum calls / (⌈minimum / ${CONCURRENCY}⌉ × ${LATENCY_MS} ms)`, values: floorRatio, note: 'for scale: what moving the data costs' },
    { name: 'check-restorable (CBR): peak RSS / 150 MB', values: rss, goal: { op: '<=', value: 1.0 }, note: `sweep process, max RSS; ${note}` },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { table } = await import('./lib/stats.ts');
  console.log(table(await run()));
  process.exit(0);
}
