import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartedProcess, StartProcess } from './commands';
import type { PortProbe } from './ports';

/** Blob, queue and table: the host's AzureWebJobsStorage=UseDevelopmentStorage=true points at these. */
export const azuritePorts = [10000, 10001, 10002] as const;

export type AzuriteResult =
  | { ok: true; state: 'running' }
  | { ok: true; state: 'started'; process: StartedProcess; logFile: string }
  | { ok: false; problem: string; help: string[] };

export interface AzuriteDependencies {
  projectDir: string;
  probe: PortProbe;
  start: StartProcess;
  /** Resolves true once every port answers, false when it gives up. */
  waitForPorts: (ports: readonly number[]) => Promise<boolean>;
  /** The azurite dev dependency's entry script. */
  azuriteBin: () => string;
}

/** The dev dependency's own script, run with this Node: no shell, no global install, the same on every OS. */
export function resolveAzuriteBin(): string {
  const manifestPath = require.resolve('azurite/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: Record<string, string> };
  const bin = manifest.bin.azurite;
  if (bin === undefined) {
    throw new Error('The azurite package declares no "azurite" bin.');
  }
  return join(manifestPath, '..', bin);
}

/** Uses an Azurite that already answers; otherwise starts one from the dev dependency in the background. */
export async function ensureAzurite(deps: AzuriteDependencies): Promise<AzuriteResult> {
  const open = await Promise.all(azuritePorts.map((port) => deps.probe(port)));
  if (open.every(Boolean)) {
    return { ok: true, state: 'running' };
  }
  const taken = azuritePorts.filter((_, index) => open[index]);
  if (taken.length > 0) {
    return {
      ok: false,
      problem: `Port ${taken.join(' and ')} answers but not all of 10000-10002: something other than a whole Azurite holds it.`,
      help: [
        'Stop whatever listens there, or run an Azurite with all three services (npm run azurite), then npm start again.',
      ],
    };
  }

  const dataDir = join(deps.projectDir, '.azurite');
  const logFile = join(dataDir, 'azurite.log');
  const azurite = deps.start(
    process.execPath,
    [
      deps.azuriteBin(),
      '--silent',
      '--location',
      dataDir,
      '--debug',
      join(dataDir, 'debug.log'),
      // The host's storage SDKs can be newer than this Azurite; it would otherwise reject their API version.
      '--skipApiVersionCheck',
    ],
    { output: { logFile } },
  );
  const ready = await Promise.race([deps.waitForPorts(azuritePorts), azurite.exited.then(() => false)]);
  if (!ready) {
    if (azurite.running) {
      azurite.stop();
    }
    return {
      ok: false,
      problem: 'Azurite did not come up on ports 10000-10002.',
      help: [`Its output is in ${logFile}.`],
    };
  }
  return { ok: true, state: 'started', process: azurite, logFile };
}
