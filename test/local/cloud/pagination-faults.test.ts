import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS, defaultFixture, startCloud } from '../../../local/cloud/index.ts';
import type { Fixture, HostileKind, LocalCloud } from '../../../local/cloud/index.ts';
import { call, paths } from './helpers.ts';

/**
 * The embedded cloud's pages as a hostile or merely different cloud sends them: pages smaller than asked (the
 * `pageCap` variant, honest), a ListKeys `total` counting every key, the CSBS count route, and the pagination
 * faults (`missing-pagination`, `repeated-cursor`, `truncated-page`) and `wrong-types`.
 */

/** The default fixture (5 keys), with 5 events and 4 backups. */
function fixture(): Fixture {
  const base = defaultFixture();
  const event = base.events?.[0] as NonNullable<Fixture['events']>[number];
  const item = base.checkpointItems?.[0] as NonNullable<Fixture['checkpointItems']>[number];
  return {
    ...base,
    events: Array.from({ length: 5 }, (_, i) => ({ ...event, name: `event-${i}`, event_id: undefined })),
    checkpointItems: Array.from({ length: 4 }, (_, i) => ({ ...item, id: `item-${i}`, checkpoint_id: undefined })),
  };
}

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startCloud({ fixture: fixture() });
});
beforeEach(() => cloud.reset());
afterEach(() => {
  cloud.setFaults(undefined);
  cloud.setVariants({});
});
afterAll(async () => {
  await cloud.close();
});

const listKeys = (body: Record<string, unknown>) => call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: { key_spec: 'ALL', ...body } });
const byTags = (body: Record<string, unknown>) => call(cloud, 'POST', paths(cloud).kms('resource_instances/action'), { body: { action: 'filter', ...body } });
const events = (query = '') => call(cloud, 'GET', `${paths(cloud).events}${query}`);
const backups = (query = '') => call(cloud, 'GET', `${paths(cloud).checkpointItems}${query}`);
const hostile = (kind: HostileKind, operations?: string[]) => cloud.setFaults({ seed: 1, rate: { [kind]: 1 }, ...(operations ? { operations } : {}) });

describe('pageCap: a cloud that pages by fewer items than asked, honestly', () => {
  it('caps every listing, with cursors, truncated and totals those of the page it sends', async () => {
    cloud.setVariants({ pageCap: 2 });
    const keys = await listKeys({ limit: '100' });
    expect(keys.body).toMatchObject({ truncated: 'true', next_marker: '2', total: 5 });
    expect(keys.body.key_details).toHaveLength(2);
    const tagged = await byTags({ limit: '100', offset: '0' });
    expect(tagged.body.resources).toHaveLength(2);
    expect(tagged.body.total_count).toBe(5);
    const page = await events('?limit=100');
    expect(page.body.events).toHaveLength(2);
    expect(page.body.page_info).toMatchObject({ current_count: 2, next_marker: page.body.events[1].name });
    const items = await backups('?limit=100');
    expect(items.body.checkpoint_items).toHaveLength(2);
    expect(items.body.count).toBeGreaterThan(2);
  });
});

describe('listKeysTotal', () => {
  it("'all': a filtered ListKeys says how many keys the project has, not how many it lists", async () => {
    const pending = await listKeys({ key_state: '4' });
    expect(pending.body.total).toBe(pending.body.key_details.length);
    cloud.setVariants({ listKeysTotal: 'all' });
    const all = await listKeys({ key_state: '4' });
    expect(all.body).toMatchObject({ truncated: 'false', total: 5 });
    expect(all.body.key_details).toHaveLength(pending.body.key_details.length);
  });
});

describe('csmsNextMarker', () => {
  it("'always': every page that holds items names its last as the next marker; the page after the last is empty", async () => {
    cloud.setVariants({ csmsNextMarker: 'always' });
    const last = await events('?limit=3&marker=event-1');
    expect(last.body.page_info).toMatchObject({ current_count: 3, next_marker: 'event-4' });
    const after = await events('?limit=3&marker=event-4');
    expect(after.body).toEqual({ events: [], page_info: { current_count: 0, previous_marker: 'event-4' } });
  });
});

