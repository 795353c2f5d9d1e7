/**
 * Requests per second against a fixed-response loopback server (in its own process, so on the other core),
 * at the same concurrency for all three clients:
 * - ours: `HuaweiCloud.kms.listKeyDetail` (validation, signing, pooled undici, retries, zod-parsed answer);
 * - official: the SDK core's `HcClient` + `DefaultHttpClient` (axios) signing with `AKSKSigner`, the way a
 *   generated `KmsClient.listKeyDetail` sends it;
 * - limit: raw `undici` `Pool.request` on keep-alive connections, signed with the inline floor (two SHA-256,
 *   one HMAC over a template), the answer read and `JSON.parse`d.
 */
import { createHmac, hash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { HuaweiCloud } from '../shared/hwc/index.ts';
import { startChild } from './lib/child.ts';
import { FIXED_KEY_ID } from './lib/fixed-server.ts';
import { listKeyDetailOptions, officialClient } from './lib/official.ts';
import { rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const CONCURRENCY = 16;
const AK = 'BENCHAKBENCHAKBENCHAK';
const SK = 'bench-secret-key-bench-secret-key';
const PROJECT = '0123456789abcdef0123456789abcdef';

type Send = () => Promise<unknown>;

/** Requests per second, and requests per CPU-second of this (the client's) process. */
async function rate(send: Send, ms: number): Promise<{ perSecond: number; perCpuSecond: number }> {
  let done = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await send();
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { perSecond: (done * 1000) / elapsed, perCpuSecond: (done * 1e6) / (used.user + used.system) };
}

function limitClient(url: string): { send: Send; close(): Promise<void> } {
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  const host = new URL(url).host;
  const path = `/v1.0/${PROJECT}/kms/describe-key`;
  const body = JSON.stringify({ key_id: FIXED_KEY_ID });
  return {
    send: async () => {
      const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
      const canonical = `POST\n${path}/\n\ncontent-type:application/json;charset=UTF-8\nhost:${host}\nx-project-id:${PROJECT}\nx-sdk-date:${date}\n\ncontent-type;host;x-project-id;x-sdk-date\n${hash('sha256', body, 'hex')}`;
      const signature = createHmac('sha256', SK).update(`SDK-HMAC-SHA256\n${date}\n${hash('sha256', canonical, 'hex')}`).digest('hex');
      const response = await pool.request({
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json;charset=UTF-8',
          'x-project-id': PROJECT,
          'x-sdk-date': date,
          authorization: `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=${signature}`,
        },
        body,
      });
      return JSON.parse(await response.body.text());
    },
    close: () => pool.close(),
  };
}

export async function run(): Promise<Figure[]> {
  const server = await startChild<{ url: string }>(fileURLToPath(new URL('./lib/fixed-server.ts', import.meta.url)));
  const url = server.info.url;
  const ours = new HuaweiCloud({
    region: 'cn-north-4',
    projectId: PROJECT,
    credentials: { type: 'aksk', ak: AK, sk: SK },
    endpoints: { kms: url },
    connections: CONCURRENCY,
  });
  const official = officialClient(url, AK, SK, PROJECT);
  const limit = limitClient(url);
  const clients: Record<'ours' | 'official' | 'limit', Send> = {
    ours: () => ours.kms.listKeyDetail({ key_id: FIXED_KEY_ID }),
    official: () => official.sendRequest(listKeyDetailOptions(FIXED_KEY_ID)),
    limit: limit.send,
  };
  // Each must get the same answer before it is timed.
  const answers = await Promise.all(Object.values(clients).map((send) => send()));
  for (const answer of answers) if (JSON.stringify(answer).indexOf(FIXED_KEY_ID) < 0) throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  for (const send of Object.values(clients)) await rate(send, 500); // warm up: JIT, connections

  const oursVsOfficial: number[] = [];
  const oursVsLimit: number[] = [];
  const limitVsOfficial: number[] = [];
  const cpuOursVsOfficial: number[] = [];
  const cpuOursVsLimit: number[] = [];
  for (let r = 0; r < rounds(7); r++) {
    const a = await rate(clients.ours, 1000);
    const b = await rate(clients.official, 1000);
    const c = await rate(clients.limit, 1000);
    oursVsOfficial.push(a.perSecond / b.perSecond);
    oursVsLimit.push(a.perSecond / c.perSecond);
    limitVsOfficial.push(c.perSecond / b.perSecond);
    cpuOursVsOfficial.push(a.perCpuSecond / b.perCpuSecond);
    cpuOursVsLimit.push(a.perCpuSecond / c.perCpuSecond);
    if (process.env.BENCH_VERBOSE) {
      console.error(`requests/s ours ${a.perSecond.toFixed(0)} official ${b.perSecond.toFixed(0)} limit ${c.perSecond.toFixed(0)}; per CPU-s ${a.perCpuSecond.toFixed(0)} ${b.perCpuSecond.toFixed(0)} ${c.perCpuSecond.toFixed(0)}`);
    }
  }
  await Promise.all([ours.close(), limit.close()]);
  await server.stop();
  return [
    { name: `requests: ours / official SDK core (${CONCURRENCY} in flight)`, values: oursVsOfficial, goal: { op: '>=', value: 4 }, note: 'requests per second' },
    { name: 'requests: ours / limit (raw undici + floor signing)', values: oursVsLimit, goal: { op: '>=', value: 0.85 }, note: 'requests per second' },
    { name: 'requests: limit / official SDK core', values: limitVsOfficial, note: 'for scale' },
    { name: 'requests per client CPU-second: ours / official', values: cpuOursVsOfficial, note: 'client CPU cost, less sensitive to other load' },
    { name: 'requests per client CPU-second: ours / limit', values: cpuOursVsLimit, note: 'client CPU cost, less sensitive to other load' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { table } = await import('./lib/stats.ts');
  console.log(table(await run()));
  process.exit(0);
}
