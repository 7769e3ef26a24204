import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';

export type CommandResult =
  { found: false } | { found: true; exitCode: number | null; stdout: string; stderr: string };

export interface RunOptions {
  /** Kills the command after this long (its exit code is then null). */
  timeoutMs?: number;
  /** Passes the command's stderr through, e.g. Docker's pull progress, while still capturing stdout. */
  showStderr?: boolean;
}

/** Runs a command to completion and captures its output; the seam every check is tested through. */
export type RunCommand = (
  command: string,
  args: readonly string[],
  options?: RunOptions,
) => Promise<CommandResult>;

// Windows finds .cmd shims (npm's global `func`) only through the shell; the arguments are our own literals.
// An absolute path (node itself) needs no search, and a shell would split it at its spaces.
const useShell = (command: string) => process.platform === 'win32' && !isAbsolute(command);
// cmd.exe reports a missing command as exit code 1 with this text, not as ENOENT.
const notRecognized = /is not recognized as an internal or external command/i;

export const runCommand: RunCommand = (command, args, options = {}) =>
  new Promise((resolve) => {
    const shell = useShell(command);
    const child = spawn(command, args, {
      shell,
      stdio: ['ignore', 'pipe', options.showStderr === true ? 'inherit' : 'pipe'],
      windowsHide: true,
    });
    // Not spawn's own `timeout`: its timer outlives a command that was never found and holds the process open.
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGTERM');
          }, options.timeoutMs);
    const settle = (result: CommandResult) => {
      clearTimeout(timer);
      resolve(result);
    };
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error: NodeJS.ErrnoException) => {
      settle(error.code === 'ENOENT' ? { found: false } : { found: true, exitCode: null, stdout, stderr });
    });
    child.once('close', (exitCode) => {
      settle(
        shell && exitCode === 1 && notRecognized.test(stderr)
          ? { found: false }
          : { found: true, exitCode, stdout, stderr },
      );
    });
  });

/** A process npm start launched and may have to stop. */
export interface StartedProcess {
  readonly pid: number | undefined;
  /** Resolves with the exit code (null when killed by a signal or never started). */
  readonly exited: Promise<number | null>;
  readonly running: boolean;
  /** SIGTERM by default; SIGKILL for one that does not end. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): void;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** 'inherit' shares this terminal; a file path collects the output there instead. */
  output: 'inherit' | { logFile: string };
}

export type StartProcess = (
  command: string,
  args: readonly string[],
  options: StartOptions,
) => StartedProcess;

export const startProcess: StartProcess = (command, args, options) => {
  let stdio: StdioOptions = 'inherit';
  let logFd: number | undefined;
  if (options.output !== 'inherit') {
    mkdirSync(dirname(options.output.logFile), { recursive: true });
    logFd = openSync(options.output.logFile, 'a');
    stdio = ['ignore', logFd, logFd];
  }
  const child = spawn(command, args, {
    env: options.env,
    stdio,
    shell: useShell(command),
    windowsHide: true,
  });
  if (logFd !== undefined) {
    // The child holds its own copy of the descriptor.
    closeSync(logFd);
  }
  let running = true;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => {
      running = false;
      resolve(null);
    });
    child.once('exit', (code) => {
      running = false;
      resolve(code);
    });
  });
  return {
    pid: child.pid,
    exited,
    get running() {
      return running;
    },
    stop(signal = 'SIGTERM') {
      if (running) {
        child.kill(signal);
      }
    },
  };
};

/**
 * How to run npm itself: through the npm that runs this script when there is one (no shell, any OS), else the
 * `npm` on PATH.
 */
export function npmCommand(env: NodeJS.ProcessEnv = process.env): { command: string; args: string[] } {
  const npmCli = env.npm_execpath;
  return npmCli !== undefined && npmCli.endsWith('.js')
    ? { command: process.execPath, args: [npmCli] }
    : { command: 'npm', args: [] };
}
