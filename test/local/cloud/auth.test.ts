import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalQuery, canonicalRequest, stringToSign } from '../../../local/cloud/auth.ts';
import { DEFAULT_IDS, defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { formatSdkDate, signRequest } from '../../../shared/hwc/signer.ts';
import { call, paths } from './helpers.ts';

let cloud: LocalCloud;
let now = new Date('2025-03-01T10:00:00Z');

beforeAll(async () => {
  cloud = await startCloud({ clock: () => now });
});
afterAll(async () => {
  await cloud.close();
});

const listKeys = (options: Parameters<typeof call>[3] = {}) => call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: {}, signedAt: now, ...options });

function expectUnauthorized(response: { status: number; body: any; text: string; headers: Record<string, string> }): void {
  expect(response.status).toBe(401);
  expect(response.body.error_code).toBe('APIGW.0301');
  expect(response.body.error_msg).toMatch(/^Incorrect IAM authentication information/);
  expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  // Never echo a credential.
  for (const secret of [cloud.identity.sk, cloud.identity.ak, cloud.identity.password]) expect(response.text).not.toContain(secret);
}

describe('SDK-HMAC-SHA256 signatures', () => {
  it('accepts a request signed with the demo AK/SK', async () => {
    const response = await listKeys();
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a signature made with the wrong SK', async () => {
    expectUnauthorized(await listKeys({ credentials: { ak: cloud.identity.ak, sk: 'not-the-secret-key' } }));
  });

  it('refuses a body changed after signing', async () => {
    const url = new URL(cloud.url + paths(cloud).kms('describe-key'));
    const signed = signRequest({ method: 'POST', url, body: '{"key_id":"a"}' }, { ak: cloud.identity.ak, sk: cloud.identity.sk }, now);
    const response = await request(url, { method: 'POST', headers: signed, body: '{"key_id":"b"}' });
    expect(response.statusCode).toBe(401);
    await response.body.dump();
  });

  it('refuses an unknown AK without naming it', async () => {
    const response = await listKeys({ credentials: { ak: 'UNKNOWNAK0000000000X', sk: cloud.identity.sk } });
    expectUnauthorized(response);
    expect(response.text).not.toContain('UNKNOWNAK0000000000X');
  });

  it('refuses a request without credentials', async () => {
    expectUnauthorized(await listKeys({ credentials: null }));
  });

  it('refuses a malformed Authorization header', async () => {
    expectUnauthorized(await listKeys({ tamper: (h) => void (h['Authorization'] = 'SDK-HMAC-SHA256 Access=x') }));
    expectUnauthorized(await listKeys({ tamper: (h) => void (h['Authorization'] = 'Basic dXNlcjpwYXNz') }));
  });

  it('refuses a request without X-Sdk-Date', async () => {
    expectUnauthorized(await listKeys({ tamper: (h) => void delete h['X-Sdk-Date'] }));
  });

  it('refuses a date more than 15 minutes away from the clock, accepts one within', async () => {
    expectUnauthorized(await listKeys({ signedAt: new Date(now.getTime() - 16 * 60_000) }));
    expectUnauthorized(await listKeys({ signedAt: new Date(now.getTime() + 16 * 60_000) }));
    expect((await listKeys({ signedAt: new Date(now.getTime() - 14 * 60_000) })).status).toBe(200);
  });

  it('verifies the canonical query and path from the raw URL: repeated keys, spaces, reserved characters', async () => {
    const query = '?name=backup%20web&status=available&name=a%2Ab&limit=5';
    const response = await call(cloud, 'GET', `${paths(cloud).checkpointItems}${query}`, { signedAt: now });
    expect(response.status).toBe(200);
  });

  it('splits the decoded path on "/" as the official SDKs do: a tag key holding "/" signed by AKSKSigner is accepted', async () => {
    const require = createRequire(import.meta.url);
    const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
      AKSKSigner: { sign(request: object, credential: { getAk(): string; getSk(): string }): Record<string, string> };
    };
    const keyId = DEFAULT_IDS.keys.appData;
    const tagKey = 'team/a';
    cloud.state.keys.get(keyId)!.tags.set(tagKey, 'payments');
    const base = paths(cloud).kms(`${keyId}/tags/`);
    // The official SDK signs the path with the parameter as it is; the request carries it encoded (as ours sends it).
    const headers = AKSKSigner.sign(
      { endpoint: cloud.url + base + tagKey, method: 'DELETE', headers: { 'X-Sdk-Date': formatSdkDate(now), 'X-Project-Id': cloud.identity.projectId }, queryParams: {} },
      { getAk: () => cloud.identity.ak, getSk: () => cloud.identity.sk },
    );
    const response = await request(cloud.url + base + encodeURIComponent(tagKey), { method: 'DELETE', headers });
    expect(response.statusCode, await response.body.text()).toBe(204);
    expect(cloud.state.keys.get(keyId)!.tags.has(tagKey)).toBe(false);
    // And our own signer, sending the same encoded path, agrees.
    cloud.state.keys.get(keyId)!.tags.set(tagKey, 'payments');
    expect((await call(cloud, 'DELETE', base + encodeURIComponent(tagKey), { signedAt: now })).status).toBe(204);
  });

  it('accepts UNSIGNED-PAYLOAD when X-Sdk-Content-Sha256 says so', async () => {
    const response = await listKeys({ headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
    expect(response.status).toBe(200);
  });
});

describe('temporary credentials (an agency)', () => {
  const agency = () => defaultFixture().agencies![0]!;

  it('are accepted with their signed X-Security-Token', async () => {
    const { ak, sk, securityToken } = agency();
    expect((await listKeys({ credentials: { ak, sk, securityToken } })).status).toBe(200);
  });

  it('are refused without the security token or with another one', async () => {
    const { ak, sk } = agency();
    expectUnauthorized(await listKeys({ credentials: { ak, sk } }));
    expectUnauthorized(await listKeys({ credentials: { ak, sk, securityToken: 'some-other-token' } }));
  });

  it('are refused once expired', async () => {
    const fixture: Fixture = { ...defaultFixture(), agencies: [{ ...agency(), expiresAt: '2025-03-01T09:00:00Z' }] };
    const expired = await startCloud({ fixture, clock: () => now });
    try {
      const { ak, sk, securityToken } = agency();
      const response = await call(expired, 'POST', paths(expired).kms('list-keys'), { body: {}, credentials: { ak, sk, securityToken }, signedAt: now });
      expect(response.status).toBe(401);
    } finally {
      await expired.close();
    }
  });

  it('may use the agency IAM token instead', async () => {
    expect((await listKeys({ token: agency().authToken! })).status).toBe(200);
  });
});

describe('IAM tokens', () => {
  const signIn = (password = cloud.identity.password, scope: unknown = { project: { name: cloud.identity.region } }) =>
    call(cloud, 'POST', '/v3/auth/tokens', {
      credentials: null,
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: cloud.identity.userName, password, domain: { name: cloud.identity.domainName } } },
          },
          scope,
        },
      },
    });

  it('are issued for a user password (201, X-Subject-Token, a day of validity) and accepted as X-Auth-Token', async () => {
    const response = await signIn();
    expect(response.status).toBe(201);
    const token = response.headers['x-subject-token']!;
    expect(token).toMatch(/^MII/);
    expect(response.body.token.expires_at).toBe('2025-03-02T10:00:00.000000Z');
    expect(response.body.token.project).toEqual({
      domain: { id: cloud.identity.domainId, name: cloud.identity.domainName },
      id: cloud.identity.projectId,
      name: cloud.identity.region,
    });
    expect(response.body.token.user.name).toBe(cloud.identity.userName);
    expect(response.text).not.toContain(token);
    expect((await listKeys({ token })).status).toBe(200);
  });

  it('refuse a wrong password with the IAM error shape', async () => {
    const response = await signIn('Wr0ng-Guess-123');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' } });
    expect(response.text).not.toContain('Wr0ng-Guess-123');
  });

  it('refuse a malformed body with 400', async () => {
    const response = await call(cloud, 'POST', '/v3/auth/tokens', { credentials: null, body: { auth: {} } });
    expect(response.status).toBe(400);
    expect(response.body.error.title).toBe('Bad Request');
  });

  it('are refused when unknown, or once expired', async () => {
    expectUnauthorized(await listKeys({ token: 'MIInotatoken' }));
    const shortLived = await startCloud({ fixture: { ...defaultFixture(), tokenTtlSeconds: 60 }, clock: () => now });
    try {
      const identity = shortLived.identity;
      const issued = await call(shortLived, 'POST', '/v3/auth/tokens', {
        credentials: null,
        body: {
          auth: {
            identity: { methods: ['password'], password: { user: { name: identity.userName, password: identity.password, domain: { name: identity.domainName } } } },
            scope: { project: { id: identity.projectId } },
          },
        },
      });
      const token = issued.headers['x-subject-token']!;
      const list = () => call(shortLived, 'POST', paths(shortLived).kms('list-keys'), { body: {}, token });
      expect((await list()).status).toBe(200);
      now = new Date(now.getTime() + 61_000);
      expect((await list()).status).toBe(401);
    } finally {
      now = new Date('2025-03-01T10:00:00Z');
      await shortLived.close();
    }
  });

  it('scoped to the domain cannot reach a project API', async () => {
    const response = await signIn(undefined, { domain: { name: cloud.identity.domainName } });
    expect(response.status).toBe(201);
    expect(response.body.token.domain.id).toBe(cloud.identity.domainId);
    expect((await listKeys({ token: response.headers['x-subject-token']! })).status).toBe(403);
  });
});

