import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends a test run with one plain line, `tests: N passed, N failed, N skipped`, that any CI can read
 * whatever it knows of vitest's own summary.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) counts[test.result().state] += 1;
    }
    // A file that failed to load has no tests but is a failure all the same.
    const brokenFiles = testModules.filter((m) => m.state() === 'failed' && !m.children.size).length;
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed + brokenFiles} failed, ${counts.skipped} skipped\n`,
    );
  }
}
