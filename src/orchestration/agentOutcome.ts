import { messageOf } from '../errorMessage';
import type { AgentAnswerText, AgentErrorCode } from '../agents/agentAttempt';
import type { TokenUsage } from '../model/chatModel';
import type { ThreadNote } from './compaction';

/** One agent's answer to one prompt, recorded on its thread. */
export interface AgentAnswer extends AgentAnswerText {
  status: 'answered';
  agent: string;
  /** Also the key of the durable entity (`agentThread`) that holds the thread. */
  threadId: string;
  attempts: number;
  /** Messages on the thread after this turn; absent when the thread could not be written (see threadError). */
  threadMessageCount?: number;
  threadError?: string;
  /** Tool calls the model asked for in this turn; absent when it asked for none. */
  toolCalls?: number;
  /** The tools it called, each once, in the order first called; absent with toolCalls. */
  tools?: string[];
  /** How the thread was kept within its limits, when it had to be (compaction); absent otherwise. */
  thread?: ThreadNote;
}

/**
 * Failures of a turn beyond its attempts: its thread belongs to another agent or is in use, the runtime failed
 * it, or its answer did not match the agent's output schema even when asked again.
 */
export const turnErrorCodes = [
  'thread_conflict',
  'thread_busy',
  'orchestration_failed',
  'invalid_output',
] as const;
export type AgentFailureCode = AgentErrorCode | (typeof turnErrorCodes)[number];

/** Why an agent has no answer. `timed_out`: the run's deadline came first. */
export interface AgentFailure {
  status: 'failed' | 'timed_out';
  agent: string;
  threadId: string;
  code: AgentFailureCode;
  message: string;
  attempts: number;
}

export type AgentOutcome = AgentAnswer | AgentFailure;

/** `cancelled`: the run or turn was terminated (by a caller) before this agent ended. */
export type AgentState =
  'waiting' | 'answering' | 'calling_tool' | 'retrying' | 'answered' | 'failed' | 'timed_out' | 'cancelled';

/** An agent's live state: a lone turn's custom status, or its entry in its panel run's. */
export interface AgentProgress {
  agent: string;
  state: AgentState;
  attempt: number;
  maxAttempts: number;
  /** When the next attempt starts (ISO 8601), while retrying. */
  nextAttemptAt?: string;
  /** The code of the last failed attempt, while retrying or once failed. */
  lastErrorCode?: AgentFailureCode;
  /** The tools of the round being run, comma-separated, while calling tools. */
  tool?: string;
}

export function sumUsage(usages: TokenUsage[]): TokenUsage {
  return usages.reduce(
    (total, usage) => ({
      inputTokens: total.inputTokens + usage.inputTokens,
      outputTokens: total.outputTokens + usage.outputTokens,
      totalTokens: total.totalTokens + usage.totalTokens,
    }),
    { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
  );
}

export function listNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/**
 * The durable runtime hands back an activity or sub-orchestration failure as "... function 'x' failed: <message>"
 * followed by serialized exception details and stack traces; callers need only the message.
 */
export function durableFailureReason(error: unknown): string {
  const text = messageOf(error);
  const firstLine = text.split('\n')[0] ?? text;
  return firstLine.replace(/^(Activity|Orchestrator) function '[^']*' failed:\s*/, '').trim();
}
