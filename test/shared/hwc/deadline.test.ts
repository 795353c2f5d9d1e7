import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { HuaweiCloud, isDeadlineError, KmsApi } from '../../../shared/hwc/index.ts';
import { beforeCloudHandles } from '../../support/functions.ts';
import { clientFor, collect, rejection, startTestCloud } from './support.ts';

/** `HuaweiCloud.withDeadline`: one invocation's view of a client shared across invocations. */

let cloud: LocalCloud;
let hwc: HuaweiCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
  hwc = clientFor(cloud);
});
afterAll(async () => {
  await hwc.close();
  await cloud.close();
});
beforeEach(() => {
  cloud.reset();
  cloud.setFaults(undefined);
});

const keyId = DEFAULT_IDS.keys.appData;
const passed = () => {
  const deadline = new AbortController();
  deadline.abort();
  return deadline.signal;
};

describe('HuaweiCloud.withDeadline', () => {
  it('sends nothing once the deadline has passed: built-in services, listings and attached services alike', async () => {
    const view = hwc.withDeadline(passed());
    for (const call of [
      () => view.kms.listKeyDetail({ key_id: keyId }),
      () => collect(view.kms.listKeys()),
      () => collect(view.kms.listKmsByTags({}, { pagesInFlight: 4 })),
      () => collect(view.csms.listSecrets()),
      () => view.csbs.listCheckpointItemsPage(),
      () => view.smn.publishMessage({ topic_urn: 'urn:smn:cn-north-4:p:t', message: 'x' }),
      () => view.use(KmsApi).listKeyDetail({ key_id: keyId }),
    ]) {
      const error = await rejection(call);
      expect(isDeadlineError(error)).toBe(true);
    }
    expect(cloud.stats.requests).toBe(0);
  });

  it('cuts a call in flight on a slow cloud; the cloud sees it once (no retry)', async () => {
    cloud.setFaults({ latencyMs: 5_000, operations: ['kms.listKeyDetail'] });
    const deadline = new AbortController();
    // The deadline passes while the cloud holds the call.
    beforeCloudHandles(cloud, 'kms.listKeyDetail', () => deadline.abort());
    const error = await rejection(hwc.withDeadline(deadline.signal).kms.listKeyDetail({ key_id: keyId }));
    expect(error).toMatchObject({ operation: 'kms.listKeyDetail', status: 0, errorCode: 'WARDEN.DEADLINE', attempts: 1 });
    expect(cloud.stats.byOperation['kms.listKeyDetail']).toBe(1);
  });

  it('leaves the client and its other views alone: pools and stats stay shared', async () => {
    const calls = hwc.stats.calls;
    const attached = hwc.use(KmsApi);
    const view = hwc.withDeadline(passed());
    expect(view.use(KmsApi)).not.toBe(attached); // attached per view, on the view's transport
    expect(view.use(KmsApi)).toBe(view.use(KmsApi));
    expect(view.region).toBe(hwc.region);
    await rejection(view.kms.listKeyDetail({ key_id: keyId }));
    expect((await hwc.kms.listKeyDetail({ key_id: keyId })).key_info.key_id).toBe(keyId);
    expect((await attached.listKeyDetail({ key_id: keyId })).key_info.key_id).toBe(keyId);
    const open = hwc.withDeadline(new AbortController().signal);
    expect((await open.use(KmsApi).listKeyDetail({ key_id: keyId })).key_info.key_id).toBe(keyId);
    expect(hwc.stats.calls).toBe(calls + 3); // the refused call was not counted; the view's were
  });
});
