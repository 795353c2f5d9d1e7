import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Vitest's default (one core left free) runs a 2-core machine's suite on one fork; the tests mostly wait on
    // loopback HTTP and child processes, so every core gets a fork.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
