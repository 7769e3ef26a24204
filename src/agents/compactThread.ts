import * as z from 'zod';
import { ConfigurationError } from '../config/settings';
import { fitText } from '../limits/payloadLimits';
import type { ChatModel, TokenUsage } from '../model/chatModel';
import { ModelError } from '../model/modelError';
import { summaryPrefix, transcriptOf } from '../threads/compaction';
import { threadMessageSchema } from '../threads/thread';
import { agentDefinitionSchema } from './agentDefinition';
import type { AgentError } from './agentAttempt';

/**
 * The summarizing instruction. The loopback model (scripts/stub-model/fakeSummaries.ts) recognises a summary
 * request by its first words, so they stay as they are.
 */
export function summaryInstruction(maxChars: number): string {
  return `Summarize the conversation below for the assistant who continues it. Keep every fact, name, number, decision and open question, one per line; drop greetings and repetition. At most ${maxChars} characters.`;
}

export const compactThreadInputSchema = z
  .object({
    agent: agentDefinitionSchema,
    /** The oldest messages of the thread, a previous summary first when there is one. */
    messages: z.array(threadMessageSchema).min(1),
    summaryMaxChars: z.number().int().min(200).max(8000),
    /** Ids for log lines only. */
    threadId: z.string().min(1),
    attempt: z.number().int().min(1),
  })
  .strict();
export type CompactThreadInput = z.infer<typeof compactThreadInputSchema>;

/** A summary, or why there is none: a value, like a model attempt's result, so the turn decides what follows. */
export type CompactThreadResult =
  | { status: 'summarized'; summary: string; truncated: boolean; usage: TokenUsage }
  | { status: 'failed'; error: AgentError };

/** One summarizing call with the agent's model. */
export async function compactThread(rawInput: unknown, chat: () => ChatModel): Promise<CompactThreadResult> {
  const parsed = compactThreadInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    return {
      status: 'failed',
      error: { code: 'invalid_input', message: z.prettifyError(parsed.error), retryable: false },
    };
  }
  const input = parsed.data;
  try {
    const completion = await chat().complete(
      [
        { role: 'system', content: summaryInstruction(input.summaryMaxChars) },
        { role: 'user', content: transcriptOf(input.messages) },
      ],
      input.agent.model,
    );
    if (completion.text.trim() === '') {
      return {
        status: 'failed',
        error: { code: 'empty_response', message: 'The model wrote an empty summary.', retryable: true },
      };
    }
    const fitted = fitText(completion.text.trim(), input.summaryMaxChars);
    return {
      status: 'summarized',
      summary: `${summaryPrefix}${fitted.text}`,
      truncated: fitted.truncated,
      usage: completion.usage,
    };
  } catch (error) {
    if (error instanceof ConfigurationError) {
      return {
        status: 'failed',
        error: { code: 'configuration_error', message: error.message, retryable: false },
      };
    }
    if (!(error instanceof ModelError)) {
      throw error;
    }
    return {
      status: 'failed',
      error: {
        code: error.code,
        message: fitText(error.message, 500).text,
        retryable: error.retryable,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      },
    };
  }
}
