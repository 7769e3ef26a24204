import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import * as z from 'zod';
import { agentDefinitionSchema, toolOffer } from '../agents/agentDefinition';
import {
  failedAttempt,
  type AgentAttemptInput,
  type AgentAttemptResult,
  type AgentError,
  type AgentErrorCode,
  type AgentInvalidOutput,
  type AgentToolCalls,
  type AttemptToolCall,
  type ToolRound,
} from '../agents/agentAttempt';
import { functionNames } from '../functionNames';
import { errorMessageMaxChars, fitText } from '../limits/payloadLimits';
import type { TokenUsage } from '../model/chatModel';
import type { ExecuteToolInput } from '../tools/executeTool';
import { offerAllows } from '../tools/mcp/mcpNames';
import { toolArgumentsMaxChars, type ToolCallResult, type ToolErrorCode } from '../tools/tool';
import { failed, ok, type Result } from '../result';
import { optionalTraceCarrier } from '../telemetry/traceCarrier';
import { compactionSettingsSchema } from '../threads/compaction';
import { expiryPolicyOf } from '../threads/expiry';
import {
  applyThreadOperation,
  threadLimitsSchema,
  type ThreadExpiryInput,
  type AppendTurnInput,
  type BeginTurnInput,
  type EndTurnInput,
  type ThreadMessage,
  type ThreadOperationResult,
  type ThreadState,
} from '../threads/thread';
import {
  durableFailureReason,
  type AgentAnswer,
  type AgentFailure,
  type AgentFailureCode,
  type AgentOutcome,
  type AgentProgress,
  sumUsage,
} from './agentOutcome';
import { compactHistory, threadNoteOf, type CompactedHistory } from './compaction';
import { agentRetryPolicySchema, retryDecision } from './retryPolicy';
import {
  defaultToolLoopLimits,
  fitRounds,
  toolLoopLimitsSchema,
  toolResultText,
  toolsUsed,
} from './toolRounds';

/** The app's expiry settings as a run carries them; each agent's own idle time comes with its definition. */
export const threadExpirySettingsSchema = z
  .object({
    idleSeconds: z.number().int().min(1),
    bucketSeconds: z.number().int().min(1),
    shards: z.number().int().min(1).max(64),
  })
  .strict();

/** What the turn tells the thread about its expiry: the agent's idle time (null: never) and the index shape. */
export function threadExpiryOf(request: AgentTurnRequest): { expiry?: ThreadExpiryInput } {
  if (request.expiry === undefined) {
    return {};
  }
  const { idleSeconds, bucketSeconds, shards } = request.expiry;
  const policy = expiryPolicyOf(request.agent.threadIdleSeconds, idleSeconds);
  return { expiry: { idleMs: policy.expires ? policy.idleMs : null, bucketSeconds, shards } };
}

/** Input of one agent's turn. Everything it needs travels here, so replays never read settings. */
export const agentTurnRequestSchema = z
  .object({
    agent: agentDefinitionSchema,
    threadId: z.string().min(1),
    prompt: z.string().min(1),
    /**
     * Continue the thread: hold it for this turn and send its earlier messages to the model. A thread the run
     * has just minted skips this, since no one else can know its id yet.
     */
    readThread: z.boolean(),
    retry: agentRetryPolicySchema,
    answerMaxChars: z.number().int().min(1),
    answerMaxBytes: z.number().int().min(64),
    thread: threadLimitsSchema,
    /** No attempt starts after this instant (ISO 8601): the run that asked has stopped waiting by then. */
    deadline: z.iso.datetime().optional(),
    /** The panel run this turn belongs to; absent for a turn started on its own. */
    runId: z.string().min(1).optional(),
    /** The trace of the run (or of the request that started the turn), which each attempt's span joins. */
    trace: optionalTraceCarrier,
    /** The caller's owner key (owners on): the thread records it when the turn creates it. */
    owner: z.string().min(1).max(64).optional(),
    /** The Agent Framework session id the caller named; the turn's status echoes it. */
    sessionId: z.string().min(1).max(128).optional(),
    /** Bounds of the tool loop (TOOL_MAX_ROUNDS, TOOL_MAX_CALLS_PER_ROUND); absent: their defaults. */
    toolLoop: toolLoopLimitsSchema.optional(),
    /** How threads expire (THREAD_IDLE_SECONDS and the expiry index); absent in turns from before expiry. */
    expiry: threadExpirySettingsSchema.optional(),
    /** When and how a thread near its limits is summarized; absent: trimmed as before compaction. */
    compaction: compactionSettingsSchema.optional(),
    /** The expiry bucket the panel run filed this new thread in (one filing for all of its new threads). */
    filedIn: z.string().min(1).max(128).optional(),
  })
  .strict();
