#!/usr/bin/env node
// The closing line `N passed, N failed, N skipped`, from Jest's own numbers: its aggregated results,
// which are also what its --json report holds. Used by the Jest reporter and by .ci/run.
const { readFileSync } = require('node:fs');

function summaryLine(results) {
  const failed = results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
  const skipped = results.numPendingTests + (results.numTodoTests ?? 0);
  return `${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`;
}

module.exports = { summaryLine };

if (require.main === module) {
  let report;
  try {
    report = JSON.parse(readFileSync(process.argv[2] ?? '.reports/jest.json', 'utf8'));
  } catch {
    // No report: the run stopped before Jest (lint, types or build failed).
    process.stdout.write('0 passed, 1 failed, 0 skipped\n');
    process.exit(0);
  }
  process.stdout.write(`${summaryLine(report)}\n`);
}
