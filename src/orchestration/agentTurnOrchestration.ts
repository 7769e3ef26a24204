import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import * as z from 'zod';
import { agentDefinitionSchema } from '../agents/agentDefinition';
import {
  failedAttempt,
  type AgentAttemptInput,
  type AgentAttemptResult,
  type AgentError,
  type AgentErrorCode,
} from '../agents/agentTurn';
import { functionNames } from '../functionNames';
import { errorMessageMaxChars, fitText } from '../limits/payloadLimits';
import { optionalTraceCarrier } from '../telemetry/traceCarrier';
import {
  threadLimitsSchema,
  type AppendTurnInput,
  type BeginTurnInput,
  type EndTurnInput,
  type ThreadMessage,
  type ThreadOperationResult,
} from '../threads/thread';
import {
  durableFailureReason,
  type AgentAnswer,
  type AgentFailure,
  type AgentFailureCode,
  type AgentOutcome,
  type AgentProgress,
} from './agentOutcome';

export const agentRetryPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(10),
    firstRetryDelayMs: z.number().int().min(0),
    maxRetryDelayMs: z.number().int().min(0),
    maxRetryAfterMs: z.number().int().min(0),
  })
  .strict();

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
  })
  .strict();
export type AgentTurnRequest = z.infer<typeof agentTurnRequestSchema>;

/**
 * Wait before attempt `attempt + 1`: the service's retry-after when it gave one, else exponential backoff with a
 * cap. `spread` (0..1, see retrySpread) keeps a panel's agents from retrying in lockstep on one quota.
 */
export function retryDelayMs(
  policy: AgentTurnRequest['retry'],
  attempt: number,
  retryAfterMs: number | undefined,
  spread: number,
): number {
  if (retryAfterMs !== undefined) {
    return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  }
  const backoff = Math.min(policy.maxRetryDelayMs, policy.firstRetryDelayMs * 2 ** (attempt - 1));
  return Math.round(backoff * (0.75 + 0.25 * spread));
}

/**
 * A number in [0, 1) that differs between agents and attempts and never between replays: an FNV-1a hash of the
 * agent's name and the attempt, so it needs no clock, randomness or GUID.
 */
