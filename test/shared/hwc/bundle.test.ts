import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTION_BUNDLE_OPTIONS } from '../../../local/build.ts';

// The transport imports two undici modules by path (its pool and request API, not the whole package) to keep
// every function bundle small and quick to load. This checks, on the installed undici, that the bundle as
// `npm run build` makes it still loads and sends a signed request, and that undici stays pinned.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warden-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundled Huawei Cloud module', () => {
  it('pins undici exactly (its internal module paths are not a public API)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['undici']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('loads from an esbuild bundle without the rest of undici and completes a request', async () => {
    const outfile = join(dir, 'hwc.cjs');
    const result = await build({ ...FUNCTION_BUNDLE_OPTIONS, entryPoints: [join(root, 'shared/hwc/index.ts')], outfile, metafile: true, logLevel: 'error' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes('undici/lib/dispatcher/pool.js'))).toBe(true);
    expect(inputs.some((input) => input.endsWith('undici/index.js'))).toBe(false);
    expect(inputs.some((input) => input.includes('undici/lib/web/fetch/index.js') || input.includes('undici/lib/web/websocket/'))).toBe(false);

    const seen: Array<Record<string, unknown>> = [];
    const server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ key_info: { key_id: 'k', key_alias: 'a', key_state: '2' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const { HuaweiCloud } = createRequire(import.meta.url)(outfile) as typeof import('../../../shared/hwc/index.ts');
      const cloud = new HuaweiCloud({
        region: 'cn-north-4',
        projectId: 'p',
        credentials: { type: 'aksk', ak: 'AK', sk: 'SK' },
        endpoints: { kms: url },
      });
      const answer = await cloud.kms.listKeyDetail({ key_id: '0b6a3e3c-1f0e-4b8a-9c5d-2e7f8a9b0c1d' });
      await cloud.close();
      expect(answer.key_info.key_alias).toBe('a');
      expect(seen).toHaveLength(1);
      expect(seen[0]?.authorization).toMatch(/^SDK-HMAC-SHA256 Access=AK, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
