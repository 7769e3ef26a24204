/**
 * The turn orchestrator's tool loop on its own: no host, no backend, only the real durable-functions replay
 * engine and `DummyOrchestrationContext` (as panelOrchestration.dummy.test.ts). A small driver plays the
 * extension: it records each new decision in the history (TaskScheduled, TimerCreated) and answers activities
 * from a script, episode by episode, until the turn appends to its thread.
 */
import { DummyOrchestrationContext, type OrchestrationHandler } from 'durable-functions';
import { historyEvents, type HistoryEvent } from '../../host/engineEvents';
import type { AgentAttemptInput, AgentAttemptResult } from '../../../src/agents/agentAttempt';
import {
  agentTurnOrchestrator,
  type AgentTurnRequest,
} from '../../../src/orchestration/agentTurnOrchestration';
import type { AppendTurnInput } from '../../../src/threads/thread';
import type { ExecuteToolInput } from '../../../src/tools/executeTool';
import type { ToolCallResult } from '../../../src/tools/tool';

interface Action {
  actionType: number;
  compoundActions?: Action[];
  functionName?: string;
  input?: unknown;
  fireAt?: Date;
  operation?: string;
}

interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
}

type Listener = (
  trigger: Record<string, unknown>,
  context: DummyOrchestrationContext,
) => Promise<OrchestratorState>;

// eslint-disable-next-line @typescript-eslint/no-require-imports -- not exported, and it ships no type declarations
const { Orchestrator } = require('durable-functions/lib/src/orchestrations/Orchestrator') as {
  Orchestrator: new (fn: OrchestrationHandler) => { listen(): Listener };
};

const CallActivity = 0;
const CreateTimer = 5;
const WhenAll = 12;
const instanceId = 'run-1:chemist';
const startedAt = Date.parse('2026-01-01T00:00:00Z');

const request = (extra: Partial<AgentTurnRequest> = {}): AgentTurnRequest => ({
  agent: { name: 'Chemist', instructions: 'You are a chemist.', tools: ['molar_mass', 'element_facts'] },
  threadId: 'chemist-1',
  prompt: 'Molar mass of caffeine?',
  readThread: false,
  retry: { maxAttempts: 3, firstRetryDelayMs: 1000, maxRetryDelayMs: 5000, maxRetryAfterMs: 5000 },
  answerMaxChars: 1000,
  answerMaxBytes: 4000,
  thread: { maxMessages: 10, maxChars: 10_000 },
  deadline: '2026-01-01T01:00:00.000Z',
  ...extra,
});

const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };
const answer = (text: string): AgentAttemptResult => ({
  status: 'answered',
  answer: text,
  truncated: false,
  model: 'chat-2026',
  requestedModel: 'chat',
  finishReason: 'stop',
  usage,
});
const toolCalls = (...names: string[]): AgentAttemptResult => ({
  status: 'tool_calls',
  calls: names.map((name, index) => ({ id: `call_${index + 1}`, name, arguments: '{"formula":"H2O"}' })),
  model: 'chat-2026',
  requestedModel: 'chat',
  usage,
});
const ran = (tool: string): ToolCallResult => ({
  status: 'ok',
  tool,
  output: `{"${tool}":1}`,
  truncated: false,
});

type Script = {
  attempt: (input: AgentAttemptInput, index: number) => AgentAttemptResult;
  tool?: (input: ExecuteToolInput, index: number) => ToolCallResult;
};

interface Played {
  /** The turn's custom status (its live progress) after each episode. */
  statuses: unknown[];
  /** What each episode scheduled, as "activity:tool" or "timer", per episode that scheduled anything. */
  episodes: string[][];
  attempts: AgentAttemptInput[];
  tools: ExecuteToolInput[];
  append: AppendTurnInput | undefined;
}

