import { describe, expect, it } from 'vitest';
import { DEFAULT_IDS } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { LocalErrorCode } from '../../../shared/hwc/index.ts';
import type { CreateSecretEventRequest, HuaweiCloud } from '../../../shared/hwc/index.ts';
import { clientFor, collect, rejection, seedFailingFirst, expectRefusedBeforeSending, shareCloud } from './support.ts';

let cloud: LocalCloud;
let hwc: HuaweiCloud;

shareCloud((started, client) => {
  cloud = started;
  hwc = client;
});

const topicUrn = () => `urn:smn:${cloud.identity.region}:${cloud.identity.projectId}:${DEFAULT_IDS.topic}`;
const event = (name: string): CreateSecretEventRequest => ({
  name,
  event_types: ['SECRET_VERSION_CREATED', 'SECRET_DELETED'],
  state: 'ENABLED',
  notification: { target_type: 'SMN', target_id: topicUrn(), target_name: DEFAULT_IDS.topic },
});

describe('CsmsApi round trips', () => {
  it('creates an event, shows it, and lists every event across pages', async () => {
    const created = await hwc.csms.createSecretEvent(event('ev-a'));
    expect(created.event).toMatchObject({ name: 'ev-a', state: 'ENABLED', event_types: ['SECRET_VERSION_CREATED', 'SECRET_DELETED'] });
    expect(typeof created.event.create_time).toBe('number');
    for (const name of ['ev-b', 'ev-c', 'ev-d']) await hwc.csms.createSecretEvent(event(name));

    const shown = await hwc.csms.showSecretEvent({ event_name: 'ev-a' });
    expect(shown.event.notification).toEqual({ target_type: 'SMN', target_id: topicUrn(), target_name: DEFAULT_IDS.topic });

    const page = await hwc.csms.listSecretEventsPage({ limit: 2 });
    expect(page.events.map((e) => e.name)).toEqual(['ev-a', 'ev-b']);
    expect(page.page_info?.next_marker).toBe('ev-b');

    const before = cloud.stats.requests;
    const names = (await collect(hwc.csms.listSecretEvents({ limit: 2 }))).map((e) => e.name);
    expect(names).toEqual(['ev-a', 'ev-b', 'ev-c', 'ev-d', DEFAULT_IDS.event]);
    expect(cloud.stats.requests - before).toBe(3);
    expect((await collect(hwc.csms.listSecretEvents({ marker: 'ev-c' }))).map((e) => e.name)).toEqual(['ev-d', DEFAULT_IDS.event]);
  });

  it('creates secrets, lists them across pages and by event, and updates their subscriptions', async () => {
    await hwc.csms.createSecretEvent(event('ev-new'));
    const created = await hwc.csms.createSecret({
      name: 'api-token',
      secret_string: 'top-secret-value',
      kms_key_id: DEFAULT_IDS.keys.appData,
      event_subscriptions: ['ev-new'],
      description: 'for the API',
    });
    expect(created.secret).toMatchObject({ name: 'api-token', event_subscriptions: ['ev-new'], kms_key_id: DEFAULT_IDS.keys.appData });
    expect(created.secret.scheduled_delete_time).toBeUndefined(); // sent as null
    expect(JSON.stringify(created)).not.toContain('top-secret-value');
    await hwc.csms.createSecret({ name: 'b-secret', secret_binary: Buffer.from('bytes').toString('base64') });

    const all = await collect(hwc.csms.listSecrets({ limit: 1 }));
    expect(all.map((s) => s.name)).toEqual(['api-token', 'b-secret', DEFAULT_IDS.secret]);
    expect(all.find((s) => s.name === 'b-secret')?.event_subscriptions).toEqual([]);

    const page = await hwc.csms.listSecretsPage({ event_name: 'ev-new' });
    expect(page.secrets.map((s) => s.name)).toEqual(['api-token']);
    expect((await collect(hwc.csms.listSecrets({ event_name: DEFAULT_IDS.event }))).map((s) => s.name)).toEqual([DEFAULT_IDS.secret]);

    const updated = await hwc.csms.updateSecret({ secret_name: 'api-token', event_subscriptions: [], description: 'rotated' });
    expect(updated.secret).toMatchObject({ name: 'api-token', event_subscriptions: [], description: 'rotated' });
    expect(await collect(hwc.csms.listSecrets({ event_name: 'ev-new' }))).toEqual([]);
  });

  it('deletes an event no secret subscribes to', async () => {
    await hwc.csms.createSecretEvent(event('ev-unused'));
    await hwc.csms.deleteSecretEvent({ event_name: 'ev-unused' });
    expect(cloud.state.events.has('ev-unused')).toBe(false);
    const error = await rejection(hwc.csms.showSecretEvent({ event_name: 'ev-unused' }));
    expect(error).toMatchObject({ operation: 'csms.showSecretEvent', status: 404 });
  });
});

