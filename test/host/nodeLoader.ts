/**
 * Loads an app under plain Node (the benchmark, child processes) the way jest's isolateModules + moduleNameMapper
 * do in tests: `@azure/functions-core`, which only the Node worker provides, resolves to the compiled stand-in
 * next to this file, and each load evaluates the app afresh so every load registers its functions again.
 */
import { registerHooks } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const coreModule = '@azure/functions-core';
let hooked = false;

/** Makes `require('@azure/functions-core')` anywhere in this process load the worker stand-in. */
export function provideWorkerStandIn(standIn = path.join(__dirname, 'functionsCore.js')): void {
  if (hooked) {
    return;
  }
  const url = pathToFileURL(standIn).href;
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      specifier === coreModule ? { url, shortCircuit: true } : nextResolve(specifier, context),
  });
  hooked = true;
}

/** Requires `entry` and forgets every module that load added, so the next load starts from scratch. */
export function requireFresh(entry: string): void {
  provideWorkerStandIn();
  const before = new Set(Object.keys(require.cache));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(entry);
  } finally {
    for (const key of Object.keys(require.cache)) {
      if (!before.has(key)) {
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
        delete require.cache[key];
      }
    }
  }
}