/** Plays the turn until it appends to its thread (or ends), answering activities from the script. */
async function play(turn: AgentTurnRequest, script: Script): Promise<Played> {
  let history: HistoryEvent[] = [
    historyEvents.orchestratorStarted(startedAt),
    historyEvents.executionStarted(startedAt, {
      instanceId,
      executionId: 'execution-1',
      name: 'agentTurn',
      input: JSON.stringify(turn),
    }),
  ];
  const played: Played = { statuses: [], episodes: [], attempts: [], tools: [], append: undefined };
  let now = startedAt;
  let scheduled = 0;
  for (let episode = 0; episode < 40; episode++) {
    const state = await new Orchestrator(agentTurnOrchestrator).listen()(
      {
        history,
        input: turn,
        instanceId,
        isReplaying: episode > 0,
        parentInstanceId: null,
        upperSchemaVersion: 1,
        upperSchemaVersionNew: 3,
        longRunningTimerIntervalDuration: '3.00:00:00',
        maximumShortTimerDuration: '6.00:00:00',
        defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
      },
      new DummyOrchestrationContext('agentTurn'),
    );
    // The state the worker returns carries the custom status, though its type leaves it out.
    played.statuses.push((state as { customStatus?: unknown }).customStatus);
    const flat = state.actions
      .flat()
      .flatMap((action) => (action.actionType === WhenAll ? (action.compoundActions ?? []) : [action]));
    const fresh = flat.slice(scheduled);
    const entityCall = fresh.find(
      (action) => action.actionType !== CallActivity && action.actionType !== CreateTimer,
    );
    if (state.isDone || entityCall !== undefined) {
      played.append = (entityCall?.input as AppendTurnInput | undefined) ?? undefined;
      return played;
    }
    const decided: HistoryEvent[] = [];
    const results: HistoryEvent[] = [];
    let next = now + 1000;
    played.episodes.push(
      fresh.map((action, offset) => {
        const id = scheduled + offset;
        if (action.actionType === CreateTimer) {
          const fireAt = new Date(action.fireAt!).toISOString();
          decided.push(historyEvents.timerCreated(now, id, fireAt));
          results.push(historyEvents.timerFired(now, id, fireAt));
          next = Math.max(next, Date.parse(fireAt));
          return 'timer';
        }
        decided.push(historyEvents.taskScheduled(now, id, action.functionName!));
        if (action.functionName === 'executeTool') {
          const input = action.input as ExecuteToolInput;
          played.tools.push(input);
          const result = (script.tool ?? ((call) => ran(call.tool)))(input, played.tools.length - 1);
          results.push(historyEvents.taskCompleted(now, id, JSON.stringify(result)));
          return `executeTool:${input.tool}`;
        }
        const input = action.input as AgentAttemptInput;
        played.attempts.push(input);
        results.push(
          historyEvents.taskCompleted(
            now,
            id,
            JSON.stringify(script.attempt(input, played.attempts.length - 1)),
          ),
        );
        return action.functionName!;
      }),
    );
    scheduled += fresh.length;
    history = [
      ...history,
      ...decided,
      historyEvents.orchestratorCompleted(now),
      historyEvents.orchestratorStarted(next),
      ...results,
    ];
    now = next;
  }
  throw new Error('the turn did not reach its thread in 40 episodes');
}

