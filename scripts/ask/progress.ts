import type { AgentProgress } from './apiTypes';

/** The part of a stream progress needs; process.stderr fits. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface Progress {
  update(agents: readonly AgentProgress[]): void;
  /** Draws the last state for good and gives the terminal back. */
  stop(): void;
}

const finished = new Set(['answered', 'failed', 'timed_out']);

export function isFinished(progress: AgentProgress): boolean {
  return finished.has(progress.state);
}

/** One agent's state in words, e.g. "retrying in 3 s (attempt 1 of 4 failed: rate_limited)". */
export function describeProgress(progress: AgentProgress, nowMs: number): string {
  const { state, attempt, maxAttempts, lastErrorCode, nextAttemptAt } = progress;
  switch (state) {
    case 'waiting':
      return 'waiting';
    case 'answering':
      // Only a retry names its attempt: a turn's attempts also count its calls after tool rounds.
      return lastErrorCode === undefined
        ? 'answering'
        : `answering (attempt ${attempt}, after ${lastErrorCode})`;
    case 'calling_tool':
      return progress.tool === undefined ? 'calling a tool' : `calling a tool: ${progress.tool}`;
    case 'retrying': {
      const at = nextAttemptAt === undefined ? Number.NaN : Date.parse(nextAttemptAt);
      const wait = Number.isNaN(at) ? '' : ` in ${Math.max(0, Math.ceil((at - nowMs) / 1000))} s`;
      return `retrying${wait} (attempt ${attempt} of ${maxAttempts} failed${lastErrorCode === undefined ? '' : `: ${lastErrorCode}`})`;
    }
    case 'answered':
      return 'answered';
    case 'failed':
      return `failed${lastErrorCode === undefined ? '' : ` (${lastErrorCode})`}`;
    case 'timed_out':
      return 'timed out';
    default:
      return state;
  }
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const symbols: Record<string, string> = { answered: '✓', failed: '✗', timed_out: '✗' };

const noProgress: Progress = { update() {}, stop() {} };

/**
 * Live progress, one line per agent, redrawn in place. Only on a terminal: piped or redirected output gets none,
 * so logs and --json consumers see just the result.
 */
export function createProgress(
  stream: ProgressStream,
  options: { now?: () => number; frameMs?: number } = {},
): Progress {
  if (stream.isTTY !== true) {
    return noProgress;
  }
  const now = options.now ?? Date.now;
  let agents: readonly AgentProgress[] = [];
  let drawn = 0;
  let frame = 0;
  let stopped = false;

  const draw = () => {
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    const nameWidth = Math.max(0, ...agents.map((agent) => agent.agent.length));
    // Move to the first line drawn last time, then rewrite every line: the terminal keeps no state of ours.
    let out = drawn > 0 ? `\x1b[${drawn}F` : '';
    for (const agent of agents) {
      const symbol = symbols[agent.state] ?? spinner[frame % spinner.length] ?? '-';
      const line = `${symbol} ${agent.agent.padEnd(nameWidth)}  ${describeProgress(agent, now())}`;
      out += `\x1b[2K${line.slice(0, width)}\n`;
    }
    drawn = agents.length;
    stream.write(out);
  };
  const timer = setInterval(() => {
    frame += 1;
    draw();
  }, options.frameMs ?? 100);
  timer.unref();
  // The cursor would flicker across the lines as they are redrawn.
  stream.write('\x1b[?25l');

  return {
    update(next) {
      if (!stopped) {
        agents = next;
        draw();
      }
    },
    stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      clearInterval(timer);
      draw();
      stream.write('\x1b[?25h');
    },
  };
}
