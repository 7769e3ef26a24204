/**
 * The .NET side of the rig: whether it can run here, and building test/engine/host once per change. Builds go to
 * .tools/engine (gitignored) with packages restored into .tools/nuget-packages, so a clean clone starts cold and
 * nothing lands in the source tree except the committed packages.lock.json.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
// Found upwards from here, so the compiled copy the benchmark runs (dist-bench/) finds the same folders.
import { projectRoot as repoRoot } from '../../support/appEntry';

const projectDir = path.join(repoRoot, 'test', 'engine', 'host');
const project = path.join(projectDir, 'EngineHost.csproj');
export const engineWorkDir = path.join(repoRoot, '.tools', 'engine');
const artifacts = path.join(engineWorkDir, 'artifacts');
const packages = path.join(repoRoot, '.tools', 'nuget-packages');
export const hostDll = path.join(artifacts, 'bin', 'EngineHost', 'release', 'EngineHost.dll');
const stampFile = path.join(engineWorkDir, 'host.stamp');

const dotnetEnv = {
  ...process.env,
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  DOTNET_NOLOGO: '1',
  DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
};

export type Availability = { available: true } | { available: false; reason: string };

/** Whether the engine tests can run here; when not, the reason they report as skipped. */
export function engineAvailability(): Availability {
  if (process.env.ENGINE_TESTS === 'skip') {
    return { available: false, reason: 'ENGINE_TESTS=skip is set' };
  }
  const probe = spawnSync('dotnet', ['--version'], { encoding: 'utf8', env: dotnetEnv });
  if (probe.error || probe.status !== 0) {
    return { available: false, reason: 'the .NET SDK (dotnet) is not on PATH' };
  }
  const major = Number(probe.stdout.trim().split('.')[0]);
  if (!(major >= 8)) {
    return { available: false, reason: `dotnet ${probe.stdout.trim()} is older than the .NET 8 SDK` };
  }
  return { available: true };
}

/** Changes to the host's sources or to the SDK invalidate the build. */
function sourceStamp(): string {
  const hash = createHash('sha256');
  hash.update(spawnSync('dotnet', ['--version'], { encoding: 'utf8', env: dotnetEnv }).stdout);
  for (const file of readdirSync(projectDir).sort()) {
    if (/\.(cs|csproj|json)$/.test(file)) hash.update(file).update(readFileSync(path.join(projectDir, file)));
  }
  return hash.digest('hex');
}

export interface BuildResult {
  dll: string;
  ms: number;
  upToDate: boolean;
}

/** Builds the host unless the last build was of the same sources; throws with the compiler's words on failure. */
export function buildHost(): BuildResult {
  const began = Date.now();
  const stamp = sourceStamp();
  if (existsSync(hostDll) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    return { dll: hostDll, ms: Date.now() - began, upToDate: true };
  }
  mkdirSync(engineWorkDir, { recursive: true });
  const args = [
    'build',
    project,
    '-c',
    'Release',
    '--artifacts-path',
    artifacts,
    `-p:RestorePackagesPath=${packages}`,
    // In CI the lock file must already say exactly what to restore.
    ...(process.env.CI ? ['-p:RestoreLockedMode=true'] : []),
    '-nologo',
    '-v',
    'q',
  ];
  const build = spawnSync('dotnet', args, {
    encoding: 'utf8',
    env: dotnetEnv,
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (build.error || build.status !== 0 || !existsSync(hostDll)) {
    const output = `${build.stdout}\n${build.stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(
      `dotnet build of the engine host failed (${build.error?.message ?? `exit ${String(build.status)}`}):\n${output}`,
    );
  }
  writeFileSync(stampFile, stamp);
  return { dll: hostDll, ms: Date.now() - began, upToDate: false };
}