describe('the tool loop of a turn', () => {
  it("runs a round's calls at once, one executeTool each, then asks again with one result per call id", async () => {
    const played = await play(request(), {
      attempt: (_, index) =>
        index === 0 ? toolCalls('molar_mass', 'element_facts') : answer('194.19 g/mol'),
    });
    expect(played.episodes).toEqual([
      ['runAgentTurn'],
      ['executeTool:molar_mass', 'executeTool:element_facts'],
      ['runAgentTurn'],
    ]);
    // While the round runs its progress names its tools; the call after it is no retry.
    expect(played.statuses.slice(1, 3)).toEqual([
      {
        agent: 'Chemist',
        state: 'calling_tool',
        attempt: 1,
        maxAttempts: 3,
        tool: 'molar_mass, element_facts',
      },
      { agent: 'Chemist', state: 'answering', attempt: 2, maxAttempts: 3 },
    ]);
    expect(played.attempts[0]!.tools).toEqual(['molar_mass', 'element_facts']);
    expect(played.attempts[0]!.rounds).toBeUndefined();
    expect(played.attempts[1]!.rounds).toEqual([
      {
        calls: [
          { id: 'call_1', name: 'molar_mass', arguments: '{"formula":"H2O"}' },
          { id: 'call_2', name: 'element_facts', arguments: '{"formula":"H2O"}' },
        ],
        results: [
          { id: 'call_1', output: '{"molar_mass":1}' },
          { id: 'call_2', output: '{"element_facts":1}' },
        ],
      },
    ]);
    expect(played.attempts[1]!.telemetry).toMatchObject({ attempt: 2, round: 1 });
    expect(played.tools.map((call) => [call.callId, call.telemetry?.round, call.telemetry?.attempt])).toEqual(
      [
        ['call_1', 1, 1],
        ['call_2', 1, 1],
      ],
    );
    // The thread keeps the answer and the tools' names, nothing of their arguments or results.
    expect(played.append!.messages.map((message) => [message.role, message.content, message.tools])).toEqual([
      ['user', 'Molar mass of caffeine?', undefined],
      ['assistant', '194.19 g/mol', ['molar_mass', 'element_facts']],
    ]);
  });

  it('hands a failed call back as the JSON error the model reads, and runs it once when the failure is not transient', async () => {
    const played = await play(request(), {
      attempt: (_, index) => (index === 0 ? toolCalls('molar_mass') : answer('Sorry.')),
      tool: (call) => ({
        status: 'failed',
        tool: call.tool,
        error: { code: 'invalid_arguments', message: 'No element "Q".', transient: false },
      }),
    });
    expect(played.tools).toHaveLength(1);
    expect(played.attempts[1]!.rounds![0]!.results).toEqual([
      { id: 'call_1', output: '{"error":{"code":"invalid_arguments","message":"No element \\"Q\\"."}}' },
    ]);
    expect(played.append!.messages[1]!.content).toBe('Sorry.');
  });

  it('runs again, after a durable timer, only the calls whose failure the tool says is transient', async () => {
    const played = await play(request(), {
      attempt: (_, index) => (index === 0 ? toolCalls('molar_mass', 'element_facts') : answer('Done.')),
      tool: (call, index) =>
        call.tool === 'element_facts' && index < 2
          ? {
              status: 'failed',
              tool: call.tool,
              error: { code: 'timeout', message: 'Slow.', transient: true },
            }
          : ran(call.tool),
    });
    expect(played.episodes).toEqual([
      ['runAgentTurn'],
      ['executeTool:molar_mass', 'executeTool:element_facts'],
      ['timer'],
      ['executeTool:element_facts'],
      ['runAgentTurn'],
    ]);
    expect(played.tools.map((call) => [call.tool, call.telemetry?.attempt])).toEqual([
      ['molar_mass', 1],
      ['element_facts', 1],
      ['element_facts', 2],
    ]);
    expect(played.attempts[1]!.rounds![0]!.results.map((result) => result.output)).toEqual([
      '{"molar_mass":1}',
      '{"element_facts":1}',
    ]);
  });

  it('gives a model that keeps calling tools one last call without tools after maxRounds rounds', async () => {
    const played = await play(request({ toolLoop: { maxRounds: 2, maxCallsPerRound: 8 } }), {
      attempt: (input) => (input.tools === undefined ? answer('Enough.') : toolCalls('molar_mass')),
    });
    expect(played.attempts.map((input) => [input.tools !== undefined, input.rounds?.length ?? 0])).toEqual([
      [true, 0],
      [true, 1],
      [false, 2],
    ]);
    expect(played.append!.messages[1]!.content).toBe('Enough.');
  });

  it('runs at most maxCallsPerRound calls; the others, and calls of tools the agent lacks, are answered unrun', async () => {
    const played = await play(request({ toolLoop: { maxRounds: 8, maxCallsPerRound: 2 } }), {
      attempt: (_, index) =>
        index === 0 ? toolCalls('warp_drive', 'molar_mass', 'element_facts') : answer('Partly.'),
    });
    expect(played.tools.map((call) => call.tool)).toEqual(['molar_mass']);
    const [round] = played.attempts[1]!.rounds!;
    expect(
      round!.results.map((result) => (JSON.parse(result.output) as { error?: { code: string } }).error?.code),
    ).toEqual(['unknown_tool', undefined, 'too_many_calls']);
    // A call not run keeps no arguments: its id and name answer it.
    expect(round!.calls[2]).toEqual({ id: 'call_3', name: 'element_facts', arguments: '{}' });
    expect(played.append!.messages[1]!.tools).toEqual(['molar_mass', 'element_facts']);
  });

  it("offers an MCP server as one entry and runs its tools' calls like its own; another server's are refused unrun", async () => {
    const played = await play(
      request({
        agent: {
          name: 'Chemist',
          instructions: 'You are a chemist.',
          tools: ['molar_mass'],
          mcpServers: ['docs'],
        },
      }),
      {
        attempt: (_, index) =>
          index === 0 ? toolCalls('docs__search', 'molar_mass', 'wiki__search', 'docs__') : answer('Found.'),
      },
    );
    expect(played.attempts[0]!.tools).toEqual(['molar_mass', 'docs__*']);
    expect(played.episodes[1]).toEqual(['executeTool:docs__search', 'executeTool:molar_mass']);
    const [round] = played.attempts[1]!.rounds!;
    expect(
      round!.results.map((result) => (JSON.parse(result.output) as { error?: { code: string } }).error?.code),
    ).toEqual([undefined, undefined, 'unknown_tool', 'unknown_tool']);
    expect(played.append!.messages[1]!.tools).toEqual(['docs__search', 'molar_mass']);
  });

  it('asks an agent without tools exactly as before: no tools, no rounds, no round in telemetry', async () => {
    const played = await play(request({ agent: { name: 'Chemist', instructions: 'You are a chemist.' } }), {
      attempt: () => answer('Water.'),
    });
    expect(played.episodes).toEqual([['runAgentTurn']]);
    expect(Object.keys(played.attempts[0]!).sort()).toEqual([
      'agent',
      'answerMaxBytes',
      'answerMaxChars',
      'history',
      'prompt',
      'telemetry',
    ]);
    expect(played.attempts[0]!.telemetry).toEqual({ turnId: instanceId, threadId: 'chemist-1', attempt: 1 });
  });

  it('fails the turn as bad_response when the model asks for tools that were not offered', async () => {
    const played = await play(request({ agent: { name: 'Chemist', instructions: 'You are a chemist.' } }), {
      attempt: () => toolCalls('molar_mass'),
    });
    expect(played.tools).toEqual([]);
    expect(played.append).toBeUndefined();
  });
});

