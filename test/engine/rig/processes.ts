/**
 * Child processes of the engine rig (Azurite, the .NET host). Each one leads its own process group, so stopping it
 * stops anything it spawned too, and each one keeps a pipe to us on stdin: should this process die without
 * stopping them (a crashed or killed jest worker), the pipe closes and they exit on their own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import * as path from 'node:path';

export interface StartOptions {
  env?: Record<string, string>;
  /** Resolves the start once the output (stdout and stderr together) matches. */
  ready: RegExp;
  timeoutMs?: number;
  /** Sees all of the output, also after the start (the chaos rig waits for a restarted worker's later lines). */
  onOutput?: (text: string) => void;
}

export interface Started {
  pid: number;
  match: RegExpMatchArray;
  ms: number;
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

// Last resort when afterAll never ran: exit handlers run synchronously, so only a kill fits here.
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export class ProcessGroup {
  readonly #children: { name: string; child: ChildProcess }[] = [];

  constructor(readonly logDir: string) {
    mkdirSync(logDir, { recursive: true });
  }

  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /** Pids of the children still running, for tests that check nothing is left behind. */
  get pids(): number[] {
    return this.#children.filter(({ child }) => !exited(child)).map(({ child }) => child.pid!);
  }

  start(name: string, command: string, args: string[], options: StartOptions): Promise<Started> {
    const log = createWriteStream(this.logFile(name), { flags: 'a' });
    const began = Date.now();
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.#children.push({ name, child });
    live.add(child);
    child.once('exit', () => {
      live.delete(child);
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise<Started>((resolve, reject) => {
      let seen = '';
      let settled = false;
      const settle = (error: Error | undefined, started?: Started): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(started!);
      };
      const timer = setTimeout(() => {
        settle(new Error(`${name} was not ready after ${timeoutMs} ms; see ${this.logFile(name)}`));
      }, timeoutMs);
      const onOutput = (chunk: Buffer): void => {
        log.write(chunk);
        options.onOutput?.(chunk.toString('utf8'));
        if (settled) return;
        seen += chunk.toString('utf8');
        const match = options.ready.exec(seen);
        if (match) settle(undefined, { pid: child.pid!, match, ms: Date.now() - began });
      };
      child.stdout.on('data', onOutput);
      child.stderr.on('data', onOutput);
      child.once('error', (error) => {
        settle(new Error(`${name} could not start: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        log.end();
        settle(
          new Error(
            `${name} exited (${signal ?? String(code)}) before it was ready; see ${this.logFile(name)}`,
          ),
        );
      });
    });
  }

  /** Whether a child called `name` is running. */
  running(name: string): boolean {
    return this.#children.some((entry) => entry.name === name && !exited(entry.child));
  }

  /** Kills the running child called `name` (and its group) with `signal`, and waits until it has exited. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const running = this.#children.filter((entry) => entry.name === name && !exited(entry.child));
    await Promise.all(
      running.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => {
              resolve();
            });
            killGroup(child, signal);
          }),
      ),
    );
  }

  /** Stops every child, newest first: SIGTERM to its group, then SIGKILL to the group if it outlives graceMs. */
  async stopAll(graceMs = 10_000): Promise<void> {
    for (const { child } of this.#children.reverse()) {
      if (!exited(child)) {
        const gone = new Promise<void>((resolve) => {
          child.once('exit', () => {
            resolve();
          });
        });
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => {
          killGroup(child, 'SIGKILL');
        }, graceMs);
        await gone;
        clearTimeout(timer);
      }
      child.stdin?.destroy();
    }
    this.#children.length = 0;
  }
}
