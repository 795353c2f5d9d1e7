import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { requireOfficialSdk, sdkCore as core } from '../../support/official-sdk.ts';
import { AP_SOUTHEAST_PROJECT as AP_PROJECT, OTHER_ACCOUNT, twoRegionFixture } from '../../support/two-regions.ts';

// The embedded IAM's KeystoneListAuthProjects, driven by the official SDK's client (@huaweicloud/huaweicloud-sdk-iam,
// signing with global AK/SK credentials), so the route answers what real clients send and parse. A custom user
// agent keeps the SDK from writing its application id file into the home directory.

// The package's index also loads its v5 API, whose build requires a file that is not there: v3 alone.
const iam = requireOfficialSdk<typeof import('@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js')>('@huaweicloud/huaweicloud-sdk-iam/v3/public-api');

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startCloud({ port: 0, fixture: twoRegionFixture() });
});
afterAll(() => cloud.close());

function sdkClient(ak: string, sk: string, domainId: string) {
  const credentials = new core.GlobalCredentials().withAk(ak).withSk(sk).withDomainId(domainId);
  return iam.IamClient.newBuilder().withCredential(credentials).withEndpoint(cloud.url).withOptions({ customUserAgent: 'hwc-warden-tests' }).build();
}

describe('GET /v3/auth/projects (KeystoneListAuthProjects)', () => {
  it("answers the official client with the caller's account's projects, one per region, in the document's shape", async () => {
    const { ak, sk, domainId, projectId } = cloud.identity;
    const answer = await sdkClient(ak, sk, domainId).keystoneListAuthProjects(new iam.KeystoneListAuthProjectsRequest());
    expect(answer.httpStatusCode).toBe(200);
    // The SDK hands the body over as parsed: the document's snake_case names.
    const projects = (answer.projects as unknown as Array<Record<string, unknown>>).map((p) => ({ id: p['id'], name: p['name'], enabled: p['enabled'], domain_id: p['domain_id'], is_domain: p['is_domain'] }));
    expect(projects).toEqual([
      { id: projectId, name: 'cn-north-4', enabled: true, domain_id: domainId, is_domain: false },
      { id: AP_PROJECT, name: 'ap-southeast-1', enabled: true, domain_id: domainId, is_domain: false },
    ]);
    expect(answer.links?.self).toBe('https://iam.myhuaweicloud.com/v3/auth/projects');
  });

  // Its 401 for a bad signature is tested with our client (test/shared/hwc/iam.test.ts): the SDK logs whole failures to the console.
  it('lists another account only its own', async () => {
    const answer = await sdkClient(OTHER_ACCOUNT.ak, OTHER_ACCOUNT.sk, OTHER_ACCOUNT.domainId).keystoneListAuthProjects(new iam.KeystoneListAuthProjectsRequest());
    expect((answer.projects as Array<{ id: string }>).map((p) => p.id)).toEqual([OTHER_ACCOUNT.projectId]);
  });
});