export type AgentTurnRequest = z.infer<typeof agentTurnRequestSchema>;

function failure(
  turn: { agent: string; threadId: string },
  status: AgentFailure['status'],
  code: AgentFailureCode,
  message: string,
  attempts: number,
): AgentFailure {
  return {
    status,
    agent: turn.agent,
    threadId: turn.threadId,
    code,
    message: fitText(message, errorMessageMaxChars).text,
    attempts,
  };
}

type AnsweredAttempt = Extract<AgentAttemptResult, { status: 'answered' }>;

/** What a turn keeps of its tool use: the tools it called, each once, and how many calls the model asked for. */
interface ToolUse {
  names: string[];
  calls: number;
}

/** A step of the turn: a generator the turn composes with `yield*`, so each step's tasks are the turn's own. */
export type TurnStep<T> = Generator<Task, T, unknown>;

/** What every step of one turn shares: its request, its thread and how it reports progress. */
export interface TurnScope {
  context: OrchestrationContext;
  request: AgentTurnRequest;
  turn: { agent: string; threadId: string };
  thread: df.EntityId;
  turnId: string;
  deadline: Date | undefined;
  progress: (state: AgentProgress['state'], attempt: number, extra?: Partial<AgentProgress>) => void;
}

/** Step 1: the turn's input, checked, or the failure that names what is wrong with it. */
function validateInput(context: OrchestrationContext): Result<{ request: AgentTurnRequest }, AgentFailure> {
  const parsed = agentTurnRequestSchema.safeParse(context.df.getInput());
  if (parsed.success) {
    return ok({ request: parsed.data });
  }
  const raw = context.df.getInput<{ agent?: { name?: unknown }; threadId?: unknown } | undefined>();
  return failed(
    failure(
      {
        agent: typeof raw?.agent?.name === 'string' ? raw.agent.name : 'unknown',
        threadId: typeof raw?.threadId === 'string' ? raw.threadId : 'unknown',
      },
      'failed',
      'invalid_input',
      `The turn's input is invalid: ${z.prettifyError(parsed.error)}`,
      0,
    ),
  );
}

/**
 * The scope of one turn. `turnId` names the turn on the thread's lease and in telemetry (a lone turn's instance
 * id, or the id a panel derives for its agent); `progress` is where its live state goes (a lone turn's custom
 * status, or its agent's entry in the panel's).
 */
export function turnScope(
  context: OrchestrationContext,
  request: AgentTurnRequest,
  turnId: string,
  progress: (progress: AgentProgress) => void,
): TurnScope {
  const { agent, retry } = request;
  return {
    context,
    request,
    turn: { agent: agent.name, threadId: request.threadId },
    thread: new df.EntityId(functionNames.threadEntity, request.threadId),
    turnId,
    deadline: request.deadline === undefined ? undefined : new Date(request.deadline),
    progress: (state, attempt, extra = {}) => {
      progress({ agent: agent.name, state, attempt, maxAttempts: retry.maxAttempts, ...extra });
    },
  };
}

/**
 * Step 2: when continuing a thread, hold it for this turn (so no other turn interleaves) and read its earlier
 * messages. A new thread is the turn's alone: no one else can know its id yet.
 */
function* holdThread(
  scope: TurnScope,
): TurnStep<Result<{ held: boolean; state?: ThreadState }, AgentFailure>> {
  const { context, request, turn, thread, turnId, deadline } = scope;
  if (!request.readThread) {
    return ok({ held: false });
  }
  const now = context.df.currentUtcDateTime;
  // A hold that outlives a crashed or terminated turn ends at the deadline (or an hour without one).
  const until = deadline ?? new Date(now.getTime() + 3_600_000);
  let begun: ThreadOperationResult;
  try {
    begun = (yield context.df.callEntity(thread, 'beginTurn', {
      agent: turn.agent,
      turnId,
      now: now.toISOString(),
      until: until.toISOString(),
      ...(request.owner === undefined ? {} : { owner: request.owner }),
      ...threadExpiryOf(request),
    } satisfies BeginTurnInput)) as ThreadOperationResult;
  } catch (error) {
    return failed(
      failure(
        turn,
        'failed',
        'orchestration_failed',
        `Reading the thread failed: ${durableFailureReason(error)}`,
        0,
      ),
    );
  }
  if (!begun.ok) {
    const code = begun.error.code === 'thread_busy' ? 'thread_busy' : 'thread_conflict';
    return failed(failure(turn, 'failed', code, begun.error.message, 0));
  }
  return ok({ held: true, ...(begun.thread === undefined ? {} : { state: begun.thread }) });
}

