import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one closing line `N passed, N failed[, N skipped]` after vitest's own report, the plain
 * summary CI reads. Skipped tests are counted so that none can hide.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') count.failed++;
        else count.skipped++;
      }
      // A file that failed to load has no tests but must still fail the summary.
      if (module.state() === 'failed' && module.children.size === 0) count.failed++;
    }
    const skipped = count.skipped ? `, ${count.skipped} skipped` : '';
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed${skipped}\n`);
  }
}
