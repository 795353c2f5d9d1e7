'use strict';
// Deployed as dist/<function>/index.js, at the root of the function's zip (FunctionGraph's handler `index.handler`). Runs the
// function's esbuild bundle, bundle.js next to this file: with Node's own CommonJS loader, or, when the build
// made a V8 code cache of it (`warden build --code-cache`: bundle.cache), through `vm.Script` with that cache:
// V8 then neither parses nor compiles what it already did at build time: ≈ 15–20 ms less cold start
// (BENCHMARKS.md). deploy/build.ts writes these files.
//
// The cache is handed to V8 only if its header says it was made by this very Node (version and arch) and its
// SHA-256 matches this bundle and this cache: V8 checks neither the bytes nor the source (only its length) in a
// release build, and a damaged cache can crash the process. V8 itself turns a cache down when its flags differ
// (e.g. `--max-old-space-size`). Whenever the cache is not used the bundle is compiled from source (by Node's
// own loader, unless V8 refused the cache: then by V8 as it did so): slower, same behaviour.
// WARDEN_CODE_CACHE=off skips the cache; WARDEN_CODE_CACHE=verbose says on stderr what became of it.
// deploy/build.ts (writeCodeCache) wraps the source identically; a different wrapper would make V8 refuse it.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

run(join(__dirname, 'bundle.js'), process.env.WARDEN_CODE_CACHE);

/** In a function, so that the file buffers are garbage once the bundle has run. */
function run(filename, mode) {
  const cache = mode === 'off' ? { status: 'off' } : readCache(filename);
  if (!cache.data) {
    // Nothing for V8: Node's own CommonJS loader is as quick as it gets (package.json here says CommonJS).
    if (mode === 'verbose') process.stderr.write(`warden: code cache ${cache.status}\n`);
    module.exports = require(filename);
    return;
  }
  const { Script, constants } = require('node:vm');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {\n${cache.code.toString('utf8')}\n})`, {
    filename,
    lineOffset: -1,
    cachedData: cache.data,
    importModuleDynamically: constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  // Refused (other V8 flags), V8 has compiled the source instead: run that.
  if (mode === 'verbose') process.stderr.write(`warden: code cache ${script.cachedDataRejected ? 'rejected by V8' : 'accepted'}\n`);
  script.runInThisContext().call(module.exports, module.exports, require, module, filename, __dirname);
}

/** The bundle and its cache, if the cache is for this bundle and this Node and intact; otherwise why not. */
function readCache(filename) {
  let file;
  try {
    file = readFileSync(join(__dirname, 'bundle.cache'));
  } catch {
    return { status: 'missing' };
  }
  const newline = file.indexOf(10);
  let header;
  try {
    header = JSON.parse(file.toString('utf8', 0, newline < 0 ? 0 : newline));
  } catch {
    return { status: 'invalid (header)' };
  }
  if (header?.format !== 'warden-code-cache/1') return { status: 'invalid (format)' };
  if (header.node !== process.version || header.arch !== process.arch) {
    return { status: `not used (made by Node ${header.node} ${header.arch}, this is ${process.version} ${process.arch})` };
  }
  const { createHash } = require('node:crypto');
  const code = readFileSync(filename);
  const data = file.subarray(newline + 1);
  if (createHash('sha256').update(code).update(data).digest('hex') !== header.sha256) return { status: 'invalid (digest)' };
  return { status: 'valid', code, data };
}
