/**
 * Real Temporal servers for tests.
 *
 * - {@link startTimeSkippingEnv}: Temporal's time-skipping test server (Java),
 *   so a year-long journey runs in seconds. Skipped time is global to one
 *   server, so every test file (or concurrently running test) gets its own.
 * - {@link startDevServer}: the Temporal CLI's dev server on a SQLite file, for
 *   tests that need visibility (list/search attributes), real time, or a server
 *   restart on the same file (scripts/temporal/dev-server.ts).
 *
 * Both binaries come from `scripts/provision.ts` (run by `npm test`'s pretest).
 */
import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testServerPath } from '../../scripts/temporal/binaries.ts';

export { freePort, startDevServer, type DevServer, type DevServerOptions } from '../../scripts/temporal/dev-server.ts';

/**
 * Starts a time-skipping test environment on the locally provisioned test
 * server, falling back to the SDK's own download where it is missing.
 * Call `teardown()` when done.
 */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = testServerPath();
  if (!existsSync(path)) {
    return TestWorkflowEnvironment.createTimeSkipping();
  }
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
}