describe('a model that rejects the request with tools', () => {
  it('fails the turn with the service 400, without asking again without tools', async () => {
    const played = await play(request(), {
      attempt: (input) =>
        input.tools === undefined
          ? answer('Without tools.')
          : {
              status: 'failed',
              error: { code: 'bad_request', message: 'This model does not support tools.', retryable: false },
            },
    });
    expect(played.attempts).toHaveLength(1);
    expect(played.append).toBeUndefined();
  });
});

describe('the carry of a round (the Responses API reasoning items)', () => {
  it('is kept on its round and sent back with it on every later model call, unread', async () => {
    const played = await play(request(), {
      attempt: (_input, index) =>
        index === 0
          ? { ...toolCalls('molar_mass'), carry: '[{"type":"reasoning","id":"rs_1"}]' }
          : index === 1
            ? toolCalls('element_facts')
            : answer('Done.'),
      tool: (input) => ran(input.tool),
    });
    expect(played.attempts.map((input) => input.rounds?.map((round) => round.carry))).toEqual([
      undefined,
      ['[{"type":"reasoning","id":"rs_1"}]'],
      ['[{"type":"reasoning","id":"rs_1"}]', undefined],
    ]);
    expect(played.append!.messages[1]).toMatchObject({ content: 'Done.' });
  });
});
