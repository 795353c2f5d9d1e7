import nodeAssert from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { loadServerless, sourceOf } from './serverless.ts';
import { codeDigest, zip } from './zip.ts';

/**
 * `npm run build`: per function, in dist/<function>/:
 * - bundle.js: the function as one CommonJS bundle (Node 20), made with FUNCTION_BUNDLE_OPTIONS;
 * - index.js: the entry FunctionGraph loads (deploy/function-loader.cjs), which runs bundle.js;
 * - package.json: `{ "type": "commonjs" }`, so that index.js is CommonJS wherever it lies;
 * - with `codeCache` (`warden build --code-cache`) also bundle.cache: V8's code cache of bundle.js, made by
 *   running it once under this Node (writeCodeCache), which index.js then hands to V8.
 * and dist/<function>.zip holding them at its root (so FunctionGraph's handler is `index.handler`). See
 * BENCHMARKS.md (cold start) for what each part saves.
 *
 * Without the code cache the output is byte-for-byte reproducible: the same sources, lockfile, tsconfig.json and
 * Node.js major version give the same bundle.js and the same zip (deploy/zip.ts), wherever the tree lies, so
 * `warden deploy` can compare the zip's SHA-512 with the `digest` FunctionGraph reports and upload only what
 * changed. V8's code cache is not reproducible (it differs from one run to the next): a zip with it always
 * looks changed, which is one more reason it stays off for deployment.
 *
 * The code cache is off by default: V8 takes it only under the very Node version that made it and with no V8
 * flags (a runtime's `--max-old-space-size` is enough to refuse it), so built anywhere but on the runtime's
 * own Node it is ≈ 265 KB of dead weight in every function; with the right Node it saves ≈ 20 ms of start.
 */

/** Copied to dist/<function>/index.js. */
const LOADER = fileURLToPath(new URL('./function-loader.cjs', import.meta.url));

/**
 * Modules that bundled dependencies import when they load but that a function never needs, replaced at build
 * time. Each saves start-up time (measured in BENCHMARKS.md); `checkTrims` fails the build when one no longer
 * applies, and test/shared/hwc/bundle.test.ts and test/deploy/build.test.ts check that the bundle
 * still works (over plain HTTP and over TLS with a server that prefers HTTP/2) and loads none of them.
 */
const STUBBED_H2 = `'use strict';
// undici's HTTP/2 client, left out by deploy/build.ts: undici calls it only when TLS negotiates h2, which it
// offers only with allowH2 (false by default; the transport never sets it). Its node:http2 costs ≈ 4 ms of start.
module.exports = function connectH2() {
  throw new Error('HTTP/2 is not in this bundle (deploy/build.ts leaves out undici/lib/dispatcher/client-h2.js)');
};
`;

/**
 * undici's llhttp parser built without WebAssembly SIMD (70 KB, a third of undici in the bundle): undici loads it
 * only when the SIMD build cannot be compiled (old Node on ppc64, or `UNDICI_NO_WASM_SIMD=1`). Node 20 on x86_64
 * and arm64, the runtimes FunctionGraph offers, compiles the SIMD build; should one not, the function fails
 * saying why rather than running on a parser it does not carry.
 */
const STUBBED_LLHTTP_NO_SIMD = `'use strict';
throw new Error("undici's HTTP parser without WebAssembly SIMD is not in this bundle (deploy/build.ts leaves out undici/lib/llhttp/llhttp-wasm.js): this runtime could not compile the SIMD parser, or UNDICI_NO_WASM_SIMD=1 is set");
`;

/**
 * node:assert for undici: assert(value) returns while value is truthy (a plain function: no Proxy on a path
 * undici takes many times per request); every other member of node:assert, as this Node has them, is a getter
 * that loads the real module.
 */
const LAZY_ASSERT = `'use strict';
// undici only calls assert(value) on invariants; the real node:assert (≈ 2.5 ms to load) is loaded the first
// time one fails or anything else of it is used. Added by deploy/build.ts.
let real;
const load = () => real || (real = require('node:assert'));
function assert(value) {
  if (!value) Reflect.apply(load(), this, arguments);
}
for (const key of ${JSON.stringify(Object.keys(nodeAssert).filter((key) => key !== 'ok'))}) {
  Object.defineProperty(assert, key, { enumerable: true, get: () => load()[key] });
}
assert.ok = assert;
module.exports = assert;
`;

/**
 * node:stream/web for @middy/core, which uses its ReadableStream only to stream a response (AWS's `awslambda`
 * streaming, never on FunctionGraph). An ES module exporting that name alone: should middy import anything
 * else from node:stream/web, esbuild fails the build ("No matching export").
 */
const LAZY_STREAM_WEB = `// Stands in for node:stream/web (≈ 1.5 ms to load) in @middy/core until a ReadableStream is really needed: the
// real module is loaded by \`instanceof ReadableStream\` or \`new ReadableStream()\`. Added by deploy/build.ts.
let real;
const load = () => real || (real = require('node:stream/web'));
export class ReadableStream {
  static [Symbol.hasInstance](value) {
    return value instanceof load().ReadableStream;
  }
  constructor(...args) {
    return new (load().ReadableStream)(...args);
  }
}
`;

