import * as z from 'zod';
import { jsonBytes, threadMaxBytes } from '../limits/payloadLimits';
import type { ThreadLimits, ThreadMessage } from './thread';

/**
 * Compaction: when a thread nears its limits, its oldest turns are replaced by one summary message (written by
 * the agent's model) instead of being dropped. This module decides when and what; the turn's compaction step
 * (src/orchestration/compaction.ts) asks the model, and the thread entity applies the result.
 */

/** THREAD_COMPACT_AT_PERCENT, THREAD_KEEP_RECENT_TURNS, THREAD_SUMMARY_MAX_CHARS, and one model call's deadline. */
export const compactionSettingsSchema = z
  .object({
    atPercent: z.number().int().min(10).max(100),
    keepRecentTurns: z.number().int().min(1).max(50),
    summaryMaxChars: z.number().int().min(200).max(8000),
    /** MODEL_TIMEOUT_MS: a summary is asked for only when one call fits before the run's deadline. */
    timeoutMs: z.number().int().min(1000),
  })
  .strict();
export type CompactionSettings = z.infer<typeof compactionSettingsSchema>;

/** What the summary replaces: the first `replaces` messages, the last of which has this role and length. */
export interface CompactionPlan {
  summarize: ThreadMessage[];
  keep: ThreadMessage[];
}

/** The summary as the thread stores it, and as the model reads it: a system message before the recent turns. */
export const summaryPrefix = 'Summary of the earlier conversation:\n';

/**
 * Whether the thread, with the turn being asked (`incomingChars` of prompt and at most the answer), is past
 * `atPercent` of any of its limits, and if so which messages to summarize: all but the last keepRecentTurns
 * turns (a previous summary included). Undefined when there is nothing to do, or too little to summarize.
 */
export function compactionPlan(
  history: readonly ThreadMessage[],
  limits: ThreadLimits,
  settings: Pick<CompactionSettings, 'atPercent' | 'keepRecentTurns'>,
  incomingChars: number,
): CompactionPlan | undefined {
  const chars = history.reduce((sum, message) => sum + message.content.length, 0) + incomingChars;
  const over = (used: number, limit: number) => used * 100 > limit * settings.atPercent;
  const near =
    over(history.length + 2, limits.maxMessages) ||
    over(chars, limits.maxChars) ||
    over(jsonBytes(history) + incomingChars, threadMaxBytes);
  if (!near) {
    return undefined;
  }
  let start = history.length;
  for (let turns = 0; start > 0 && turns < settings.keepRecentTurns; turns++) {
    start--;
    // A turn is a user message and the answer after it; step back over both.
    if (history[start]?.role === 'assistant' && history[start - 1]?.role === 'user') {
      start--;
    }
  }
  if (start < 2) {
    return undefined;
  }
  return { summarize: history.slice(0, start), keep: history.slice(start) };
}

/** What the turn hands appendTurn so the entity replaces exactly the messages that were summarized. */
export const appendCompactionSchema = z
  .object({
    summary: z
      .string()
      .min(1)
      .max(8000 + summaryPrefix.length),
    /** How many of the thread's first messages the summary replaces. */
    replaces: z.number().int().min(1),
    /** The role and length of the last replaced message: a thread changed since the plan is not compacted. */
    last: z
      .object({ role: z.enum(['user', 'assistant', 'system']), chars: z.number().int().min(0) })
      .strict(),
  })
  .strict();
export type AppendCompaction = z.infer<typeof appendCompactionSchema>;

/** The messages a thread keeps when a compaction applies, or undefined when the thread no longer matches it. */
export function compactedMessages(
  messages: readonly ThreadMessage[],
  compaction: AppendCompaction,
  at: string | undefined,
): ThreadMessage[] | undefined {
  const last = messages[compaction.replaces - 1];
  if (
    last === undefined ||
    last.role !== compaction.last.role ||
    last.content.length !== compaction.last.chars
  ) {
    return undefined;
  }
  return [
    { role: 'system', content: compaction.summary, ...(at === undefined ? {} : { at }) },
    ...messages.slice(compaction.replaces),
  ];
}

/** The transcript the summarizer reads: one "role: text" line block per message. */
export function transcriptOf(messages: readonly ThreadMessage[]): string {
  return messages.map((message) => `${message.role}: ${message.content}`).join('\n');
}
