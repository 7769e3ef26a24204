/**
 * The panel orchestrator on its own: no host, no backend, only the real durable-functions replay engine and
 * `DummyOrchestrationContext`, which durable-functions exports for this. Its `df` starts undefined and the
 * engine's Orchestrator fills it from the trigger payload; that Orchestrator is not exported, so it is loaded from
 * the package's lib (pinned by the lockfile). The history events are the ones the extension sends
 * (test/host/engineEvents.ts, checked against recordings of the real extension).
 */
import { DummyOrchestrationContext, type OrchestrationHandler } from 'durable-functions';
import { historyEvents, type HistoryEvent } from '../../host/engineEvents';
import type { AgentAnswer, AgentOutcome } from '../../../src/orchestration/agentOutcome';
import type { AgentTurnRequest } from '../../../src/orchestration/agentTurnOrchestration';
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
  input?: AgentTurnRequest;
  fireAt?: Date;
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

function answerFrom(request: AgentTurnRequest): AgentAnswer {
  return {
    status: 'answered',
    agent: request.agent.name,
    threadId: request.threadId,
    answer: `${request.agent.name} says: it flows.`,
    truncated: false,
    model: 'chat-2026',
    requestedModel: 'chat',
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    attempts: 1,
  };
}

describe('the panel orchestrator on a DummyOrchestrationContext', () => {
  it('first asks every agent at once, one turn each, racing the deadline', async () => {
    const first = await episode(started, false);
    expect(first.isDone).toBe(false);
    expect(first.customStatus).toMatchObject({ phase: 'asking', agents: ['Physicist', 'Chemist'] });
    const [whenAny] = first.actions[0]!;
    const [everyTurn, deadline] = whenAny!.compoundActions!;
    expect(everyTurn!.compoundActions!.map((turn) => [turn.functionName, turn.instanceId])).toEqual([
      ['agentTurn', 'run-1:physicist'],
      ['agentTurn', 'run-1:chemist'],
    ]);
    expect(everyTurn!.compoundActions!.map((turn) => turn.input!.answerMaxBytes)).toEqual([65536, 65536]);
    expect(deadline!.fireAt?.toISOString()).toBe('2026-01-01T00:01:00.000Z');
  });

  it('completes with every answer once both turns have answered, in the panel order', async () => {
    const first = await episode(started, false);
    const [everyTurn] = first.actions[0]![0]!.compoundActions!;
    const turns = everyTurn!.compoundActions!;
    const later = startedAt + 2000;
    const history = [
      ...started,
      // What the extension appends for the first episode's decisions: the turns (ids 0, 1) and the timer (2).
      ...turns.map((turn, id) =>
        historyEvents.subOrchestrationCreated(startedAt, id, 'agentTurn', turn.instanceId!),
      ),
      historyEvents.timerCreated(startedAt, 2, '2026-01-01T00:01:00.0000000Z'),
      historyEvents.orchestratorCompleted(startedAt),
      historyEvents.orchestratorStarted(later),
      // The Chemist answers first; the result keeps the panel's order all the same.
      historyEvents.subOrchestrationCompleted(later, 1, JSON.stringify(answerFrom(turns[1]!.input!))),
      historyEvents.subOrchestrationCompleted(later, 0, JSON.stringify(answerFrom(turns[0]!.input!))),
    ];
    const second = await episode(history, true);
    expect(second.isDone).toBe(true);
    const output = second.output as PanelResult;
    expect(output.summary).toBe('2 of 2 agents answered.');
    expect(output.answers.map((answer: AgentOutcome) => answer.agent)).toEqual(['Physicist', 'Chemist']);
    expect(output.failures).toEqual([]);
    expect(output.usage).toMatchObject({ inputTokens: 20, outputTokens: 10 });
  });
});
