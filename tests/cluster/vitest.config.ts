/**
 * The cluster tier (`npm run test:cluster`), apart from `npm test`: the
 * reliability scenarios on a real Temporal cluster (four services on
 * Postgres, scripts/cluster) with `milepost worker`s and `milepost serve` as
 * processes. Files run one after another: they share the cluster and kill
 * its parts.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/cluster/**/*.cluster.ts'],
    globalSetup: ['tests/cluster/setup/cluster.ts'],
    fileParallelism: false,
    // Real time: each scenario waits for its journeys to catch up after a fault.
    testTimeout: 480_000,
    hookTimeout: 600_000,
    pool: 'forks',
    reporters: ['default', './tests/setup/summary-reporter.ts'],
  },
});
