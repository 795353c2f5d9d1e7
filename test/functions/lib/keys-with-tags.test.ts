import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { everyKey, withTags } from '../../../functions/lib/keys-with-tags.ts';
import { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { createLogger } from '../../../shared/runtime/logger.ts';
import { collect } from '../../shared/hwc/support.ts';

// Answers the embedded cloud never gives, from a loopback server: ListKeys' body and the listing's page.
let listKeysBody: unknown;
/** The listing's answer, or a function of the request's offset. */
let listingBody: unknown;
const asked: string[] = [];
/** A listing offset whose answer waits until `release()`. */
let heldOffset: number | undefined;
let release = () => {};
const server = createServer((request, response) => {
  let text = '';
  request.on('data', (chunk: Buffer) => (text += chunk.toString()));
  request.on('end', () => {
    const path = request.url ?? '';
    asked.push(path.endsWith('/list-keys') ? 'listKeys' : path.endsWith('/resource_instances/action') ? 'listKmsByTags' : path);
    const offset = Number((JSON.parse(text || '{}') as { offset?: string }).offset ?? 0);
    const body = path.endsWith('/list-keys') ? listKeysBody : typeof listingBody === 'function' ? listingBody(offset) : listingBody;
    const answer = () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (offset === heldOffset && path.endsWith('/resource_instances/action')) release = answer;
    else answer();
  });
});
let origin = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const resources = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ resource_id: id(from + i), resource_detail: detail(from + i), tags: [{ key: 'team', value: 'platform' }] }));
const quiet = createLogger({ function: 'test', sink: () => undefined });
const detail = (n: number) => ({ key_id: id(n), key_alias: `app/k${n}`, key_state: '2' });

function client(): HuaweiCloud {
  return new HuaweiCloud({ region: 'cn-north-4', projectId: 'p1', credentials: { type: 'aksk', ak: 'AK', sk: 'SK' }, env: { HUAWEICLOUD_ENDPOINT_URL: origin } });
}

describe('everyKey', () => {
  it('never takes details that name another key: that key is read on its own', async () => {
    listKeysBody = { key_details: [detail(1)], truncated: 'true', next_marker: '1', total: 2 };
    listingBody = {
      resources: [
        { resource_id: id(1), resource_detail: detail(1), tags: [] },
        { resource_id: id(2), resource_detail: detail(3), tags: [{ key: 'team', value: 'x' }] },
      ],
      total_count: 2,
    };
    const hwc = client();
    const listed = await collect(everyKey(hwc, [{ key: 'team', value: 'platform' }], createLogger({ function: 'test', sink: () => undefined }), () => undefined));
    await hwc.close();
    expect(listed).toEqual([
      { keyId: id(1), key: expect.objectContaining({ key_id: id(1) }), tags: [] },
      { keyId: id(2), key: undefined, tags: [{ key: 'team', value: 'x' }] },
    ]);
  });

  it('falls back to ListKeys when it gives no total to check the listing against, and says so', async () => {
    asked.length = 0;
    listKeysBody = { key_details: [detail(1), detail(2)], truncated: 'false' };
    listingBody = { resources: [{ resource_id: id(1), resource_detail: detail(1), tags: [] }], total_count: 1 };
    const lines: string[] = [];
    const hwc = client();
    const listed = await collect(everyKey(hwc, [{ key: 'team', value: 'platform' }], createLogger({ function: 'test', sink: (line) => lines.push(line) }), () => undefined));
    await hwc.close();
    // The filtered listing (answered with the same page here) says key 1 already carries the tags.
    expect(listed).toEqual([{ keyId: id(2), key: expect.objectContaining({ key_id: id(2) }), tags: undefined }]);
    expect(asked.sort()).toEqual(['listKeys', 'listKeys', 'listKmsByTags', 'listKmsByTags']);
    expect(lines.map((line) => JSON.parse(line).why)).toEqual(['ListKeys gave no total to check the ListKmsByTags listing against']);
  });

  it('does not trust a first page shorter than it should be (a server that pages smaller than asked)', async () => {
    asked.length = 0;
    listKeysBody = { key_details: [detail(1)], truncated: 'false', total: 1 };
    listingBody = (offset: number) => ({ resources: resources(offset, 200), total_count: 3000 });
    const lines: string[] = [];
    const hwc = client();
    await collect(everyKey(hwc, [{ key: 'team', value: 'platform' }], createLogger({ function: 'test', sink: (line) => lines.push(line) }), () => undefined));
    await hwc.close();
    expect(lines.map((line) => JSON.parse(line).why)).toEqual(['ListKmsByTags answered 200 keys on a first page that should hold 1000']);
  });

  it('says when the listing showed fewer keys than ListKeys counted (keys deleted meanwhile)', async () => {
    listKeysBody = { key_details: [detail(1)], truncated: 'true', next_marker: '1', total: 1500 };
    // The second page says 1,200 keys are left in all, and holds the last 200 of them.
    listingBody = (offset: number) => (offset === 0 ? { resources: resources(0, 1000), total_count: 1500 } : { resources: resources(1000, 200), total_count: 1200 });
    const short: [number, number][] = [];
    const hwc = client();
    const listed = await collect(everyKey(hwc, [], quiet, (shown, counted) => short.push([shown, counted])));
    await hwc.close();
    expect(listed).toHaveLength(1200);
    expect(short).toEqual([[1200, 1500]]);
  });

  it('fails when the listing ends before its total (an empty page while 1,500 keys are counted)', async () => {
    listKeysBody = { key_details: [detail(1)], truncated: 'true', next_marker: '1', total: 1500 };
    listingBody = (offset: number) => ({ resources: offset === 0 ? resources(0, 1000) : [], total_count: 1500 });
    const hwc = client();
    const error = await collect(everyKey(hwc, [], quiet, () => undefined)).catch((e: unknown) => e);
    await hwc.close();
    expect(error).toMatchObject({ operation: 'kms.listKmsByTags', errorCode: 'WARDEN.INCOMPLETE_LISTING', errorMsg: 'an empty page at offset 1000 of 1500 items' });
  });

  it("asks for the listing's second page before handing out the first page's keys", async () => {
    asked.length = 0;
    listKeysBody = { key_details: [detail(0)], truncated: 'true', next_marker: '1', total: 2000 };
    listingBody = (offset: number) => ({ resources: resources(offset, 1000), total_count: 2000 });
    const hwc = client();
    const keys = everyKey(hwc, [{ key: 'team', value: 'platform' }], quiet, () => undefined);

    await keys.next();
    await vi.waitFor(() => expect(asked.filter((call) => call === 'listKmsByTags')).toHaveLength(2), { timeout: 5_000 });
    const rest = await collect({ [Symbol.asyncIterator]: () => keys });
    await hwc.close();

    expect(rest).toHaveLength(1999);
    expect(asked.filter((call) => call === 'listKmsByTags')).toHaveLength(2);
  });

  it('asks for no second page when the first holds every key (total_count 1,000)', async () => {
    asked.length = 0;
    listKeysBody = { key_details: [detail(1)], truncated: 'true', next_marker: '1', total: 1000 };
    listingBody = { resources: resources(0, 1000), total_count: 1000 };
    const hwc = client();
    expect(await collect(everyKey(hwc, [], quiet, () => undefined))).toHaveLength(1000);
    await hwc.close();
    expect(asked.sort()).toEqual(['listKeys', 'listKmsByTags']);
  });
});

