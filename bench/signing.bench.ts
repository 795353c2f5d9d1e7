/**
 * Signing throughput: ours (`signRequest`) vs the official `AKSKSigner` vs the floor, on the same requests.
 *
 * The floor is what SDK-HMAC-SHA256 cannot avoid: SHA-256 of the body (a constant for an empty body, so no
 * hash then, as in ours), SHA-256 of the canonical request and one HMAC-SHA256 of the string to sign,
 * computed inline over strings prepared beforehand (with the same `node:crypto` one-shot primitives ours
 * uses). Before timing, every case is checked: ours, signing the same request, must produce exactly the
 * signature the floor computes from its prepared strings (so both hash the same bytes).
 *
 * Ours is called as the transport calls it: the headers the transport sets (`Content-Type` for a body,
 * `X-Project-Id`), the date from the clock; the official signer gets the same headers.
 *
 * Timing: each round is many short slices (≈ 2 ms, a whole number of passes over the 64 cases), the three
 * functions interleaved slice by slice in rotating order, so load from other processes falls on all three
 * alike. Each slice records wall time (`performance.now`) and the process's CPU time (`process.cpuUsage`,
 * which does not count the time the process waits for a core). Ratios are per round (sums over its slices).
 */
import { createHmac, hash } from 'node:crypto';
import { canonicalRequest, formatSdkDate, signRequest, stringToSign } from '../shared/hwc/signer.ts';
import { AKSKSigner } from './lib/official.ts';
import type { OfficialSignerRequest } from './lib/official.ts';
import { rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const PROJECT = '0123456789abcdef0123456789abcdef';
const ORIGIN = 'https://kms.cn-north-4.myhuaweicloud.com';
/** Only to check ours against the floor before timing; when timed, ours reads the clock as in production. */
const CHECK_DATE = new Date('2024-01-02T03:04:05Z');
const SDK_DATE = formatSdkDate(CHECK_DATE);
const CASES = 64;
/** Target length of one slice. */
const SLICE_MS = 2;
/** Slices per function per round. */
const SLICES = 96;

interface Case {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly official: OfficialSignerRequest;
  readonly credentials: { ak: string; sk: string; securityToken?: string };
  /** For the floor: the strings the three digests run over. */
  readonly canonical: string;
  readonly toSign: string;
}

/** What the functions send: KMS JSON POSTs, tag GETs, paged GETs with a query; some with a security token. */
function cases(): Case[] {
  const out: Case[] = [];
  for (let i = 0; i < CASES; i++) {
    const keyId = `${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const kind = i % 4;
    const path =
      kind === 0 ? `/v1.0/${PROJECT}/kms/describe-key` :
      kind === 1 ? `/v1.0/${PROJECT}/kms/${keyId}/tags` :
      kind === 2 ? `/v1/${PROJECT}/secrets` : `/v1.0/${PROJECT}/kms/${keyId}/tags/action`;
    const method = kind === 1 || kind === 2 ? 'GET' : 'POST';
    const url = new URL(ORIGIN + path);
    if (kind === 2) {
      url.searchParams.set('limit', '100');
      url.searchParams.set('marker', `secret-${i}`);
    }
    const data =
      kind === 0 ? { key_id: keyId } :
      kind === 3 ? { action: 'create', tags: [{ key: 'owner', value: `team-${i}` }], sequence: '919c82d4-8046-4722-9094-35c3c6524cff' } : undefined;
    const body = data === undefined ? undefined : JSON.stringify(data);
    // As `shared/hwc/transport.ts` builds them.
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json;charset=UTF-8';
    headers['X-Project-Id'] = PROJECT;
    const credentials = { ak: `AK${i}TESTTESTTEST`, sk: `SK${i}-secret-secret-secret-secret`, ...(i % 3 === 0 ? { securityToken: `tok-${'x'.repeat(200)}-${i}` } : {}) };
    const signedHeaders: Record<string, string> = { ...headers, 'X-Sdk-Date': SDK_DATE, host: url.host };
    if (credentials.securityToken) signedHeaders['X-Security-Token'] = credentials.securityToken;
    const { canonical } = canonicalRequest({ method, url, body }, signedHeaders);
    const queryParams: Record<string, string> = Object.fromEntries(url.searchParams);
    const officialHeaders: Record<string, string> = { ...headers };
    if (credentials.securityToken) officialHeaders['X-Security-Token'] = credentials.securityToken;
    const c: Case = {
      method, url, headers, body, credentials,
      canonical: flat(canonical),
      toSign: flat(stringToSign(SDK_DATE, canonical)),
      official: { endpoint: url.origin + url.pathname, method, headers: officialHeaders, queryParams, data },
    };
    // The floor must hash what ours hashes: same signature from the same request.
    const ours = signRequest({ method, url, headers, body }, credentials, CHECK_DATE).Authorization;
    const floor = createHmac('sha256', credentials.sk).update(c.toSign).digest('hex');
    if (!ours?.endsWith(`, Signature=${floor}`)) throw new Error(`case ${i}: ours and the floor sign different strings`);
    out.push(c);
  }
  return out;
}

/** A flat (sequential) copy: the floor's inputs are prepared once, as flat strings. */
function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

interface Meter {
  ops: number;
  ms: number;
  cpuUs: number;
}

/** Calls `fn(from)` … `fn(from + count - 1)`; adds the wall and CPU time to `meter`. */
function slice(fn: (i: number) => unknown, from: number, count: number, meter: Meter): void {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = from, end = from + count; i < end; i++) fn(i);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  meter.ms += ms;
  meter.cpuUs += used.user + used.system;
  meter.ops += count;
}

/** Calls per slice for `fn`: whole passes over the cases, about `SLICE_MS`. */
function calibrate(fn: (i: number) => unknown): number {
  const meter: Meter = { ops: 0, ms: 0, cpuUs: 0 };
  while (meter.ms < 300) slice(fn, meter.ops, CASES * 4, meter); // also the warm-up
  const passes = Math.max(1, Math.round((SLICE_MS * meter.ops) / meter.ms / CASES));
  return passes * CASES;
}

const ORDERS = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1], [2, 1, 0], [1, 0, 2]] as const;

export async function run(): Promise<Figure[]> {
  const all = cases();
  const ours = (i: number) => {
    const c = all[i % CASES] as Case;
    return signRequest({ method: c.method, url: c.url, headers: c.headers, body: c.body }, c.credentials);
  };
  const official = (i: number) => {
    const c = all[i % CASES] as Case;
    // The signer adds to the headers it is given: a fresh object each time, as the SDK builds one per request.
    return AKSKSigner.sign({ ...c.official, headers: { ...c.official.headers } }, { getAk: () => c.credentials.ak, getSk: () => c.credentials.sk });
  };
  const floor = (i: number) => {
    const c = all[i % CASES] as Case;
    if (c.body !== undefined) hash('sha256', c.body, 'hex');
    hash('sha256', c.canonical, 'hex');
    return createHmac('sha256', c.credentials.sk).update(c.toSign).digest('hex');
  };
  const fns = [ours, official, floor];
  const counts = fns.map(calibrate);
  const oursVsFloor: number[] = [];
  const cpuOursVsFloor: number[] = [];
  const oursVsOfficial: number[] = [];
  const cpuOursVsOfficial: number[] = [];
  const floorVsOfficial: number[] = [];
  const next = [0, 0, 0];
  for (let r = 0; r < rounds(7); r++) {
    const meters: Meter[] = fns.map(() => ({ ops: 0, ms: 0, cpuUs: 0 }));
    for (let s = 0; s < SLICES; s++) {
      for (const f of ORDERS[s % ORDERS.length] as readonly number[]) {
        const count = counts[f] as number;
        slice(fns[f] as (i: number) => unknown, next[f] as number, count, meters[f] as Meter);
        next[f] = (next[f] as number) + count;
      }
    }
    const [a, b, c] = meters as [Meter, Meter, Meter];
    const perMs = (m: Meter) => m.ops / m.ms;
    const perCpu = (m: Meter) => m.ops / m.cpuUs;
    oursVsFloor.push(perMs(a) / perMs(c));
    cpuOursVsFloor.push(perCpu(a) / perCpu(c));
    oursVsOfficial.push(perMs(a) / perMs(b));
    cpuOursVsOfficial.push(perCpu(a) / perCpu(b));
    floorVsOfficial.push(perMs(c) / perMs(b));
    if (process.env.BENCH_VERBOSE) {
      const us = (m: Meter) => `${((1000 * m.ms) / m.ops).toFixed(2)} µs (CPU ${(m.cpuUs / m.ops).toFixed(2)})`;
      console.error(`signing per request: ours ${us(a)}, official ${us(b)}, floor ${us(c)}`);
    }
  }
  return [
    { name: 'signing: ours / floor', values: oursVsFloor, goal: { op: '>=', value: 0.8 }, note: 'signatures per second' },
    { name: 'signing per CPU-second: ours / floor', values: cpuOursVsFloor, note: 'CPU time, less sensitive to other load' },
    { name: 'signing: ours / official AKSKSigner', values: oursVsOfficial, note: 'signatures per second' },
    { name: 'signing per CPU-second: ours / official', values: cpuOursVsOfficial, note: 'CPU time, less sensitive to other load' },
    { name: 'signing: floor / official AKSKSigner', values: floorVsOfficial, note: 'for scale' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { table } = await import('./lib/stats.ts');
  console.log(table(await run()));
}
