/**
 * One cold load, in a fresh process: `floor` requires @azure/functions and durable-functions from node_modules,
 * `app` requires the app's entry until every function is registered. Both see the same worker stand-in for
 * @azure/functions-core. Prints the time since the process started, in ms, and what was registered.
 */
import { getRegistrations } from '../../test/host/functionsCore';
import { provideWorkerStandIn } from '../../test/host/nodeLoader';

provideWorkerStandIn();
const [mode, entry] = process.argv.slice(2);
if (mode === 'floor') {
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('@azure/functions');
  require('durable-functions');
  /* eslint-enable @typescript-eslint/no-require-imports */
} else if (mode === 'app' && entry !== undefined) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(entry);
} else {
  throw new Error('usage: coldLoadChild floor | app <entry>');
}
const loadMs = performance.now();
process.stdout.write(
  JSON.stringify({
    loadMs,
    functions: getRegistrations().functions.size,
    vendorsLoaded: Object.keys(require.cache).filter((file) => file.includes('/vendor/')).length,
  }),
);
