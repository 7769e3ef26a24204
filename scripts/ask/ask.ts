import { ApiError, PanelApi } from './api';
import type { AgentProgress, PanelStatus } from './apiTypes';
import { askUsage, defaultBaseUrl, parseAskArguments, type AskOptions } from './options';
import { serverEvents } from './eventStream';
import { createLiveView, type LiveEvent } from './liveView';
import { createProgress, isFinished, type ProgressStream } from './progress';
import { agentTranscript, formatSeconds, panelTranscript } from './transcript';

export const exitCodes = { ok: 0, error: 1, usage: 2, partial: 3, interrupted: 130 } as const;

export interface AskDependencies {
  stdout: { write(chunk: string): unknown };
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** How often the status is read; the status route itself suggests 2 s (Retry-After). */
  pollIntervalMs?: number;
  now?: () => number;
  /** Aborted on Ctrl-C: the client stops waiting, the run goes on in the app. */
  signal?: AbortSignal;
}

class Interrupted extends Error {}

// The durable runtime's states that still change by themselves.
const unfinished = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new Interrupted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** How the transcript tells the user to run this client again: the way they ran it, at the same app. */
function commandPrefix(options: AskOptions, env: NodeJS.ProcessEnv): string {
  const base = env.npm_lifecycle_event === 'ask' ? 'npm run ask --' : 'panel-ask';
  return options.baseUrl === defaultBaseUrl ? base : `${base} --url ${options.baseUrl}`;
}

/** npm run ask / panel-ask: parses the arguments, runs the panel or one agent, prints the result. */
export async function ask(argv: readonly string[], deps: AskDependencies): Promise<number> {
  const parsed = parseAskArguments(argv, deps.env);
  if ('error' in parsed) {
    deps.stderr.write(`${parsed.error}\n\n${askUsage}\n`);
    return exitCodes.usage;
  }
  if (parsed.help) {
    deps.stdout.write(`${askUsage}\n`);
    return exitCodes.ok;
  }
  const { options } = parsed;
  const api = new PanelApi({ baseUrl: options.baseUrl, functionKey: options.functionKey, fetch: deps.fetch });
  try {
    return options.agent === undefined
      ? await askPanel(options, api, deps)
      : await askAgent(options, options.agent, api, deps);
  } catch (error) {
    if (error instanceof ApiError) {
      deps.stderr.write(`Error: ${error.message}\n`);
      return exitCodes.error;
    }
    throw error;
  }
}

type Started = Awaited<ReturnType<PanelApi['startPanel']>>;

/** When each agent finished, from the start: the transcript shows it per agent. */
type Elapsed = Map<string, number>;

async function askPanel(options: AskOptions, api: PanelApi, deps: AskDependencies): Promise<number> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const started = await api.startPanel({
    prompt: options.prompt,
    ...(options.agents === undefined ? {} : { agents: options.agents }),
    ...(options.conversationId === undefined ? {} : { conversationId: options.conversationId }),
    ...(options.synthesize ? { synthesize: true } : {}),
  });
  const elapsed: Elapsed = new Map();
  let status: PanelStatus;
  try {
    // --json keeps to its one final body; everyone else watches the answers arrive when the app streams.
    const streamed =
      !options.json && started.streamUri !== undefined
        ? await followStream(started.streamUri, api, deps, options, startedAt, elapsed)
        : 'unavailable';
    if (streamed === 'timeout') {
      return gaveUp(started, options, deps);
    }
    const polled =
      streamed === 'done'
        ? await api.panelStatus(started.statusUri)
        : await pollPanel(started, api, deps, options, startedAt, elapsed);
    if (polled === undefined) {
      return gaveUp(started, options, deps);
    }
    status = polled;
  } catch (error) {
    if (error instanceof Interrupted) {
      deps.stderr.write(
        `Stopped waiting; run ${started.instanceId} goes on in the app. Its status: ${started.statusUri}\n`,
      );
      return exitCodes.interrupted;
    }
    throw error;
  }
  return printPanelResult(status, { options, deps, elapsed, totalMs: now() - startedAt });
}

function gaveUp(started: Started, options: AskOptions, deps: AskDependencies): number {
  deps.stderr.write(
    `Error: gave up after ${formatSeconds(options.timeoutMs)}: run ${started.instanceId} is still running.\n` +
      `Its status: ${started.statusUri}\n`,
  );
  return exitCodes.error;
}

/**
 * Shows the run's event stream (text as it arrives, tool calls and retries) until its `done`. A dropped or ended
 * response is resumed after the last event seen (Last-Event-ID); 'unavailable' when the app gives no stream, so
 * the caller polls the status instead; 'timeout' past --timeout.
 */
