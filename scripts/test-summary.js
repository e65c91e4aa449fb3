#!/usr/bin/env node
// Prints `N passed, N failed, N skipped` from Jest's JSON report (the runner's own numbers).
const { readFileSync } = require('node:fs');

const file = process.argv[2] ?? '.reports/jest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  // No report: the run stopped before Jest (lint, types or build failed).
  process.stdout.write('0 passed, 1 failed, 0 skipped\n');
  process.exit(0);
}
const failed = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
process.stdout.write(`${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
