const { writeSync } = require('node:fs');

/**
 * The plain closing line CI reads: `N passed, N failed` (`, N skipped` when any were).
 * A test file that fails to load (syntax error, failing beforeAll) counts as a failure too.
 */
function formatSummary(results) {
  const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  const skipped = results.numPendingTests + results.numTodoTests;
  return `${results.numPassedTests} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : '');
}

// Written when the process exits, so that it stays the last line, after jest's own summary.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = formatSummary(results);
    process.once('exit', () => writeSync(process.stdout.fd, `\n${line}\n`));
  }
}

module.exports = SummaryReporter;
module.exports.formatSummary = formatSummary;
