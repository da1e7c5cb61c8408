const { writeSync } = require('node:fs');

// Prints one plain closing line, `N passed, N failed`, that CI reads instead of jest's own summary.
// A test file that fails to load (syntax error, failing beforeAll) counts as a failure too.
// It is written when the process exits, so that it stays the last line after jest's own summary.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : '');
    process.once('exit', () => writeSync(process.stdout.fd, `\n${line}\n`));
  }
}

module.exports = SummaryReporter;