export function retrySpread(agentName: string, attempt: number): number {
  let hash = 0x811c9dc5;
  for (const character of `${agentName}#${attempt}`) {
    hash = Math.imul(hash ^ (character.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  }
  return hash / 0x100000000;
}

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

/**
 * One agent's turn on its thread: read the thread (when continuing it), ask the model with retries on durable
 * timers, record the exchange on the thread, and return the outcome as a value. It never throws: a panel that
 * fans out over turns keeps every answer whatever happens to another agent.
 */
export function* agentTurnOrchestrator(
  context: OrchestrationContext,
): Generator<Task, AgentOutcome, unknown> {
  const parsed = agentTurnRequestSchema.safeParse(context.df.getInput());
  if (!parsed.success) {
    const raw = context.df.getInput<{ agent?: { name?: unknown }; threadId?: unknown } | undefined>();
    return failure(
      {
        agent: typeof raw?.agent?.name === 'string' ? raw.agent.name : 'unknown',
        threadId: typeof raw?.threadId === 'string' ? raw.threadId : 'unknown',
      },
      'failed',
      'invalid_input',
      `The turn's input is invalid: ${z.prettifyError(parsed.error)}`,
      0,
    );
  }
  const request = parsed.data;
  const { agent, retry } = request;
  const deadline = request.deadline === undefined ? undefined : new Date(request.deadline);
  const turn = { agent: agent.name, threadId: request.threadId };
  const thread = new df.EntityId(functionNames.threadEntity, request.threadId);
  const turnId = context.df.instanceId;
  let holdsThread = false;
  const release = () => {
    if (holdsThread) {
      context.df.signalEntity(thread, 'endTurn', { turnId } satisfies EndTurnInput);
    }
  };
  const progress = (state: AgentProgress['state'], attempt: number, extra: Partial<AgentProgress> = {}) => {
    context.df.setCustomStatus({
      agent: agent.name,
      state,
      attempt,
      maxAttempts: retry.maxAttempts,
      ...extra,
    } satisfies AgentProgress);
  };

  let history: ThreadMessage[] = [];
  if (request.readThread) {
    const now = context.df.currentUtcDateTime;
    // A hold that outlives a crashed or terminated turn ends at the deadline (or an hour without one).
    const until = deadline ?? new Date(now.getTime() + 3_600_000);
    let begun: ThreadOperationResult;
    try {
      begun = (yield context.df.callEntity(thread, 'beginTurn', {
        agent: agent.name,
        turnId,
        now: now.toISOString(),
        until: until.toISOString(),
      } satisfies BeginTurnInput)) as ThreadOperationResult;
    } catch (error) {
      progress('failed', 0, { lastErrorCode: 'orchestration_failed' });
      return failure(
        turn,
        'failed',
        'orchestration_failed',
        `Reading the thread failed: ${durableFailureReason(error)}`,
        0,
      );
    }
    if (!begun.ok) {
      const code = begun.error.code === 'thread_busy' ? 'thread_busy' : 'thread_conflict';
      progress('failed', 0, { lastErrorCode: code });
      return failure(turn, 'failed', code, begun.error.message, 0);
    }
    holdsThread = true;
    history = (begun.thread?.messages ?? []).map(({ role, content }) => ({ role, content }));
  }

  let attempt = 0;
  let emptyAnswers = 0;
  let lastErrorCode: AgentErrorCode | undefined;
  let answer: Extract<AgentAttemptResult, { status: 'answered' }> | undefined;
  while (answer === undefined) {
    attempt++;
    progress('answering', attempt);
    let result: AgentAttemptResult;
    try {
      result = (yield context.df.callActivity(functionNames.agentTurnActivity, {
        agent,
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
          ...(lastErrorCode === undefined ? {} : { retryOf: lastErrorCode }),
          ...(request.trace === undefined ? {} : { trace: request.trace }),
        },
      } satisfies AgentAttemptInput)) as AgentAttemptResult;
    } catch (error) {
      // A crash or a bug in the activity, not a model failure: worth another attempt, reported if it persists.
      result = failedAttempt({
        code: 'activity_failed',
        message: durableFailureReason(error),
        retryable: true,
      });
    }
    if (result.status === 'answered') {
      answer = result;
      break;
    }
    const error: AgentError = result.error;
    lastErrorCode = error.code;
    if (error.code === 'empty_response') {
      emptyAnswers++;
    }
    // An empty answer is asked again once: a second one is the model's reply to this prompt, and each is billed.
    const retryable = error.retryable && attempt < retry.maxAttempts && emptyAnswers <= 1;
    if (!retryable) {
      release();
      progress('failed', attempt, { lastErrorCode: error.code });
      return failure(turn, 'failed', error.code, error.message, attempt);
    }
    const nextAttemptAt = new Date(
      context.df.currentUtcDateTime.getTime() +
        retryDelayMs(retry, attempt, error.retryAfterMs, retrySpread(agent.name, attempt)),
    );
    if (deadline !== undefined && nextAttemptAt.getTime() >= deadline.getTime()) {
      release();
      progress('timed_out', attempt, { lastErrorCode: error.code });
      return failure(
        turn,
        'timed_out',
        error.code,
        `No time was left for another attempt before the run's deadline. Last error: ${error.message}`,
        attempt,
      );
    }
    progress('retrying', attempt, { nextAttemptAt: nextAttemptAt.toISOString(), lastErrorCode: error.code });
    yield context.df.createTimer(nextAttemptAt);
  }

  const at = context.df.currentUtcDateTime.toISOString();
  const outcome: AgentAnswer = {
    status: 'answered',
    agent: agent.name,
    threadId: request.threadId,
    attempts: attempt,
    answer: answer.answer,
    truncated: answer.truncated,
    model: answer.model,
    requestedModel: answer.requestedModel,
    finishReason: answer.finishReason,
    usage: answer.usage,
  };
  // The answer is kept whatever happens to the thread: it is paid for, and the caller may still want it.
  try {
    const recorded = (yield context.df.callEntity(thread, 'appendTurn', {
      agent: agent.name,
      turnId,
      messages: [
        { role: 'user', content: request.prompt, at },
        { role: 'assistant', content: answer.answer, at },
      ],
      limits: request.thread,
    } satisfies AppendTurnInput)) as ThreadOperationResult;
    if (recorded.ok) {
      outcome.threadMessageCount = recorded.messageCount;
    } else {
      outcome.threadError = recorded.error.message;
      release();
    }
  } catch (error) {
    outcome.threadError = `Recording the thread failed: ${durableFailureReason(error)}`;
    release();
  }
  progress('answered', attempt);
  return outcome;
}
