/**
 * Signing throughput: ours (`signRequest`) vs the official `AKSKSigner` vs the floor, on the same requests.
 * The floor is what SDK-HMAC-SHA256 cannot avoid: SHA-256 of the body, SHA-256 of the canonical request and
 * one HMAC-SHA256 of the string to sign, computed inline over strings prepared beforehand (with the same
 * `node:crypto` one-shot primitives ours uses).
 */
import { createHmac, hash } from 'node:crypto';
import { canonicalRequest, signRequest, stringToSign } from '../shared/hwc/signer.ts';
import { AKSKSigner } from './lib/official.ts';
import type { OfficialSignerRequest } from './lib/official.ts';
import { opsPerSecond, rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const PROJECT = '0123456789abcdef0123456789abcdef';
const ORIGIN = 'https://kms.cn-north-4.myhuaweicloud.com';
const SDK_DATE = '20240102T030405Z';

interface Case {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly data: unknown;
  readonly official: OfficialSignerRequest;
  readonly credentials: { ak: string; sk: string; securityToken?: string };
  /** For the floor: the strings the three digests run over. */
  readonly canonical: string;
  readonly toSign: string;
}

/** What the functions send: KMS JSON POSTs, tag GETs, paged GETs with a query; some with a security token. */
function cases(): Case[] {
  const out: Case[] = [];
  for (let i = 0; i < 64; i++) {
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
    const headers: Record<string, string> = { 'X-Project-Id': PROJECT, 'X-Sdk-Date': SDK_DATE };
    if (body !== undefined) headers['Content-Type'] = 'application/json;charset=UTF-8';
    const credentials = { ak: `AK${i}TESTTESTTEST`, sk: `SK${i}-secret-secret-secret-secret`, ...(i % 3 === 0 ? { securityToken: `tok-${'x'.repeat(200)}-${i}` } : {}) };
    const signedHeaders: Record<string, string> = { ...headers, host: url.host };
    if (credentials.securityToken) signedHeaders['X-Security-Token'] = credentials.securityToken;
    const { canonical } = canonicalRequest({ method, url, body }, signedHeaders);
    const queryParams: Record<string, string> = Object.fromEntries(url.searchParams);
    const officialHeaders: Record<string, string> = { ...headers };
    if (credentials.securityToken) officialHeaders['X-Security-Token'] = credentials.securityToken;
    out.push({
      method, url, headers, body, data, credentials, canonical,
      toSign: stringToSign(SDK_DATE, canonical),
      official: { endpoint: url.origin + url.pathname, method, headers: officialHeaders, queryParams, data },
    });
  }
  return out;
}

export async function run(): Promise<Figure[]> {
  const all = cases();
  const n = all.length;
  const ours = (i: number) => {
    const c = all[i % n] as Case;
    return signRequest({ method: c.method, url: c.url, headers: c.headers, body: c.body }, c.credentials);
  };
  const official = (i: number) => {
    const c = all[i % n] as Case;
    // The signer adds to the headers it is given: a fresh object each time, as the SDK builds one per request.
    return AKSKSigner.sign({ ...c.official, headers: { ...c.official.headers } }, { getAk: () => c.credentials.ak, getSk: () => c.credentials.sk });
  };
  const floor = (i: number) => {
    const c = all[i % n] as Case;
    hash('sha256', c.body ?? '', 'hex');
    hash('sha256', c.canonical, 'hex');
    return createHmac('sha256', c.credentials.sk).update(c.toSign).digest('hex');
  };
  for (const fn of [ours, official, floor]) opsPerSecond(fn, 300); // warm up
  const oursVsFloor: number[] = [];
  const oursVsOfficial: number[] = [];
  const floorVsOfficial: number[] = [];
  for (let r = 0; r < rounds(7); r++) {
    const a = opsPerSecond(ours, 250);
    const b = opsPerSecond(official, 250);
    const f = opsPerSecond(floor, 250);
    oursVsFloor.push(a / f);
    oursVsOfficial.push(a / b);
    floorVsOfficial.push(f / b);
  }
  return [
    { name: 'signing: ours / floor', values: oursVsFloor, goal: { op: '>=', value: 0.8 }, note: 'signatures per second' },
    { name: 'signing: ours / official AKSKSigner', values: oursVsOfficial, note: 'signatures per second' },
    { name: 'signing: floor / official AKSKSigner', values: floorVsOfficial, note: 'for scale' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { table } = await import('./lib/stats.ts');
  console.log(table(await run()));
}
