/**
 * Prints one plain closing line, `Tests: N passed, N failed, N skipped`, after
 * vitest's own summary, so that CI (which reads that line) sees how many tests
 * ran whatever reporter is on screen.
 *
 * A suite whose `beforeAll` throws leaves its tests "skipped" and the file
 * "failed"; such a file counts as one failure, as does each unhandled error,
 * so the line never says "0 failed" on a red run.
 */
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failedTests += 1;
        else skipped += 1;
      }
      failed += failedTests === 0 && module.state() === 'failed' ? 1 : failedTests;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
