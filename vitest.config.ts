import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One PostgreSQL server for the run; each test file makes its own database on it.
    globalSetup: ['./test/setup/postgres-server.ts'],
    reporters: ['default', './test/plain-summary-reporter.ts'],
  },
});
