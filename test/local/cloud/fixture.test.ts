import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDS, defaultFixture, loadFixture, parseFixture, startCloud } from '../../../local/cloud/index.ts';
import type { Fixture } from '../../../local/cloud/index.ts';
import { call, paths } from './helpers.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-fixture-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const otherUser = {
  userId: 'b0000000000000000000000000000001',
  userName: 'bob',
  password: 'Bob-Passw0rd',
  ak: 'BOBAK000000000000001',
  sk: 'BobSecretKey0000000000000000000000000001',
  domainId: 'd0000000000000000000000000000002',
  domainName: 'bob-domain',
  projectId: 'p0000000000000000000000000000002',
};

describe('fixtures', () => {
  it('defaultFixture() is valid and survives JSON', () => {
    const fixture = defaultFixture();
    expect(parseFixture(JSON.parse(JSON.stringify(fixture)))).toEqual(fixture);
  });

  it('loadFixture reads a JSON file that startCloud then serves', async () => {
    const fixture: Fixture = {
      region: 'ap-southeast-3',
      users: [otherUser],
      keys: [{ key_id: '12345678-90ab-cdef-1234-567890abcdef', key_alias: 'file/key', tags: { from: 'file' } }],
      topics: [{ name: 'alerts' }],
    };
    const file = join(dir, 'fixture.json');
    writeFileSync(file, JSON.stringify(fixture));
    const cloud = await startCloud({ fixture: loadFixture(file) });
    try {
      expect(cloud.identity).toMatchObject({ ak: otherUser.ak, projectId: otherUser.projectId, region: 'ap-southeast-3', userName: 'bob' });
      const listed = await call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: {} });
      expect(listed.body.keys).toEqual(['12345678-90ab-cdef-1234-567890abcdef']);
      expect([...cloud.state.topics.keys()]).toEqual([`urn:smn:ap-southeast-3:${otherUser.projectId}:alerts`]);
    } finally {
      await cloud.close();
    }
  });

  it('loadFixture explains what is wrong', () => {
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ users: [] }));
    expect(() => loadFixture(invalid)).toThrow(/at least one user/);
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{ users: ');
    expect(() => loadFixture(notJson)).toThrow(/not JSON/);
    expect(() => loadFixture(join(dir, 'missing.json'))).toThrow(/cannot read fixture/);
  });

  it('keeps projects apart: each user sees only the resources of their project', async () => {
    const base = defaultFixture();
    const fixture: Fixture = {
      ...base,
      users: [...base.users, otherUser],
      keys: [...base.keys!, { key_id: 'abcdefab-0000-4000-8000-000000000001', key_alias: 'bob/key', project_id: otherUser.projectId }],
    };
    const cloud = await startCloud({ fixture });
    try {
      const bob = { ak: otherUser.ak, sk: otherUser.sk };
      const bobs = await call(cloud, 'POST', `/v1.0/${otherUser.projectId}/kms/list-keys`, { body: {}, credentials: bob });
      expect(bobs.body.keys).toEqual(['abcdefab-0000-4000-8000-000000000001']);
      const alices = await call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: {} });
      expect(alices.body.keys).not.toContain('abcdefab-0000-4000-8000-000000000001');
      const peek = await call(cloud, 'POST', `/v1.0/${otherUser.projectId}/kms/describe-key`, { body: { key_id: 'abcdefab-0000-4000-8000-000000000001' } });
      expect(peek.status).toBe(403);
      expect(cloud.state.project(otherUser.projectId).keys.size).toBe(1);
    } finally {
      await cloud.close();
    }
  });

  it('reset(fixture) swaps resources and identities; reset() goes back to the start', async () => {
    const cloud = await startCloud();
    try {
      cloud.reset({ users: [otherUser] });
      expect(cloud.identity.userName).toBe('bob');
      expect(cloud.state.keys.size).toBe(0);
      const response = await call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: {} });
      expect(response.body.total).toBe(0);
      cloud.reset();
      expect(cloud.identity.userName).toBe('warden-demo');
      expect(cloud.state.keys.has(DEFAULT_IDS.keys.appData)).toBe(true);
      expect(() => cloud.reset({ users: [] })).toThrow(/at least one user/);
    } finally {
      await cloud.close();
    }
  });
});

describe('the fixture format', () => {
  const example = new URL('../../../local/cloud/fixture.example.json', import.meta.url).pathname;

  it('is documented by an example file that --seed loads and the cloud serves', async () => {
    const fixture = loadFixture(example);
    const cloud = await startCloud({ port: 0, fixture });
    try {
      const listed = await call(cloud, 'POST', paths(cloud).kms('list-keys'), { body: { key_spec: 'ALL' } });
      expect(listed.body.keys).toEqual(fixture.keys!.map((key) => key.key_id));
      expect(cloud.state.traces).toHaveLength(1);
    } finally {
      await cloud.close();
    }
  });

  it('GET /__admin/state is a fixture that --seed takes back: the same state again', async () => {
    const first = await startCloud({ port: 0, fixture: loadFixture(example) });
    const file = join(dir, 'state.json');
    let state: Record<string, unknown>;
    try {
      await call(first, 'POST', paths(first).kms('create-key'), { body: { key_alias: 'made/after-start' } }); // a change and its trace
      state = (await call(first, 'GET', '/__admin/state')).body as Record<string, unknown>;
      writeFileSync(file, JSON.stringify(state));
    } finally {
      await first.close();
    }
    const again = await startCloud({ port: 0, fixture: loadFixture(file) });
    try {
      const { messages: _m, ...restored } = (await call(again, 'GET', '/__admin/state')).body as Record<string, unknown>;
      const { messages: _n, ...saved } = state;
      expect(restored).toEqual(saved);
      expect(saved['traceCount']).toBe(2);
    } finally {
      await again.close();
    }
  });
});
