// Ends Jest's output with the plain line `N passed, N failed, N skipped`.
const { summaryLine } = require('../../scripts/test-summary');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(`\n${summaryLine(results)}\n`);
  }
}
module.exports = SummaryReporter;