/**
 * What a model call carries of the tool loop: the tools offered (none on the last call), the rounds so far, and
 * how many rounds there were. An agent without tools has none of it, so its attempt's input is as it always was.
 */
interface ToolContext {
  tools?: string[];
  rounds: ToolRound[];
  round: number;
  /** An answer that did not match the output schema, sent back once with what was wrong. */
  reask?: AgentAttemptInput['reask'];
}

const noTools: ToolContext = { rounds: [], round: 0 };

/** One call of the model-call activity; a crash of the activity comes back as a retryable failure. */
function* callModel(
  scope: TurnScope,
  history: ThreadMessage[],
  attempt: number,
  retryOf: AgentErrorCode | undefined,
  tooling: ToolContext,
): TurnStep<AgentAttemptResult> {
  const { context, request, turnId } = scope;
  try {
    return (yield context.df.callActivity(functionNames.agentAttemptActivity, {
      agent: request.agent,
      history,
      prompt: request.prompt,
      answerMaxChars: request.answerMaxChars,
      answerMaxBytes: request.answerMaxBytes,
      // Ids and counters only, for the attempt's span, metrics and log lines.
      telemetry: {
        ...(request.runId === undefined ? {} : { runId: request.runId }),
        turnId,
        threadId: request.threadId,
        attempt,
        ...(tooling.round > 0 ? { round: tooling.round } : {}),
        ...(retryOf === undefined ? {} : { retryOf }),
        ...(request.trace === undefined ? {} : { trace: request.trace }),
      },
      ...(tooling.tools === undefined ? {} : { tools: tooling.tools }),
      ...(tooling.rounds.length === 0 ? {} : { rounds: tooling.rounds }),
      ...(tooling.reask === undefined ? {} : { reask: tooling.reask }),
    } satisfies AgentAttemptInput)) as AgentAttemptResult;
  } catch (error) {
    // A crash or a bug in the activity, not a model failure: worth another attempt, reported if it persists.
    return failedAttempt({ code: 'activity_failed', message: durableFailureReason(error), retryable: true });
  }
}

/**
 * Step 3: ask the model until it answers or asks for tool calls, with retries on durable timers, within the run's
 * deadline. `attemptsBefore` counts this turn's earlier model calls (earlier tool rounds), so attempt numbers
 * stay unique in the turn while each round gets the full retry policy.
 */
function* askWithRetries(
  scope: TurnScope,
  history: ThreadMessage[],
  tooling: ToolContext = noTools,
  attemptsBefore = 0,
): TurnStep<
  Result<{ answer: AnsweredAttempt | AgentToolCalls | AgentInvalidOutput; attempts: number }, AgentFailure>
> {
  const { context, request, turn } = scope;
  let emptyAnswers = 0;
  let lastErrorCode: AgentErrorCode | undefined;
  for (let attempt = 1; ; attempt++) {
    // After a failed attempt, its code says this one is a retry (an attempt after a tool round is not).
    scope.progress(
      'answering',
      attemptsBefore + attempt,
      lastErrorCode === undefined ? {} : { lastErrorCode },
    );
    const result = yield* callModel(scope, history, attemptsBefore + attempt, lastErrorCode, tooling);
    if (result.status !== 'failed') {
      return ok({ answer: result, attempts: attempt });
    }
    const error: AgentError = result.error;
    lastErrorCode = error.code;
    if (error.code === 'empty_response') {
      emptyAnswers++;
    }
    const decision = retryDecision(request.retry, {
      agentName: turn.agent,
      attempt,
      error,
      emptyAnswers,
      now: context.df.currentUtcDateTime,
      deadline: scope.deadline,
    });
    if (!decision.retry) {
      const message =
        decision.status === 'timed_out'
          ? `No time was left for another attempt before the run's deadline. Last error: ${error.message}`
          : error.message;
      return failed(failure(turn, decision.status, error.code, message, attemptsBefore + attempt));
    }
    scope.progress('retrying', attemptsBefore + attempt, {
      nextAttemptAt: decision.at.toISOString(),
      lastErrorCode: error.code,
    });
    yield context.df.createTimer(decision.at);
  }
}