describe('withTags', () => {
  it("asks for the listing's second page before handing out the first page's keys", async () => {
    asked.length = 0;
    listingBody = (offset: number) => ({ resources: resources(offset, 1000), total_count: 2000 });
    const hwc = client();
    const keys = withTags(hwc, [id(1), id(1500), id(1600)].map((key_id) => ({ key_id })), quiet, () => false);

    const first = await keys.next();
    // Nothing more is read from the listing: the second page is on its way all the same.
    await vi.waitFor(() => expect(asked).toEqual(['listKmsByTags', 'listKmsByTags']), { timeout: 5_000 });
    const rest = await collect({ [Symbol.asyncIterator]: () => keys });
    await hwc.close();

    expect([first.value, ...rest].map((found) => [found?.key.key_id, found?.tags])).toEqual([
      [id(1), [{ key: 'team', value: 'platform' }]],
      [id(1500), [{ key: 'team', value: 'platform' }]],
      [id(1600), [{ key: 'team', value: 'platform' }]],
    ]);
    expect(asked).toHaveLength(2);
  });
});

describe('both listings', () => {
  it.each([
    ['everyKey', (hwc: HuaweiCloud) => everyKey(hwc, [{ key: 'team', value: 'platform' }], quiet, () => undefined)],
    ['withTags', (hwc: HuaweiCloud) => withTags(hwc, [id(1), id(1500), id(1600)].map((key_id) => ({ key_id })), quiet, () => false)],
  ] as const)('%s: stopping during the first page does not wait for the second, which is aborted', async (_, list) => {
    asked.length = 0;
    listKeysBody = { key_details: [detail(0)], truncated: 'true', next_marker: '1', total: 2000 };
    listingBody = (offset: number) => ({ resources: resources(offset, 1000), total_count: 2000 });
    heldOffset = 1000;
    const hwc = client();
    try {
      const keys = list(hwc);
      await keys.next();
      await vi.waitFor(() => expect(asked.filter((call) => call === 'listKmsByTags')).toHaveLength(2), { timeout: 5_000 });

      // The second page's answer is held back: return() settles only if its request is aborted.
      await keys.return(undefined);

      expect(asked.filter((call) => call === 'listKmsByTags')).toHaveLength(2);
    } finally {
      heldOffset = undefined;
      release();
      await hwc.close();
    }
  });
});
