/**
 * Types for the two undici modules the transport imports directly (undici 7, pinned in package.json): the
 * pool, and the request API that `undici`'s index would otherwise mix into every dispatcher. Importing them
 * alone keeps the rest of undici (fetch, WebSocket, mocks, caches…) out of each function's bundle; see
 * BENCHMARKS.md (cold start) and test/shared/hwc/bundle.test.ts. The build also leaves out the pool's HTTP/2
 * client and loads node:assert for it only if an assertion fails (deploy/build.ts, `checkTrims`).
 */
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const PoolClass: typeof Pool;
  export default PoolClass;
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';
  function request(this: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  export default request;
}
