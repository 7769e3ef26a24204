import { z } from 'zod';
import type { ChatMessage, ChatModel, TokenUsage } from '../model/chatModel';
import { ModelError, type ModelErrorCode } from '../model/modelError';
import { threadMessageSchema } from '../threads/thread';
import { agentDefinitionSchema } from './agentDefinition';

export const agentTurnInputSchema = z
  .object({
    agent: agentDefinitionSchema,
    threadId: z.string().min(1),
    /** The thread's earlier messages; empty for a fresh thread. */
    history: z.array(threadMessageSchema),
    prompt: z.string().min(1),
  })
  .strict();
export type AgentTurnInput = z.infer<typeof agentTurnInputSchema>;

export type AgentTurnResult =
  | {
      status: 'answered';
      agent: string;
      threadId: string;
      answer: string;
      model: string;
      requestedModel: string;
      finishReason: string;
      usage: TokenUsage;
    }
  | {
      status: 'failed';
      agent: string;
      threadId: string;
      error: { code: ModelErrorCode | 'invalid_input'; message: string; requestId?: string };
    };

export function buildMessages(input: AgentTurnInput): ChatMessage[] {
  return [
    { role: 'system', content: input.agent.instructions },
    ...input.history,
    { role: 'user', content: input.prompt },
  ];
}

/**
 * One agent answering one prompt on its thread. A failure that retrying could fix is thrown so durable retry
 * reschedules the turn; any other failure is returned, because retrying it would only repeat it.
 */
export async function runAgentTurn(
  rawInput: unknown,
  chat: ChatModel,
  options: { onRetry?: (error: ModelError, retry: number) => void } = {},
): Promise<AgentTurnResult> {
  const parsed = agentTurnInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const agent = (rawInput as { agent?: { name?: unknown } } | undefined)?.agent?.name;
    return {
      status: 'failed',
      agent: typeof agent === 'string' ? agent : 'unknown',
      threadId: 'unknown',
      error: { code: 'invalid_input', message: z.prettifyError(parsed.error) },
    };
  }
  const input = parsed.data;
  try {
    const completion = await chat.complete(buildMessages(input), input.agent.model, options);
    return {
      status: 'answered',
      agent: input.agent.name,
      threadId: input.threadId,
      answer: completion.text,
      model: completion.model,
      requestedModel: completion.requestedModel,
      finishReason: completion.finishReason,
      usage: completion.usage,
    };
  } catch (error) {
    if (!(error instanceof ModelError)) {
      throw error;
    }
    if (error.retryable) {
      // The message is all that survives the trip through the Durable extension, so it carries the code.
      throw new Error(`${error.code}: ${error.message}`, { cause: error });
    }
    return {
      status: 'failed',
      agent: input.agent.name,
      threadId: input.threadId,
      error: {
        code: error.code,
        message: error.message,
        ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
      },
    };
  }
}