async function followStream(
  streamUri: string,
  api: PanelApi,
  deps: AskDependencies,
  options: AskOptions,
  startedAt: number,
  elapsed: Elapsed,
): Promise<'done' | 'unavailable' | 'timeout'> {
  const now = deps.now ?? Date.now;
  const view = createLiveView(deps.stderr, { now });
  const controller = new AbortController();
  const abort = () => {
    controller.abort();
  };
  deps.signal?.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, Math.max(0, options.timeoutMs - (now() - startedAt)));
  let lastEventId: string | undefined;
  // A function, not the property: the signal changes under the awaits, which narrowing cannot see.
  const stopped = () => controller.signal.aborted;
  try {
    for (let opened = 0; opened < maxStreamOpens && !stopped(); opened += 1) {
      let body;
      try {
        body = await api.events(streamUri, controller.signal, lastEventId);
      } catch (error) {
        if (stopped()) break;
        if (error instanceof ApiError && lastEventId === undefined) return 'unavailable';
        continue;
      }
      try {
        for await (const received of serverEvents(body)) {
          lastEventId = received.id ?? lastEventId;
          const event = { event: received.event, data: JSON.parse(received.data) as unknown } as LiveEvent;
          view.show(event);
          if (
            event.event === 'progress' &&
            finishedStates.has(event.data.state) &&
            !elapsed.has(event.data.agent)
          ) {
            elapsed.set(event.data.agent, now() - startedAt);
          }
          if (event.event === 'done') return 'done';
        }
      } catch {
        // A dropped connection: open it again after the last event seen.
      }
    }
    if (deps.signal?.aborted === true) throw new Interrupted();
    return stopped() ? 'timeout' : 'unavailable';
  } finally {
    clearTimeout(timer);
    deps.signal?.removeEventListener('abort', abort);
    view.stop();
  }
}

/** Opens of one run's stream before the client falls back to reading its status. */
const maxStreamOpens = 20;
const finishedStates = new Set(['answered', 'failed', 'timed_out']);

/** Reads the run's status until it ends, with progress lines on a terminal; undefined past --timeout. */
async function pollPanel(
  started: Started,
  api: PanelApi,
  deps: AskDependencies,
  options: AskOptions,
  startedAt: number,
  elapsed: Elapsed,
): Promise<PanelStatus | undefined> {
  const now = deps.now ?? Date.now;
  const progress = createProgress(deps.stderr, { now });
  const record = (agents: readonly AgentProgress[]) => {
    for (const agent of agents) {
      if (isFinished(agent) && !elapsed.has(agent.agent)) {
        elapsed.set(agent.agent, now() - startedAt);
      }
    }
  };
  progress.update(started.agents.map((agent) => ({ agent, state: 'waiting', attempt: 0, maxAttempts: 0 })));
  try {
    for (;;) {
      const status = await api.panelStatus(started.statusUri);
      record(status.agents);
      progress.update(status.agents);
      if (!unfinished.has(status.runtimeStatus)) {
        return status;
      }
      if (now() - startedAt > options.timeoutMs) {
        return undefined;
      }
      await sleep(deps.pollIntervalMs ?? 1000, deps.signal);
    }
  } finally {
    progress.stop();
  }
}

/** The final result: the transcript (or the --json body) on stdout, and the exit code that says how it went. */
export function printPanelResult(
  status: PanelStatus,
  run: { options: AskOptions; deps: AskDependencies; elapsed: Elapsed; totalMs: number },
): number {
  const { options, deps } = run;
  deps.stdout.write(
    options.json
      ? `${JSON.stringify(status, null, 2)}\n`
      : panelTranscript({
          prompt: options.prompt,
          status,
          agentElapsedMs: run.elapsed,
          totalMs: run.totalMs,
          command: commandPrefix(options, deps.env),
        }),
  );

  const failures = status.output?.failures ?? [];
  if (status.runtimeStatus === 'Completed' && failures.length === 0) {
    return exitCodes.ok;
  }
  if (status.runtimeStatus === 'Completed') {
    const answered = status.output?.answers.length ?? 0;
    deps.stderr.write(
      `Only ${answered} of ${answered + failures.length} agents answered: ${failures.map((failure) => `${failure.agent} (${failure.code})`).join(', ')}.\n`,
    );
    return exitCodes.partial;
  }
  deps.stderr.write(
    status.runtimeStatus === 'Failed'
      ? `Error: the run failed: ${status.error ?? 'no reason given'}\n`
      : `Error: the run ended ${status.runtimeStatus} (cancelled?) without answers.\n`,
  );
  return exitCodes.error;
}

async function askAgent(
  options: AskOptions,
  agent: string,
  api: PanelApi,
  deps: AskDependencies,
): Promise<number> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const progress = createProgress(deps.stderr, { now });
  progress.update([{ agent, state: 'answering', attempt: 1, maxAttempts: 1 }]);
  let call;
  try {
    call = await api.askAgent(agent, {
      message: options.prompt,
      ...(options.threadId === undefined ? {} : { threadId: options.threadId }),
    });
    while (!call.done) {
      if (now() - startedAt > options.timeoutMs) {
        progress.stop();
        deps.stderr.write(
          `Error: gave up after ${formatSeconds(options.timeoutMs)}; the answer will be at ${call.statusUri}\n`,
        );
        return exitCodes.error;
      }
      await sleep(deps.pollIntervalMs ?? 1000, deps.signal);
      call = await api.agentResult(call.statusUri);
    }
  } catch (error) {
    progress.stop();
    if (error instanceof Interrupted) {
      deps.stderr.write('Stopped waiting; the agent goes on answering in the app.\n');
      return exitCodes.interrupted;
    }
    throw error;
  }
  const { reply } = call;
  progress.update([{ agent: reply.agent, state: 'answered', attempt: 1, maxAttempts: 1 }]);
  progress.stop();
  deps.stdout.write(
    options.json
      ? `${JSON.stringify(reply, null, 2)}\n`
      : agentTranscript({
          prompt: options.prompt,
          reply,
          elapsedMs: now() - startedAt,
          command: commandPrefix(options, deps.env),
        }),
  );
  return exitCodes.ok;
}
