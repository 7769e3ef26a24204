import type OpenAI from 'openai';
import type { ModelRequestOptions } from '../config/settings';
import type {
  ChatCompletionResult,
  ChatMessage,
  ChatTool,
  CompleteOptions,
  ModelToolCall,
  TokenUsage,
} from './chatModel';
import { withModelDeadline } from './modelCall';
import { ModelError } from './modelError';
import { loadOpenAI } from './openaiModule';

type InputItem = OpenAI.Responses.ResponseInputItem;
type CreateParams = Omit<OpenAI.Responses.ResponseCreateParamsNonStreaming, 'stream'>;

/** A function_call item of the carry: only its ids; name and arguments come from the stored call. */
interface CallRef {
  type: 'function_call';
  id?: string;
  call_id: string;
}

/**
 * Sends one model call through the Responses API, statelessly: nothing is stored on the service
 * (`store: false`), and the reasoning items a tool round produced come back encrypted
 * (`include: ["reasoning.encrypted_content"]`) so the next call can send them back and the model keeps its
 * reasoning across rounds. Same contract as ChatModel: one attempt with its own deadline, every failure a
 * ModelError of the same kinds.
 */
export class ResponsesModel {
  /**
   * Models that said they return no encrypted reasoning (models without reasoning answer a 400 on `include`): asked
   * without it from then on, in this process. They have no reasoning to carry, so nothing is lost.
   */
  private readonly withoutEncryptedReasoning = new Set<string>();

  constructor(
    private readonly client: OpenAI,
    readonly defaultModel: string,
    private readonly options: ModelRequestOptions,
    private readonly maxRetryAfterMs: number,
  ) {}

  async complete(
    messages: ChatMessage[],
    model?: string,
    tools?: ChatTool[],
    options: CompleteOptions = {},
  ): Promise<ChatCompletionResult> {
    const requestedModel = model ?? this.defaultModel;
    return withModelDeadline(this.options.timeoutMs, this.maxRetryAfterMs, async (signal) => {
      const send = (include: boolean): Promise<unknown> => {
        const body = this.requestBody(messages, requestedModel, tools, options, include);
        return options.onDelta === undefined
          ? this.created(body, signal)
          : this.streamed(body, options.onDelta, signal);
      };
      const include = !this.withoutEncryptedReasoning.has(requestedModel);
      let response: unknown;
      try {
        response = await send(include);
      } catch (error) {
        if (!include || !rejectsInclude(error)) {
          throw error;
        }
        this.withoutEncryptedReasoning.add(requestedModel);
        response = await send(false);
      }
      return toResult(response, requestedModel);
    });
  }

  /**
   * The raw reply's JSON: the client's own parsing assumes a well-formed response (it walks `output` to add
   * `output_text`) and would fail on a malformed one with a TypeError rather than a reply to classify.
   */
  private async created(body: CreateParams, signal: AbortSignal): Promise<unknown> {
    const response = await this.client.responses.create(body, { signal }).asResponse();
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw malformed('not valid JSON');
    }
  }

  /** Streams the answer's text to onDelta and returns the final response the stream ends with. */
  private async streamed(
    body: CreateParams,
    onDelta: (text: string) => void,
    signal: AbortSignal,
  ): Promise<unknown> {
    const stream = await this.client.responses.create({ ...body, stream: true }, { signal });
    let final: unknown;
    try {
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') {
          onDelta(event.delta);
        } else if (
          event.type === 'response.completed' ||
          event.type === 'response.incomplete' ||
          event.type === 'response.failed'
        ) {
          final = event.response;
        }
      }
    } catch (error) {
      // An `error` event mid-stream: the client raises it without an HTTP status.
      const { APIError } = loadOpenAI();
      if (error instanceof APIError && error.status === undefined) {
        throw failedResponse(error.error as { code?: unknown; message?: unknown } | undefined);
      }
      throw error;
    }
    if (final === undefined) {
      throw malformed('the stream ended without a final response event');
    }
    return final;
  }

  private requestBody(
    messages: ChatMessage[],
    model: string,
    tools: ChatTool[] | undefined,
    options: CompleteOptions,
    include: boolean,
  ): CreateParams {
    const { instructions, input } = toInput(messages);
    return {
      model,
      ...(instructions === undefined ? {} : { instructions }),
      input,
      store: false,
      ...(include ? { include: ['reasoning.encrypted_content' as const] } : {}),
      ...(tools === undefined || tools.length === 0
        ? {}
        : { tools: tools.map((tool) => ({ type: 'function' as const, ...tool })) }),
      max_output_tokens: this.options.maxCompletionTokens,
      ...(this.options.reasoningEffort === undefined
        ? {}
        : { reasoning: { effort: this.options.reasoningEffort } }),
      ...(this.options.temperature === undefined ? {} : { temperature: this.options.temperature }),
      ...(options.output === undefined
        ? {}
        : {
            text: {
              format: {
                type: 'json_schema' as const,
                name: options.output.name,
                schema: options.output.schema,
                strict: true,
              },
            },
          }),
    };
  }
}

