import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCommand } from '../../cli/api.ts';
import { CATALOGUE } from '../../cli/api-catalogue.ts';
import { startCloud } from '../../local/cloud/index.ts';
import type { LocalCloud } from '../../local/cloud/index.ts';
import { demoFixture } from '../../local/host/demo-fixture.ts';
import { apiOperations } from '../support/hwc-operations.ts';
import { warden } from './support.ts';

/** `warden api`: any shared/hwc operation from the shell, against the embedded cloud npm start runs (here on port 0). */

let cloud: LocalCloud;
let port: string;
const dir = mkdtempSync(join(tmpdir(), 'warden-api-'));

beforeAll(async () => {
  cloud = await startCloud({ port: 0, fixture: demoFixture() });
  port = String(cloud.port);
});
afterAll(async () => {
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
});

const api = (...args: string[]) => warden('api', ...args, '--cloud-port', port);

describe('warden api', () => {
  it('offers every public operation of every shared/hwc API class', () => {
    const offered = new Map(Object.values(CATALOGUE).map((service) => [service.className, Object.keys(service.operations).sort()]));
    for (const [className, methods] of apiOperations()) expect(offered.get(className), className).toEqual([...methods].sort());
  });

  it('creates a key, signed, on the running cloud, and prints the answer as JSON', async () => {
    const { code, stdout, stderr } = await api('kms', 'createKey', '{"key_alias":"demo/new"}');
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`the embedded cloud at http://127.0.0.1:${port}`);
    const keyId = JSON.parse(stdout).key_info.key_id as string;
    expect(cloud.state.keys.get(keyId)?.key_alias).toBe('demo/new');
  });

  it('prints a listing as one array of every page, reading the input from a file', async () => {
    const file = join(dir, 'input.json');
    writeFileSync(file, '{"limit": 7, "key_spec": "ALL"}');
    const { code, stdout } = await api('kms', 'listKeys', `@${file}`);
    expect(code).toBe(0);
    const keys = JSON.parse(stdout) as Array<{ key_id: string }>;
    expect(keys.map((key) => key.key_id).sort()).toEqual([...cloud.state.keys.keys()].sort());
    expect(keys.length).toBeGreaterThan(7);
  });

  it('prints the HwcError fields and exits 1 when the cloud refuses', async () => {
    const { code, stdout, stderr } = await api('kms', 'listKeyDetail', '{"key_id":"00000000-0000-4000-8000-000000000000"}');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const json = stderr.slice(stderr.indexOf('{'));
    expect(JSON.parse(json).error).toMatchObject({ operation: 'kms.listKeyDetail', status: 404, error_code: 'KMS.0207' });
    expect(stderr).not.toContain(cloud.identity.sk);
  });

  it('sends nothing for bad input, naming the problem', async () => {
    const before = cloud.stats.requests;
    const cases: Array<[string[], RegExp]> = [
      [['kmz', 'listKeys'], /unknown service "kmz" \(did you mean kms\?\)/],
      [['kms', 'listKey'], /kms has no operation "listKey" \(did you mean listKeys\?\)/],
      [['kms', 'createKey', '{"key_alias":'], /the input is not valid JSON/],
      [['kms', 'createKey', '[]'], /must be a JSON object/],
      [['kms', 'createKey', '{}'], /invalid input for kms.createKey \(nothing was sent\): key_alias/],
      [['kms', 'createKey', `@${join(dir, 'missing.json')}`], /cannot read the input file .*missing.json: no such file/],
      [['iam', 'createTokenByPassword'], /does not call iam createTokenByPassword: its answer is a credential/],
      [['kms', 'listKeys', '--bogus'], /unknown option --bogus; warden api takes --list, --local, --from-env, --cloud-port <value>/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await api(...args);
      expect(code, args.join(' ')).toBe(1);
      expect(stderr).toMatch(message);
    }
    expect(cloud.stats.requests).toBe(before);
  });

  it('lists the operations with the fields they require', async () => {
    const { code, stdout } = await warden('api', '--list');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^kms$/m);
    expect(stdout).toMatch(/^ {2}createKey +requires key_alias$/m);
    expect(stdout).toMatch(/^ {2}createFunctionTrigger +requires function_urn, trigger_type_code, event_data$/m);
    expect(stdout).toMatch(/^ {2}listAuthProjects +\(no input\)$/m);
  });

  it('says how to get a cloud when none answers, and reads HUAWEICLOUD_* only with --from-env', async () => {
    const closed = await freePort();
    const none = await warden('api', 'kms', 'listKeys', '--cloud-port', String(closed));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no embedded cloud answers on http:\/\/127.0.0.1:\d+: start one with npm start .* --local .* --from-env/);
    await expect(apiCommand(['kms', 'listKeys', '--from-env'], { env: {} })).rejects.toThrow(/HUAWEICLOUD_REGION is not set/);
    const { ak, sk, region, projectId } = cloud.identity;
    const env = { HUAWEICLOUD_ENDPOINT_URL: cloud.url, HUAWEICLOUD_REGION: region, HUAWEICLOUD_SDK_PROJECT_ID: projectId, HUAWEICLOUD_SDK_AK: ak, HUAWEICLOUD_SDK_SK: sk };
    const fromEnv = await captured(() => apiCommand(['kms', 'countKmsByTags', '--from-env'], { env }));
    expect(fromEnv.code).toBe(0);
    expect(Number(fromEnv.stdout)).toBe(cloud.state.keys.size);
    expect(fromEnv.stderr).toContain(`the cloud HUAWEICLOUD_* names: region ${region}`);
  });

  it('says how to sign when the running cloud was seeded with users of its own', async () => {
    const demo = demoFixture();
    const own = { ...demo.users[0]!, userName: 'alice', ak: 'ALICEOWNACCESSKEY000', sk: 'alice-own-secret-key-0123456789abcdef0123' };
    const seeded = await startCloud({ port: 0, fixture: { ...demo, users: [own] } });
    try {
      const { code, stdout, stderr } = await warden('api', 'kms', 'listKeys', '--cloud-port', String(seeded.port));
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(JSON.parse(stderr.slice(stderr.indexOf('{'), stderr.lastIndexOf('}') + 1)).error.status).toBe(401);
      expect(stderr).toContain('does not know its demo user: it was seeded with users of its own (--seed)');
      expect(stderr).toContain(`--from-env with HUAWEICLOUD_ENDPOINT_URL=${seeded.url}`);
      expect(stderr).not.toContain(own.sk);
    } finally {
      await seeded.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolve(free));
    });
  });
}

async function captured(run: () => Promise<number>) {
  const { vi } = await import('vitest');
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await run(), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
