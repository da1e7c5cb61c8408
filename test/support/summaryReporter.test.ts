// eslint-disable-next-line @typescript-eslint/no-require-imports
const { formatSummary } = require('./summaryReporter.js') as { formatSummary: (results: Record<string, number>) => string };

const results = (overrides: Record<string, number>): Record<string, number> => ({
  numPassedTests: 0,
  numFailedTests: 0,
  numRuntimeErrorTestSuites: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  ...overrides,
});

describe('summaryReporter', () => {
  it('when every test passed, then the line reads N passed, 0 failed', () => {
    expect(formatSummary(results({ numPassedTests: 12 }))).toBe('12 passed, 0 failed');
  });

  it('when a test file could not even load, then it counts as a failure', () => {
    expect(formatSummary(results({ numPassedTests: 12, numFailedTests: 1, numRuntimeErrorTestSuites: 1 }))).toBe('12 passed, 2 failed');
  });

  it('when tests were skipped or left to do, then the line says so', () => {
    expect(formatSummary(results({ numPassedTests: 3, numPendingTests: 1, numTodoTests: 1 }))).toBe('3 passed, 0 failed, 2 skipped');
  });
});
