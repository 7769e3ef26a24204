import type { RunCommand } from './commands';

export const coreToolsInstallCommand = 'npm install -g azure-functions-core-tools@4 --unsafe-perm true';
export const coreToolsDocs = 'https://learn.microsoft.com/azure/azure-functions/functions-run-local';

export type CoreToolsCheck = { ok: true; version: string } | { ok: false; problem: string; help: string[] };

const installHelp = [
  'Install Azure Functions Core Tools 4, then run npm start again:',
  `  ${coreToolsInstallCommand}`,
  `Other installers (Homebrew, winget, apt, MSI): ${coreToolsDocs}`,
];

/** `func --version` prints the bare version, e.g. "4.0.7030"; newer builds may add a suffix after it. */
export function parseCoreToolsVersion(output: string): { major: number; version: string } | undefined {
  const match = /(\d+)\.\d+\.\d+\S*/.exec(output);
  return match?.[1] === undefined ? undefined : { major: Number(match[1]), version: match[0] };
}

/** Core Tools 4 runs the Functions v4 host, the only one that runs the Node.js v4 programming model. */
export async function checkCoreTools(run: RunCommand): Promise<CoreToolsCheck> {
  const result = await run('func', ['--version'], { timeoutMs: 30_000 });
  if (!result.found) {
    return { ok: false, problem: 'func (Azure Functions Core Tools) is not on PATH.', help: installHelp };
  }
  const parsed = parseCoreToolsVersion(result.stdout);
  if (result.exitCode !== 0 || parsed === undefined) {
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? '';
    return {
      ok: false,
      problem: `func --version failed (exit ${String(result.exitCode)})${said === '' ? '' : `: ${said}`}`,
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
