import type { RunCommand } from './commands';
import { findCoreTools } from './coreTools';
import { azuritePorts } from './azurite';
import { checkDocker, dtsPort } from './dtsEmulator';
import { effectiveSettings, ensureLocalSettings, exampleSettingsFile } from './localSettings';
import { checkModelSettings, stubModelLine } from './modelSettings';
import type { StartOptions } from './options';
import type { PortProbe } from './ports';
import type { Reporter } from './report';
import { azureStorageBackend, chooseDurableBackend, type DurableBackend } from './storageProvider';

export const minimumNodeMajor = 22;

export interface PrerequisiteDependencies {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  /** process.versions.node */
  nodeVersion: string;
  run: RunCommand;
  probe: PortProbe;
  exists: (path: string) => boolean;
}

/** What the checks found, for the steps that start things. */
export interface Prerequisites {
  coreTools: { command: string; version: string };
  settings: Record<string, string | undefined>;
  /** The stub model stands in: nothing is configured, or --stub-model. */
  stubModel: boolean;
  modelDescription: string;
  backend: DurableBackend;
}

export type PrerequisiteResult = { ok: true; found: Prerequisites } | { ok: false; problems: number };

/**
 * Every prerequisite in one pass, each reported as found (✓), stood in for (→) or missing (✗), so a new machine
 * learns everything it lacks at once. Only what has no stand-in counts as a problem.
 */
export async function checkPrerequisites(
  options: StartOptions,
  deps: PrerequisiteDependencies,
  report: Reporter,
): Promise<PrerequisiteResult> {
  let problems = 0;
  const fail = (problem: string, help: readonly string[]) => {
    problems += 1;
    report.fail(problem, help);
  };

  const nodeMajor = Number(deps.nodeVersion.split('.')[0]);
  if (nodeMajor >= minimumNodeMajor) {
    report.ok(`Node ${deps.nodeVersion}`);
  } else {
    fail(`Node ${deps.nodeVersion} is too old: this app needs Node ${minimumNodeMajor} or later.`, [
      `Install Node ${minimumNodeMajor} (https://nodejs.org, or \`nvm install ${minimumNodeMajor}\`), then npm install and npm start again.`,
    ]);
  }

  const coreTools = await findCoreTools(deps.projectDir, deps.run, deps.exists);
  if (coreTools.ok) {
    report.ok(
      `Core Tools ${coreTools.version} (${coreTools.where === 'local' ? 'node_modules, from npm install' : 'func on PATH'})`,
    );
    if (coreTools.note !== undefined) {
      report.note(`Using the one on PATH: ${coreTools.note}.`);
    }
  } else {
    fail(coreTools.problem, coreTools.help);
  }

  const local = await ensureLocalSettings(deps.projectDir);
  let settings: Record<string, string | undefined> = { ...deps.env };
  if (local.ok) {
    report.ok(
      local.created
        ? `local.settings.json created from ${exampleSettingsFile} (git-ignored: keys you add stay on this machine)`
        : 'local.settings.json found',
    );
    settings = effectiveSettings(local.values, deps.env);
  } else {
    fail(local.problem, []);
  }

  let stubModel = false;
  let modelDescription = '';
  if (options.stubModel) {
    stubModel = true;
    report.instead(
      '--stub-model: answering with the built-in stub model (canned answers), whatever is configured.',
    );
  } else if (local.ok) {
    const model = checkModelSettings(settings);
    if (model.ok) {
      modelDescription = model.description;
      report.ok(`Model: ${model.description}`);
    } else if (model.missing) {
      stubModel = true;
      report.instead(stubModelLine);
    } else {
      fail(model.problem, model.help);
    }
  }

  let backend = chooseDurableBackend(options.noDocker, settings);
  if (backend.kind === 'azureStorage') {
    report.ok(
      backend.reason === 'flag'
        ? 'Durable state: Azurite through the Azure Storage provider (--no-docker)'
        : 'Durable state: Azurite through the Azure Storage provider (selected in local.settings.json)',
    );
  } else if (await deps.probe(dtsPort)) {
    report.ok(`Durable state: the Durable Task Scheduler that answers on port ${dtsPort}`);
  } else {
    const docker = await checkDocker(deps.run);
    if (docker.ok) {
      report.ok(`Docker ${docker.version}: the Durable Task Scheduler emulator will run in it`);
    } else {
      backend = azureStorageBackend('noDocker', settings);
      report.instead(
        `No Docker (${docker.reason}): durable state goes to Azurite through the Azure Storage provider instead.`,
      );
    }
  }

  const [appPortTaken, ...azuriteOpen] = await Promise.all(
    [options.port, ...azuritePorts].map((port) => deps.probe(port)),
  );
  if (appPortTaken === true) {
    fail(`Port ${options.port} is in use: another func start, or another program, listens there.`, [
      `Stop it, or serve this app on another port: npm start -- --port ${options.port === 65535 ? 7072 : options.port + 1}`,
    ]);
  } else {
    report.ok(`Port ${options.port} is free for the app`);
  }
  const taken = azuritePorts.filter((_, index) => azuriteOpen[index]);
  if (taken.length > 0 && taken.length < azuritePorts.length) {
    fail(
      `Port ${taken.join(' and ')} answers but not all of 10000-10002: something other than a whole Azurite holds it.`,
      ['Stop whatever listens there, or run an Azurite with all three services (npm run azurite).'],
    );
  }

  if (problems > 0 || !coreTools.ok || !local.ok) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    found: {
      coreTools: { command: coreTools.command, version: coreTools.version },
      settings,
      stubModel,
      modelDescription,
      backend,
    },
  };
}