/**
 * Step 3 with tools: ask the model; while it asks for tool calls (at most maxRounds rounds), run them and ask
 * again with their results. Past the rounds the model gets one last call without tools, so it must answer.
 * An agent without tools is one askWithRetries, as it always was.
 */
function* askWithTools(
  scope: TurnScope,
  history: ThreadMessage[],
): TurnStep<
  Result<
    {
      answer: AnsweredAttempt | AgentInvalidOutput;
      attempts: number;
      tools: ToolUse;
    },
    AgentFailure
  >
> {
  const { request, turn } = scope;
  const offered = toolOffer(request.agent);
  const limits = request.toolLoop ?? defaultToolLoopLimits;
  let rounds: ToolRound[] = [];
  let attempts = 0;
  let calls = 0;
  const usages: TokenUsage[] = [];
  for (let round = 0; ; round++) {
    const offer = offered.length > 0 && round < limits.maxRounds;
    const tooling: ToolContext = { ...(offer ? { tools: offered } : {}), rounds, round };
    const asked = yield* askWithRetries(scope, history, tooling, attempts);
    if (!asked.ok) {
      return asked;
    }
    attempts += asked.attempts;
    usages.push(asked.answer.usage);
    if (asked.answer.status !== 'tool_calls') {
      const answer = { ...asked.answer, usage: sumUsage(usages) };
      return ok({ answer, attempts, tools: { names: toolsUsed(rounds, offered), calls } });
    }
    if (!offer) {
      return failed(
        failure(
          turn,
          'failed',
          'bad_response',
          'The model asked for tool calls although none were offered.',
          attempts,
        ),
      );
    }
    // Readable live (status, stream, page) while the round runs: which tools, by name, never their arguments.
    scope.progress('calling_tool', attempts, {
      tool: [...new Set(asked.answer.calls.map((call) => call.name))].join(', ').slice(0, 1024),
    });
    const results = yield* runToolCalls(scope, asked.answer.calls, round + 1, limits.maxCallsPerRound);
    calls += asked.answer.calls.length;
    rounds = fitRounds([
      ...rounds,
      {
        // Calls that are not run keep no arguments: only their id and name are needed to answer them.
        calls: asked.answer.calls.map((call, index) =>
          index < limits.maxCallsPerRound ? call : { id: call.id, name: call.name, arguments: '{}' },
        ),
        results: asked.answer.calls.map((call, index) => ({
          id: call.id,
          output: toolResultText(
            results[index] ?? callFailure(call.name, 'activity_failed', 'No result.', true),
          ),
        })),
        ...(asked.answer.carry === undefined ? {} : { carry: asked.answer.carry }),
      },
    ]);
  }
}

/**
 * Step 3c, for an agent with an output schema: an answer that is not JSON valid against it is sent back once,
 * with what is wrong, as one more model call (a durable step with the turn's retries); a second invalid answer
 * is the turn's `invalid_output` failure. Any other answer passes through.
 */
function* askAgainOnInvalidOutput(
  scope: TurnScope,
  history: ThreadMessage[],
  asked: {
    answer: AnsweredAttempt | AgentInvalidOutput;
    attempts: number;
    tools: ToolUse;
  },
): TurnStep<Result<{ answer: AnsweredAttempt; attempts: number; tools: ToolUse }, AgentFailure>> {
  const first = asked.answer;
  if (first.status === 'answered') {
    return ok({ ...asked, answer: first });
  }
  const again = yield* askWithRetries(
    scope,
    history,
    { rounds: [], round: 0, reask: { answer: first.answer, problem: first.problem } },
    asked.attempts,
  );
  if (!again.ok) {
    return again;
  }
  const attempts = asked.attempts + again.attempts;
  const second = again.answer;
  if (second.status === 'answered') {
    return ok({
      answer: { ...second, usage: sumUsage([first.usage, second.usage]) },
      attempts,
      tools: asked.tools,
    });
  }
  const why = second.status === 'invalid_output' ? second.problem : 'The model asked for tool calls instead.';
  return failed(
    failure(
      scope.turn,
      'failed',
      'invalid_output',
      `The answer did not match the output schema, twice. ${why}`,
      attempts,
    ),
  );
}

