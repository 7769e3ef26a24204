import type { OrchestrationContext, Task } from 'durable-functions';
import type { CompactThreadInput, CompactThreadResult } from '../agents/compactThread';
import type { AgentDefinition } from '../agents/agentDefinition';
import { functionNames } from '../functionNames';
import type { TokenUsage } from '../model/chatModel';
import { compactionPlan, type AppendCompaction, type CompactionSettings } from '../threads/compaction';
import type { ThreadLimits, ThreadMessage, ThreadOperationResult } from '../threads/thread';
import type { AgentRetryPolicy } from './retryPolicy';
import { durableFailureReason } from './agentOutcome';

/** What the answer says about its thread when compaction was needed (absent when it was not). */
export interface ThreadNote {
  /**
   * summarized: the oldest turns were replaced by one summary; failed: summarizing failed, so they were dropped
   * as before compaction existed; skipped: no time was left before the run's deadline to summarize.
   */
  compaction: 'summarized' | 'failed' | 'skipped';
  /** Messages the summary replaced. */
  summarizedMessages?: number;
  /** Messages dropped without a summary. */
  trimmedMessages?: number;
  message: string;
}

/** What the compaction step hands the rest of the turn. */
export interface CompactedHistory {
  /** What the model reads: the summary and the recent turns, or the history as it was. */
  history: ThreadMessage[];
  /** For appendTurn: the summary and what it replaces; absent when nothing was summarized. */
  append?: AppendCompaction;
  /** The outcome of a needed compaction, for the answer; absent when none was needed. */
  note?: ThreadNote;
  /** Tokens the summary cost, added to the turn's usage. */
  usage?: TokenUsage;
}

/** What the step needs of the turn's request. */
export interface CompactionRequest {
  agent: AgentDefinition;
  threadId: string;
  prompt: string;
  answerMaxChars: number;
  thread: ThreadLimits;
  retry: AgentRetryPolicy;
  compaction?: CompactionSettings | undefined;
}

/** At most this many summarizing calls per turn: a second after a transient failure, then trim. */
const maxSummaryAttempts = 2;

/**
 * Step: before the model call, when the thread nears its limits, ask the agent's model to summarize its oldest
 * turns (the compactThread activity), with one retry on a durable timer for a transient failure, only while a
 * whole call still fits before the run's deadline. Failures are values: the turn then goes on with the whole
 * history, and appendTurn trims as it always did.
 */
export function* compactHistory(
  context: OrchestrationContext,
  request: CompactionRequest,
  history: ThreadMessage[],
  deadline: Date | undefined,
): Generator<Task, CompactedHistory, unknown> {
  const settings = request.compaction;
  const plan =
    settings === undefined
      ? undefined
      : compactionPlan(history, request.thread, settings, request.prompt.length + request.answerMaxChars);
  if (settings === undefined || plan === undefined) {
    return { history };
  }
  const fits = (at: Date) => deadline === undefined || at.getTime() + settings.timeoutMs < deadline.getTime();
  let ended: { status: 'failed' | 'skipped'; reason: string } = {
    status: 'skipped',
    reason: "no time was left before the run's deadline",
  };
  for (let attempt = 1; attempt <= maxSummaryAttempts; attempt++) {
    if (!fits(context.df.currentUtcDateTime)) {
      break;
    }
    let result: CompactThreadResult;
    try {
      result = (yield context.df.callActivity(functionNames.compactThreadActivity, {
        agent: request.agent,
        messages: plan.summarize,
        summaryMaxChars: settings.summaryMaxChars,
        threadId: request.threadId,
        attempt,
      } satisfies CompactThreadInput)) as CompactThreadResult;
    } catch (error) {
      result = {
        status: 'failed',
        error: { code: 'activity_failed', message: durableFailureReason(error), retryable: true },
      };
    }
    if (result.status === 'summarized') {
      const last = plan.summarize.at(-1) as ThreadMessage;
      return {
        history: [{ role: 'system', content: result.summary }, ...plan.keep],
        append: {
          summary: result.summary,
          replaces: plan.summarize.length,
          last: { role: last.role, chars: last.content.length },
        },
        note: {
          compaction: 'summarized',
          summarizedMessages: plan.summarize.length,
          message: `The ${plan.summarize.length} oldest messages were replaced by a summary.`,
        },
        usage: result.usage,
      };
    }
    ended = { status: 'failed', reason: `summarizing failed (${result.error.code})` };
    if (!result.error.retryable || attempt === maxSummaryAttempts) {
      break;
    }
    const at = new Date(context.df.currentUtcDateTime.getTime() + request.retry.firstRetryDelayMs);
    if (!fits(at)) {
      break;
    }
    yield context.df.createTimer(at);
  }
  return {
    history,
    note: {
      compaction: ended.status,
      message: `The thread is near its limits and ${ended.reason}: once full, it drops its oldest turns without a summary (trimmedMessages counts them).`,
    },
  };
}

/** The thread note an answer carries, once appendTurn said what it did; undefined when there is nothing to say. */
export function threadNoteOf(
  compacted: CompactedHistory,
  recorded: ThreadOperationResult | undefined,
): ThreadNote | undefined {
  const { note } = compacted;
  if (note === undefined) {
    return undefined;
  }
  const trimmed = recorded?.ok === true ? recorded.trimmedMessages : undefined;
  if (
    note.compaction === 'summarized' &&
    recorded?.ok === true &&
    recorded.summarizedMessages === undefined
  ) {
    // The thread changed under the plan (it cannot while the turn holds it, but the entity checks anyway).
    return {
      compaction: 'failed',
      ...(trimmed === undefined ? {} : { trimmedMessages: trimmed }),
      message:
        'The thread changed before the summary could replace its oldest turns; they were dropped instead.',
    };
  }
  return { ...note, ...(trimmed === undefined ? {} : { trimmedMessages: trimmed }) };
}
