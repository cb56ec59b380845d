'use strict';

/**
 * A jest reporter that prints exactly one plain line to stdout when the run completes:
 *
 *     N passed, N failed, N skipped
 *
 * counting tests (skipped = skipped + pending + todo). A test file that fails to run at all
 * (a compile error, an exception at load time, a failing beforeAll/afterAll hook with no failing
 * test) counts as at least one failure, so a broken suite can never read as "0 failed".
 * CI reads only this line; it is written to stdout so it never mixes with jest's stderr output,
 * or to the file COVLASSO_SUMMARY_FILE names when set (.ci/run adds up several runs).
 */
class PlainSummaryReporter {
  constructor(globalConfig, reporterOptions) {
    this._globalConfig = globalConfig;
    this._options = reporterOptions || {};
  }

  onRunComplete(_testContexts, results) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const file of results.testResults || []) {
      passed += file.numPassingTests || 0;
      skipped += (file.numPendingTests || 0) + (file.numTodoTests || 0);
      const failing = file.numFailingTests || 0;
      failed += failing;
      // The file itself failed (did not run, or failed outside any test): one more failure.
      if (failing === 0 && (file.testExecError || file.failureMessage)) failed += 1;
    }
    // Never report fewer failures than jest itself counted.
    const jestFailed = (results.numFailedTests || 0) + (results.numRuntimeErrorTestSuites || 0);
    if (failed < jestFailed) failed = jestFailed;
    // A failure of the run itself, not tied to one test (jest's `success` is not final yet here).
    if (failed === 0 && (results.runExecError || (results.snapshot && results.snapshot.failure))) failed = 1;
    const line = `${passed} passed, ${failed} failed, ${skipped} skipped\n`;
    // .ci/run sums several runs (the main suite, the sanitizer job) into one final line: it asks
    // for each run's line in a file instead.
    if (process.env.COVLASSO_SUMMARY_FILE) require('node:fs').writeFileSync(process.env.COVLASSO_SUMMARY_FILE, line);
    else process.stdout.write(line);
  }
}

module.exports = PlainSummaryReporter;
