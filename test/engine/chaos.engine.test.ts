/**
 * Chaos on the real Durable engine: the worker (the Node process with the app) and the host (the Functions host with
 * the extension) die mid-run and start again. Each scenario checks what the user sees (every panel completes with
 * every answer) and what the engine recorded (the panel's history holds each model answer once, each thread entity
 * holds each exchange exactly once and no lease), and counts the model calls the crash cost.
 *
 * The queues' visibility timeouts are at the extension's minimum (1 minute) so a run whose host died is picked up
 * again within about a minute instead of the default five.
 */
import * as path from 'node:path';
import packageJson from '../../package.json';
import type { RecordedRequest } from '../../scripts/stub-model/fakeOpenAIServer';
import { PanelApi } from './panelApi';
import { DurableApi } from './rig/durableApi';
import { describeEngine, loopbackModel, loopbackModelSettings } from './rig/fixture';
import type { EngineRig } from './rig/engineRig';

const physicist = 'You are an expert in physics. You answer questions from a physics perspective.';
const chemist = 'You are an expert in chemistry. You answer questions from a chemistry perspective.';
const answerOf = (instructions: string, prompt: string): string => `[${instructions}] answers: ${prompt}`;
const recoveryTimeoutMs = 150_000;
/** The longest wait for a crash point (`until`'s default) and for the host to be ready again (startHost). */
const crashPointTimeoutMs = 60_000;
const hostStartTimeoutMs = 90_000;
/**
 * The host-kill scenario's own allowance: reach the crash point, restart the host, then recover; jest's limit is
 * above it, so a slow machine fails it on its own waits (which say what did not happen) and not on jest's.
 */
const hostKillTestTimeoutMs = crashPointTimeoutMs + hostStartTimeoutMs + recoveryTimeoutMs + 30_000;

