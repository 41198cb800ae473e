import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Browser and multi-process tests are heavy; two at a time keeps a 2-core CI machine honest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
