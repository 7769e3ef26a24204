import { delimiter as pathDelimiter, dirname, join, resolve } from 'node:path';
import type { RunCommand } from './commands';

export const coreToolsInstallCommand = 'npm install -g azure-functions-core-tools@4 --unsafe-perm true';
export const coreToolsDocs = 'https://learn.microsoft.com/azure/azure-functions/functions-run-local';

export type CoreToolsCheck = { ok: true; version: string } | { ok: false; problem: string; help: string[] };

export type CoreToolsFound =
  | { ok: true; command: string; version: string; where: 'local' | 'path'; note?: string }
  | { ok: false; problem: string; help: string[] };

const installHelp = [
  'Install Azure Functions Core Tools 4, then run npm start again:',
  `  ${coreToolsInstallCommand}`,
  `Other installers (Homebrew, winget, apt, MSI): ${coreToolsDocs}`,
];

const localPackage = join('node_modules', 'azure-functions-core-tools');

/**
 * The binary the optional dependency downloads in its postinstall. npm start runs it directly rather than through
 * the package's `func` shim, which would start a download of its own when the binary is missing.
 */
export function localCoreToolsBinary(projectDir: string, platform = process.platform): string {
  return join(projectDir, localPackage, 'bin', platform === 'win32' ? 'func.exe' : 'func');
}

/**
 * PATH without the node_modules/.bin folders npm run puts in front of it (the project's and its parents'). There,
 * `func` is Core Tools' shim, which downloads the binary on first use: run as a version check, it would start a
 * download of a few hundred MB. npm start runs the downloaded binary itself, or a `func` the user installed.
 */
export function withoutPackageBins(pathValue: string, projectDir: string, delimiter = pathDelimiter): string {
  const packageBins = new Set<string>();
  for (let dir = resolve(projectDir); ; dir = dirname(dir)) {
    packageBins.add(join(dir, 'node_modules', '.bin'));
    if (dir === dirname(dir)) break;
  }
  return pathValue
    .split(delimiter)
    .filter((entry) => entry === '' || !packageBins.has(resolve(entry)))
    .join(delimiter);
}

/**
 * The Core Tools npm install put in node_modules first, then a `func` on PATH. An optional dependency may lack its
 * binary (offline install, `npm ci --ignore-scripts`): that is said, and the one on PATH is used instead.
 */
export async function findCoreTools(
  projectDir: string,
  run: RunCommand,
  exists: (path: string) => boolean,
): Promise<CoreToolsFound> {
  const binary = localCoreToolsBinary(projectDir);
  let note: string | undefined;
  if (exists(binary)) {
    const local = await checkCoreTools(run, binary);
    if (local.ok) {
      return { ok: true, command: binary, version: local.version, where: 'local' };
    }
    note = `the Core Tools in ${localPackage} do not run (${local.problem})`;
  } else if (exists(join(projectDir, localPackage, 'package.json'))) {
    note = `${localPackage} has no func binary: its download did not happen (offline, or npm ci --ignore-scripts)`;
  }
  const global = await checkCoreTools(run, 'func');
  if (global.ok) {
    return {
      ok: true,
      command: 'func',
      version: global.version,
      where: 'path',
      ...(note === undefined ? {} : { note }),
    };
  }
  return {
    ok: false,
    problem: note === undefined ? global.problem : `${global.problem} And ${note}.`,
    help: [
      'npm install puts Core Tools 4 in node_modules (an optional dependency that downloads them, a few hundred MB);',
      note === undefined
        ? 'run it again where it can reach cdn.functions.azure.com, or install them for the whole machine:'
        : 'run npm rebuild azure-functions-core-tools where it can reach cdn.functions.azure.com, or install them for the whole machine:',
      `  ${coreToolsInstallCommand}`,
      `Other installers (Homebrew, winget, apt, MSI): ${coreToolsDocs}`,
    ],
  };
}

/** `func --version` prints the bare version, e.g. "4.0.7030"; newer builds may add a suffix after it. */
export function parseCoreToolsVersion(output: string): { major: number; version: string } | undefined {
  const match = /(\d+)\.\d+\.\d+\S*/.exec(output);
  return match?.[1] === undefined ? undefined : { major: Number(match[1]), version: match[0] };
}

/** Core Tools 4 runs the Functions v4 host, the only one that runs the Node.js v4 programming model. */
export async function checkCoreTools(run: RunCommand, command = 'func'): Promise<CoreToolsCheck> {
  const result = await run(command, ['--version'], { timeoutMs: 30_000 });
  if (!result.found) {
    return { ok: false, problem: 'func (Azure Functions Core Tools) is not on PATH.', help: installHelp };
  }
  const parsed = parseCoreToolsVersion(result.stdout);
  if (result.exitCode !== 0 || parsed === undefined) {
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? '';
    return {
      ok: false,
      problem: `${command} --version failed (exit ${String(result.exitCode)})${said === '' ? '' : `: ${said}`}`,
      help: ['Reinstall Core Tools 4:', `  ${coreToolsInstallCommand}`],
    };
  }
  if (parsed.major < 4) {
    return {
      ok: false,
      problem: `Core Tools ${parsed.version} is too old: this app needs version 4.`,
      help: installHelp,
    };
  }
  return { ok: true, version: parsed.version };
}
