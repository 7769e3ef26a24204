import type { RunCommand } from './commands';
import type { PortProbe } from './ports';

export const dtsImage = 'mcr.microsoft.com/dts/dts-emulator:latest';
export const dtsPort = 8080;
export const dtsDashboardPort = 8082;

export type DtsResult =
  | { ok: true; state: 'running' }
  | { ok: true; state: 'started'; containerId: string }
  | { ok: false; problem: string; help: string[] };

export interface DtsDependencies {
  probe: PortProbe;
  run: RunCommand;
  waitForPorts: (ports: readonly number[]) => Promise<boolean>;
}

const dockerRunArgs = [
  'run',
  '-d',
  // Removed when stopped, so the next npm start can publish the same ports again.
  '--rm',
  '-p',
  `${dtsPort}:${dtsPort}`,
  '-p',
  `${dtsDashboardPort}:${dtsDashboardPort}`,
  dtsImage,
];

export const withoutDockerHelp = [
  'Then run npm start again. Or:',
  `  run the emulator yourself so that port ${dtsPort} answers: docker ${dockerRunArgs.filter((arg) => arg !== '--rm').join(' ')}`,
  '  or run without Docker: npm start -- --no-docker',
  '  (durable state then goes to Azurite through the Azure Storage provider; see docs/local-start.md)',
];

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

export type DockerCheck =
  { ok: true; version: string } | { ok: false; reason: string; problem: string; help: string[] };

/** Whether a Docker daemon answers: the emulator needs one, and without one npm start falls back to Azurite. */
export async function checkDocker(run: RunCommand): Promise<DockerCheck> {
  const info = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 30_000 });
  if (!info.found) {
    const reason = 'Docker is not installed (docker is not on PATH)';
    return {
      ok: false,
      reason,
      problem: `Nothing answers on port ${dtsPort} and ${reason}.`,
      help: [
        'Install Docker (https://docs.docker.com/get-docker/) to run the Durable Task Scheduler emulator.',
        ...withoutDockerHelp,
      ],
    };
  }
  if (info.exitCode !== 0) {
    const reason = `the Docker daemon does not answer: ${firstLine(info.stderr) || 'docker info failed'}`;
    return {
      ok: false,
      reason,
      problem: `Nothing answers on port ${dtsPort} and ${reason}`,
      help: ['Start Docker (Docker Desktop, or the docker service).', ...withoutDockerHelp],
    };
  }
  return { ok: true, version: info.stdout.trim() };
}

/**
 * Uses a scheduler that already answers on 8080; otherwise starts the emulator container when a Docker daemon
 * answers. It has no health endpoint, so an open endpoint port is the readiness signal.
 */
export async function ensureDtsEmulator(deps: DtsDependencies): Promise<DtsResult> {
  if (await deps.probe(dtsPort)) {
    return { ok: true, state: 'running' };
  }
  const docker = await checkDocker(deps.run);
  if (!docker.ok) {
    return { ok: false, problem: docker.problem, help: docker.help };
  }

  // Pulling the image can take minutes the first time; Docker's own progress goes to the terminal.
  const started = await deps.run('docker', dockerRunArgs, { showStderr: true, timeoutMs: 15 * 60_000 });
  const containerId = started.found ? started.stdout.trim() : '';
  if (!started.found || started.exitCode !== 0 || containerId === '') {
    return {
      ok: false,
      problem: `docker run ${dtsImage} failed${started.found ? ` (exit ${String(started.exitCode)}); Docker's message is above` : ''}.`,
      help: [`Port ${dtsPort} or ${dtsDashboardPort} may be taken by another program.`, ...withoutDockerHelp],
    };
  }
  if (!(await deps.waitForPorts([dtsPort]))) {
    await stopContainer(deps.run, containerId);
    return {
      ok: false,
      problem: `The emulator container started but port ${dtsPort} never answered; it has been stopped.`,
      help: [
        `Run it by hand to see its logs: docker run --rm -p ${dtsPort}:${dtsPort} -p ${dtsDashboardPort}:${dtsDashboardPort} ${dtsImage}`,
      ],
    };
  }
  return { ok: true, state: 'started', containerId };
}

export async function stopContainer(run: RunCommand, containerId: string): Promise<void> {
  await run('docker', ['stop', containerId], { timeoutMs: 60_000 });
}
