import type {
  CommandResult,
  RunCommand,
  RunOptions,
  StartedProcess,
  StartOptions,
} from '../../../scripts/start/commands';

/** A command npm start ran, as the fake recorded it. */
export interface RanCommand {
  command: string;
  args: readonly string[];
  options: RunOptions | undefined;
}

export type CommandReply = CommandResult | ((args: readonly string[]) => CommandResult);

/** Answers commands by name (e.g. 'func', 'docker'); an unlisted command is not found, like on a bare PATH. */
export function fakeRun(
  replies: Record<string, CommandReply | CommandReply[]>,
): RunCommand & { ran: RanCommand[] } {
  const ran: RanCommand[] = [];
  const queues = new Map(
    Object.entries(replies).map(([name, reply]) => [name, Array.isArray(reply) ? [...reply] : reply]),
  );
  const run: RunCommand = (command, args, options) => {
    ran.push({ command, args, options });
    const queued = queues.get(command);
    const reply = Array.isArray(queued) ? (queued.length > 1 ? queued.shift() : queued[0]) : queued;
    if (reply === undefined) {
      return Promise.resolve({ found: false });
    }
    return Promise.resolve(typeof reply === 'function' ? reply(args) : reply);
  };
  return Object.assign(run, { ran });
}

export const ok = (stdout = ''): CommandResult => ({ found: true, exitCode: 0, stdout, stderr: '' });
export const failed = (stderr: string, exitCode = 1): CommandResult => ({
  found: true,
  exitCode,
  stdout: '',
  stderr,
});

/** A started process whose exit the test decides. */
export class FakeProcess implements StartedProcess {
  readonly pid = 4242;
  running = true;
  stopCalls = 0;
  readonly exited: Promise<number | null>;
  #exit!: (code: number | null) => void;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly options: StartOptions,
  ) {
    this.exited = new Promise((resolve) => {
      this.#exit = resolve;
    });
  }

  exit(code: number | null): void {
    if (this.running) {
      this.running = false;
      this.#exit(code);
    }
  }

  readonly signals: string[] = [];

  stop(signal = 'SIGTERM'): void {
    this.stopCalls += 1;
    this.signals.push(signal);
    this.exit(null);
  }
}

export function fakeStart() {
  const started: FakeProcess[] = [];
  const start = (command: string, args: readonly string[], options: StartOptions) => {
    const process = new FakeProcess(command, args, options);
    started.push(process);
    return process;
  };
  return Object.assign(start, { started });
}

/** Ports that answer, changeable during a test (e.g. once a fake Azurite "starts"). */
export function fakePorts(open: Iterable<number> = []) {
  const ports = new Set(open);
  const probed: number[] = [];
  const probe = (port: number) => {
    probed.push(port);
    return Promise.resolve(ports.has(port));
  };
  return Object.assign(probe, { ports, probed });
}
