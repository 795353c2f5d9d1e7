import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS, startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { call, paths } from './helpers.ts';

let cloud: LocalCloud;
let topicUrn: string;

beforeAll(async () => {
  cloud = await startCloud();
  topicUrn = `urn:smn:${cloud.identity.region}:${cloud.identity.projectId}:${DEFAULT_IDS.topic}`;
});
beforeEach(() => cloud.reset());
afterAll(async () => {
  await cloud.close();
});

function expectSmnError(response: { status: number; body: any; headers: Record<string, string> }, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.code).toBe(code);
  expect(typeof response.body.message).toBe('string');
  expect(response.body.request_id).toBe(response.headers['x-request-id']);
}

describe('SMN publish', () => {
  it('publishes to a topic and records the message', async () => {
    const response = await call(cloud, 'POST', paths(cloud).publish(topicUrn), { body: { subject: 'Key deletion cancelled', message: 'key 1 is protected' } });
    expect(response.status).toBe(200);
    expect(response.body.request_id).toBe(response.headers['x-request-id']);
    expect(response.body.message_id).toMatch(/^[0-9a-f]{32}$/);
    expect(cloud.state.messages).toHaveLength(1);
    expect(cloud.state.messages[0]).toMatchObject({
      topic_urn: topicUrn,
      subject: 'Key deletion cancelled',
      message: 'key 1 is protected',
      message_id: response.body.message_id,
    });
  });

  it('answers 404 SMN.0006 for an unknown topic', async () => {
    const unknown = `urn:smn:${cloud.identity.region}:${cloud.identity.projectId}:no-such-topic`;
    expectSmnError(await call(cloud, 'POST', paths(cloud).publish(unknown), { body: { message: 'x' } }), 404, 'SMN.0006');
    expect(cloud.state.messages).toHaveLength(0);
  });

  it('answers 400 without a message, with a bad subject or a body that is not JSON', async () => {
    expectSmnError(await call(cloud, 'POST', paths(cloud).publish(topicUrn), { body: { subject: 'only a subject' } }), 400, 'SMN.0002');
    expectSmnError(await call(cloud, 'POST', paths(cloud).publish(topicUrn), { body: { subject: 7, message: 'x' } }), 400, 'SMN.0002');
    expectSmnError(await call(cloud, 'POST', paths(cloud).publish(topicUrn), { rawBody: 'message=x' }), 400, 'SMN.0002');
  });
});