const isUndici = (importer: string): boolean => /[\\/]node_modules[\\/]undici[\\/]/.test(importer);
const isMiddy = (importer: string): boolean => /[\\/]node_modules[\\/]@middy[\\/]core[\\/]/.test(importer);

const bundleTrims: Plugin = {
  name: 'warden-trims',
  setup(b) {
    b.onResolve({ filter: /^\.\/client-h2\.js$/ }, ({ importer }) =>
      isUndici(importer) && /[\\/]lib[\\/]dispatcher[\\/]client\.js$/.test(importer) ? { path: 'undici-client-h2', namespace: 'warden-stub' } : undefined,
    );
    b.onResolve({ filter: /^\.\.\/llhttp\/llhttp-wasm\.js$/ }, ({ importer }) =>
      isUndici(importer) && /[\\/]lib[\\/]dispatcher[\\/]client-h1\.js$/.test(importer) ? { path: 'undici-llhttp-no-simd', namespace: 'warden-stub' } : undefined,
    );
    b.onResolve({ filter: /^node:assert$/ }, ({ importer }) => (isUndici(importer) ? { path: 'node:assert', namespace: 'warden-lazy' } : undefined));
    b.onResolve({ filter: /^node:stream\/web$/ }, ({ importer }) => (isMiddy(importer) ? { path: 'node:stream/web', namespace: 'warden-lazy' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'warden-stub' }, ({ path }) => ({ contents: path === 'undici-llhttp-no-simd' ? STUBBED_LLHTTP_NO_SIMD : STUBBED_H2, loader: 'js' }));
    b.onLoad({ filter: /.*/, namespace: 'warden-lazy' }, ({ path }) => ({ contents: path === 'node:assert' ? LAZY_ASSERT : LAZY_STREAM_WEB, loader: 'js' }));
  },
};

/** How a function is bundled for FunctionGraph; benches and tests that stand in for a deployment reuse it. */
export const FUNCTION_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [bundleTrims],
} as const satisfies BuildOptions;

/**
 * Throws unless the trims applied: no HTTP/2 client of undici in the bundle and nothing importing node:http2,
 * and node:assert / node:stream/web reached only through the lazy stand-ins. An undici or middy upgrade that
 * moves these fails the build here rather than slowing (or, for HTTP/2, breaking) a deployed function.
 */
