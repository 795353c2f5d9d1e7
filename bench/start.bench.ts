/**
 * `npm start`'s promises: the status page up within 3 s of the command, and a reaction to a CTS event within a
 * second. Timed from outside, as a user sees it: `node bin/warden.js start` spawned, the page polled until it
 * answers; then a signed KMS createKey sent to the embedded cloud and the live log read until tag-new-keys's run
 * ends. Two starts per round: with an empty build cache (the functions' zips are built at start) and with the
 * cache the first left (reused). Baseline of the same round: `node bin/warden.js --version` (the CLI's own boot).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HuaweiCloud } from '../shared/hwc/index.ts';
import { rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'warden.js');
const PAGE_GOAL_MS = 3_000;
const REACTION_GOAL_MS = 1_000;

interface Started {
  readonly pageMs: number;
  readonly reactionMs: number;
}

async function versionMs(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, '--version'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return performance.now() - started;
}

async function startOnce(cacheHome: string): Promise<Started> {
  const env = { ...cleanEnv(), XDG_CACHE_HOME: cacheHome, NO_COLOR: '1' };
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--cloud-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (out += text));
  try {
    const page = await waitFor(() => /status page\s+(http:\/\/\S+?)\/\s/.exec(out)?.[1], () => out);
    while (!(await fetch(`${page}/`).then((r) => r.ok, () => false))) await pause(10);
    const pageMs = performance.now() - started;

    // The at-start TIMER runs finish first: the reaction is timed on a settled host, as a user would meet it.
    await waitFor(() => (out.match(/ timer\s+[✔✖] /g)?.length ?? 0) >= 4 || undefined, () => out);
    const client = clientFrom(out);
    const mark = out.length;
    const sent = performance.now();
    await client.kms.createKey({ key_alias: `bench/start-${Date.now()}` });
    await waitFor(() => /tag-new-keys\s+cts\s+[✔✖] /.test(out.slice(mark)) || undefined, () => out);
    const reactionMs = performance.now() - sent;
    await client.close();
    return { pageMs, reactionMs };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  }
}

function clientFrom(banner: string): HuaweiCloud {
  const value = (name: string) => new RegExp(`${name}=(\\S+)`).exec(banner)?.[1] ?? '';
  return new HuaweiCloud({
    region: value('HUAWEICLOUD_REGION'),
    projectId: value('HUAWEICLOUD_SDK_PROJECT_ID'),
    credentials: { type: 'aksk', ak: value('HUAWEICLOUD_SDK_AK'), sk: value('HUAWEICLOUD_SDK_SK') },
    env: { HUAWEICLOUD_ENDPOINT_URL: value('HUAWEICLOUD_ENDPOINT_URL') },
    retry: { attempts: 1 },
  });
}

/** The bench's environment without the settings `warden start` would take from it. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !/^(WARDEN_|HUAWEICLOUD_|PORT$)/.test(entry[0])),
  );
}

async function waitFor<T>(found: () => T | undefined, output: () => string, ms = 30_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = found();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`warden start: not seen within ${ms} ms; its output:\n${output()}`);
    await pause(5);
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function run(): Promise<Figure[]> {
  const first: number[] = [];
  const reused: number[] = [];
  const reusedOverBoot: number[] = [];
  const reaction: number[] = [];
  for (let round = 0; round < rounds(3); round++) {
    const cacheHome = mkdtempSync(join(tmpdir(), 'warden-bench-start-'));
    try {
      const boot = await versionMs();
      const cold = await startOnce(cacheHome);
      const warm = await startOnce(cacheHome);
      if (process.env.BENCH_VERBOSE) console.error(`start: --version ${boot.toFixed(0)} ms; page ${cold.pageMs.toFixed(0)} ms (builds), ${warm.pageMs.toFixed(0)} ms (reused); CTS ${cold.reactionMs.toFixed(0)} / ${warm.reactionMs.toFixed(0)} ms`);
      first.push(cold.pageMs / PAGE_GOAL_MS);
      reused.push(warm.pageMs / PAGE_GOAL_MS);
      reusedOverBoot.push(warm.pageMs / boot);
      reaction.push(cold.reactionMs / REACTION_GOAL_MS, warm.reactionMs / REACTION_GOAL_MS);
    } finally {
      rmSync(cacheHome, { recursive: true, force: true });
    }
  }
  return [
    { name: 'npm start → status page, first start (zips built) / 3 s', values: first, goal: { op: '<=', value: 1 }, note: 'spawn to the page answering' },
    { name: 'npm start → status page, zips reused / 3 s', values: reused, goal: { op: '<=', value: 1 }, note: 'a start after no change' },
    { name: 'npm start → status page, zips reused / `warden --version`', values: reusedOverBoot, note: "over the CLI's own boot, same round" },
    { name: 'npm start: createKey → tag-new-keys done / 1 s', values: reaction, goal: { op: '<=', value: 1 }, note: 'signed call sent to live-log line' },
  ];
}