/**
 * The messages as the Responses API takes them: the leading system messages become `instructions`, text
 * messages stay messages, and each tool round becomes its carried items (reasoning, in order, each with the
 * item that followed it), its function_call items and one function_call_output per call.
 */
export function toInput(messages: ChatMessage[]): { instructions?: string; input: InputItem[] } {
  const leading: string[] = [];
  let index = 0;
  for (; index < messages.length; index++) {
    const message = messages[index];
    if (message?.role !== 'system') {
      break;
    }
    leading.push(message.content);
  }
  const input: InputItem[] = [];
  for (const message of messages.slice(index)) {
    if (message.role === 'tool') {
      input.push({ type: 'function_call_output', call_id: message.tool_call_id, output: message.content });
    } else if (message.content === null) {
      input.push(...roundItems(message.tool_calls, message.carry));
    } else {
      input.push({ role: message.role, content: message.content });
    }
  }
  return { ...(leading.length === 0 ? {} : { instructions: leading.join('\n\n') }), input };
}

function parseCarry(carry: string | undefined): Record<string, unknown>[] {
  if (carry === undefined) {
    return [];
  }
  try {
    const items: unknown = JSON.parse(carry);
    return Array.isArray(items)
      ? items.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
      : [];
  } catch {
    return [];
  }
}

/**
 * One round's output items as the next call's input. A carried item whose call is no longer among the round's
 * calls is left out, and so is a reasoning item whose following item is left out: the service rejects a
 * reasoning item sent without the item that followed it. Calls the carry does not name follow as plain items.
 */
function roundItems(calls: { id: string; function: { name: string; arguments: string } }[], carry?: string) {
  const byId = new Map(calls.map((call) => [call.id, call]));
  const carried = parseCarry(carry);
  const emitted: (InputItem | undefined)[] = carried.map((item) => {
    if (item.type !== 'function_call') {
      return item as unknown as InputItem;
    }
    const ref = item as unknown as CallRef;
    const call = byId.get(ref.call_id);
    if (call === undefined) {
      return undefined;
    }
    byId.delete(ref.call_id);
    return {
      type: 'function_call',
      ...(ref.id === undefined ? {} : { id: ref.id }),
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    };
  });
  // From the end back, so a chain of reasoning items before a dropped item goes with it.
  for (let at = emitted.length - 1; at >= 0; at--) {
    const item = emitted[at] as { type?: unknown } | undefined;
    if (item?.type === 'reasoning' && emitted[at + 1] === undefined) {
      emitted[at] = undefined;
    }
  }
  const rest: InputItem[] = [...byId.values()].map((call) => ({
    type: 'function_call',
    call_id: call.id,
    name: call.function.name,
    arguments: call.function.arguments,
  }));
  return [...emitted.filter((item): item is InputItem => item !== undefined), ...rest];
}

/** The service's 400 for `include: ["reasoning.encrypted_content"]` to a model without reasoning. */
function rejectsInclude(error: unknown): boolean {
  const { APIError } = loadOpenAI();
  return error instanceof APIError && error.status === 400 && error.param === 'include';
}

function malformed(detail: string): ModelError {
  return new ModelError('bad_response', `The model service sent a malformed reply: ${detail}.`, {
    retryable: true,
  });
}

/** A response the service ended as failed (or an error event of a stream), as a ModelError. */
function failedResponse(error: { code?: unknown; message?: unknown } | null | undefined): ModelError {
  const message = typeof error?.message === 'string' ? error.message : 'no reason given';
  if (error?.code === 'rate_limit_exceeded') {
    return new ModelError('rate_limited', `The model service is rate limiting requests: ${message}`, {
      retryable: true,
    });
  }
  if (error?.code === 'server_error' || error?.code === undefined || error.code === null) {
    return new ModelError('server_error', `The model service failed: ${message}`, { retryable: true });
  }
  return new ModelError('bad_request', `The model service rejected the request: ${message}`, {
    retryable: false,
  });
}

