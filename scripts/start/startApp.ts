import { relative } from 'node:path';
import type { StubModel } from '../stub-model/stubModel';
import { stubModelName } from '../stub-model/stubModel';
import { ensureAzurite } from './azurite';
import { StartedResources } from './cleanup';
import type { StartedProcess, StartProcess } from './commands';
import { dtsDashboardPort, dtsImage, dtsPort, ensureDtsEmulator, stopContainer } from './dtsEmulator';
import { modelSettingNames } from './modelSettings';
import { defaultFuncPort, type StartOptions } from './options';
import { checkPrerequisites, type PrerequisiteDependencies } from './prerequisites';
import { createReporter, type Reporter } from './report';

export interface StartAppDependencies extends PrerequisiteDependencies {
  write: (text: string) => void;
  /** Runs npm run build; resolves with its exit code. */
  build: () => Promise<number | null>;
  startProcess: StartProcess;
  waitForPorts: (ports: readonly number[], timeoutMs: number) => Promise<boolean>;
  azuriteBin: () => string;
  startStubModel: () => Promise<StubModel>;
  /** Aborted on Ctrl-C (or SIGTERM). */
  signal: AbortSignal;
  /** How long a process that got the terminal's Ctrl-C has to end by itself; the default suits Azurite. */
  stopGraceMs?: number;
}

export const stepCount = 6;
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

/** Resolves whether the process ends within `ms`. */
async function endsWithin(process: StartedProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    process.exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, ms);
    }),
  ]);
  clearTimeout(timer);
  return ended;
}

/**
 * Stops a background process once. After a Ctrl-C in a terminal it got the SIGINT too and is already closing; a
 * second signal then can leave it hanging (Azurite: "Cannot close server in status Closed"), so it first gets
 * `graceMs` to end by itself. One that ignores SIGTERM is killed.
 */
async function stopBackground(process: StartedProcess, interrupted: boolean, graceMs: number): Promise<void> {
  if (!process.running || (interrupted && (await endsWithin(process, graceMs)))) {
    return;
  }
  process.stop();
  if (!(await endsWithin(process, graceMs))) {
    process.stop('SIGKILL');
    await process.exited;
  }
}

/** The hint follows --port: the ask client's default URL is only right for the default port. */
export function askCommand(port: number): string {
  const url = port === defaultFuncPort ? '' : `--url http://localhost:${String(port)} `;
  return `npm run ask -- ${url}"What is temperature?"`;
}

/**
 * npm start: checks every prerequisite in one pass (stopping after the report when something has no stand-in),
 * builds, starts what the app needs in order, then runs func start in the foreground. On the way out (an error,
 * func exiting, Ctrl-C) it stops what it started and nothing else.
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

  report.step('Prerequisites, all checked before anything starts');
  const checked = await unlessAborted(checkPrerequisites(options, deps, report), signal);
  if (checked === 'aborted') return interrupted();
  if (!checked.ok) {
    deps.write(
      `\n${checked.problems === 1 ? 'One thing is' : `${String(checked.problems)} things are`} missing (✗ above); nothing was started. Fix ${checked.problems === 1 ? 'it' : 'them'}, then run npm start again.\n`,
    );
    return 1;
  }
  const found = checked.found;

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

  report.step('Azurite: host storage on ports 10000-10002');
  // Listed as soon as it is spawned, so a Ctrl-C while it comes up still stops it.
  const startAzurite: StartProcess = (command, args, startOptions) => {
    const started = deps.startProcess(command, args, startOptions);
    resources.add('Azurite', () => stopBackground(started, deps.signal.aborted, deps.stopGraceMs ?? 10_000));
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

  let funcEnv: NodeJS.ProcessEnv = { ...deps.env };
  if (found.stubModel) {
    report.step('Model: the built-in stub model (canned answers)');
    const stub = await unlessAborted(deps.startStubModel(), signal);
    if (stub === 'aborted') return interrupted();
    resources.add('the stub model', () => stub.close());
    // The environment wins over local.settings.json in func start, so the file is never touched.
    funcEnv = {
      ...funcEnv,
      [modelSettingNames.baseUrl]: stub.openaiBaseUrl,
      [modelSettingNames.model]: stubModelName,
    };
    report.ok(`listening on ${stub.openaiBaseUrl}`);
    report.note(
      `For this run only: ${modelSettingNames.baseUrl}=${stub.openaiBaseUrl} ${modelSettingNames.model}=${stubModelName} (local.settings.json is left as it is).`,
    );
  } else {
    report.step('Model');
    report.ok(found.modelDescription);
  }

  const backend = found.backend;
  if (backend.kind === 'azureStorage') {
    report.step('Durable backend: the Azure Storage provider on Azurite (no Docker)');
    report.ok(
      backend.reason === 'flag'
        ? '--no-docker: durable state goes to Azurite instead of the Durable Task Scheduler emulator'
        : backend.reason === 'noDocker'
          ? 'Docker is not available: durable state goes to Azurite instead of the Durable Task Scheduler emulator'
          : 'local.settings.json selects the Azure Storage provider: durable state goes to Azurite',
    );
    report.note('host.json is overridden for this run through these app settings:');
    for (const [name, value] of Object.entries(backend.overrides)) {
      report.note(`  ${name}=${value}`);
    }
    report.note('Azure runs the Durable Task Scheduler; there is no dashboard on port 8082 in this mode.');
    funcEnv = { ...funcEnv, ...backend.overrides };
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
  report.note(`In another terminal: ${askCommand(options.port)}\n`);
  const func = deps.startProcess(found.coreTools.command, funcArgs, { env: funcEnv, output: 'inherit' });
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
