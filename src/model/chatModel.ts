import type {} from '@azure/openai/types';
import type OpenAI from 'openai';
import type { ModelRequestOptions } from '../config/settings';
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
  /** The model the service says answered, e.g. "gpt-5.4-mini-2026-03-17". */
  model: string;
  /** What the request asked for: the Azure deployment or the compatible server's model name. */
  requestedModel: string;
  finishReason: string;
  usage: TokenUsage;
}

/**
 * Sends one chat completion attempt with its own deadline; every failure surfaces as a ModelError that says
 * whether retrying can help. Retrying is the orchestration's job: it waits on durable timers, which cost no
 * compute and survive a restart, where an in-process retry would hold the activity open.
 */
export class ChatModel {
  constructor(
    private readonly client: OpenAI,
    /** The model a call uses when it names none: the Azure deployment or the compatible server's model. */
    readonly defaultModel: string,
    private readonly options: ModelRequestOptions,
    /** The longest retry-after a caller will honour; longer ones make a 429 not retryable. */
    private readonly maxRetryAfterMs: number,
  ) {}

  async complete(messages: ChatMessage[], model?: string): Promise<ChatCompletionResult> {
    const requestedModel = model ?? this.defaultModel;
    // One controller per call, released in finally: a signal shared across calls (or AbortSignal.any over one)
    // accumulates dependants that Node walks on every abort check (nodejs/node#55351) and stalls the event loop.
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort();
    }, this.options.timeoutMs);
    try {
      const completion = await this.client.chat.completions.create(
        this.requestBody(messages, requestedModel),
        {
          signal: deadline.signal,
        },
      );
      return toResult(completion, requestedModel);
    } catch (error) {
      if (deadline.signal.aborted) {
        throw new ModelError(
          'timeout',
          `The model did not answer within ${this.options.timeoutMs} ms (MODEL_TIMEOUT_MS).`,
          { retryable: true, cause: error },
        );
      }
      throw toModelError(error, this.maxRetryAfterMs);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Valid for reasoning models (the gpt-5 family rejects max_tokens, temperature and top_p) and classic chat
   * models alike: the token cap goes as max_completion_tokens, and sampling or reasoning options only when set.
   */
  private requestBody(
    messages: ChatMessage[],
    model: string,
  ): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
    return {
      model,
      messages,
      max_completion_tokens: this.options.maxCompletionTokens,
      ...(this.options.reasoningEffort === undefined
        ? {}
        : { reasoning_effort: this.options.reasoningEffort }),
      ...(this.options.temperature === undefined ? {} : { temperature: this.options.temperature }),
    };
  }
}

function malformed(detail: string): ModelError {
  return new ModelError('bad_response', `The model service sent a malformed reply: ${detail}.`, {
    retryable: true,
  });
}

function hasMessage(choice: unknown): choice is OpenAI.Chat.Completions.ChatCompletion.Choice {
  const message = (choice as { message?: unknown } | null)?.message;
  return typeof message === 'object' && message !== null;
}

function toResult(completion: unknown, requestedModel: string): ChatCompletionResult {
  // The body is whatever the server sent: a proxy or a broken deployment can answer 200 with anything.
  if (typeof completion !== 'object' || completion === null) {
    throw malformed('not a JSON object');
  }
  const { choices, model, usage } = completion as Partial<OpenAI.Chat.Completions.ChatCompletion>;
  if (!Array.isArray(choices)) {
    throw malformed('no choices array');
  }
  const first: unknown = choices[0];
  if (first === undefined) {
    throw new ModelError('empty_response', 'The model returned no choices.', { retryable: true });
  }
  if (!hasMessage(first)) {
    throw malformed('a choice without a message');
  }
  const choice = first;
  if (choice.finish_reason === 'content_filter') {
    const categories = filteredCategories(
      choice.content_filter_results as Parameters<typeof filteredCategories>[0],
    );
    const which = categories.length > 0 ? ` Filtered categories: ${categories.join(', ')}.` : '';
    throw new ModelError('content_filter', `The answer was withheld by the content filter.${which}`, {
      retryable: false,
    });
  }
  const refusal = choice.message.refusal;
  if (typeof refusal === 'string' && refusal.trim() !== '') {
    // A refusal is the model's considered reply: asking again bills again for the same answer.
    throw new ModelError('refused', refusal, { retryable: false });
  }
  const content: unknown = choice.message.content;
  if (content !== null && content !== undefined && typeof content !== 'string') {
    throw malformed('message content is not text');
  }
  const text = content ?? '';
  if (text.trim() === '') {
    const why = choice.finish_reason === 'length' ? ' (it used all MODEL_MAX_COMPLETION_TOKENS)' : '';
    throw new ModelError('empty_response', `The model returned an empty answer${why}.`, { retryable: true });
  }
  return {
    text,
    model: typeof model === 'string' && model !== '' ? model : requestedModel,
    requestedModel,
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : 'unknown',
    usage: {
      inputTokens: usage?.prompt_tokens ?? 0,
      outputTokens: usage?.completion_tokens ?? 0,
      totalTokens: usage?.total_tokens ?? 0,
    },
  };
}
