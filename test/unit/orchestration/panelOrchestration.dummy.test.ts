/**
 * The panel orchestrator on its own: no host, no backend, only the real durable-functions replay engine and
 * `DummyOrchestrationContext`, which durable-functions exports for this. Its `df` starts undefined and the
 * engine's Orchestrator fills it from the trigger payload; that Orchestrator is not exported, so it is loaded from
 * the package's lib (pinned by the lockfile). The history events are the ones the extension sends
 * (test/host/engineEvents.ts, checked against recordings of the real extension).
 */
import { DummyOrchestrationContext, type OrchestrationHandler } from 'durable-functions';
import {
  entityRequestMessage,
  entityResponseMessage,
  historyEvents,
  type HistoryEvent,
} from '../../host/engineEvents';
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

const instanceId = 'run-1';
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
function episode(history: HistoryEvent[], isReplaying: boolean): Promise<OrchestratorState> {
  const listen = new Orchestrator(panelOrchestrator).listen();
  return listen(
    {
      history,
      input,
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

const started = [
  historyEvents.orchestratorStarted(startedAt),
  historyEvents.executionStarted(startedAt, {
    instanceId,
    executionId: 'execution-1',
    name: 'multiAgentPanel',
    input: JSON.stringify(input),
  }),
];

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
    // Each exchange goes to its thread, the Chemist's first; the run waits for both (a follow-up must find them).
    const appends = flat(second.actions[0]!).filter((action) => action.operation !== undefined);
    expect(
      appends.map((action) => [action.operation, action.instanceId?.split('@')[2]?.split('-')[0]]),
    ).toEqual([
      ['appendTurn', 'chemist'],
      ['appendTurn', 'physicist'],
    ]);
    expect(second.isDone).toBe(false);

    const last = later + 500;
    const requestIds = ['request-chemist', 'request-physicist'];
    const third = await episode(
      [
        ...history,
        // The calls (ids 3, 4: the timer took 2), then the entities' replies.
        ...appends.map((append, index) =>
          historyEvents.eventSent(
            later,
            3 + index,
            append.instanceId!,
            'op',
            entityRequestMessage({
              id: requestIds[index]!,
              operation: 'appendTurn',
              input: JSON.stringify(append.input),
              signal: false,
              parent: { instanceId, executionId: 'execution-1' },
              timestamp: later,
              requestTime: later,
            }),
          ),
        ),
        historyEvents.orchestratorCompleted(later),
        historyEvents.orchestratorStarted(last),
        ...requestIds.map((id) =>
          historyEvents.eventRaised(
            last,
            id,
            entityResponseMessage(JSON.stringify({ ok: true, messageCount: 2 })),
          ),
        ),
      ],
      true,
    );
    expect(third.isDone).toBe(true);
    const output = third.output as PanelResult;
    expect(output.summary).toBe('2 of 2 agents answered.');
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
    expect(flat(third.actions[0]!).filter((action) => action.functionName === 'runAgentTurn')).toHaveLength(
      2,
    );
  });
});
