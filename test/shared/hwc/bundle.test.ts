import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { connect, createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTrims, FUNCTION_BUNDLE_OPTIONS } from '../../../deploy/build.ts';

// The transport imports two undici modules by path (its pool and request API, not the whole package) to keep
// every function bundle small and quick to load, and the build leaves out undici's HTTP/2 client and loads
// node:assert only if an assertion fails (deploy/build.ts). This checks, on the installed undici, that the
// bundle as `npm run build` makes it still loads and sends a signed request, over HTTP and over TLS, and that
// undici stays pinned.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warden-bundle-'));
const outfile = join(dir, 'hwc.cjs');
let metafile: Metafile;
beforeAll(async () => {
  const result = await build({ ...FUNCTION_BUNDLE_OPTIONS, entryPoints: [join(root, 'shared/hwc/index.ts')], outfile, metafile: true, logLevel: 'error' });
  metafile = result.metafile;
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY_INFO = { key_info: { key_id: 'k', key_alias: 'a', key_state: '2' } };
const KEY_ID = '0b6a3e3c-1f0e-4b8a-9c5d-2e7f8a9b0c1d';

// Test-only, self-signed, for localhost / 127.0.0.1 (EC P-256, valid until 2126). Not a secret of anything.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgN05/ne6pKf6gZ2xP
Y/MemH8Uys8t9FFvJHWQ9KG3LRWhRANCAAS/AkfSc/GTlkelMab1rm81L9hWSWm3
v8gnDytQXCihnTb42e0CX0rvDyXHvZH4Pe+QKiFt+vo3Vvp5QJcJVm8w
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUAI4FW5seRWH/2ZnR5ZyQYEw+ocMwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMjA3NDIwM1oYDzIxMjYxMDI5
MDc0MjAzWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAS/AkfSc/GTlkelMab1rm81L9hWSWm3v8gnDytQXCihnTb42e0CX0rv
DyXHvZH4Pe+QKiFt+vo3Vvp5QJcJVm8wo28wbTAdBgNVHQ4EFgQUHr9wFUmLiiH9
zdZ4D/JJwcLInJIwHwYDVR0jBBgwFoAUHr9wFUmLiiH9zdZ4D/JJwcLInJIwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDRwAwRAIgDDZmynaizRui2bBMURvQiEjFuuwjV3zP2DdpbZpiG+4CIH2P
ZAEcY0l5jzGFs67RamoWiYuYGxyT37rKcK+2FJ1H
-----END CERTIFICATE-----
`;

describe('the bundled Huawei Cloud module', () => {
  it('pins undici exactly (its internal module paths are not a public API)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['undici']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("holds undici's pool without the rest of undici, its HTTP/2 client or node:http2, and reaches node:assert only lazily", () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((input) => input.includes('undici/lib/dispatcher/pool.js'))).toBe(true);
    expect(inputs.some((input) => input.endsWith('undici/index.js'))).toBe(false);
    expect(inputs.some((input) => input.includes('undici/lib/web/fetch/index.js') || input.includes('undici/lib/web/websocket/'))).toBe(false);
    expect(inputs.some((input) => input.endsWith('undici/lib/dispatcher/client-h2.js'))).toBe(false);
    expect(inputs).toContain('warden-stub:undici-client-h2');
    expect(inputs.some((input) => input.endsWith('undici/lib/llhttp/llhttp-wasm.js'))).toBe(false);
    expect(inputs.some((input) => input.endsWith('undici/lib/llhttp/llhttp_simd-wasm.js'))).toBe(true);
    expect(inputs).toContain('warden-stub:undici-llhttp-no-simd');
    expect(inputs).toContain('warden-lazy:node:assert');
    expect(() => checkTrims(metafile, 'shared/hwc')).not.toThrow();
  });

  it('fails the build when the trims no longer apply (as after an undici upgrade that moved them)', async () => {
    const untrimmed = await build({ ...FUNCTION_BUNDLE_OPTIONS, plugins: [], entryPoints: [join(root, 'shared/hwc/index.ts')], write: false, outfile, metafile: true, logLevel: 'error' });
    expect(() => checkTrims(untrimmed.metafile, 'shared/hwc')).toThrow(/client-h2\.js is bundled.*llhttp-wasm\.js \(the parser without SIMD\) is bundled.*imports node:http2.*imports node:assert \(not the lazy stand-in\)/);
  });

  it('gives undici and @middy/core stand-ins that behave as node:assert and node:stream/web, loading them only when needed', async () => {
    // Bundled as if they were undici's and middy's own modules, so that the build's trims apply to them.
    const undiciLike = await build({
      ...FUNCTION_BUNDLE_OPTIONS,
      stdin: {
        contents: `const assert = require('node:assert');
          const loaded = () => process.moduleLoadList.includes('NativeModule assert');
          assert(1); assert.ok('yes'); assert(true, 'never shown');
          const results = { loadedWhilePassing: loaded() };
          try { assert(0, 'invariant broken'); } catch (e) { results.failed = [e.name, e.code, e.message]; }
          try { assert.strictEqual(1, 2); } catch (e) { results.strictEqual = e.code; }
          results.loadedAfterFailing = loaded();
          module.exports = results;`,
        resolveDir: join(root, 'node_modules/undici/lib/core'),
        sourcefile: join(root, 'node_modules/undici/lib/core/stand-in-probe.js'),
      },
      outfile: join(dir, 'assert-probe.cjs'),
      logLevel: 'error',
    });
    const middyLike = await build({
      ...FUNCTION_BUNDLE_OPTIONS,
      stdin: {
        contents: `import { ReadableStream } from 'node:stream/web';
          const loaded = () => process.moduleLoadList.includes('NativeModule stream/web');
          export const results = { loadedAtFirst: loaded() };
          const real = new globalThis.ReadableStream();
          results.instanceOfReal = real instanceof ReadableStream;
          results.notInstance = {} instanceof ReadableStream;
          results.constructed = new ReadableStream() instanceof globalThis.ReadableStream;`,
        resolveDir: join(root, 'node_modules/@middy/core'),
        sourcefile: join(root, 'node_modules/@middy/core/stand-in-probe.js'),
        loader: 'js',
      },
      outfile: join(dir, 'stream-web-probe.cjs'),
      logLevel: 'error',
    });
    expect(undiciLike.errors).toEqual([]);
    expect(middyLike.errors).toEqual([]);
    const run = (file: string, expression: string) =>
      new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['-e', `process.stdout.write(JSON.stringify(${expression.replace('FILE', JSON.stringify(file))}))`], { encoding: 'utf8' }, (error, stdout, stderr) =>
          error ? reject(new Error(stderr)) : resolve(stdout),
        ),
      );
    expect(JSON.parse(await run(join(dir, 'assert-probe.cjs'), 'require(FILE)'))).toEqual({
      loadedWhilePassing: false,
      failed: ['AssertionError', 'ERR_ASSERTION', 'invariant broken'],
      strictEqual: 'ERR_ASSERTION',
      loadedAfterFailing: true,
    });
    expect(JSON.parse(await run(join(dir, 'stream-web-probe.cjs'), 'require(FILE).results'))).toEqual({
      loadedAtFirst: false,
      instanceOfReal: true,
      notInstance: false,
      constructed: true,
    });
  });

  it('loads from an esbuild bundle and completes a request', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(KEY_INFO));
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
      const answer = await cloud.kms.listKeyDetail({ key_id: KEY_ID });
      await cloud.close();
      expect(answer.key_info.key_alias).toBe('a');
      expect(seen).toHaveLength(1);
      expect(seen[0]?.authorization).toMatch(/^SDK-HMAC-SHA256 Access=AK, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('talks HTTP/1.1 over TLS to a server that prefers HTTP/2 (the HTTP/2 client it leaves out is never needed)', async () => {
    const seen: string[] = [];
    // Offers h2 first and HTTP/1.1 too, as Huawei Cloud's endpoints may: a client offering h2 gets h2.
    const server = createSecureServer({ key: TEST_KEY, cert: TEST_CERT, allowHTTP1: true }, (req, res) => {
      seen.push(req.httpVersion);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(KEY_INFO));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://localhost:${(server.address() as AddressInfo).port}`;
    const ca = join(dir, 'test-ca.pem');
    writeFileSync(ca, TEST_CERT);
    try {
      // The premise: this server does answer HTTP/2 to a client that asks for it.
      const h2 = connect(url, { ca: TEST_CERT });
      await new Promise<void>((resolve, reject) => h2.once('connect', () => resolve()).once('error', reject));
      expect(h2.alpnProtocol).toBe('h2');
      h2.close();

      // The bundle in plain Node (the test certificate trusted through NODE_EXTRA_CA_CERTS, read at start).
      const script = `const { HuaweiCloud } = require(${JSON.stringify(outfile)});
        const cloud = new HuaweiCloud({ region: 'cn-north-4', projectId: 'p', credentials: { type: 'aksk', ak: 'AK', sk: 'SK' }, endpoints: { kms: ${JSON.stringify(url)} }, retry: { attempts: 1 } });
        cloud.kms.listKeyDetail({ key_id: ${JSON.stringify(KEY_ID)} }).then(async (answer) => {
          await cloud.close();
          const loaded = ['http2', 'assert'].filter((m) => process.moduleLoadList.includes('NativeModule ' + m));
          process.stdout.write(JSON.stringify({ alias: answer.key_info.key_alias, loaded }));
        }, (e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });`;
      const run = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['-e', script], { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: ca } }, (error, stdout, stderr) =>
          resolve({ error, stdout, stderr }),
        );
      });
      expect(run.error, run.stderr).toBeNull();
      expect(JSON.parse(run.stdout)).toEqual({ alias: 'a', loaded: [] });
      expect(seen).toEqual(['1.1']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