function callFailure(tool: string, code: ToolErrorCode, message: string, transient = false): ToolCallResult {
  return { status: 'failed', tool, error: { code, message, transient } };
}

/** A call the turn answers itself, without running it; undefined when the call is to run. */
function refusedCall(
  call: AttemptToolCall,
  index: number,
  allowed: readonly string[],
  maxCallsPerRound: number,
): ToolCallResult | undefined {
  if (index >= maxCallsPerRound) {
    return callFailure(
      call.name,
      'too_many_calls',
      `Too many calls in one round: only the first ${maxCallsPerRound} were run. Call this one again in the next round if you still need it.`,
    );
  }
  if (!offerAllows(allowed, call.name)) {
    return callFailure(
      call.name,
      'unknown_tool',
      `There is no tool "${call.name}" for this agent. Available tools: ${allowed.join(', ')}.`,
    );
  }
  if (call.truncated === true) {
    return callFailure(
      call.name,
      'invalid_arguments',
      `The arguments are longer than ${toolArgumentsMaxChars} characters; send shorter arguments.`,
    );
  }
  return undefined;
}

/** A settled call task: its result, or a crash of its activity, which is worth another try. */
function settledCall(task: Task, tool: string): ToolCallResult {
  if (task.isCompleted && !task.isFaulted) {
    return task.result as ToolCallResult;
  }
  return callFailure(tool, 'activity_failed', 'The tool call did not complete (its worker failed).', true);
}

/**
 * Step 3b: run one round's calls, all at once (one executeTool activity each, in one Task.all). A failure is a
 * value the model reads as the call's result. Calls whose tool says the failure is transient run again on a
 * durable timer, with the turn's retry delays, while attempts and the deadline allow.
 */
function* runToolCalls(
  scope: TurnScope,
  calls: AttemptToolCall[],
  round: number,
  maxCallsPerRound: number,
): TurnStep<ToolCallResult[]> {
  const { context, request, turnId } = scope;
  const allowed = toolOffer(request.agent);
  const results: (ToolCallResult | undefined)[] = calls.map((call, index) =>
    refusedCall(call, index, allowed, maxCallsPerRound),
  );
  let toRun = calls.flatMap((_, index) => (results[index] === undefined ? [index] : []));
  for (let attempt = 1; toRun.length > 0; attempt++) {
    const tasks = toRun.map((index) => {
      const call = calls[index] as AttemptToolCall;
      return context.df.callActivity(functionNames.executeToolActivity, {
        tool: call.name,
        callId: call.id,
        arguments: call.arguments,
        telemetry: {
          agent: request.agent.name,
          ...(request.runId === undefined ? {} : { runId: request.runId }),
          turnId,
          threadId: request.threadId,
          round,
          attempt,
          ...(request.trace === undefined ? {} : { trace: request.trace }),
        },
      } satisfies ExecuteToolInput);
    });
    try {
      yield context.df.Task.all(tasks);
    } catch {
      // A crashed activity: each task is read below, the crashed ones as transient failures.
    }
    toRun.forEach((index, position) => {
      results[index] = settledCall(tasks[position] as Task, (calls[index] as AttemptToolCall).name);
    });
    const transient = toRun.filter((index) => {
      const result = results[index];
      return result?.status === 'failed' && result.error.transient;
    });
    if (transient.length === 0 || attempt >= request.retry.maxAttempts) {
      break;
    }
    const delayMs = Math.min(
      request.retry.maxRetryDelayMs,
      request.retry.firstRetryDelayMs * 2 ** (attempt - 1),
    );
    const at = new Date(context.df.currentUtcDateTime.getTime() + delayMs);
    if (scope.deadline !== undefined && at.getTime() >= scope.deadline.getTime()) {
      break;
    }
    yield context.df.createTimer(at);
    toRun = transient;
  }
  return results.map(
    (result, index) =>
      result ?? callFailure((calls[index] as AttemptToolCall).name, 'activity_failed', 'Not run.', true),
  );
}

/**
 * Step 4: record the exchange on the thread (which also ends this turn's hold), in one operation. A signal, not a
 * call: nothing in the run waits on it, so the run ends without the entity's round trip. Its reply is known
 * anyway: the entity's operation is a pure function of the state this turn's hold returned (none for a new
 * thread, which no one else can know yet), so the turn applies it here to say what the thread kept. A reader
 * that comes before the signal lands waits for it (threadOf, in conversations/agentTurns.ts). The answer is kept
 * whatever happens to the thread: it is paid for, and the caller may still want it.
 */
