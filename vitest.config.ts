import { defineConfig } from 'vitest/config';

// Forks, not threads: the stub host runs each plugin call in a worker thread of its own.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'src/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
