/**
 * The panel orchestrator on its own: no host, no backend, only the real durable-functions replay engine and
 * `DummyOrchestrationContext`, which durable-functions exports for this. Its `df` starts undefined and the
 * engine's Orchestrator fills it from the trigger payload; that Orchestrator is not exported, so it is loaded from
 * the package's lib (pinned by the lockfile). The history events are the ones the extension sends
 * (test/host/engineEvents.ts, checked against recordings of the real extension).
 */
import { DummyOrchestrationContext, type OrchestrationHandler } from 'durable-functions';
import { entityRequestMessage, historyEvents, type HistoryEvent } from '../../host/engineEvents';
import type { AgentAnswer, AgentOutcome } from '../../../src/orchestration/agentOutcome';
import type { AgentAttemptInput, AgentAttemptResult } from '../../../src/agents/agentAttempt';
import {
  panelOrchestrator,
  type PanelInput,
  type PanelResult,
} from '../../../src/orchestration/panelOrchestration';

/** An action as the engine returns it: Task.any and Task.all hold the actions they combine. */
interface Action {
  actionType: number;
  compoundActions?: Action[];
  functionName?: string;
  instanceId?: string;
  input?: AgentAttemptInput;
  fireAt?: Date;
  operation?: string;
}

/** Every action of an episode's list, compound ones opened up. */
function flat(actions: Action[]): Action[] {
  return actions.flatMap((action) => [action, ...flat(action.compoundActions ?? [])]);
}

interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  customStatus?: unknown;
}

type Listener = (
  trigger: Record<string, unknown>,
  context: DummyOrchestrationContext,
) => Promise<OrchestratorState>;

// eslint-disable-next-line @typescript-eslint/no-require-imports -- not exported, and it ships no type declarations
const { Orchestrator } = require('durable-functions/lib/src/orchestrations/Orchestrator') as {
  Orchestrator: new (fn: OrchestrationHandler) => { listen(): Listener };
};

// An id as the backend mints it (32 hex characters): the run names its new threads after it.
const instanceId = '0123456789abcdef0123456789abcdef';
// durable-functions' ActionType.SignalEntity.
const signalEntityAction = 9;
const startedAt = Date.parse('2026-01-01T00:00:00Z');
const input: PanelInput = {
  prompt: 'What is time?',
  agents: [
    { name: 'Physicist', instructions: 'You are an expert physicist.' },
    { name: 'Chemist', instructions: 'You are an expert chemist.' },
  ],
  retry: { maxAttempts: 2, firstRetryDelayMs: 1000, maxRetryDelayMs: 5000, maxRetryAfterMs: 5000 },
  answerMaxChars: 1000,
  thread: { maxMessages: 10, maxChars: 10_000 },
  deadlineMs: 60_000,
};

/** One episode, as the extension would trigger it, on a fresh dummy context. */
function episode(
  history: HistoryEvent[],
  isReplaying: boolean,
  panelInput: PanelInput = input,
): Promise<OrchestratorState> {
  const listen = new Orchestrator(panelOrchestrator).listen();
  return listen(
    {
      history,
      input: panelInput,
      instanceId,
      isReplaying,
      parentInstanceId: null,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 3,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    },
    new DummyOrchestrationContext('multiAgentPanel'),
  );
}

const startedWith = (panelInput: PanelInput) => [
  historyEvents.orchestratorStarted(startedAt),
  historyEvents.executionStarted(startedAt, {
    instanceId,
    executionId: 'execution-1',
    name: 'multiAgentPanel',
    input: JSON.stringify(panelInput),
  }),
];
const started = startedWith(input);

function answerFrom(request: AgentAttemptInput): AgentAttemptResult {
  return {
    status: 'answered',
    answer: `${request.agent.name} says: it flows.`,
    truncated: false,
    model: 'chat-2026',
    requestedModel: 'chat',
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
  };
}

