import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { FunctionGraphApi } from '../../../shared/hwc/functiongraph.ts';
import { clientFor, rejection } from '../../shared/hwc/support.ts';
import { AP_SOUTHEAST_PROJECT, OTHER_ACCOUNT, twoRegionFixture } from '../../support/two-regions.ts';

/** An IAM user's access key reaches every project of its account (one per region), as on the real cloud; nothing else does. */

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startCloud({ port: 0, fixture: twoRegionFixture() });
});
afterAll(() => cloud.close());

function functionGraph(options: Parameters<typeof clientFor>[1]) {
  const client = clientFor(cloud, { ...options, endpoints: { functiongraph: cloud.url, iam: cloud.url } });
  return { client, fg: client.use(FunctionGraphApi) };
}

describe('projects an access key may act in', () => {
  it("a user's AK/SK: its account's other region's project too", async () => {
    const { client, fg } = functionGraph({ projectId: AP_SOUTHEAST_PROJECT });
    expect((await fg.listFunctionsPage()).count).toBe(0);
    await client.close();
  });

  it("another account's project, or a token scoped to one project used for another: 403", async () => {
    const foreign = functionGraph({ projectId: OTHER_ACCOUNT.projectId });
    expect(await rejection(foreign.fg.listFunctionsPage())).toMatchObject({ status: 403, errorCode: 'FSS.0403' });
    const { userName, password, domainName, projectId } = cloud.identity;
    const token = await foreign.client.iam.createTokenByPassword({ userName, password, domainName, projectId });
    const scoped = functionGraph({ projectId: AP_SOUTHEAST_PROJECT, credentials: { type: 'token', token: token.token } });
    expect(await rejection(scoped.fg.listFunctionsPage())).toMatchObject({ status: 403, errorCode: 'FSS.0403' });
    await Promise.all([foreign.client.close(), scoped.client.close()]);
  });
});
