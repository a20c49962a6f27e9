// Writes Jest's aggregated results (the same shape as `jest --json`) to a file, so that CI can
// print its closing count even when the test command itself runs lint and type checks first.
const fs = require('node:fs');

class JsonSummaryReporter {
  constructor(_globalConfig, options) {
    this.file = options.file;
  }

  onRunComplete(_contexts, results) {
    fs.writeFileSync(this.file, JSON.stringify(results));
  }
}

module.exports = JsonSummaryReporter;
