import { defaultFixture } from '../../local/cloud/index.ts';
import type { Fixture } from '../../local/cloud/index.ts';

/** An account with projects in two regions (the default user's cn-north-4, a second user's ap-southeast-1), and another account beside it. */

export const AP_SOUTHEAST_PROJECT = '1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f';
export const OTHER_ACCOUNT = {
  ak: 'OTHERACCOUNTAK000001',
  sk: 'OtherAccountSecretKey0000000000000000001',
  domainId: 'ffeeddccbbaa99887766554433221100',
  projectId: '9f8e7d6c5b4a39281706f5e4d3c2b1a0',
} as const;

export function twoRegionFixture(): Fixture {
  const fixture = defaultFixture();
  const first = fixture.users[0]!;
  fixture.users.push(
    {
      ...first,
      userId: 'b1b2c3d4e5f60718293a4b5c6d7e8f90',
      userName: 'warden-ap',
      ak: 'WARDENDEMOAK00000002',
      sk: 'WardenDemoSecretKey000000000000000000002',
      projectId: AP_SOUTHEAST_PROJECT,
      projectName: 'ap-southeast-1',
    },
    {
      ...first,
      userId: 'c1b2c3d4e5f60718293a4b5c6d7e8f90',
      userName: 'someone-else',
      ak: OTHER_ACCOUNT.ak,
      sk: OTHER_ACCOUNT.sk,
      domainId: OTHER_ACCOUNT.domainId,
      domainName: 'other-account',
      projectId: OTHER_ACCOUNT.projectId,
    },
  );
  return fixture;
}
