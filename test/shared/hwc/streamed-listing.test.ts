import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultFixture } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { CbrApi } from '../../../shared/hwc/cbr.ts';
import { EcsApi } from '../../../shared/hwc/ecs.ts';
import { LocalErrorCode } from '../../../shared/hwc/errors.ts';
import type { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { clientFor, collect, rejection, startTestCloud } from './support.ts';

/**
 * ListBackups and ListServersDetails pages are read element by element as they arrive (json-stream.ts,
 * `callAndParseList`). Here over HTTP, against the embedded cloud, directly and through a proxy that hands its
 * answers on in tiny chunks, cuts them short, or drops the connection halfway.
 */

const AWKWARD = 'web "01" [a]{b} \\ ,],{"x":"} ✓';

function fixture(): Fixture {
  const base = defaultFixture();
  return {
    users: base.users,
    servers: [
      { id: 'srv-1', name: AWKWARD, volumes: ['vol-1', 'vol-2'], tags: { note: '"]}' } },
      { id: 'srv-2', name: 'db-01', volumes: ['vol-3'] },
    ],
    vaults: [{ id: 'vault-s', name: 'servers', resources: ['srv-1', 'srv-2'] }],
    backups: [
      { id: 'b-1', vault_id: 'vault-s', resource_id: 'srv-1', resource_name: AWKWARD, status: 'available', created_at: '2024-06-01T02:00:00.000000' },
      { id: 'b-2', vault_id: 'vault-s', resource_id: 'srv-1', resource_name: AWKWARD, status: 'frozen', created_at: '2024-06-02T02:00:00.000000', supported_restore_mode: null },
      { id: 'b-3', vault_id: 'vault-s', resource_id: 'srv-2', status: 'available', created_at: '2024-06-03T02:00:00.000000', children: null },
    ],
  };
}

type Mode = { kind: 'dribble' } | { kind: 'cut-body'; at: number } | { kind: 'drop-first'; at: number };

/** A proxy in front of the cloud: answers arrive in 1–7 byte chunks (chunked encoding), cut short, or dropped once. */
function startProxy(target: string): Promise<{ url: string; server: Server; mode: Mode; answered: number }> {
  const state = { url: '', server: undefined as unknown as Server, mode: { kind: 'dribble' } as Mode, answered: 0 };
  const upstream = new URL(target);
  state.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, async (answer) => {
      const chunks: Buffer[] = [];
      for await (const chunk of answer) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const headers = { ...answer.headers };
      delete headers['content-length'];
      res.writeHead(answer.statusCode ?? 502, headers);
      const mode = state.mode;
      const end = mode.kind === 'dribble' ? body.length : Math.min(mode.at, body.length);
      const drop = mode.kind === 'drop-first' && state.answered++ === 0;
      for (let at = 0, k = 0; at < end; k++) {
        const size = Math.min(end - at, (k % 7) + 1);
        res.write(body.subarray(at, at + size));
        at += size;
        if (k % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      if (mode.kind === 'drop-first' && drop) return res.destroy();
      if (mode.kind === 'drop-first') res.write(body.subarray(end));
      res.end();
    });
    req.pipe(forwarded);
  });
  return new Promise((resolve) => state.server.listen(0, '127.0.0.1', () => resolve(Object.assign(state, { url: `http://127.0.0.1:${(state.server.address() as AddressInfo).port}` }))));
}

let cloud: LocalCloud;
let direct: HuaweiCloud;
let proxied: HuaweiCloud;
let proxy: Awaited<ReturnType<typeof startProxy>>;

beforeAll(async () => {
  cloud = await startTestCloud(fixture());
  direct = clientFor(cloud);
  proxy = await startProxy(cloud.url);
  const url = proxy.url;
  proxied = clientFor(cloud, { endpoints: { kms: url, csms: url, csbs: url, smn: url, iam: url, cbr: url, ecs: url } });
});
afterAll(async () => {
  await Promise.all([direct.close(), proxied.close()]);
  await new Promise((resolve) => proxy.server.close(resolve));
  await cloud.close();
});
beforeEach(() => {
  cloud.reset();
  cloud.setFaults(undefined);
  proxy.mode = { kind: 'dribble' };
  proxy.answered = 0;
});

