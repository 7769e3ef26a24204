import type { AgentProgress } from './apiTypes';
import { describeProgress, type ProgressStream } from './progress';

/** The events of the app's stream this view shows (docs/streams.md). */
export type LiveEvent =
  | {
      event: 'progress';
      data: {
        agent: string;
        state: string;
        attempt: number;
        maxAttempts?: number;
        nextAttemptAt?: string;
        tool?: string;
        code?: string;
      };
    }
  | { event: 'delta'; data: { agent: string; attempt: number; text: string } }
  | { event: 'reset'; data: { agent: string; attempt: number } }
  | { event: 'answer'; data: { agent: string; answer: string; attempts: number } }
  | { event: 'synthesis'; data: { text: string } }
  | { event: 'done'; data: { runtimeStatus: string } };

export interface LiveView {
  show(event: LiveEvent): void;
  /** Draws the last state for good and gives the terminal back. */
  stop(): void;
}

interface Section {
  agent: string;
  progress: AgentProgress;
  /** The tool being called (calling_tool). */
  tool?: string;
  text: string;
}

/** The progress line's words for a stream progress event: a tool call names its tool. */
function describe(section: Section, nowMs: number): string {
  const { progress } = section;
  if (progress.state === 'calling_tool') return `calling a tool${tool(section)}`;
  return describeProgress(progress, nowMs);
}

const tool = (section: Section) => (section.tool === undefined ? '' : `: ${section.tool}`);

function progressOf(data: Extract<LiveEvent, { event: 'progress' }>['data']): AgentProgress {
  return {
    agent: data.agent,
    state: data.state,
    attempt: data.attempt,
    maxAttempts: data.maxAttempts ?? 0,
    ...(data.nextAttemptAt === undefined ? {} : { nextAttemptAt: data.nextAttemptAt }),
    ...(data.code === undefined ? {} : { lastErrorCode: data.code }),
  };
}

/** Cuts text into lines of at most `width` characters (code points), keeping its own line breaks. */
export function wrapLines(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const characters = Array.from(line);
    if (characters.length === 0) out.push('');
    for (let i = 0; i < characters.length; i += width) out.push(characters.slice(i, i + width).join(''));
  }
  return out;
}

const symbols: Record<string, string> = { answered: '✓', failed: '✗', timed_out: '✗' };

/**
 * A terminal's view: one section per agent (its state, then the tail of its text as it grows), redrawn in place.
 * Each section keeps to a few lines so the whole view fits the screen and the redraw can reach its top; the
 * full answers are in the transcript printed after.
 */
function terminalView(stream: ProgressStream, now: () => number, textLines: number): LiveView {
  const sections: Section[] = [];
  let drawn = 0;
  let stopped = false;
  let pending: NodeJS.Timeout | undefined;

  const draw = () => {
    pending = undefined;
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    let out = drawn > 0 ? `\x1b[${String(drawn)}F` : '';
    let lines = 0;
    for (const section of sections) {
      const symbol = symbols[section.progress.state] ?? '●';
      out += `\x1b[2K${`${symbol} ${section.agent}  ${describe(section, now())}`.slice(0, width)}\n`;
      lines += 1;
      const tail = section.text === '' ? [] : wrapLines(section.text, width - 2).slice(-textLines);
      for (const line of tail) {
        out += `\x1b[2K  ${line}\n`;
        lines += 1;
      }
    }
    // Lines left over from a taller frame (a reset shortened a section) are cleared.
    for (let extra = lines; extra < drawn; extra += 1) out += '\x1b[2K\n';
    drawn = Math.max(lines, drawn);
    stream.write(out);
  };
  // Deltas come many a second: one redraw per frame, not one per event.
  const schedule = () => {
    pending ??= setTimeout(draw, 50);
  };
  stream.write('\x1b[?25l');
  return {
    show(event) {
      if (stopped) return;
      if (event.event === 'synthesis' || event.event === 'done') return;
      const { agent } = event.data;
      let section = sections.find((s) => s.agent === agent);
      if (section === undefined) {
        section = { agent, progress: { agent, state: 'waiting', attempt: 0, maxAttempts: 0 }, text: '' };
        sections.push(section);
      }
      if (event.event === 'progress') {
        section.progress = progressOf(event.data);
        section.tool = event.data.tool;
      }
      if (event.event === 'delta') section.text += event.data.text;
      if (event.event === 'reset') section.text = '';
      if (event.event === 'answer') section.text = event.data.answer;
      schedule();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (pending !== undefined) clearTimeout(pending);
      draw();
      stream.write('\x1b[?25h');
    },
  };
}

/**
 * Without a terminal: plain lines, one per state change and one per finished line of text, each led by its
 * agent, so two agents' text interleaves line by line and a log stays readable.
 */
function plainView(stream: ProgressStream, now: () => number): LiveView {
  const partial = new Map<string, string>();
  const states = new Map<string, string>();
  const attempts = new Map<string, number>();
  const flush = (agent: string, final: boolean) => {
    const lines = (partial.get(agent) ?? '').split('\n');
    // The unfinished last line waits for the rest of it, unless the text is over.
    const rest = final ? '' : (lines.pop() ?? '');
    for (const line of final && lines.at(-1) === '' ? lines.slice(0, -1) : lines) {
      stream.write(`${agent}: ${line}\n`);
    }
    partial.set(agent, rest);
  };
  return {
    show(event) {
      switch (event.event) {
        case 'progress': {
          const section: Section = {
            agent: event.data.agent,
            progress: progressOf(event.data),
            ...(event.data.tool === undefined ? {} : { tool: event.data.tool }),
            text: '',
          };
          const words = describe(section, now());
          // Retrying counts down by itself; a line per change of state is enough.
          const state = `${event.data.state}|${String(event.data.attempt)}|${event.data.tool ?? ''}`;
          if (states.get(event.data.agent) === state) return;
          states.set(event.data.agent, state);
          // Finished lines only: the line being written may still be voided by a reset, unless the agent has
          // answered (its text is all written: the activity closes its stream before it returns).
          flush(event.data.agent, event.data.state === 'answered');
          stream.write(`[${event.data.agent}] ${words}\n`);
          return;
        }
        case 'delta':
          // Text of another attempt starts afresh: what is left of the last one was never an answer.
          if (attempts.get(event.data.agent) !== event.data.attempt) partial.set(event.data.agent, '');
          attempts.set(event.data.agent, event.data.attempt);
          partial.set(event.data.agent, (partial.get(event.data.agent) ?? '') + event.data.text);
          flush(event.data.agent, false);
          return;
        case 'reset':
          partial.set(event.data.agent, '');
          stream.write(
            `[${event.data.agent}] attempt ${String(event.data.attempt)} failed: its text above is void\n`,
          );
          return;
        case 'answer':
          flush(event.data.agent, true);
          return;
        default:
          return;
      }
    },
    stop() {
      for (const agent of partial.keys()) flush(agent, true);
    },
  };
}

/** The live view of a streamed run: sections that grow on a terminal, plain lines otherwise. */
export function createLiveView(
  stream: ProgressStream,
  options: { now?: () => number; textLines?: number } = {},
): LiveView {
  const now = options.now ?? Date.now;
  return stream.isTTY === true ? terminalView(stream, now, options.textLines ?? 6) : plainView(stream, now);
}