/** Polls until `condition` holds; the crash points are conditions, never fixed sleeps. */
async function until(what: string, condition: () => boolean, timeoutMs = crashPointTimeoutMs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How many model calls asked `prompt` of the agent with `instructions`. */
function callsFor(requests: RecordedRequest[], instructions: string, prompt: string): number {
  return requests.filter((r) => r.systemPrompt === instructions && r.lastUserMessage === prompt).length;
}

describeEngine(
  'the panel on the real Durable engine when its worker or host dies mid-run',
  {
    name: 'chaos',
    entry: path.join(__dirname, '../..', packageJson.main),
    model: loopbackModel,
    workerProcess: true,
    azuritePersistence: true,
    storageProvider: {
      controlQueueVisibilityTimeout: '00:01:00',
      workItemQueueVisibilityTimeout: '00:01:00',
    },
    settings: (model) => ({
      ...loopbackModelSettings(model),
      MODEL_API: 'chat',
      AGENT_MAX_ATTEMPTS: '3',
      AGENT_RETRY_DELAY_MS: '500',
      AGENT_RETRY_MAX_DELAY_MS: '1000',
      MODEL_TIMEOUT_MS: '20000',
      // Far beyond a host's recovery, so every panel can finish with all its answers.
      PANEL_DEADLINE_MS: '300000',
    }),
  },
  (fixture) => {
    const rig = (): EngineRig => fixture.rig;
    const panel = (): PanelApi => new PanelApi(rig());
    const durable = (): DurableApi => new DurableApi(rig());

    afterEach(() => {
      rig().model!.respondWith(undefined);
    });

    /** Starts `count` panels with distinct prompts; returns their prompts and instance ids. */
    async function startPanels(
      tag: string,
      count: number,
    ): Promise<{ prompt: string; instanceId: string }[]> {
      return Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const prompt = `${tag}: what is entropy, case ${i + 1}?`;
          return { prompt, instanceId: (await panel().startRun(prompt)).instanceId };
        }),
      );
    }

    /**
     * What the user must see, and what the engine must have recorded, once a crash is over: the panel completed with
     * both answers; its history holds each model answer once; each thread holds its exchange exactly once, unleased.
     */
    async function expectWholePanel(run: { prompt: string; instanceId: string }): Promise<void> {
      const { final } = await panel().waitForEnd(run.instanceId, recoveryTimeoutMs, 500);
      expect(final).toMatchObject({
        runtimeStatus: 'Completed',
        customStatus: { phase: 'completed', message: '2 of 2 agents answered.' },
      });
      const answers = final.output!.answers;
      expect(answers.map((answer) => [answer.agent, answer.answer])).toEqual([
        ['Physicist', answerOf(physicist, run.prompt)],
        ['Chemist', answerOf(chemist, run.prompt)],
      ]);
      // The lost work was run again by the engine, not failed and retried by the app: no TaskFailed, no retry
      // timer (the deadline's only); one answer per agent, one append per thread and one filing of both threads
      // in the expiry index (EventSent: signals, with no reply), in the panel's history (every agent's turn runs
      // inside it).
      const history = await durable().history(run.instanceId);
      const counts: Record<string, number> = {};
      for (const event of history) counts[event.EventType] = (counts[event.EventType] ?? 0) + 1;
      expect(counts).toEqual({
        ExecutionStarted: 1,
        TaskCompleted: 2,
        TimerCreated: 1,
        EventSent: 3,
        ExecutionCompleted: 1,
      });
      for (const answer of answers) {
        // The append is a signal: it may land a moment after the run's end is visible.
        const thread = (await durable().entityWhen(
          'agentThread',
          answer.threadId,
          (state) => (state as { messages?: unknown[] } | undefined)?.messages !== undefined,
        )) as {
          messages: { role: string; content: string }[];
          activeTurn?: unknown;
        };
        expect(thread.messages.map((m) => [m.role, m.content])).toEqual([
          ['user', run.prompt],
          ['assistant', answer.answer],
        ]);
        expect(thread.activeTurn).toBeUndefined();
      }
    }

    it('loses nothing when the worker is killed (SIGKILL) while model calls are open: each call is made again', async () => {
      const model = rig().model!;
      const before = model.requests.length;
      // The first call of each turn stays open long enough to be cut by the kill; the re-executed ones answer fast.
      model.respondWith((request) =>
        model.requests.indexOf(request) < before + 8 ? { delayMs: 10_000 } : { delayMs: 200 },
      );
      const runs = await startPanels('worker-kill', 4);
      await until('8 open model calls', () => model.requests.length >= before + 8);
      expect(model.requests.slice(before).every((request) => request.answered === undefined)).toBe(true);

      await rig().killWorker();
      await rig().restartWorker();

      for (const run of runs) await expectWholePanel(run);
      // Every turn's model call was cut by the kill and made once more on the restarted worker: billed twice.
      const calls = model.requests.slice(before);
      for (const run of runs) {
        expect([callsFor(calls, physicist, run.prompt), callsFor(calls, chemist, run.prompt)]).toEqual([
          2, 2,
        ]);
      }
      expect(calls).toHaveLength(16);
    });

    it('loses nothing and duplicates nothing when the worker dies as a thread operation reaches it', async () => {
      const model = rig().model!;
      const before = model.requests.length;
      // A worker that kills itself (SIGKILL) when the first thread operation batch reaches it: an append in flight.
      await rig().killWorker();
      await rig().restartWorkerDyingOnEntity('agentThread');
      const [run] = await startPanels('entity-kill', 1);
      await until('the worker to die on the thread operation', () => !rig().workerRunning);
      await rig().restartWorker();

      await expectWholePanel(run!);
      // The answers were in the panel's history before the crash: no model call was made again.
      const calls = model.requests.slice(before);
      expect([callsFor(calls, physicist, run!.prompt), callsFor(calls, chemist, run!.prompt)]).toEqual([
        1, 1,
      ]);
    });

    it('takes and releases the thread lease once when the worker dies as a follow-up turn leases the thread', async () => {
      const model = rig().model!;
      const [run] = await startPanels('lease-kill', 1);
      const { final } = await panel().waitForEnd(run!.instanceId, recoveryTimeoutMs, 500);
      const first = final.output!.answers[0]!;
      const before = model.requests.length;
      // The first run's append is a signal: once it has landed, the next thread operation is the follow-up's.
      await durable().entityWhen('agentThread', first.threadId, (state) => state !== undefined);

      // The follow-up turn's first thread operation is the lease (beginTurn); the worker dies as it arrives. The
      // worker also served the caller's HTTP request, so the caller sees its connection cut.
      await rig().killWorker();
      await rig().restartWorkerDyingOnEntity('agentThread');
      const followUp = 'And at absolute zero?';
      const call = rig()
        .http('POST', '/api/agents/physicist/run', {
          body: JSON.stringify({ message: followUp, threadId: first.threadId }),
          contentType: 'application/json',
        })
        .then(
          (response) => response.status,
          () => 'connection cut',
        );
      await until('the worker to die on the lease', () => !rig().workerRunning);
      expect(await call).toBe('connection cut');
      await rig().restartWorker();

      // The turn goes on without its caller: the thread ends with the follow-up exchange once, and no lease.
      type Thread = { messages: { role: string; content: string }[]; activeTurn?: unknown };
      let thread: Thread | undefined;
      const deadline = Date.now() + recoveryTimeoutMs;
      for (;;) {
        thread = (await durable().entity('agentThread', first.threadId)) as Thread;
        if (thread.messages.length >= 4 && thread.activeTurn === undefined) break;
        if (Date.now() > deadline) throw new Error(`thread still ${JSON.stringify(thread)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(thread.messages.map((m) => [m.role, m.content])).toEqual([
        ['user', run!.prompt],
        ['assistant', first.answer],
        ['user', followUp],
        ['assistant', answerOf(physicist, followUp)],
      ]);
      expect(callsFor(model.requests.slice(before), physicist, followUp)).toBe(1);
    });

    it('loses nothing when Azurite (the storage account) restarts mid-run with its data', async () => {
      const model = rig().model!;
      const before = model.requests.length;
      model.respondWith((request) =>
        model.requests.indexOf(request) < before + 4 ? { delayMs: 3_000 } : { delayMs: 200 },
      );
      const runs = await startPanels('storage-restart', 2);
      await until('4 open model calls', () => model.requests.length >= before + 4);

      await rig().restartAzurite();

      for (const run of runs) await expectWholePanel(run);
      const calls = model.requests.slice(before);
      for (const run of runs) {
        // The calls were open while storage was away; their results were written once it was back.
        expect(callsFor(calls, physicist, run.prompt)).toBeGreaterThanOrEqual(1);
        expect(callsFor(calls, chemist, run.prompt)).toBeGreaterThanOrEqual(1);
      }
      console.log(`chaos: storage restart cost ${calls.length - 4} extra model calls for 4 turns`);
    });

    it(
      'loses nothing when the host is killed (SIGKILL) mid-run and restarted',
      async () => {
        const model = rig().model!;
        const before = model.requests.length;
        model.respondWith((request) =>
          model.requests.indexOf(request) < before + 4 ? { delayMs: 3_000 } : { delayMs: 200 },
        );
        const runs = await startPanels('host-kill', 2);
        await until('4 open model calls', () => model.requests.length >= before + 4);

        const killedAt = Date.now();
        await rig().killHost();
        await rig().startHost();

        for (const run of runs) await expectWholePanel(run);
        const recoveredMs = Date.now() - killedAt;
        // The activities the dead host had taken ran again once their messages became visible again.
        const calls = model.requests.slice(before);
        for (const run of runs) {
          expect([callsFor(calls, physicist, run.prompt), callsFor(calls, chemist, run.prompt)]).toEqual([
            2, 2,
          ]);
        }
        console.log(
          `chaos: host killed with 4 model calls open; 2 panels completed ${recoveredMs} ms after the kill`,
        );
      },
      hostKillTestTimeoutMs,
    );
  },
);
