#!/usr/bin/env node
import { resolveAzuriteBin } from './azurite';
import { npmCommand, runCommand, startProcess } from './commands';
import { parseStartOptions, startUsage } from './options';
import { isPortOpen, waitForPorts } from './ports';
import { exitInterrupted, startApp } from './startApp';

async function main(): Promise<number> {
  const options = parseStartOptions(process.argv.slice(2));
  if ('error' in options) {
    process.stderr.write(`${options.error}\n\n${startUsage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${startUsage}\n`);
    return 0;
  }

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: the user does not want to wait for a clean shutdown.
      process.exit(exitInterrupted);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  process.stdout.write(
    'npm start: build the app, check and start what it needs, then run it (docs/local-start.md)\n',
  );
  return startApp(options, {
    // npm runs scripts from the package root, which holds host.json and the settings.
    projectDir: process.cwd(),
    env: process.env,
    write: (text) => process.stdout.write(text),
    build: () => {
      const npm = npmCommand();
      return startProcess(npm.command, [...npm.args, 'run', 'build'], { output: 'inherit' }).exited;
    },
    run: runCommand,
    startProcess,
    probe: (port) => isPortOpen(port),
    waitForPorts: (ports, timeoutMs) =>
      waitForPorts(ports, (port) => isPortOpen(port), { timeoutMs, intervalMs: 500 }),
    azuriteBin: resolveAzuriteBin,
    signal: controller.signal,
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
