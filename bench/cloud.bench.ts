/**
 * Throughput of the local cloud under signed requests: `npx tsx bench/cloud.bench.ts [seconds]` (also part of `npm run bench`).
 *
 * The cloud runs in a child process (one core: Node is single-threaded) while this process signs requests
 * with the project's signer and sends them over keep-alive connections; a second run puts both in one process.
 * Requests mix reads (ListKeys, ListKeyDetail, ShowKmsTags, ListSecretEvents, ListSecrets, checkpoint_items)
 * with a KMS write (UpdateKeyDescription).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { DEFAULT_IDS, startCloud } from '../local/cloud/index.ts';
import type { DemoIdentity } from '../local/cloud/index.ts';
import { signRequest } from '../shared/hwc/signer.ts';
import { rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const CONNECTIONS = 32;
const IN_FLIGHT = 64;

if (process.argv.includes('--serve')) {
  const cloud = await startCloud();
  let since = process.cpuUsage();
  process.on('message', (message) => {
    if (message === 'start') since = process.cpuUsage();
    if (message === 'stop') process.send?.({ cpu: process.cpuUsage(since) });
  });
  process.send?.({ url: cloud.url, identity: cloud.identity });
  process.on('disconnect', () => void cloud.close().then(() => process.exit(0)));
}

/** Signed requests the cloud serves per CPU-second of its own process (one core), against the 5,000/s goal. */
export async function run(): Promise<Figure[]> {
  const child = await serveInChild();
  const perCpuSecond: number[] = [];
  try {
    await load(child.url, child.identity, 0.5); // warm up
    for (let r = 0; r < rounds(3); r++) {
      child.process.send('start');
      const result = await load(child.url, child.identity, 2);
      const cpu = await cpuOf(child.process);
      if (result.failures > 0) throw new Error(`${result.failures} requests failed`);
      perCpuSecond.push(result.requests / ((cpu.user + cpu.system) / 1e6) / 5000);
    }
  } finally {
    child.process.disconnect();
  }
  return [{ name: 'local cloud: signed requests per CPU-second / 5,000', values: perCpuSecond, goal: { op: '>=', value: 1 }, note: 'cloud in its own process' }];
}

function cpuOf(child: ChildProcess): Promise<NodeJS.CpuUsage> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve((message as { cpu: NodeJS.CpuUsage }).cpu));
    child.send('stop');
  });
}

if (!process.argv.includes('--serve') && import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 5);
  const child = await serveInChild();
  child.process.send('start');
  const separate = await load(child.url, child.identity, seconds);
  const cpu = await cpuOf(child.process);
  child.process.disconnect();
  report('cloud in its own process', separate);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`  the cloud used ${cpuSeconds.toFixed(2)} CPU-seconds: ${Math.round(separate.requests / cpuSeconds)} requests per CPU-second (one core)`);

  const cloud = await startCloud();
  const together = await load(cloud.url, cloud.identity, seconds);
  report('cloud in the same process as the client', together);
  console.log(`  (server counted ${cloud.stats.requests} API calls)`);
  await cloud.close();
}

interface Result {
  readonly requests: number;
  readonly failures: number;
  readonly seconds: number;
}

function report(title: string, result: Result): void {
  const rate = Math.round(result.requests / result.seconds);
  console.log(`${title}: ${rate} signed requests/s (${result.requests} in ${result.seconds.toFixed(1)} s, ${result.failures} failed)`);
}

async function serveInChild(): Promise<{ url: string; identity: DemoIdentity; process: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const ready = await new Promise<{ url: string; identity: DemoIdentity }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { url: string; identity: DemoIdentity }));
    child.once('exit', (code) => reject(new Error(`the cloud process exited with ${code}`)));
  });
  return { ...ready, process: child };
}

function requestsFor(identity: DemoIdentity): Array<{ method: string; path: string; body?: unknown }> {
  const kms = `/v1.0/${identity.projectId}/kms`;
  return [
    { method: 'POST', path: `${kms}/list-keys`, body: { limit: '10' } },
    { method: 'POST', path: `${kms}/describe-key`, body: { key_id: DEFAULT_IDS.keys.appData } },
    { method: 'GET', path: `${kms}/${DEFAULT_IDS.keys.appData}/tags` },
    { method: 'GET', path: `/v1/${identity.projectId}/csms/events?limit=10` },
    { method: 'GET', path: `/v1/${identity.projectId}/secrets?limit=10` },
    { method: 'GET', path: `/v1/${identity.projectId}/checkpoint_items?limit=10` },
    { method: 'POST', path: `${kms}/update-key-description`, body: { key_id: DEFAULT_IDS.keys.orders, key_description: 'bench' } },
  ];
}

async function load(base: string, identity: DemoIdentity, seconds: number): Promise<Result> {
  const pool = new Pool(base, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 30_000 });
  const mix = requestsFor(identity);
  const credentials = { ak: identity.ak, sk: identity.sk };
  let requests = 0;
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;

  async function worker(): Promise<void> {
    while (performance.now() < deadline) {
      const spec = mix[next++ % mix.length] as (typeof mix)[number];
      const url = new URL(base + spec.path);
      const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
      const headers = signRequest(
        { method: spec.method, url, headers: body ? { 'Content-Type': 'application/json;charset=UTF-8', 'X-Project-Id': identity.projectId } : { 'X-Project-Id': identity.projectId }, body },
        credentials,
      );
      const response = await pool.request({ method: spec.method as 'GET' | 'POST', path: url.pathname + url.search, headers, body });
      await response.body.dump();
      requests++;
      if (response.statusCode >= 300) failures++;
    }
  }

  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return { requests, failures, seconds: elapsed };
}