export function checkTrims(metafile: Metafile, label: string): void {
  const inputs = Object.entries(metafile.inputs);
  const problems: string[] = [];
  const usesUndiciClient = inputs.some(([path]) => /node_modules\/undici\/lib\/dispatcher\/client\.js$/.test(path));
  if (inputs.some(([path]) => path.endsWith('undici/lib/dispatcher/client-h2.js'))) problems.push("undici's client-h2.js is bundled");
  if (usesUndiciClient && !inputs.some(([path]) => path === 'warden-stub:undici-client-h2')) problems.push("undici's client.js no longer imports ./client-h2.js");
  if (inputs.some(([path]) => path.endsWith('undici/lib/llhttp/llhttp-wasm.js'))) problems.push("undici's llhttp-wasm.js (the parser without SIMD) is bundled");
  if (usesUndiciClient && !inputs.some(([path]) => path === 'warden-stub:undici-llhttp-no-simd')) problems.push("undici's client-h1.js no longer imports ../llhttp/llhttp-wasm.js");
  for (const [path, input] of inputs) {
    for (const { path: imported, external } of input.imports) {
      if (!external) continue;
      if (/^(node:)?http2$/.test(imported)) problems.push(`${path} imports ${imported}`);
      if (/^(node:)?assert(\/strict)?$/.test(imported) && /(^|\/)node_modules\/undici\//.test(path)) problems.push(`${path} imports ${imported} (not the lazy stand-in)`);
      if (/^(node:)?stream\/web$/.test(imported) && /(^|\/)node_modules\/@middy\/core\//.test(path)) problems.push(`${path} imports ${imported} (not the lazy stand-in)`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`${label}: the bundle trims in deploy/build.ts no longer apply (an undici or @middy/core upgrade?): ${problems.join('; ')}`);
  }
}

/** What dist/<function>/ holds, and its zip (bundle.cache only with the code cache). */
export const FUNCTION_FILES = ['index.js', 'bundle.js', 'bundle.cache', 'package.json'] as const;

export interface FunctionBuildOptions {
  /** Also write each bundle's V8 code cache (see above). Default false. */
  readonly codeCache?: boolean;
  /** Build only these functions (default: every function serverless.yml declares). */
  readonly functions?: readonly string[];
  /** esbuild prints nothing (the error thrown carries its messages). Default false. */
  readonly quiet?: boolean;
}

export interface BuiltFunction {
  readonly name: string;
  /** dist/<function>/index.js: what FunctionGraph (and anything standing in for it) requires. */
  readonly bundle: string;
  /** dist/<function>/bundle.js: the esbuild bundle itself. */
  readonly code: string;
  /** dist/<function>/bundle.cache: its V8 code cache, when built with one. */
  readonly cache: string | undefined;
  readonly zip: string;
  /** SHA-512 (hex) of the zip: what FunctionGraph reports as the function's `digest` once it is uploaded. */
  readonly digest: string;
  /** Size of the esbuild bundle (the 400 KB budget). */
  readonly bytes: number;
  readonly cacheBytes: number;
  readonly zipBytes: number;
  /** Absolute paths of every file esbuild read to make the bundle (what a rebuild would depend on). */
  readonly inputs: readonly string[];
}

export async function buildFunctions(root: string, outDir = join(root, 'dist'), options: FunctionBuildOptions = {}): Promise<BuiltFunction[]> {
  const service = loadServerless(join(root, 'serverless.yml'));
  const names = options.functions ?? Object.keys(service.functions);
  for (const name of names) {
    if (!Object.hasOwn(service.functions, name)) throw new Error(`no function ${name} in serverless.yml (it declares ${Object.keys(service.functions).join(', ')})`);
  }
  rmSync(outDir, { recursive: true, force: true });
  const built: BuiltFunction[] = [];
  for (const name of names) {
    const dir = join(outDir, name);
    mkdirSync(dir, { recursive: true });
    const code = join(dir, 'bundle.js');
    const result = await build({ ...FUNCTION_BUNDLE_OPTIONS, entryPoints: [join(root, sourceOf(name))], outfile: code, metafile: true, ...(options.quiet ? { logLevel: 'silent' } : {}) }).catch((error: unknown) => {
      throw new Error(`function ${name}: esbuild could not bundle ${sourceOf(name)}: ${error instanceof Error ? error.message : String(error)}`);
    });
    checkTrims(result.metafile, name);
    const entry = join(dir, 'index.js');
    copyFileSync(LOADER, entry);
    // CommonJS whatever encloses it (this repository's package.json says "type": "module").
    writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
    const cache = options.codeCache ? writeCodeCache(dir) : undefined;
    const files = FUNCTION_FILES.filter((file) => file !== 'bundle.cache' || cache !== undefined).map((file) => ({ name: file, data: readFileSync(join(dir, file)) }));
    const archive = zip(files);
    const zipPath = join(outDir, `${name}.zip`);
    writeFileSync(zipPath, archive);
    // esbuild names its inputs relative to its working directory; stubs of the trims live in namespaces of their own.
    const inputs = Object.keys(result.metafile.inputs)
      .filter((path) => !/^[a-z-]+:/.test(path))
      .map((path) => resolve(path));
    built.push({
      name,
      bundle: entry,
      code,
      cache,
      zip: zipPath,
      digest: codeDigest(archive),
      bytes: statSync(code).size,
      cacheBytes: cache === undefined ? 0 : statSync(cache).size,
      zipBytes: archive.length,
      inputs,
    });
  }
  return built;
}

/**
 * Writes <dir>/bundle.cache for <dir>/bundle.js: in a fresh `node` (this one's binary, no flags, no NODE_OPTIONS,
 * an empty environment: V8 refuses a cache made under other flags), compiles the bundle wrapped exactly as
 * deploy/function-loader.cjs wraps it, runs its top level (so that what that runs is compiled and cached too) and
 * saves `createCachedData()` behind a one-line JSON header: format, Node version and arch, and the SHA-256 of
 * bundle.js followed by the cache, which the loader checks before handing the cache to V8.
 */
export function writeCodeCache(dir: string): string {
  const script = `'use strict';
const { Script, constants } = require('node:vm');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { createHash } = require('node:crypto');
const { createRequire } = require('node:module');
const dir = process.argv[1];
const filename = join(dir, 'bundle.js');
const code = readFileSync(filename);
const script = new Script(\`(function (exports, require, module, __filename, __dirname) {\\n\${code.toString('utf8')}\\n})\`, {
  filename,
  lineOffset: -1,
  importModuleDynamically: constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
const module = { exports: {} };
script.runInThisContext().call(module.exports, module.exports, createRequire(filename), module, filename, dir);
if (typeof module.exports.handler !== 'function') throw new Error(filename + ' exports no handler');
const data = script.createCachedData();
const header = { format: 'warden-code-cache/1', node: process.version, arch: process.arch, v8: process.versions.v8, sha256: createHash('sha256').update(code).update(data).digest('hex') };
writeFileSync(join(dir, 'bundle.cache'), Buffer.concat([Buffer.from(JSON.stringify(header) + '\\n'), data]));
process.exit(0);
`;
  const result = spawnSync(process.execPath, ['-e', script, dir], { env: {}, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`could not make the code cache of ${join(dir, 'bundle.js')}: ${result.stderr || result.error?.message}`);
  return join(dir, 'bundle.cache');
}
