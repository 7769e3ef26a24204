#!/usr/bin/env node
import { ask, exitCodes } from './ask';

const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  // A second Ctrl-C ends the process at once, as usual.
  process.once('SIGINT', () => process.exit(exitCodes.interrupted));
});

ask(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `Error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = exitCodes.error;
  },
);
