import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one closing line `N passed, N failed[, N skipped]` after vitest's own report, the plain
 * summary CI reads. Skipped tests are counted so that none can hide.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') failedTests++;
        else count.skipped++;
      }
      // A file that failed outside its tests (an import, a beforeAll) fails the summary even when
      // its tests only show as skipped.
      count.failed += module.state() === 'failed' && failedTests === 0 ? 1 : failedTests;
    }
    const skipped = count.skipped ? `, ${count.skipped} skipped` : '';
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed${skipped}\n`);
  }
}
