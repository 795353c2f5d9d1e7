import { describe, expect, it } from 'vitest';
import { createAuthenticator, credentialsFromContext, credentialsFromEnv } from '../../../shared/hwc/credentials.ts';
import type { IssuedToken } from '../../../shared/hwc/credentials.ts';
import { resolveEndpoints } from '../../../shared/hwc/endpoints.ts';
import type { PreparedRequest } from '../../../shared/hwc/transport.ts';

const request: PreparedRequest = {
  method: 'GET',
  url: new URL('https://kms.cn-north-4.myhuaweicloud.com/v1.0/p/kms/x'),
  headers: { 'X-Project-Id': 'p' },
  body: undefined,
};
const noIssuer = async (): Promise<IssuedToken> => {
  throw new Error('no token issuer in this test');
};

describe('credentialsFromEnv', () => {
  it('reads the official SDK variables', () => {
    expect(credentialsFromEnv({ HUAWEICLOUD_SDK_AK: 'ak', HUAWEICLOUD_SDK_SK: 'sk' })).toEqual({
      type: 'aksk', ak: 'ak', sk: 'sk', securityToken: undefined,
    });
    expect(
      credentialsFromEnv({ HUAWEICLOUD_SDK_AK: 'ak', HUAWEICLOUD_SDK_SK: 'sk', HUAWEICLOUD_SDK_SECURITY_TOKEN: 't' }),
    ).toMatchObject({ securityToken: 't' });
  });

  it('falls back to an IAM user password', () => {
    expect(
      credentialsFromEnv({ HUAWEICLOUD_SDK_IAM_USER: 'u', HUAWEICLOUD_SDK_IAM_PASSWORD: 'pw', HUAWEICLOUD_SDK_IAM_DOMAIN: 'd' }),
    ).toEqual({ type: 'password', userName: 'u', password: 'pw', domainName: 'd' });
  });

  it('names the missing variable, never the value', () => {
    expect(() => credentialsFromEnv({ HUAWEICLOUD_SDK_AK: 'AKVALUE' })).toThrow(/HUAWEICLOUD_SDK_SK is not set/);
    expect(() => credentialsFromEnv({ HUAWEICLOUD_SDK_SK: 'SKVALUE' })).toThrow(/HUAWEICLOUD_SDK_AK is not set/);
    expect(() => credentialsFromEnv({ HUAWEICLOUD_SDK_SK: 'SKVALUE' })).not.toThrow(/SKVALUE/);
    expect(() => credentialsFromEnv({})).toThrow(/no Huawei Cloud credentials/);
  });
});

describe('createAuthenticator', () => {
  it('signs with AK/SK and sends the security token', async () => {
    const headers = await createAuthenticator({ type: 'aksk', ak: 'AK', sk: 'SK', securityToken: 'ST' }, noIssuer).authenticate(request);
    expect(headers.Authorization).toMatch(/^SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-project-id;x-sdk-date;x-security-token, Signature=[0-9a-f]{64}$/);
    expect(headers['X-Security-Token']).toBe('ST');
  });

  it('sends a static token as X-Auth-Token', async () => {
    const headers = await createAuthenticator({ type: 'token', token: 'T' }, noIssuer).authenticate(request);
    expect(headers).toEqual({ 'X-Project-Id': 'p', 'X-Auth-Token': 'T' });
  });

  it('obtains one password token for concurrent requests and renews it before it expires', async () => {
    let issued = 0;
    let lifetimeMs = 60 * 60_000;
    const issuer = async (): Promise<IssuedToken> => {
      issued++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { token: `T${issued}`, expiresAt: new Date(Date.now() + lifetimeMs) };
    };
    const auth = createAuthenticator({ type: 'password', userName: 'u', password: 'p', domainName: 'd' }, issuer);
    const all = await Promise.all([1, 2, 3].map(() => auth.authenticate(request)));
    expect(all.map((h) => h['X-Auth-Token'])).toEqual(['T1', 'T1', 'T1']);
    expect(issued).toBe(1);
    expect((await auth.authenticate(request))['X-Auth-Token']).toBe('T1');

    const soon = createAuthenticator({ type: 'password', userName: 'u', password: 'p', domainName: 'd' }, issuer);
    lifetimeMs = 60_000; // inside the renewal margin: every use renews
    await soon.authenticate(request);
    await soon.authenticate(request);
    expect(issued).toBe(3);
  });

  it('reads FunctionGraph context credentials afresh for every request', async () => {
    let ak = 'AK1';
    const credentials = credentialsFromContext({
      getSecurityAccessKey: () => ak,
      getSecuritySecretKey: () => 'SK',
      getSecurityToken: () => 'ST',
    });
    const auth = createAuthenticator(credentials, noIssuer);
    expect((await auth.authenticate(request)).Authorization).toContain('Access=AK1,');
    ak = 'AK2';
    expect((await auth.authenticate(request)).Authorization).toContain('Access=AK2,');
  });

  it('uses a context token when the agency gives no AK/SK, and says so when it gives nothing', async () => {
    const tokenOnly = createAuthenticator(credentialsFromContext({ getToken: () => 'CTX' }), noIssuer);
    expect((await tokenOnly.authenticate(request))['X-Auth-Token']).toBe('CTX');
    const nothing = createAuthenticator(credentialsFromContext({ getSecurityAccessKey: () => '' }), noIssuer);
    await expect(nothing.authenticate(request)).rejects.toThrow(/give the function an agency/);
  });
});

describe('resolveEndpoints', () => {
  it('defaults to the official hosts, CSMS sharing the KMS host', () => {
    expect(resolveEndpoints('ap-southeast-1')).toEqual({
      kms: 'https://kms.ap-southeast-1.myhuaweicloud.com',
      csms: 'https://kms.ap-southeast-1.myhuaweicloud.com',
      csbs: 'https://csbs.ap-southeast-1.myhuaweicloud.com',
      smn: 'https://smn.ap-southeast-1.myhuaweicloud.com',
      iam: 'https://iam.myhuaweicloud.com',
      cbr: 'https://cbr.ap-southeast-1.myhuaweicloud.com',
      ecs: 'https://ecs.ap-southeast-1.myhuaweicloud.com',
      cts: 'https://cts.ap-southeast-1.myhuaweicloud.com',
      functiongraph: 'https://functiongraph.ap-southeast-1.myhuaweicloud.com',
    });
  });

  it('overrides all services, then one, then explicitly', () => {
    const env = { HUAWEICLOUD_ENDPOINT_URL: 'http://127.0.0.1:4000/', HUAWEICLOUD_ENDPOINT_URL_SMN: 'http://127.0.0.1:5000' };
    const endpoints = resolveEndpoints('r', env, { iam: 'http://iam.local' });
    expect(endpoints).toEqual({
      kms: 'http://127.0.0.1:4000', csms: 'http://127.0.0.1:4000', csbs: 'http://127.0.0.1:4000',
      smn: 'http://127.0.0.1:5000', iam: 'http://iam.local', cbr: 'http://127.0.0.1:4000', ecs: 'http://127.0.0.1:4000',
      cts: 'http://127.0.0.1:4000', functiongraph: 'http://127.0.0.1:4000',
    });
  });

  it('rejects what is not an http(s) endpoint, naming the service', () => {
    expect(() => resolveEndpoints('r', { HUAWEICLOUD_ENDPOINT_URL_KMS: 'kms.local' })).toThrow(/endpoint for kms is not a URL/);
    expect(() => resolveEndpoints('r', { HUAWEICLOUD_ENDPOINT_URL_CSBS: 'ftp://x' })).toThrow(/csbs must be http/);
  });
});
