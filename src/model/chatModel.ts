import type {} from '@azure/openai/types';
import type OpenAI from 'openai';
import type { ModelRequestOptions } from '../config/settings';
import { assembleStream } from './chatStream';
import { withModelDeadline } from './modelCall';
import { filteredCategories, ModelError } from './modelError';

/** A call the model asked for, as the Chat Completions API writes it in an assistant message. */
export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A message of a chat request: text, an assistant's tool calls, or one call's result. */
export type ChatMessage =
  | { role: 'system' | 'user' | 'assistant'; content: string }
  | {
      role: 'assistant';
      content: null;
      tool_calls: ChatToolCall[];
      /** What the model API that made these calls needs sent back with them (ResponsesModel's reasoning items). */
      carry?: string;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

/** A function the request offers the model (strict mode), as src/tools/registry.ts declares it. */
export interface ChatTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  strict: boolean;
}

/** What a call may ask beyond messages, model and tools. */
export interface CompleteOptions {
  /** Structured output: the answer must be JSON valid against `schema` (strict mode). */
  output?: { name: string; schema: Record<string, unknown> };
  /** Streaming: called with each text delta, in order, as the model writes; absent = a non-streaming request. */
  onDelta?: (text: string) => void;
}

/** One call the model asked for: its id, the tool's name and the arguments as the raw JSON text it sent. */
export interface ModelToolCall {
  id: string;
  name: string;
  arguments: string;
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
  /** The model asked for these calls instead of answering (only when the request offered tools); text is then ''. */
  toolCalls?: ModelToolCall[];
  /**
   * With toolCalls: what the next call must send back with them, opaque to everyone but the model class that
   * wrote it (ResponsesModel: the reasoning items, in order). Absent when there is nothing to send back.
   */
  carry?: string;
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

  /**
   * Sends the messages; `tools`, when given and not empty, are offered to the model, which may call them. With
   * `options.onDelta` the request streams and the text arrives in deltas as the model writes; the result, and
   * every failure, is the same as without.
   */
  async complete(
    messages: ChatMessage[],
    model?: string,
    tools?: ChatTool[],
    options: CompleteOptions = {},
  ): Promise<ChatCompletionResult> {
    const requestedModel = model ?? this.defaultModel;
    return withModelDeadline(this.options.timeoutMs, this.maxRetryAfterMs, async (signal) => {
      const body = this.requestBody(messages, requestedModel, tools, options.output);
      const { onDelta } = options;
      if (onDelta !== undefined) {
        const stream = await this.client.chat.completions.create(
          { ...body, stream: true, stream_options: { include_usage: true } },
          { signal },
        );
        return toResult(await assembleStream(stream, onDelta), requestedModel);
      }
      return toResult(await this.client.chat.completions.create(body, { signal }), requestedModel);
    });
  }

  /**
   * Valid for reasoning models (the gpt-5 family rejects max_tokens, temperature and top_p) and classic chat
   * models alike: the token cap goes as max_completion_tokens, and sampling or reasoning options only when set.
   */
  private requestBody(
    messages: ChatMessage[],
    model: string,
    tools: ChatTool[] | undefined,
    output: CompleteOptions['output'],
  ): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
    return {
      model,
      // A carry is another API's (Responses) state: Chat Completions takes no unknown message fields.
      messages: messages.map((message) =>
        message.role === 'assistant' && message.content === null
          ? { role: message.role, content: null, tool_calls: message.tool_calls }
          : message,
      ),
      // No `tools` key at all without tools: an agent without tools sends the request it always has.
      ...(tools === undefined || tools.length === 0
        ? {}
        : { tools: tools.map((tool) => ({ type: 'function' as const, function: tool })) }),
      // Likewise no `response_format` for a text answer.
      ...(output === undefined
        ? {}
        : {
            response_format: {
              type: 'json_schema' as const,
              json_schema: { name: output.name, schema: output.schema, strict: true },
            },
          }),
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
  const toolCalls = toolCallsOf(choice.message.tool_calls);
  if (toolCalls.length > 0) {
    return {
      text: '',
      toolCalls,
      model: typeof model === 'string' && model !== '' ? model : requestedModel,
      requestedModel,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : 'unknown',
      usage: usageOf(usage),
    };
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
    usage: usageOf(usage),
  };
}

function usageOf(usage: OpenAI.Completions.CompletionUsage | undefined): TokenUsage {
  return {
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    totalTokens: usage?.total_tokens ?? 0,
  };
}

/** The function calls of a reply, checked: a call without an id or a name is a malformed reply. */
function toolCallsOf(raw: unknown): ModelToolCall[] {
  if (raw === undefined || raw === null) {
    return [];
  }
  if (!Array.isArray(raw)) {
    throw malformed('tool_calls is not an array');
  }
  return raw.map((call: unknown) => {
    const { id, function: fn } = (call ?? {}) as {
      id?: unknown;
      function?: { name?: unknown; arguments?: unknown };
    };
    if (typeof id !== 'string' || id === '' || typeof fn?.name !== 'string' || fn.name === '') {
      throw malformed('a tool call without an id or a function name');
    }
    return { id, name: fn.name, arguments: typeof fn.arguments === 'string' ? fn.arguments : '' };
  });
}
