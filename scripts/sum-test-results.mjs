// Adds up jest JSON results: `node scripts/sum-test-results.mjs <dir> <runner>...` prints one line,
// "N passed, N failed, N skipped", over every runner named. A runner without results (it crashed, or its global
// setup failed) and a test file that failed to load count as failures, so neither can pass unnoticed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [dir, ...runners] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const runner of runners) {
  const file = path.join(dir, `${runner}.json`);
  if (!existsSync(file)) {
    console.error(`${runner}: no results (${file}); counted as 1 failed`);
    failed += 1;
    continue;
  }
  const results = JSON.parse(readFileSync(file, 'utf8'));
  const broken = results.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length;
  passed += results.numPassedTests;
  failed += results.numFailedTests + broken;
  if (!results.success && results.numFailedTests + broken === 0) {
    console.error(`${runner}: jest reports a failure outside any test; counted as 1 failed`);
    failed += 1;
  }
  skipped += results.numPendingTests + results.numTodoTests;
}
// A broken benchmark (BENCH_STATUS non-zero) counts as one failure: it is part of what CI proves still works.
const benchStatus = process.env.BENCH_STATUS;
if (benchStatus !== undefined && benchStatus !== '0') {
  console.error(`benchmark (quick mode) exited ${benchStatus}; counted as 1 failed`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
