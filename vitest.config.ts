import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Node's start without a store of extra certificates (see the file), and one PostgreSQL
    // server for the run; each test file makes its own database on it.
    globalSetup: ['./test/setup/node-env.ts', './test/setup/postgres-server.ts'],
    reporters: ['default', './test/plain-summary-reporter.ts'],
  },
});
