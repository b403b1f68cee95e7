import { defineConfig } from 'vitest/config';

// One run covers every workspace. Unit tests sit beside the code; cross-service and browser tests in test/.
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{shared,server,sfu,client}/src/**/*.test.{ts,tsx}'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Browser and multi-process tests compete for two cores; run their files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
