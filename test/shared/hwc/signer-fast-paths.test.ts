import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../local/cloud/faults.ts';
import { canonicalQuery, canonicalRequest, signRequest } from '../../../shared/hwc/signer.ts';

// The signer's shortcuts (raw query text when it needs no encoding, layouts kept per list of header names,
// reused header lines) checked against the general paths and against the official SDK core.

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: object, credential: { getAk(): string; getSk(): string }): Record<string, string> };
};

function official(url: URL, method: string, headers: Record<string, string>, body: string | undefined, keys: { ak: string; sk: string }) {
  const queryParams: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    queryParams[key] = all.length === 1 ? (all[0] as string) : all;
  }
  return AKSKSigner.sign(
    { endpoint: url.origin + url.pathname, method, headers: { ...headers }, queryParams, data: body === undefined ? undefined : JSON.parse(body) },
    { getAk: () => keys.ak, getSk: () => keys.sk },
  ).Authorization;
}

/** The canonical query line of `url`, as `canonicalRequest` builds it. */
function queryLine(url: URL): string {
  return canonicalRequest({ method: 'GET', url }, {}).canonical.split('\n')[2] as string;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

describe('canonical query from the raw text', () => {
  it('equals the general path for keys and values of unreserved characters (sorted or not, repeated, prefixes)', () => {
    const random = mulberry32(7);
    const words = ['a', 'a-b', 'a.b', 'ab', 'A', 'b', 'z', '0', '10', '9', 'x_y', 'x~y', 'limit', 'marker', ''];
    for (let i = 0; i < 2000; i++) {
      const url = new URL('https://kms.cn-north-4.myhuaweicloud.com/v1/p/keys');
      const pairs = Array.from({ length: 1 + Math.floor(random() * 5) }, () => `${pick(random, words.filter(Boolean))}=${pick(random, words)}`);
      url.search = `?${pairs.join('&')}`;
      expect(queryLine(url), url.search).toBe(canonicalQuery(url.searchParams));
    }
  });

  it('leaves anything else to the general path', () => {
    for (const search of ['?a', '?a=1&', '?a=1&&b=2', '?=1', '?a=b=c', '?a=1+2', '?a=%41', '?a=%zz', '?é=1', '?a=1;b=2', '?b=2&a', '?k=v*']) {
      const url = new URL(`https://h.example/p${search}`);
      expect(queryLine(url), search).toBe(canonicalQuery(url.searchParams));
    }
  });

  it('signs paged listings as the official signer does', () => {
    const keys = { ak: 'AK', sk: 'SK' };
    for (const search of ['?limit=100&marker=k-1', '?marker=k-1&limit=100', '?offset=0&limit=50&key_state=2', '?limit=1']) {
      const url = new URL(`https://kms.cn-north-4.myhuaweicloud.com/v1.0/p/kms/list-keys${search}`);
      const headers = { 'X-Sdk-Date': '20240102T030405Z', 'X-Project-Id': 'p' };
      expect(signRequest({ method: 'GET', url, headers }, keys).Authorization, search).toBe(official(url, 'GET', headers, undefined, keys));
    }
  });
});

describe('layouts and reused header lines', () => {
  it('agree with the official signer across header sets, hosts, projects, tokens and dates, in any order', () => {
    const random = mulberry32(11);
    const hosts = ['kms', 'csms', 'iam', 'smn', 'cbr', 'dew'].map((service) => `${service}.cn-north-4.myhuaweicloud.com`);
    const projects = ['p'.repeat(32), 'q'.repeat(32), 'r'.repeat(32)];
    const optional = ['Content-Type', 'X-Domain-Id', 'X-Language', 'Accept', 'x-custom-thing'];
    for (let i = 0; i < 1500; i++) {
      const url = new URL(`https://${pick(random, hosts)}/v1/${pick(random, projects)}/items/${i % 7}`);
      const names = ['X-Project-Id', ...optional.filter(() => random() < 0.4)];
      if (random() < 0.5) names.push('X-Sdk-Date');
      names.sort(() => random() - 0.5);
      const headers: Record<string, string> = {};
      for (const name of names) {
        headers[name] =
          name === 'X-Sdk-Date' ? `2024010${1 + Math.floor(random() * 3)}T03040${Math.floor(random() * 3)}Z` :
          name === 'X-Project-Id' ? url.pathname.split('/')[2] as string :
          name === 'Content-Type' ? 'application/json;charset=UTF-8' : `v${Math.floor(random() * 3)}`;
      }
      const method = pick(random, ['GET', 'POST', 'PUT', 'DELETE']);
      const body = method === 'POST' || method === 'PUT' ? JSON.stringify({ i }) : undefined;
      const keys = { ak: `AK${i % 5}`, sk: `SK${i % 5}`, securityToken: random() < 0.4 ? `token-${i % 4}` : undefined };
      // Whatever the signer dates a request with (clock, or a given X-Sdk-Date), the official signer is given it.
      const now = new Date(Date.UTC(2024, 0, 2, 3, 4, Math.floor(random() * 3)));
      const ours = signRequest({ method, url, headers, body }, keys, now);
      const sent: Record<string, string> = { ...headers, 'X-Sdk-Date': ours['X-Sdk-Date'] as string };
      if (keys.securityToken) sent['X-Security-Token'] = keys.securityToken;
      expect(ours.Authorization, `request ${i}: ${names.join(',')}`).toBe(official(url, method, sent, body, keys));
    }
  });

  it('adds the date, host and token to the headers it returns, after the given ones', () => {
    const url = new URL('https://kms.cn-north-4.myhuaweicloud.com/v1.0/p/kms/describe-key');
    const signed = signRequest(
      { method: 'POST', url, headers: { 'Content-Type': 'application/json', 'X-Project-Id': 'p' }, body: '{}' },
      { ak: 'AK', sk: 'SK', securityToken: 'tok' },
      new Date('2024-01-02T03:04:05.678Z'),
    );
    expect(Object.keys(signed)).toEqual(['Content-Type', 'X-Project-Id', 'X-Sdk-Date', 'host', 'X-Security-Token', 'Authorization']);
    expect(signed).toMatchObject({ 'X-Sdk-Date': '20240102T030405Z', host: 'kms.cn-north-4.myhuaweicloud.com', 'X-Security-Token': 'tok' });
    expect(signed.Authorization).toContain('SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token, ');
  });

  it('signs a name given twice (in two cases) once, with the last value', () => {
    const url = new URL('https://h.example/p');
    const keys = { ak: 'AK', sk: 'SK' };
    const now = new Date('2024-01-02T03:04:05Z');
    const twice = signRequest({ method: 'GET', url, headers: { 'x-project-id': 'a', 'X-Project-Id': 'b' } }, keys, now);
    const once = signRequest({ method: 'GET', url, headers: { 'X-Project-Id': 'b' } }, keys, now);
    expect(twice.Authorization).toBe(once.Authorization);
  });

  it('takes host and X-Sdk-Date from the given headers when there', () => {
    const url = new URL('https://h.example/p');
    const keys = { ak: 'AK', sk: 'SK' };
    const headers = { Host: 'other.example', 'X-Sdk-Date': '20200608T023900Z' };
    const signed = signRequest({ method: 'GET', url, headers }, keys, new Date('2024-01-02T03:04:05Z'));
    expect(Object.keys(signed)).toEqual(['Host', 'X-Sdk-Date', 'Authorization']);
    const { canonical } = canonicalRequest({ method: 'GET', url }, headers);
    expect(canonical).toContain('\nhost:other.example\nx-sdk-date:20200608T023900Z\n\nhost;x-sdk-date\n');
  });
});