interface OutputItem {
  type?: unknown;
  id?: unknown;
  status?: unknown;
  content?: unknown;
  call_id?: unknown;
  name?: unknown;
  arguments?: unknown;
  encrypted_content?: unknown;
}

function toResult(response: unknown, requestedModel: string): ChatCompletionResult {
  // The body is whatever the server sent: a proxy or a broken deployment can answer 200 with anything.
  if (typeof response !== 'object' || response === null) {
    throw malformed('not a JSON object');
  }
  const { output, model, usage, status, incomplete_details, error } = response as Partial<
    Record<string, unknown>
  > & {
    incomplete_details?: { reason?: unknown } | null;
    error?: { code?: unknown; message?: unknown } | null;
  };
  if (status === 'failed') {
    throw failedResponse(error);
  }
  if (!Array.isArray(output)) {
    throw malformed('no output array');
  }
  const items = output as OutputItem[];
  const reason = incomplete_details?.reason;
  if (status === 'incomplete' && reason === 'content_filter') {
    throw new ModelError('content_filter', 'The answer was withheld by the content filter.', {
      retryable: false,
    });
  }
  const answeredBy = typeof model === 'string' && model !== '' ? model : requestedModel;
  const tokens = usageOf(usage);
  let text = '';
  for (const item of items.filter((entry) => entry.type === 'message')) {
    if (!Array.isArray(item.content)) {
      throw malformed('a message without content parts');
    }
    for (const part of item.content as { type?: unknown; text?: unknown; refusal?: unknown }[]) {
      if (part.type === 'refusal' && typeof part.refusal === 'string' && part.refusal.trim() !== '') {
        // A refusal is the model's considered reply: asking again bills again for the same answer.
        throw new ModelError('refused', part.refusal, { retryable: false });
      }
      if (part.type === 'output_text') {
        if (typeof part.text !== 'string') {
          throw malformed('output text is not text');
        }
        text += part.text;
      }
    }
  }
  // A call cut off by the token cap has broken arguments: it is not asked for.
  const calls = items.filter((item) => item.type === 'function_call' && item.status !== 'incomplete');
  if (calls.length > 0) {
    return {
      text: '',
      toolCalls: calls.map(toolCallOf),
      ...carryOf(items),
      model: answeredBy,
      requestedModel,
      finishReason: 'tool_calls',
      usage: tokens,
    };
  }
  const length = status === 'incomplete' && reason === 'max_output_tokens';
  if (text.trim() === '') {
    const why = length ? ' (it used all MODEL_MAX_COMPLETION_TOKENS)' : '';
    throw new ModelError('empty_response', `The model returned an empty answer${why}.`, { retryable: true });
  }
  return {
    text,
    model: answeredBy,
    requestedModel,
    finishReason: length ? 'length' : 'stop',
    usage: tokens,
  };
}

function toolCallOf(item: OutputItem): ModelToolCall {
  if (
    typeof item.call_id !== 'string' ||
    item.call_id === '' ||
    typeof item.name !== 'string' ||
    item.name === ''
  ) {
    throw malformed('a function call without a call_id or a name');
  }
  return {
    id: item.call_id,
    name: item.name,
    arguments: typeof item.arguments === 'string' ? item.arguments : '',
  };
}

/**
 * What the next call sends back of this round: its output items in order, reasoning and text messages whole,
 * function calls by their ids only (the turn keeps their name and arguments). Reasoning without
 * encrypted_content cannot be sent back statelessly and is left out. Nothing to carry without reasoning.
 */
function carryOf(items: OutputItem[]): { carry?: string } {
  const kept = items.flatMap((item): unknown[] => {
    if (item.type === 'reasoning') {
      return typeof item.encrypted_content === 'string' ? [item] : [];
    }
    if (item.type === 'function_call') {
      return item.status === 'incomplete'
        ? []
        : [
            {
              type: 'function_call',
              ...(typeof item.id === 'string' ? { id: item.id } : {}),
              call_id: item.call_id,
            },
          ];
    }
    return item.type === 'message' ? [item] : [];
  });
  return kept.some((item) => (item as OutputItem).type === 'reasoning')
    ? { carry: JSON.stringify(kept) }
    : {};
}

function usageOf(usage: unknown): TokenUsage {
  const { input_tokens, output_tokens, total_tokens } = (usage ?? {}) as Record<string, unknown>;
  const count = (value: unknown) => (typeof value === 'number' ? value : 0);
  return {
    inputTokens: count(input_tokens),
    outputTokens: count(output_tokens),
    totalTokens: count(total_tokens),
  };
}
