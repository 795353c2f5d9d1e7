import { describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { LocalErrorCode } from '../../../shared/hwc/index.ts';
import type { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { clientFor, rejection, shareCloud } from './support.ts';

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