describe('GET checkpoint_items/count', () => {
  it('counts the backups the filters match, as the listing does', async () => {
    const all = await call(cloud, 'GET', `${paths(cloud).checkpointItems}/count`);
    expect(all).toMatchObject({ status: 200, body: { count: (await backups()).body.count } });
    const available = await call(cloud, 'GET', `${paths(cloud).checkpointItems}/count?status=available&resource_id=${DEFAULT_IDS.server}`);
    expect(available.body.count).toBe((await backups(`?status=available&resource_id=${DEFAULT_IDS.server}`)).body.checkpoint_items.length);
    expect((await call(cloud, 'GET', `${paths(cloud).checkpointItems}/count?status=nope`)).status).toBe(400);
  });
});

describe('pagination faults', () => {
  it('missing-pagination: the page without its pagination fields, items kept', async () => {
    hostile('missing-pagination');
    expect(Object.keys((await listKeys({ limit: '2' })).body).sort()).toEqual(['key_details', 'keys']);
    expect(Object.keys((await byTags({ limit: '2' })).body)).toEqual(['resources']);
    expect(Object.keys((await events('?limit=2')).body)).toEqual(['events']);
    expect(Object.keys((await backups('?limit=2')).body)).toEqual(['checkpoint_items']);
  });

  it('repeated-cursor: a page asked for with a marker or an offset comes back as the first page', async () => {
    const first = await events('?limit=2');
    hostile('repeated-cursor');
    const again = await events(`?limit=2&marker=${first.body.page_info.next_marker}`);
    expect(again.body).toEqual(first.body);
    expect((await listKeys({ limit: '2', marker: '4' })).body.next_marker).toBe('2');
    const offset = await byTags({ limit: '2', offset: '6' });
    expect(offset.body.resources.map((r: { resource_id: string }) => r.resource_id)).toEqual((await listKeys({ limit: '2' })).body.keys);
  });

  it('truncated-page: the last third of the items dropped (one kept at least), the rest as for the whole page', async () => {
    hostile('truncated-page');
    const keys = await listKeys({ limit: '3' });
    expect(keys.body).toMatchObject({ truncated: 'true', next_marker: '3', total: 5 });
    expect(keys.body.key_details).toHaveLength(2);
    expect(keys.body.keys).toHaveLength(2);
    const page = await events('?limit=3');
    expect(page.body.events).toHaveLength(2);
    expect(page.body.page_info.current_count).toBe(3);
    expect((await events('?limit=1')).body.events).toHaveLength(1);
  });

  it('is drawn for listings only: another call under the same rate answers as usual, and counts no fault', async () => {
    hostile('truncated-page');
    const described = await call(cloud, 'POST', paths(cloud).kms('describe-key'), { body: { key_id: DEFAULT_IDS.keys.orders } });
    expect(described.status).toBe(200);
    expect(cloud.faultStats.total).toBe(0);
    await events();
    expect(cloud.faultStats.byKind).toEqual({ 'truncated-page': 1 });
  });
});

describe('wrong-types', () => {
  it('gives every value another type: strings in arrays, numbers as text, booleans as "yes"', async () => {
    hostile('wrong-types', ['kms.listKeys']);
    const keys = await listKeys({ limit: '1' });
    expect(keys.body).toMatchObject({ truncated: ['true'], total: '5 items', keys: [[expect.any(String)]] });
    expect(keys.body.key_details[0].key_state).toEqual([expect.stringMatching(/^[1-5]$/)]);
  });
});

describe('stats.attempts', () => {
  it('counts a mutating call by its target whatever the answer, a refused one included', async () => {
    const refused = await call(cloud, 'DELETE', `${paths(cloud).events}/nope`);
    expect(refused.status).toBe(404);
    await call(cloud, 'POST', paths(cloud).kms('disable-key'), { body: { key_id: DEFAULT_IDS.keys.orders } });
    expect(cloud.stats.attempts).toEqual({ 'csms.deleteSecretEvent nope': 1, [`kms.disableKey ${DEFAULT_IDS.keys.orders}`]: 1 });
  });
});
