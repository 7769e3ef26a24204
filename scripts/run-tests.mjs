// `npm test`: every test runner, in order, each one even when an earlier one failed; exits non-zero if any failed.
//   app     jest.config.js          unit, end-to-end (emulated host and engine), infrastructure, engine recordings
//   engine  jest.engine.config.js   the app on the real Durable Functions extension (needs the .NET SDK)
// Arguments are passed to every runner. With TEST_RESULTS_DIR set, each runner writes its jest JSON results to
// <dir>/<runner>.json (what .ci/run adds up).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const runners = [
  { name: 'app', config: 'jest.config.js' },
  { name: 'engine', config: 'jest.engine.config.js' },
];

const args = process.argv.slice(2);
// A path pattern selects tests in one runner and none in the other; that is not a failure.
const selects = args.some((arg) => !arg.startsWith('-'));
const resultsDir = process.env.TEST_RESULTS_DIR;
if (resultsDir) mkdirSync(resultsDir, { recursive: true });

let failed = false;
for (const runner of runners) {
  const runnerArgs = [jest, '-c', runner.config, ...args];
  if (selects) runnerArgs.push('--passWithNoTests');
  if (resultsDir)
    runnerArgs.push('--json', `--outputFile=${path.resolve(resultsDir, `${runner.name}.json`)}`);
  console.log(`\n== ${runner.name} tests (${runner.config})`);
  const began = Date.now();
  const result = spawnSync(process.execPath, runnerArgs, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  const ok = result.status === 0;
  console.log(`== ${runner.name} tests ${ok ? 'passed' : 'FAILED'} in ${seconds} s`);
  failed ||= !ok;
}
process.exit(failed ? 1 : 0);