function recordOnThread(
  scope: TurnScope,
  answer: AnsweredAttempt,
  attempts: number,
  tools: ToolUse = { names: [], calls: 0 },
  compacted: CompactedHistory = { history: [] },
  held?: ThreadState,
): AgentAnswer {
  const { context, request, turn, thread, turnId } = scope;
  const at = context.df.currentUtcDateTime.toISOString();
  const outcome: AgentAnswer = {
    status: 'answered',
    agent: turn.agent,
    threadId: request.threadId,
    attempts,
    answer: answer.answer,
    truncated: answer.truncated,
    model: answer.model,
    requestedModel: answer.requestedModel,
    finishReason: answer.finishReason,
    usage: compacted.usage === undefined ? answer.usage : sumUsage([compacted.usage, answer.usage]),
    ...(answer.data === undefined ? {} : { data: answer.data }),
    ...(tools.calls === 0 ? {} : { toolCalls: tools.calls, tools: tools.names }),
  };
  const append = {
    agent: turn.agent,
    turnId,
    messages: [
      { role: 'user', content: request.prompt, at },
      // Of the tool use, only the names: the answer states what the results said (see docs/architecture.md).
      {
        role: 'assistant',
        content: answer.answer,
        at,
        ...(tools.names.length === 0 ? {} : { tools: tools.names }),
      },
    ],
    limits: request.thread,
    ...(request.owner === undefined ? {} : { owner: request.owner }),
    ...threadExpiryOf(request),
    ...(compacted.append === undefined ? {} : { compaction: compacted.append }),
    ...(request.filedIn === undefined ? {} : { filedIn: request.filedIn }),
    ...(held === undefined ? {} : { held: true as const }),
  } satisfies AppendTurnInput;
  context.df.signalEntity(thread, 'appendTurn', append);
  const recorded = applyThreadOperation(held, 'appendTurn', append, request.threadId).result;
  if (recorded.ok) {
    outcome.threadMessageCount = recorded.messageCount;
  } else {
    outcome.threadError = recorded.error.message;
  }
  const note = threadNoteOf(compacted, recorded);
  if (note !== undefined) {
    outcome.thread = note;
  }
  return outcome;
}

/**
 * One agent's turn on its thread, composed of the steps: hold the thread (when continuing it), ask the model with
 * retries and tools, record the exchange, and return the outcome as a value. It never throws: a panel keeps every
 * answer whatever happens to another agent. Every exit goes through the end, which releases a held thread that
 * the record step did not and reports the final progress once. A lone turn runs it as its orchestration; a panel
 * runs one per agent side by side (interleave.ts).
 */
export function* agentTurn(scope: TurnScope): TurnStep<AgentOutcome> {
  const held = yield* holdThread(scope);
  let outcome: AgentOutcome;
  if (!held.ok) {
    outcome = held.error;
  } else {
    // What the model sees of the thread: its messages' roles and texts.
    const history = (held.state?.messages ?? []).map(({ role, content }) => ({ role, content }));
    const compacted = yield* compactHistory(scope.context, scope.request, history, scope.deadline);
    const answered = yield* askWithTools(scope, compacted.history);
    const asked = answered.ok ? yield* askAgainOnInvalidOutput(scope, compacted.history, answered) : answered;
    outcome = asked.ok
      ? recordOnThread(scope, asked.answer, asked.attempts, asked.tools, compacted, held.state)
      : asked.error;
  }
  // A successful append ended the hold; any other end of a held thread must end it here.
  const recorded = outcome.status === 'answered' && outcome.threadError === undefined;
  if (held.ok && held.held && !recorded) {
    scope.context.df.signalEntity(scope.thread, 'endTurn', { turnId: scope.turnId } satisfies EndTurnInput);
  }
  scope.progress(
    outcome.status,
    outcome.attempts,
    outcome.status === 'answered' ? {} : { lastErrorCode: outcome.code },
  );
  return outcome;
}

/** A turn started on its own (POST /api/agents/{agent}/run): its progress is its custom status. */
export function* agentTurnOrchestrator(context: OrchestrationContext): TurnStep<AgentOutcome> {
  const validated = validateInput(context);
  if (!validated.ok) {
    return validated.error;
  }
  const scope = turnScope(context, validated.request, context.df.instanceId, (progress) => {
    context.df.setCustomStatus(progress);
  });
  return yield* agentTurn(scope);
}