describe('CsmsApi retries', () => {
  it('a delete whose answer was lost succeeds: the retry’s 404 means the event is gone', async () => {
    await hwc.csms.createSecretEvent(event('ev-lost'));
    cloud.setFaults({ seed: seedFailingFirst(1), rate: { '502': 0.5 }, when: 'after', operations: ['csms.deleteSecretEvent'] });
    await hwc.csms.deleteSecretEvent({ event_name: 'ev-lost' });
    expect(cloud.stats.byOperation['csms.deleteSecretEvent']).toBe(2);
    expect(cloud.state.events.has('ev-lost')).toBe(false);
  });
});

describe('CsmsApi errors', () => {
  it('400 when deleting an event a secret subscribes to; it is kept', async () => {
    const error = await rejection(hwc.csms.deleteSecretEvent({ event_name: DEFAULT_IDS.event }));
    expect(error).toMatchObject({ operation: 'csms.deleteSecretEvent', status: 400, errorCode: 'CSMS.0003' });
    expect(cloud.state.events.has(DEFAULT_IDS.event)).toBe(true);

    await hwc.csms.updateSecret({ secret_name: DEFAULT_IDS.secret, event_subscriptions: [] });
    await hwc.csms.deleteSecretEvent({ event_name: DEFAULT_IDS.event });
    expect(cloud.state.events.has(DEFAULT_IDS.event)).toBe(false);
  });

  it('404 for a missing event, on show and on delete', async () => {
    expect(await rejection(hwc.csms.deleteSecretEvent({ event_name: 'no-such-event' }))).toMatchObject({
      operation: 'csms.deleteSecretEvent',
      status: 404,
      errorCode: 'CSMS.0005',
    });
    expect(await rejection(hwc.csms.showSecretEvent({ event_name: 'no-such-event' }))).toMatchObject({ status: 404 });
  });

  it('404 for a missing secret; the top-level error body of secrets is read too', async () => {
    const error = await rejection(hwc.csms.updateSecret({ secret_name: 'no-such-secret', description: 'x' }));
    expect(error).toMatchObject({ operation: 'csms.updateSecret', status: 404, errorCode: 'CSMS.0005' });
    expect(error.errorMsg).toContain('no-such-secret');
  });

  it('409 for a name already taken', async () => {
    expect(await rejection(hwc.csms.createSecretEvent(event(DEFAULT_IDS.event)))).toMatchObject({ status: 409, errorCode: 'CSMS.0101' });
  });

  it('401 with a wrong secret key, 403 for a foreign project', async () => {
    const wrong = clientFor(cloud, { credentials: { type: 'aksk', ak: cloud.identity.ak, sk: 'wrong' } });
    expect(await rejection(collect(wrong.csms.listSecretEvents()))).toMatchObject({ operation: 'csms.listSecretEvents', status: 401 });
    await wrong.close();
    const foreign = clientFor(cloud, { projectId: 'ffffffffffffffffffffffffffffffff' });
    expect(await rejection(collect(foreign.csms.listSecrets()))).toMatchObject({ operation: 'csms.listSecrets', status: 403, errorCode: 'CSMS.0302' });
    await foreign.close();
  });

  it('500 once retries run out, and success when a retry gets through', async () => {
    cloud.setFaults({ rate: { '500': 1 }, operations: ['csms.listSecretEvents'] });
    expect(await rejection(collect(hwc.csms.listSecretEvents()))).toMatchObject({ status: 500, errorCode: 'CSMS.0001', attempts: 4 });
    cloud.setFaults({ seed: 7, rate: { '503': 0.3, '504': 0.2 }, operations: ['csms.listSecrets'] });
    expect((await collect(hwc.csms.listSecrets({ limit: 1 }))).map((s) => s.name)).toEqual([DEFAULT_IDS.secret]);
  });
});

describe('CsmsApi request validation (nothing is sent)', () => {
  it.each([
    ['an event name with a slash', () => hwc.csms.deleteSecretEvent({ event_name: 'a/b' }), 'event_name'],
    ['an event name over 64 characters', () => hwc.csms.showSecretEvent({ event_name: 'e'.repeat(65) }), 'event_name'],
    ['both secret_string and secret_binary', () => hwc.csms.createSecret({ name: 's', secret_string: 'a', secret_binary: 'Yg==' }), 'secret_string'],
    ['neither secret_string nor secret_binary', () => hwc.csms.createSecret({ name: 's' }), 'secret_string'],
    ['two event subscriptions', () => hwc.csms.updateSecret({ secret_name: 's', event_subscriptions: ['a', 'b'] }), 'event_subscriptions'],
    ['an unknown event type', () => hwc.csms.createSecretEvent({ ...event('e'), event_types: ['SECRET_EATEN' as 'SECRET_DELETED'] }), 'event_types'],
    ['a non-SMN notification', () => hwc.csms.createSecretEvent({ ...event('e'), notification: { target_type: 'SMS' as 'SMN', target_id: 'x', target_name: 'y' } }), 'notification.target_type'],
    ['a page size over 1000', () => hwc.csms.listSecrets({ limit: 1001 }), 'limit'],
  ] as const)('rejects %s', async (_name, call, field) => {
    await expectRefusedBeforeSending(cloud, call, field);
  });

  it('never echoes a secret value in a validation error', async () => {
    const error = await rejection(hwc.csms.createSecret({ name: 'bad name', secret_string: 'hunter2' }));
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain('hunter2');
  });
});
