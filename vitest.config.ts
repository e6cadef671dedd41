import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/postgres-server.ts'],
    reporters: ['default', './tests/setup/summary-reporter.ts'],
    // Temporal servers and Postgres make some suites slow to start; keep the
    // per-test budget generous but finite so a hung server fails the run.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