describe('projects', () => {
  const foreign = '99999999999999999999999999999999';

  it('a project in the path that is not the caller\'s is refused with 403 in the service\'s own shape', async () => {
    const kms = await call(cloud, 'POST', `/v1.0/${foreign}/kms/list-keys`, { body: {}, signedAt: now });
    expect(kms.status).toBe(403);
    expect(kms.body.error.error_code).toBe('KMS.0321');
    const csms = await call(cloud, 'GET', `/v1/${foreign}/secrets`, { signedAt: now });
    expect(csms.status).toBe(403);
    expect(csms.body.error_code).toBe('CSMS.0302');
    const csbs = await call(cloud, 'GET', `/v1/${foreign}/checkpoint_items`, { signedAt: now });
    expect(csbs.status).toBe(403);
  });

  it('an X-Project-Id header naming another project is refused too', async () => {
    expect((await listKeys({ headers: { 'X-Project-Id': foreign } })).status).toBe(403);
    expect((await listKeys({ headers: { 'X-Project-Id': cloud.identity.projectId } })).status).toBe(200);
  });
});

describe('the verifier on its own', () => {
  it('reproduces the published SDK vector (Python SDK core: GET /resources?size=1)', () => {
    const canonical = canonicalRequest(
      {
        method: 'GET',
        path: '/resources',
        query: 'size=1',
        headers: { host: 'service.endpoint.myhuaweicloud.com', 'x-sdk-date': '20200608T023900Z' },
        body: Buffer.alloc(0),
      },
      ['host', 'x-sdk-date'],
    );
    const signature = createHmac('sha256', 'SecretKey').update(stringToSign('20200608T023900Z', canonical)).digest('hex');
    expect(signature).toBe('cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842');
  });

  it('reproduces the published canonical query (Go SDK)', () => {
    const raw = 'test=%E4%B8%80+%28%26%3D%3F%21%23%25.*%29&multi=3&multi=1&multi=2&enable=true&limit=1&path=/tmp/123';
    expect(canonicalQuery(raw)).toBe('enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29');
  });
});