describe('listings read element by element as they arrive', () => {
  it('read the same, strings with brackets, quotes and escapes intact, whatever the chunk boundaries', async () => {
    const backups = await collect(direct.use(CbrApi).listBackups({ limit: 2 }));
    expect(backups.map((b) => [b.id, b.resource_name, b.status, b.extend_info?.supported_restore_mode, b.children?.length])).toEqual([
      ['b-3', 'db-01', 'available', 'backup', undefined],
      ['b-2', AWKWARD, 'frozen', undefined, 2],
      ['b-1', AWKWARD, 'available', 'backup', 2],
    ]);
    expect(await collect(proxied.use(CbrApi).listBackups({ limit: 2 }))).toEqual(backups);
    const servers = await collect(direct.use(EcsApi).listServersDetails());
    expect(servers.find((s) => s.id === 'srv-1')).toMatchObject({ name: AWKWARD, tags: ['note="]}'] });
    expect(await collect(proxied.use(EcsApi).listServersDetails())).toEqual(servers);
  });

  it('fail on a body that ends before its JSON does, without retrying', async () => {
    proxy.mode = { kind: 'cut-body', at: 300 };
    const error = await rejection(collect(proxied.use(CbrApi).listBackups()));
    expect(error).toMatchObject({ operation: 'cbr.listBackups', status: 200, errorCode: LocalErrorCode.invalidResponse, attempts: 1 });
    expect(error.errorMsg).toBe('the response body is not valid JSON (the body ends before its JSON does)');
    const servers = await rejection(collect(proxied.use(EcsApi).listServersDetails()));
    expect(servers.errorMsg).toMatch(/^the response body is not valid JSON/);
  });

  it('retry a connection dropped halfway through a page, and keep nothing of the dropped attempt', async () => {
    proxy.mode = { kind: 'drop-first', at: 700 };
    const backups = await collect(proxied.use(CbrApi).listBackups());
    expect(backups.map((b) => b.id)).toEqual(['b-3', 'b-2', 'b-1']);
    expect(proxy.answered).toBe(2);
  });

  it('name the element and field an answer leaves out', async () => {
    cloud.setFaults({ seed: 1, rate: { 'missing-fields': 1 }, operations: ['cbr.listBackups', 'ecs.listServersDetails'] });
    const error = await rejection(collect(direct.use(CbrApi).listBackups()));
    expect(error).toMatchObject({ errorCode: LocalErrorCode.invalidResponse, attempts: 1 });
    expect(error.errorMsg).toBe('unexpected response: backups.0.id: required; backups.0.resource_id: required; backups.0.status: required');
    expect((await rejection(collect(direct.use(EcsApi).listServersDetails()))).errorMsg).toBe('unexpected response: servers.0.id: required');
  });

  it.each([
    ['malformed-json', /^the response body is not valid JSON/],
    ['empty-200', /^unexpected response: backups: Invalid input: expected array, received undefined/],
    ['error-200', /^injected: an error answered with 200/],
    ['wrong-types', /^unexpected response: backups\.0\./],
  ] as const)('fail an answer the cloud garbles (%s), naming what is wrong', async (kind, message) => {
    cloud.setFaults({ seed: 1, rate: { [kind]: 1 }, operations: ['cbr.listBackups'] });
    const error = await rejection(collect(direct.use(CbrApi).listBackups()));
    expect(error.operation).toBe('cbr.listBackups');
    expect(error.errorMsg).toMatch(message);
  });

  it('keep only what pick returns of each backup, and still prove the listing complete by its ids', async () => {
    const picked = await collect(direct.use(CbrApi).listBackups({ limit: 1 }, { pick: (backup) => ({ id: backup.id, server: backup.resource_id }) }));
    expect(picked).toEqual([
      { id: 'b-3', server: 'srv-2' },
      { id: 'b-2', server: 'srv-1' },
      { id: 'b-1', server: 'srv-1' },
    ]);
    // A page answered again in place of the next one: the same ids twice, so the listing cannot be complete.
    cloud.setFaults({ seed: 1, rate: { 'repeated-cursor': 1 }, operations: ['cbr.listBackups'] });
    const error = await rejection(collect(direct.use(CbrApi).listBackups({ limit: 1 }, { pick: (backup) => ({ id: backup.id }) })));
    expect(error.errorCode).toBe(LocalErrorCode.incompleteListing);
  });
});
