import { describe, expect, it } from 'vitest';
import { DEFAULT_IDS } from '../../../local/cloud/index.ts';
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

const topicUrn = (topic: string = DEFAULT_IDS.topic) => `urn:smn:${cloud.identity.region}:${cloud.identity.projectId}:${topic}`;

describe('SmnApi', () => {
  it('publishes a message to a topic (the URN travels encoded in the path)', async () => {
    const answer = await hwc.smn.publishMessage({ topic_urn: topicUrn(), subject: 'warden report', message: '3 keys tagged' });
    expect(answer.message_id).toMatch(/^[0-9a-f]{32}$/);
    expect(answer.request_id).toBeTruthy();
    expect(cloud.state.messages).toEqual([
      expect.objectContaining({ message_id: answer.message_id, topic_urn: topicUrn(), subject: 'warden report', message: '3 keys tagged' }),
    ]);
  });

  it('404 for an unknown topic, read from the SMN error body', async () => {
    const error = await rejection(hwc.smn.publishMessage({ topic_urn: topicUrn('nope'), message: 'hello' }));
    expect(error).toMatchObject({ operation: 'smn.publishMessage', status: 404, errorCode: 'SMN.0006', errorMsg: 'Topic not found.' });
  });

  it('401 with a wrong secret key, 403 for a foreign project', async () => {
    const wrong = clientFor(cloud, { credentials: { type: 'aksk', ak: cloud.identity.ak, sk: 'wrong' } });
    expect(await rejection(wrong.smn.publishMessage({ topic_urn: topicUrn(), message: 'x' }))).toMatchObject({ status: 401 });
    await wrong.close();
    const foreign = clientFor(cloud, { projectId: 'ffffffffffffffffffffffffffffffff' });
    expect(await rejection(foreign.smn.publishMessage({ topic_urn: topicUrn(), message: 'x' }))).toMatchObject({ status: 403 });
    await foreign.close();
  });

  it('500 once retries run out', async () => {
    cloud.setFaults({ rate: { '500': 1 }, operations: ['smn.publishMessage'] });
    expect(await rejection(hwc.smn.publishMessage({ topic_urn: topicUrn(), message: 'x' }))).toMatchObject({
      status: 500,
      errorCode: 'SMN.0001',
      attempts: 4,
    });
    expect(cloud.state.messages).toEqual([]);
  });

  it.each([
    ['a malformed topic URN', { topic_urn: 'warden-alerts', message: 'x' }, 'topic_urn'],
    ['an empty message', { topic_urn: 'urn:smn:r:p:t', message: '' }, 'message'],
    ['a subject over 512 bytes', { topic_urn: 'urn:smn:r:p:t', subject: '主'.repeat(171), message: 'x' }, 'subject'],
  ])('rejects %s before sending', async (_name, params, field) => {
    const before = cloud.stats.requests;
    const error = await rejection(hwc.smn.publishMessage(params));
    expect(error).toMatchObject({ status: 0, errorCode: LocalErrorCode.invalidRequest });
    expect(error.errorMsg).toContain(field);
    expect(cloud.stats.requests).toBe(before);
  });
});
