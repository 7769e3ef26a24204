import * as z from 'zod';
import { ConfigurationError } from '../config/settings';
import { errorMessageMaxChars, fitText } from '../limits/payloadLimits';
import type { ChatCompletionResult, ChatMessage, ChatModel, TokenUsage } from '../model/chatModel';
import { ModelError, type ModelErrorCode } from '../model/modelError';
import { optionalTraceCarrier } from '../telemetry/traceCarrier';
import { threadMessageSchema } from '../threads/thread';
import { agentDefinitionSchema } from './agentDefinition';

/**
 * Where an attempt belongs, for its span, metrics and log lines: set by the turn orchestration from its own
 * instance and counters, so it is the same on every replay.
 */
export const attemptTelemetrySchema = z
  .object({
    /** The panel run's instance id; absent for a turn started on its own. */
    runId: z.string().min(1).optional(),
    turnId: z.string().min(1),
    threadId: z.string().min(1),
    attempt: z.number().int().min(1),
    /** The error code of the attempt before this one, when this attempt is a retry. */
    retryOf: z.string().min(1).optional(),
    /** The run's trace: the attempt's span joins it. */
    trace: optionalTraceCarrier,
  })
  .strict();
export type AttemptTelemetry = z.infer<typeof attemptTelemetrySchema>;

export const agentAttemptInputSchema = z
  .object({
    agent: agentDefinitionSchema,
    /** The thread's earlier messages; empty for a fresh thread. */
    history: z.array(threadMessageSchema),
    prompt: z.string().min(1),
    answerMaxChars: z.number().int().min(1),
    answerMaxBytes: z.number().int().min(64),
    telemetry: attemptTelemetrySchema.optional(),
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

/** How a model call ended: the completion, or the error type (a ModelError code) that stopped it. */
export type ModelCallOutcome = { completion: ChatCompletionResult } | { errorType: string };

/**
 * Told about each model call as it starts, e.g. to trace and measure it; it returns what to call when the call
 * ends. The attempt works the same without one.
 */
export type ModelCallObserver = (call: {
  model: string;
  messages: ChatMessage[];
}) => (outcome: ModelCallOutcome) => void;

function errorTypeOf(error: unknown): string {
  if (error instanceof ModelError) {
    return error.code;
  }
  return error instanceof ConfigurationError ? 'configuration_error' : 'unexpected_error';
}

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
export async function runAgentAttempt(
  rawInput: unknown,
  chat: () => ChatModel,
  observe?: ModelCallObserver,
): Promise<AgentAttemptResult> {
  const parsed = agentAttemptInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    return failedAttempt({ code: 'invalid_input', message: z.prettifyError(parsed.error), retryable: false });
  }
  const input = parsed.data;
  let ended: ((outcome: ModelCallOutcome) => void) | undefined;
  try {
    const model = chat();
    const messages = buildMessages(input);
    ended = observe?.({ model: input.agent.model ?? model.defaultModel, messages });
    const completion = await model.complete(messages, input.agent.model);
    ended?.({ completion });
    ended = undefined;
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
    ended?.({ errorType: errorTypeOf(error) });
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
