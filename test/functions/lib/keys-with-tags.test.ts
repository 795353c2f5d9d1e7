import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyKey } from '../../../functions/lib/keys-with-tags.ts';
import { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { createLogger } from '../../../shared/runtime/logger.ts';
import { collect } from '../../shared/hwc/support.ts';

// Answers the embedded cloud never gives, from a loopback server: ListKeys' body and the listing's page.
let listKeysBody: unknown;
let listingBody: unknown;
const asked: string[] = [];
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const path = request.url ?? '';
    asked.push(path.endsWith('/list-keys') ? 'listKeys' : path.endsWith('/resource_instances/action') ? 'listKmsByTags' : path);
    const body = path.endsWith('/list-keys') ? listKeysBody : listingBody;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
});
let origin = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
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
    const listed = await collect(everyKey(hwc, [{ key: 'team', value: 'platform' }], createLogger({ function: 'test', sink: () => undefined })));
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
    const listed = await collect(everyKey(hwc, [{ key: 'team', value: 'platform' }], createLogger({ function: 'test', sink: (line) => lines.push(line) })));
    await hwc.close();
    // The filtered listing (answered with the same page here) says key 1 already carries the tags.
    expect(listed).toEqual([{ keyId: id(2), key: expect.objectContaining({ key_id: id(2) }), tags: undefined }]);
    expect(asked.sort()).toEqual(['listKeys', 'listKeys', 'listKmsByTags', 'listKmsByTags']);
    expect(lines.map((line) => JSON.parse(line).why)).toEqual(['ListKeys gave no total to check the ListKmsByTags listing against']);
  });
});
