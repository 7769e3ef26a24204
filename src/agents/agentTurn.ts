import * as z from 'zod';
import { ConfigurationError } from '../config/settings';
import { errorMessageMaxChars, fitText } from '../limits/payloadLimits';
import type { ChatMessage, ChatModel, TokenUsage } from '../model/chatModel';
import { ModelError, type ModelErrorCode } from '../model/modelError';
import { threadMessageSchema } from '../threads/thread';
import { agentDefinitionSchema } from './agentDefinition';

export const agentAttemptInputSchema = z
  .object({
    agent: agentDefinitionSchema,
    /** The thread's earlier messages; empty for a fresh thread. */
    history: z.array(threadMessageSchema),
    prompt: z.string().min(1),
    answerMaxChars: z.number().int().min(1),
    answerMaxBytes: z.number().int().min(64),
  })
  .strict();
export type AgentAttemptInput = z.infer<typeof agentAttemptInputSchema>;

/** Failures of an attempt that are not the model's: bad input, missing settings, a crash of the activity. */
export const attemptErrorCodes = ['invalid_input', 'configuration_error', 'activity_failed'] as const;
export type AgentErrorCode = ModelErrorCode | (typeof attemptErrorCodes)[number];

/** A failure as a value: what went wrong, in words a caller can act on, and whether another attempt can help. */
export interface AgentError {
  code: AgentErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  requestId?: string;
}

export interface AgentAnswerText {
  answer: string;
  /** The answer was longer than the limits and is kept shortened. */
  truncated: boolean;
  model: string;
  requestedModel: string;
  finishReason: string;
  usage: TokenUsage;
}

/** What one attempt returns. It never throws for a model failure: retrying is the orchestration's decision. */
export type AgentAttemptResult =
  ({ status: 'answered' } & AgentAnswerText) | { status: 'failed'; error: AgentError };

export function buildMessages(input: AgentAttemptInput): ChatMessage[] {
  return [
    { role: 'system', content: input.agent.instructions },
    ...input.history.map(({ role, content }) => ({ role, content })),
    { role: 'user', content: input.prompt },
  ];
}

export function failedAttempt(error: AgentError): AgentAttemptResult {
  return {
    status: 'failed',
    error: { ...error, message: fitText(error.message, errorMessageMaxChars).text },
  };
}

/** One attempt of one agent at one prompt, with its thread's earlier messages. */
export async function runAgentAttempt(rawInput: unknown, chat: () => ChatModel): Promise<AgentAttemptResult> {
  const parsed = agentAttemptInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    return failedAttempt({ code: 'invalid_input', message: z.prettifyError(parsed.error), retryable: false });
  }
  const input = parsed.data;
  try {
    const completion = await chat().complete(buildMessages(input), input.agent.model);
    const fitted = fitText(completion.text, input.answerMaxChars, input.answerMaxBytes);
    return {
      status: 'answered',
      answer: fitted.text,
      truncated: fitted.truncated,
      model: completion.model,
      requestedModel: completion.requestedModel,
      finishReason: completion.finishReason,
      usage: completion.usage,
    };
  } catch (error) {
    if (error instanceof ConfigurationError) {
      return failedAttempt({ code: 'configuration_error', message: error.message, retryable: false });
    }
    if (!(error instanceof ModelError)) {
      throw error;
    }
    return failedAttempt({
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    });
  }
}
