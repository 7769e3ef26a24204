#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { startStubModel } from '../stub-model/stubModel';
import { resolveAzuriteBin } from './azurite';
import { npmCommand, runCommand, startProcess } from './commands';
import { withoutPackageBins } from './coreTools';
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

  // Every `func` npm start runs or looks for, and the host it starts, see PATH as the user's shell does.
  const pathKey = Object.keys(process.env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
  process.env[pathKey] = withoutPackageBins(process.env[pathKey] ?? '', process.cwd());

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
    'npm start: check what the app needs, build it, start what is missing, then run it (docs/local-start.md)\n',
  );
  return startApp(options, {
    // npm runs scripts from the package root, which holds host.json and the settings.
    projectDir: process.cwd(),
    env: process.env,
    nodeVersion: process.versions.node,
    exists: existsSync,
    startStubModel: () => startStubModel(),
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