describe('the panel orchestrator on a DummyOrchestrationContext', () => {
  it("first asks every agent at once, each agent's model call its own activity, racing the deadline", async () => {
    const first = await episode(started, false);
    expect(first.isDone).toBe(false);
    expect(first.customStatus).toMatchObject({
      phase: 'asking',
      agents: ['Physicist', 'Chemist'],
      progress: [
        { agent: 'Physicist', state: 'answering', attempt: 1, maxAttempts: 2 },
        { agent: 'Chemist', state: 'answering', attempt: 1, maxAttempts: 2 },
      ],
    });
    const [race] = first.actions[0]!;
    const [physicist, chemist, deadline] = race!.compoundActions!;
    expect([physicist, chemist].map((call) => [call!.functionName, call!.input!.agent.name])).toEqual([
      ['runAgentTurn', 'Physicist'],
      ['runAgentTurn', 'Chemist'],
    ]);
    expect([physicist, chemist].map((call) => call!.input!.answerMaxBytes)).toEqual([65536, 65536]);
    expect(deadline!.fireAt?.toISOString()).toBe('2026-01-01T00:01:00.000Z');
  });

  it('completes with every answer once both agents have answered and both threads hold them, in the panel order, scheduling each call once', async () => {
    const first = await episode(started, false);
    const [physicist, chemist] = first.actions[0]![0]!.compoundActions!;
    const later = startedAt + 2000;
    const history = [
      ...started,
      // What the extension appends for the first episode's decisions: the model calls (ids 0, 1), the timer (2).
      historyEvents.taskScheduled(startedAt, 0, 'runAgentTurn'),
      historyEvents.taskScheduled(startedAt, 1, 'runAgentTurn'),
      historyEvents.timerCreated(startedAt, 2, '2026-01-01T00:01:00.0000000Z'),
      historyEvents.orchestratorCompleted(startedAt),
      historyEvents.orchestratorStarted(later),
      // The Chemist answers first, in the same episode as the Physicist; the result keeps the panel's order.
      historyEvents.taskCompleted(later, 1, JSON.stringify(answerFrom(chemist!.input!))),
      historyEvents.taskCompleted(later, 0, JSON.stringify(answerFrom(physicist!.input!))),
    ];
    const second = await episode(history, false);
    // Each exchange goes to its thread by signal, the Chemist's first, and the run ends in the same episode: it
    // does not wait for the entities (a follow-up that comes first waits for them at its route).
    const appends = flat(second.actions[0]!).filter((action) => action.operation === 'appendTurn');
    expect(
      appends.map((action) => [action.actionType, action.instanceId?.split('@')[2]?.split('-')[0]]),
    ).toEqual([
      [signalEntityAction, 'chemist'],
      [signalEntityAction, 'physicist'],
    ]);
    expect(second.isDone).toBe(true);
    const output = second.output as PanelResult;
    expect(output.summary).toBe('2 of 2 agents answered.');
    // Each new thread is named after the run, so a reader that comes before its append can find the run.
    expect(output.answers.map((answer) => answer.threadId)).toEqual([
      'physicist-01234567-89ab-cdef-0123-456789abcdef',
      'chemist-01234567-89ab-cdef-0123-456789abcdef',
    ]);
    // What each thread holds now, as the entity will apply the append: the question and the answer.
    expect(
      output.answers.map((answer: AgentOutcome) => [
        answer.agent,
        (answer as AgentAnswer).threadMessageCount,
      ]),
    ).toEqual([
      ['Physicist', 2],
      ['Chemist', 2],
    ]);
    expect(output.failures).toEqual([]);
    expect(output.usage).toMatchObject({ inputTokens: 20, outputTokens: 10 });
    // The replay hands the extension each model call once, though the race after the Chemist's answer held the
    // Physicist's call again.
    expect(flat(second.actions[0]!).filter((action) => action.functionName === 'runAgentTurn')).toHaveLength(
      2,
    );
  });

  it('files every new thread in the expiry index with one signal in its first episode, and each append records it', async () => {
    const expiring: PanelInput = {
      ...input,
      expiry: { idleSeconds: 86_400, bucketSeconds: 3600, shards: 16 },
    };
    const first = await episode(startedWith(expiring), false, expiring);
    const signals = first.actions[0]!.filter((action) => action.actionType === signalEntityAction);
    // Both threads at once; their latest expiry is the run's deadline (1 minute) plus a day, in the next slot.
    expect(signals).toEqual([
      expect.objectContaining({
        instanceId: expect.stringMatching(/^@threadexpirybucket@2026-01-02T01:00:00\.000Z_\d+$/) as unknown,
        operation: 'add',
        input: {
          threads: [
            { threadId: expect.stringMatching(/^physicist-/) as unknown, agent: 'Physicist' },
            { threadId: expect.stringMatching(/^chemist-/) as unknown, agent: 'Chemist' },
          ],
        },
      }),
    ]);
    const [race] = first.actions[0]!.filter((action) => action.actionType !== signalEntityAction);
    const [physicist] = race!.compoundActions!;
    const bucket = signals[0]!.instanceId!.split('@')[2];
    const second = await episode(
      [
        ...startedWith(expiring),
        // The filing (id 0), then the model calls (1, 2) and the deadline timer (3).
        historyEvents.eventSent(
          startedAt,
          0,
          signals[0]!.instanceId!,
          'op',
          entityRequestMessage({
            id: 'request-filing',
            operation: 'add',
            input: JSON.stringify(signals[0]!.input),
            signal: true,
            parent: { instanceId, executionId: 'execution-1' },
            timestamp: startedAt,
            requestTime: startedAt,
          }),
        ),
        historyEvents.taskScheduled(startedAt, 1, 'runAgentTurn'),
        historyEvents.taskScheduled(startedAt, 2, 'runAgentTurn'),
        historyEvents.timerCreated(startedAt, 3, '2026-01-01T00:01:00.0000000Z'),
        historyEvents.orchestratorCompleted(startedAt),
        historyEvents.orchestratorStarted(startedAt + 1000),
        historyEvents.taskCompleted(startedAt + 1000, 1, JSON.stringify(answerFrom(physicist!.input!))),
      ],
      false,
      expiring,
    );
    const append = flat(second.actions.flat()).find((action) => action.operation === 'appendTurn');
    expect(append?.input).toMatchObject({ agent: 'Physicist', filedIn: bucket });
  });
});
