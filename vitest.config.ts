import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Test files that load the official Huawei Cloud SDKs' HTTP stack (axios → get-intrinsic, a CommonJS package that
 * requires an .mjs file): Node's `vm` modules, which the `vmForks` pool runs a file in, cannot load it.
 */
const OFFICIAL_SDK_FILES = ['test/deploy/command.test.ts', 'test/local/cloud/ecs-sdk.test.ts', 'test/local/cloud/functiongraph-official.test.ts', 'test/local/cloud/iam.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // What `npm start` and `warden invoke` build goes to a cache of the tests' own, not the user's ~/.cache.
    env: { XDG_CACHE_HOME: join(tmpdir(), 'warden-test-xdg-cache') },
    // Vitest's default (one core left free) runs a 2-core machine's suite on one worker; the tests mostly wait on
    // loopback HTTP and child processes, so every core gets one.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      // Each file still gets modules of its own (a fresh `vm` context), but not a fresh Node.js process: the
      // suite takes ≈ 68 s instead of ≈ 92 s on 2 cores.
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: OFFICIAL_SDK_FILES, pool: 'vmForks' } },
      { extends: true, test: { name: 'official-sdk', include: OFFICIAL_SDK_FILES, pool: 'forks' } },
    ],
  },
});
