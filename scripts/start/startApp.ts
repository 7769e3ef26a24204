import { relative } from 'node:path';
import { ensureAzurite } from './azurite';
import { StartedResources } from './cleanup';
import type { RunCommand, StartProcess } from './commands';
import { checkCoreTools } from './coreTools';
import { dtsDashboardPort, dtsImage, dtsPort, ensureDtsEmulator, stopContainer } from './dtsEmulator';
import { effectiveSettings, ensureLocalSettings, exampleSettingsFile } from './localSettings';
import { checkModelSettings } from './modelSettings';
import type { StartOptions } from './options';
import type { PortProbe } from './ports';
import { createReporter, type Reporter } from './report';
import { chooseDurableBackend } from './storageProvider';

export interface StartAppDependencies {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  write: (text: string) => void;
  /** Runs npm run build; resolves with its exit code. */
  build: () => Promise<number | null>;
  run: RunCommand;
  startProcess: StartProcess;
  probe: PortProbe;
  waitForPorts: (ports: readonly number[], timeoutMs: number) => Promise<boolean>;
  azuriteBin: () => string;
  /** Aborted on Ctrl-C (or SIGTERM). */
  signal: AbortSignal;
}

export const stepCount = 7;
export const exitInterrupted = 130;

/** Resolves 'aborted' as soon as the signal fires, whatever the promise is still waiting for. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) {
    return Promise.resolve('aborted');
  }
  return Promise.race([
    promise,
    new Promise<'aborted'>((resolve) => {
      signal.addEventListener(
        'abort',
        () => {
          resolve('aborted');
        },
        { once: true },
      );
    }),
  ]);
}

/**
 * npm start: builds, checks and starts what the app needs in order, then runs func start in the foreground. It
 * stops at the first thing it cannot fix, saying what to do, and on the way out (an error, func exiting, Ctrl-C)
 * stops what it started and nothing else.
 */
export async function startApp(options: StartOptions, deps: StartAppDependencies): Promise<number> {
  const report = createReporter(deps.write, stepCount);
  const resources = new StartedResources();
  try {
    return await runSteps(options, deps, report, resources);
  } finally {
    await resources.stopAll((line) => {
      deps.write(`${line}\n`);
    });
  }
}

