import { describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { LocalErrorCode } from '../../../shared/hwc/index.ts';
import type { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { clientFor, rejection, seedFailingFirst, shareCloud } from './support.ts';
import { projectIdsFor } from '../../../deploy/regions.ts';
import { AP_SOUTHEAST_PROJECT, twoRegionFixture } from '../../support/two-regions.ts';

let cloud: LocalCloud;
let hwc: HuaweiCloud;

shareCloud((started, client) => {
  cloud = started;
  hwc = client;
});

const user = () => ({
  userName: cloud.identity.userName,
  password: cloud.identity.password,
  domainName: cloud.identity.domainName,
  projectId: cloud.identity.projectId,
});

describe('IamApi.createTokenByPassword', () => {
  it('returns the X-Subject-Token and its expiry, and the token works', async () => {
    const issued = await hwc.iam.createTokenByPassword(user());
    expect(issued.token.length).toBeGreaterThan(10);
    expect(issued.expiresAt.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);

    const byToken = clientFor(cloud, { credentials: { type: 'token', token: issued.token } });
    const { key_info } = await byToken.kms.listKeyDetail({ key_id: '0d0466b0-e727-4d9c-b35d-f84bb474a37f' });
    expect(key_info.key_alias).toBe('warden/app-data');
    await byToken.close();
  });

  it('401 for a wrong password, read from the IAM error body, the password in no message', async () => {
    const error = await rejection(hwc.iam.createTokenByPassword({ ...user(), password: 'Wrong-Passw0rd' }));
    expect(error).toMatchObject({ operation: 'iam.createTokenByPassword', status: 401, errorCode: '401', attempts: 1 });
    expect(error.errorMsg).toContain('username or password is wrong');
    expect(error.message + JSON.stringify(error.toJSON())).not.toContain('Wrong-Passw0rd');
  });

  it('401 for a project outside the user’s domain', async () => {
    const error = await rejection(hwc.iam.createTokenByPassword({ ...user(), projectId: 'ffffffffffffffffffffffffffffffff' }));
    expect(error).toMatchObject({ status: 401 });
  });

  it('retries a 503 and gives up with the status after the last attempt', async () => {
    cloud.setFaults({ rate: { '503': 1 }, operations: ['iam.createTokenByPassword'] });
    expect(await rejection(hwc.iam.createTokenByPassword(user()))).toMatchObject({ status: 503, attempts: 4 });
  });

  it('rejects an empty user name before sending', async () => {
    const before = cloud.stats.requests;
    const error = await rejection(hwc.iam.createTokenByPassword({ ...user(), userName: '' }));
    expect(error).toMatchObject({ status: 0, errorCode: LocalErrorCode.invalidRequest });
    expect(error.errorMsg).toContain('userName');
    expect(cloud.stats.requests).toBe(before);
  });
});

describe('IamApi.listAuthProjects', () => {
  let twoRegions: LocalCloud;
  let client: HuaweiCloud;
  shareCloud((started, hwcClient) => {
    twoRegions = started;
    client = hwcClient;
  }, twoRegionFixture);

  it("lists the caller's account's projects, which give each region's project id", async () => {
    const { projects } = await client.iam.listAuthProjects();
    expect(projects.map((p) => ({ id: p.id, name: p.name, enabled: p.enabled }))).toEqual([
      { id: twoRegions.identity.projectId, name: 'cn-north-4', enabled: true },
      { id: AP_SOUTHEAST_PROJECT, name: 'ap-southeast-1', enabled: true },
    ]);
    expect(projectIdsFor(['ap-southeast-1', 'cn-north-4'], projects)).toEqual({ 'ap-southeast-1': AP_SOUTHEAST_PROJECT, 'cn-north-4': twoRegions.identity.projectId });
    expect(twoRegions.stats.byOperation['iam.listAuthProjects']).toBe(1);
  });

  it('works with an IAM token too (a domain-wide call: no X-Project-Id is sent)', async () => {
    const issued = await client.iam.createTokenByPassword({ userName: twoRegions.identity.userName, password: twoRegions.identity.password, domainName: twoRegions.identity.domainName, projectId: twoRegions.identity.projectId });
    const byToken = clientFor(twoRegions, { credentials: { type: 'token', token: issued.token } });
    expect((await byToken.iam.listAuthProjects()).projects).toHaveLength(2);
    await byToken.close();
  });

  it('401 for a wrong secret key, not retried, the key in no message', async () => {
    const wrong = clientFor(twoRegions, { credentials: { type: 'aksk', ak: twoRegions.identity.ak, sk: 'WrongSecretKey00000000000000000000000000' } });
    const error = await rejection(wrong.iam.listAuthProjects());
    expect(error).toMatchObject({ operation: 'iam.listAuthProjects', status: 401, attempts: 1 });
    expect(error.message + JSON.stringify(error.toJSON())).not.toContain('WrongSecretKey');
    await wrong.close();
  });

  it('retries a 500 and a 503, then reports the status', async () => {
    twoRegions.setFaults({ rate: { '500': 1 }, operations: ['iam.listAuthProjects'] });
    expect(await rejection(client.iam.listAuthProjects())).toMatchObject({ status: 500, attempts: 4 });
    twoRegions.setFaults({ seed: seedFailingFirst(2), rate: { '503': 0.5 }, operations: ['iam.listAuthProjects'] });
    expect((await client.iam.listAuthProjects()).projects).toHaveLength(2);
  });

  it('fails closed on an answer without the fields deploy relies on, or not JSON', async () => {
    twoRegions.setFaults({ rate: { 'missing-fields': 1 }, operations: ['iam.listAuthProjects'] });
    const missing = await rejection(client.iam.listAuthProjects());
    expect(missing).toMatchObject({ errorCode: LocalErrorCode.invalidResponse });
    expect(missing.errorMsg).toMatch(/projects\.0\.id: required/);
    twoRegions.setFaults({ rate: { 'malformed-json': 1 }, operations: ['iam.listAuthProjects'] });
    expect(await rejection(client.iam.listAuthProjects())).toMatchObject({ operation: 'iam.listAuthProjects' });
    twoRegions.setFaults({ rate: { 'empty-200': 1 }, operations: ['iam.listAuthProjects'] });
    expect((await rejection(client.iam.listAuthProjects())).errorMsg).toMatch(/projects: /);
  });
});
