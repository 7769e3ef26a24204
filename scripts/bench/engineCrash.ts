/**
 * The engine section's crash scenario: an app on its own engine rig with the worker (the Node process) apart from
 * the host, a number of panels whose model calls are all open, then the worker killed (SIGKILL) and started again,
 * as the Functions host restarts a dead worker. What a user gets: how many panels completed with every answer,
 * how long after the kill the last one ended, and what it cost (model calls made for the turns, each billed); for
 * this app, whether each thread holds its exchange exactly once.
 */
import type { FakeOpenAIServer } from '../stub-model/fakeOpenAIServer';
import { DurableApi } from '../../test/engine/rig/durableApi';
import { EngineRig } from '../../test/engine/rig/engineRig';

export interface EngineCrashResult {
  panels: number;
  /** Model calls open when the worker was killed. */
  openCalls: number;
  completed: number;
  answers: number;
  expectedAnswers: number;
  modelCalls: number;
  /** This app only: threads holding their exchange exactly once, of the answers' threads. */
  threadsOnce?: { held: number; of: number };
  /** From the kill to the last panel's end, as its caller saw it. */
  recoveredMs: number;
}

export interface CrashTarget {
  name: 'panel' | 'floor';
  entry: string;
  start: (rig: EngineRig, prompt: string) => Promise<string>;
  statusPath: (instanceId: string) => string;
  /** The answers a completed run's output holds: [agent, threadId?, answer]. */
  answersOf: (output: unknown) => { agent: string; threadId?: string; answer: string }[];
}

const agentsPerPanel = 2;

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`crash scenario: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls a run's status until it ends; while the worker is down the app does not answer, so errors are retried. */
async function waitForEnd(
  rig: EngineRig,
  statusPath: string,
  timeoutMs: number,
): Promise<{ runtimeStatus: string; output: unknown; endedAt: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await rig.http('GET', statusPath);
      if (response.status === 200) {
        const body = response.json() as { runtimeStatus?: string; output?: unknown };
        const status = body.runtimeStatus ?? '';
        if (['Completed', 'Failed', 'Terminated'].includes(status)) {
          return { runtimeStatus: status, output: body.output, endedAt: Date.now() };
        }
      }
    } catch {
      // The worker serves the app's routes: while it is down, the call fails and is asked again.
    }
    if (Date.now() > deadline) throw new Error(`crash scenario: ${statusPath} did not end`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function measureCrash(
  target: CrashTarget,
  model: FakeOpenAIServer,
  settings: () => Record<string, string>,
  panels: number,
): Promise<EngineCrashResult> {
  const rig = await EngineRig.start({
    name: `bench-crash-${target.name}`,
    entry: target.entry,
    workerProcess: true,
    // The extension's minimum, as in the engine tests: a message the dead worker held is handed out again
    // within a minute.
    storageProvider: {
      controlQueueVisibilityTimeout: '00:01:00',
      workItemQueueVisibilityTimeout: '00:01:00',
    },
    settings,
  });
  try {
    const before = model.requests.length;
    const openCalls = panels * agentsPerPanel;
    // The panels' first calls stay open long enough to be cut by the kill; the calls made again answer at once.
    model.respondWith((request) =>
      model.requests.indexOf(request) < before + openCalls ? { delayMs: 10_000 } : { delayMs: 200 },
    );
    const ids = await Promise.all(
      Array.from({ length: panels }, (_, i) => target.start(rig, `Crash ${i + 1}: what is entropy?`)),
    );
    await until(`${openCalls} open model calls`, () => model.requests.length >= before + openCalls, 60_000);
    const open = model.requests.slice(before).filter((request) => request.answered === undefined).length;
    // The host runs a bounded number of activities at once: more panels than that would queue, not crash.
    if (open < openCalls)
      throw new Error(`crash scenario: only ${open} of ${openCalls} model calls were open`);
    const killedAt = Date.now();
    await rig.killWorker();
    await rig.restartWorker();
    const ends = await Promise.all(ids.map((id) => waitForEnd(rig, target.statusPath(id), 240_000)));
    const answers = ends.flatMap((end) =>
      end.runtimeStatus === 'Completed' ? target.answersOf(end.output) : [],
    );
    const result: EngineCrashResult = {
      panels,
      openCalls,
      completed: ends.filter((end) => end.runtimeStatus === 'Completed').length,
      answers: answers.filter((answer) => answer.answer.length > 0).length,
      expectedAnswers: openCalls,
      modelCalls: model.requests.length - before,
      recoveredMs: Math.max(...ends.map((end) => end.endedAt)) - killedAt,
    };
    const threads = answers.filter((answer) => answer.threadId !== undefined);
    if (threads.length > 0) {
      const durable = new DurableApi(rig);
      let held = 0;
      for (const answer of threads) {
        // The append is a signal: it may land a moment after the run's end is visible.
        const state = (await durable.entityWhen(
          'agentThread',
          answer.threadId ?? '',
          (read) => (read as { messages?: unknown[] } | undefined)?.messages !== undefined,
        )) as { messages?: { role: string; content: string }[]; activeTurn?: unknown } | undefined;
        const exchange = state?.messages?.filter((message) => message.content === answer.answer) ?? [];
        if (exchange.length === 1 && state?.activeTurn === undefined) held += 1;
      }
      result.threadsOnce = { held, of: threads.length };
    }
    return result;
  } finally {
    model.respondWith(undefined);
    await rig.stop();
  }
}

/** One line of the crash scenario's outcome for the report. */
export function crashSummary(crash: EngineCrashResult): string {
  const threads =
    crash.threadsOnce === undefined ? '' : `, threads once ${crash.threadsOnce.held}/${crash.threadsOnce.of}`;
  return `${crash.completed}/${crash.panels} done, ${crash.answers}/${crash.expectedAnswers} answers, ${crash.modelCalls} calls${threads}, ${(crash.recoveredMs / 1000).toFixed(1)} s`;
}
