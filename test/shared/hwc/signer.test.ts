import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../local/cloud/faults.ts';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  hmacHex,
  signRequest,
  stringToSign,
} from '../../../shared/hwc/signer.ts';

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: object, credential: { getAk(): string; getSk(): string }): Record<string, string> };
};

const vectorKeys = { ak: 'AccessKey', sk: 'SecretKey' };

describe('published vectors (Python SDK core)', () => {
  const url = new URL('https://service.endpoint.myhuaweicloud.com/resources?size=1');
  const headers = { 'X-Sdk-Date': '20200608T023900Z' };

  it('GET with an empty body', () => {
    expect(signRequest({ method: 'GET', url, headers }, vectorKeys).Authorization).toBe(
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842',
    );
    const { canonical } = canonicalRequest({ method: 'GET', url }, { ...headers, host: url.host });
    expect(canonical).toBe(
      'GET\n/resources/\nsize=1\nhost:service.endpoint.myhuaweicloud.com\nx-sdk-date:20200608T023900Z\n\nhost;x-sdk-date\n' +
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('POST with a JSON body', () => {
    const signed = signRequest({ method: 'POST', url, headers, body: '{"name":"test","id":1}' }, vectorKeys);
    expect(signed.Authorization).toContain('Signature=436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f');
  });
});

describe('published vectors (Go SDK core, only x-sdk-date signed)', () => {
  const sign = (method: string, query: string, body: string) => {
    const headers = { 'X-Sdk-Date': '20060102T150405Z' };
    const { canonical, signedHeaders } = canonicalRequest(
      { method, url: new URL(`https://example.huaweicloud.com/path?${query}`), body },
      headers,
    );
    return { signedHeaders, signature: hmacHex('SecretKey', stringToSign('20060102T150405Z', canonical)) };
  };

  it('GET ?limit=1', () => {
    expect(sign('GET', 'limit=1', '')).toEqual({
      signedHeaders: 'x-sdk-date',
      signature: '5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
    });
  });

  it('POST ?key=value with a trailing newline in the body', () => {
    expect(sign('POST', 'key=value', '{"Name":"test","Id":1}\n').signature).toBe(
      'cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
    );
  });

  it('canonical query with unicode, reserved characters and a repeated key', () => {
    const params = new URLSearchParams();
    params.append('test', '一 (&=?!#%.*)');
    for (const value of ['3', '1', '2']) params.append('multi', value);
    params.append('enable', 'true');
    params.append('limit', '1');
    params.append('path', '/tmp/123');
    expect(canonicalQuery(params)).toBe(
      'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29',
    );
  });
});

describe('signRequest', () => {
  it('formats X-Sdk-Date in UTC basic format', () => {
    expect(formatSdkDate(new Date('2020-06-08T02:39:00.123Z'))).toBe('20200608T023900Z');
  });

  it('adds and signs X-Security-Token for temporary credentials', () => {
    const signed = signRequest(
      { method: 'GET', url: new URL('https://kms.ap-southeast-1.myhuaweicloud.com/v1.0/p/kms/x') },
      { ...vectorKeys, securityToken: 'tok' },
      new Date('2024-01-01T00:00:00Z'),
    );
    expect(signed['X-Security-Token']).toBe('tok');
    expect(signed.Authorization).toContain('SignedHeaders=host;x-sdk-date;x-security-token,');
  });

  it('uses UNSIGNED-PAYLOAD when asked to', () => {
    const url = new URL('https://h.example/upload');
    const headers = { 'X-Sdk-Date': '20200608T023900Z', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' };
    const a = signRequest({ method: 'PUT', url, headers, body: 'one' }, vectorKeys);
    const b = signRequest({ method: 'PUT', url, headers, body: 'two' }, vectorKeys);
    expect(a.Authorization).toBe(b.Authorization);
  });

  it('encodes every path segment once, over its decoded form', () => {
    expect(canonicalUri('/v1/%E4%B8%80/a%20b/x*y')).toBe('/v1/%E4%B8%80/a%20b/x%2Ay/');
    expect(canonicalUri('/')).toBe('/');
  });

  it('splits the decoded path on "/", as the official SDKs do: an encoded "/" in a parameter separates segments', () => {
    // Python core: unquote(resource_path).split('/'), each piece quoted; Node core: the raw path split on '/'.
    expect(canonicalUri('/v1.0/p/kms/k/tags/team%2Fa')).toBe('/v1.0/p/kms/k/tags/team/a/');
    expect(canonicalUri('/v1.0/p/kms/k/tags/team%2F')).toBe('/v1.0/p/kms/k/tags/team/');
    expect(canonicalUri('/v1/%2Fa%2F%2Fb')).toBe('/v1//a//b/');
    // Decoded once: "%2525" is "%25" (a literal "%" sign, encoded again), never "%".
    expect(canonicalUri('/v1/50%2525')).toBe('/v1/50%2525/');
    // As Python's unquote: a "%" without two hex digits stays, bytes that are not UTF-8 become U+FFFD.
    expect(canonicalUri('/a/%zz%41')).toBe('/a/%25zzA/');
    expect(canonicalUri('/a/%FF')).toBe('/a/%EF%BF%BD/');
  });
});

describe('a vector made by the official signer, at test time', () => {
  // The official Node.js SDK puts path parameters into the path as they are (HcClient.buildRequest) and signs
  // that path split on "/"; the Python SDK percent-encodes them and signs the decoded path split on "/". Our
  // transport sends them percent-encoded (pathOf): all three must sign the same canonical URI.
  const keys = { ak: 'AccessKey', sk: 'SecretKey' };
  const headers = { 'X-Sdk-Date': '20240102T030405Z', 'X-Project-Id': 'p'.repeat(32) };
  const officialSignature = (rawPath: string, method: string) =>
    AKSKSigner.sign(
      { endpoint: `https://kms.cn-north-4.myhuaweicloud.com${rawPath}`, method, headers: { ...headers }, queryParams: {}, data: undefined },
      { getAk: () => keys.ak, getSk: () => keys.sk },
    ).Authorization;

  it.each(['team/a', 'a/b/c', '/lead', 'trail/', 'x:y@z!', '50%', 'é/一'])('signs DeleteTag of the tag key %j as AKSKSigner does', (tagKey) => {
    const keyId = '0d0466b0-e727-4d9c-b35d-f84bb474a37f';
    const base = `/v1.0/${'p'.repeat(32)}/kms/${keyId}/tags/`;
    const url = new URL(`https://kms.cn-north-4.myhuaweicloud.com${base}${encodeURIComponent(tagKey)}`);
    const ours = signRequest({ method: 'DELETE', url, headers }, keys).Authorization;
    expect(ours).toBe(officialSignature(base + tagKey, 'DELETE'));
  });
});

const ALPHABET = [...'abcXYZ019-._~!*()\'&=+$,;:@ ', 'é', '一', '密钥', '😀'];

function randomText(random: () => number, max: number): string {
  const length = Math.floor(random() * max);
  let text = '';
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return text;
}

describe('agreement with the official Node.js SDK core (AKSKSigner)', () => {
  it('produces byte-identical Authorization headers for 1,000 random requests', () => {
    const random = mulberry32(20240601);
    for (let i = 0; i < 1000; i++) {
      const method = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'][Math.floor(random() * 5)] as string;
      // Path segments from unreserved characters and unicode: the official SDK's url.parse mangles
      // reserved characters and keeps dot segments, which WHATWG URLs (and so the bytes sent) resolve.
      const segments = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
        const segment = randomText(random, 8).replace(/[^a-zA-Z0-9\-._~é一密钥😀]/gu, '');
        return /^\.*$/.test(segment) ? `s${segment}` : segment;
      });
      const rawPath = `/${segments.join('/')}`;
      const queryParams: Record<string, string | string[]> = {};
      const url = new URL(`https://kms.cn-north-4.myhuaweicloud.com${rawPath}`);
      for (let q = Math.floor(random() * 4); q > 0; q--) {
        const key = randomText(random, 6) || 'k';
        const values = Array.from({ length: 1 + Math.floor(random() * 3) }, () => randomText(random, 8));
        queryParams[key] = values.length === 1 ? (values[0] as string) : values;
        for (const value of values) url.searchParams.append(key, value);
      }
      // A key repeated in the object form is one key with several values.
      for (const key of Object.keys(queryParams)) {
        const all = url.searchParams.getAll(key);
        queryParams[key] = all.length === 1 ? (all[0] as string) : all;
      }
      const data =
        random() < 0.5
          ? undefined
          : { name: randomText(random, 12), n: Math.floor(random() * 1000), tags: [{ key: randomText(random, 6), value: randomText(random, 10) }] };
      const headers: Record<string, string> = { 'X-Sdk-Date': '20240102T030405Z', 'X-Project-Id': 'p'.repeat(32) };
      if (data) headers['content-type'] = 'application/json';
      const credentials = { ak: `AK${i}`, sk: `SK-${randomText(random, 20)}` };
      const securityToken = random() < 0.3 ? `token-${i}` : undefined;
      if (securityToken) headers['X-Security-Token'] = securityToken;

      const official = AKSKSigner.sign(
        { endpoint: url.origin + rawPath, method, headers: { ...headers }, queryParams: structuredClone(queryParams), data },
        { getAk: () => credentials.ak, getSk: () => credentials.sk },
      );
      const ours = signRequest(
        { method, url, headers, body: data === undefined ? undefined : JSON.stringify(data) },
        { ...credentials, securityToken },
      );
      expect(ours.Authorization, `request ${i}: ${method} ${url.href}`).toBe(official.Authorization);
    }
  });
});
