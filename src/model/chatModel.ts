import type {} from '@azure/openai/types';
import { DelegateBackoff, handleWhen, retry, type IRetryBackoffContext, type RetryPolicy } from 'cockatiel';
import type OpenAI from 'openai';
import { filteredCategories, ModelError, toModelError } from './modelError';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface ChatCompletionResult {
  text: string;
  /** The model the service says answered, e.g. "gpt-4o-mini-2024-07-18". */
  model: string;
  /** What the request asked for: the Azure deployment or the compatible server's model name. */
  requestedModel: string;
  finishReason: string;
  usage: TokenUsage;
}

export interface ChatRetryPolicy {
  /** Deadline of one attempt. */
  timeoutMs: number;
  /** Retries after the first attempt, for transient failures only. */
  maxRetries: number;
  /** The longest retry-after honoured; ModelError classifies longer ones as not retryable. */
  maxRetryAfterMs: number;
  /** Base of the exponential backoff used when the service gives no retry-after. */
  baseDelayMs?: number;
}

const maxBackoffMs = 8000;

function backoffDelay(context: IRetryBackoffContext<unknown>, baseDelayMs: number): number {
  const error = 'error' in context.result ? context.result.error : undefined;
  if (error instanceof ModelError && error.retryAfterMs !== undefined) {
    return error.retryAfterMs;
  }
  const exponential = Math.min(maxBackoffMs, baseDelayMs * 2 ** (context.attempt - 1));
  // Jitter (50-100% of the step) keeps a panel of agents from retrying in lockstep against the same quota.
  return Math.round(exponential * (0.5 + Math.random() / 2));
}

/** Sends chat completions with bounded, classified retries; every failure surfaces as a ModelError. */
export class ChatModel {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly client: OpenAI,
    private readonly defaultModel: string,
    private readonly retryPolicy: ChatRetryPolicy,
  ) {
    const baseDelayMs = retryPolicy.baseDelayMs ?? 500;
    this.policy = retry(
      handleWhen((error) => error instanceof ModelError && error.retryable),
      {
        maxAttempts: retryPolicy.maxRetries,
        backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) =>
          backoffDelay(context, baseDelayMs),
        ),
      },
    );
  }

  async complete(
    messages: ChatMessage[],
    model?: string,
    options: { onRetry?: (error: ModelError, retry: number) => void } = {},
  ): Promise<ChatCompletionResult> {
    const requestedModel = model ?? this.defaultModel;
    return this.policy.execute(async ({ signal, attempt }) => {
      // Our own deadline, so a timeout is known for what it is rather than inferred from the abort error's shape.
      const deadline = AbortSignal.timeout(this.retryPolicy.timeoutMs);
      try {
        const completion = await this.client.chat.completions.create(
          { model: requestedModel, messages },
          { signal: AbortSignal.any([signal, deadline]) },
        );
        return toResult(completion, requestedModel);
      } catch (error) {
        const modelError = deadline.aborted
          ? new ModelError(
              'timeout',
              `The model did not answer within ${this.retryPolicy.timeoutMs} ms (MODEL_TIMEOUT_MS).`,
              { retryable: true, cause: error },
            )
          : toModelError(error, this.retryPolicy.maxRetryAfterMs);
        if (modelError.retryable && attempt < this.retryPolicy.maxRetries) {
          options.onRetry?.(modelError, attempt + 1);
        }
        throw modelError;
      }
    });
  }
}

function toResult(
  completion: OpenAI.Chat.Completions.ChatCompletion,
  requestedModel: string,
): ChatCompletionResult {
  const choice = completion.choices[0];
  if (choice === undefined) {
    throw new ModelError('empty_response', 'The model returned no choices.', { retryable: true });
  }
  if (choice.finish_reason === 'content_filter') {
    const categories = filteredCategories(
      choice.content_filter_results as Parameters<typeof filteredCategories>[0],
    );
    const which = categories.length > 0 ? ` Filtered categories: ${categories.join(', ')}.` : '';
    throw new ModelError('content_filter', `The answer was withheld by the content filter.${which}`, {
      retryable: false,
    });
  }
  const text = choice.message.content ?? '';
  if (text.trim() === '') {
    throw new ModelError('empty_response', 'The model returned an empty answer.', { retryable: true });
  }
  return {
    text,
    model: completion.model || requestedModel,
    requestedModel,
    finishReason: choice.finish_reason,
    usage: {
      inputTokens: completion.usage?.prompt_tokens ?? 0,
      outputTokens: completion.usage?.completion_tokens ?? 0,
      totalTokens: completion.usage?.total_tokens ?? 0,
    },
  };
}