async function runSteps(
  options: StartOptions,
  deps: StartAppDependencies,
  report: Reporter,
  resources: StartedResources,
): Promise<number> {
  const { signal } = deps;
  const interrupted = () => {
    deps.write('\nInterrupted.\n');
    return exitInterrupted;
  };

  report.step('Build: npm run build');
  if (options.noBuild) {
    report.ok('skipped (--no-build)');
  } else {
    const built = await unlessAborted(deps.build(), signal);
    if (built === 'aborted') return interrupted();
    if (built !== 0) {
      report.fail(`npm run build failed (exit ${String(built)}).`, [
        'Fix the errors above, then run npm start again.',
      ]);
      return 1;
    }
    report.ok('built');
  }

  report.step('Local settings: local.settings.json');
  const local = await ensureLocalSettings(deps.projectDir);
  if (!local.ok) {
    report.fail(local.problem, []);
    return 1;
  }
  report.ok(
    local.created
      ? `created from ${exampleSettingsFile} (git-ignored: keys you add stay on this machine)`
      : 'found',
  );
  const settings = effectiveSettings(local.values, deps.env);

  report.step('Azure Functions Core Tools: func --version');
  const coreTools = await unlessAborted(checkCoreTools(deps.run), signal);
  if (coreTools === 'aborted') return interrupted();
  if (!coreTools.ok) {
    report.fail(coreTools.problem, coreTools.help);
    return 1;
  }
  report.ok(`Core Tools ${coreTools.version}`);

  // Checked before anything is started, so a first run without a model stops at once instead of pulling images.
  report.step('Model settings');
  const model = checkModelSettings(settings);
  if (!model.ok) {
    report.fail(model.problem, model.help);
    return 1;
  }
  report.ok(model.description);

  report.step('Azurite: host storage on ports 10000-10002');
  // Listed as soon as it is spawned, so a Ctrl-C while it comes up still stops it.
  const startAzurite: StartProcess = (command, args, startOptions) => {
    const started = deps.startProcess(command, args, startOptions);
    resources.add('Azurite', async () => {
      if (started.running) {
        started.stop();
      }
      await started.exited;
    });
    return started;
  };
  const azurite = await unlessAborted(
    ensureAzurite({
      projectDir: deps.projectDir,
      probe: deps.probe,
      start: startAzurite,
      waitForPorts: (ports) => deps.waitForPorts(ports, 30_000),
      azuriteBin: deps.azuriteBin,
    }),
    signal,
  );
  if (azurite === 'aborted') return interrupted();
  if (!azurite.ok) {
    report.fail(azurite.problem, azurite.help);
    return 1;
  }
  if (azurite.state === 'running') {
    report.ok('already answering: using it, and leaving it running afterwards');
  } else {
    report.ok(`started from the azurite dev dependency (log: ${relative(deps.projectDir, azurite.logFile)})`);
  }

  const backend = chooseDurableBackend(options.noDocker, settings);
  let funcEnv: NodeJS.ProcessEnv = deps.env;
  if (backend.kind === 'azureStorage') {
    report.step('Durable backend: the Azure Storage provider on Azurite (no Docker)');
    report.ok(
      backend.reason === 'flag'
        ? '--no-docker: durable state goes to Azurite instead of the Durable Task Scheduler emulator'
        : 'local.settings.json selects the Azure Storage provider: durable state goes to Azurite',
    );
    report.note('host.json is overridden for this run through these app settings:');
    for (const [name, value] of Object.entries(backend.overrides)) {
      report.note(`  ${name}=${value}`);
    }
    report.note('Azure runs the Durable Task Scheduler; there is no dashboard on port 8082 in this mode.');
    funcEnv = { ...deps.env, ...backend.overrides };
  } else {
    report.step(`Durable Task Scheduler emulator on port ${dtsPort}`);
    const pending = ensureDtsEmulator({
      probe: deps.probe,
      run: deps.run,
      waitForPorts: (ports) => deps.waitForPorts(ports, 120_000),
    });
    const dts = await unlessAborted(pending, signal);
    if (dts === 'aborted') {
      // docker run may still be pulling: a container it starts after the Ctrl-C is stopped as soon as it exists.
      resources.add('the Durable Task Scheduler emulator container, if it was starting', async () => {
        const late = await pending;
        if (late.ok && late.state === 'started') {
          await stopContainer(deps.run, late.containerId);
        }
      });
      return interrupted();
    }
    if (!dts.ok) {
      report.fail(dts.problem, dts.help);
      return 1;
    }
    if (dts.state === 'running') {
      report.ok(`port ${dtsPort} already answers: using it, and leaving it running afterwards`);
    } else {
      const { containerId } = dts;
      resources.add('the Durable Task Scheduler emulator container', () =>
        stopContainer(deps.run, containerId),
      );
      report.ok(`started ${dtsImage} (container ${containerId.slice(0, 12)})`);
    }
    report.note(`Dashboard: http://localhost:${dtsDashboardPort} (task hub "default")`);
  }
  if (signal.aborted) return interrupted();

  const funcArgs = ['start', ...options.funcArgs];
  report.step(`Functions host: func ${funcArgs.join(' ')}`);
  report.note(
    resources.names.length > 0
      ? `Ctrl-C stops it, then ${resources.names.join(' and ')}; nothing else.`
      : 'Ctrl-C stops it; everything else was already running and stays so.',
  );
  report.note('In another terminal: npm run ask -- "What is temperature?"\n');
  const func = deps.startProcess('func', funcArgs, { env: funcEnv, output: 'inherit' });
  const exit = await unlessAborted(func.exited, signal);
  if (exit === 'aborted') {
    // In a terminal func got the Ctrl-C too; a SIGTERM sent to npm start alone must still reach it.
    func.stop();
    await func.exited;
    deps.write('\nThe Functions host has stopped.\n');
    return 0;
  }
  deps.write(`\nfunc exited with code ${String(exit)}.\n`);
  return exit ?? 1;
}
