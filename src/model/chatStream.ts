import type OpenAI from 'openai';
import { loadOpenAI } from './openaiModule';
import { ModelError } from './modelError';

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

function malformedStream(detail: string): ModelError {
  return new ModelError('bad_response', `The model service sent a malformed stream: ${detail}.`, {
    retryable: true,
  });
}

interface ToolCallParts {
  id: string;
  name: string;
  arguments: string;
}

interface Assembly {
  model: string | undefined;
  content: string | undefined;
  refusal: string | undefined;
  finishReason: string | undefined;
  filterResults: Record<string, unknown> | undefined;
  /** By the index the deltas give; a gap the service left stays empty. */
  toolCalls: (ToolCallParts | undefined)[];
  usage: OpenAI.Completions.CompletionUsage | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optionalText = (value: unknown, what: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw malformedStream(`${what} is not text`);
  return value;
};

function addToolCalls(assembly: Assembly, raw: unknown): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) throw malformedStream('tool_calls is not an array');
  for (const part of raw as unknown[]) {
    if (
      !isRecord(part) ||
      typeof part.index !== 'number' ||
      !Number.isInteger(part.index) ||
      part.index < 0
    ) {
      throw malformedStream('a tool call delta without an index');
    }
    const call = (assembly.toolCalls[part.index] ??= { id: '', name: '', arguments: '' });
    const fn = isRecord(part.function) ? part.function : {};
    call.id += optionalText(part.id, 'a tool call id') ?? '';
    call.name += optionalText(fn.name, 'a tool name') ?? '';
    call.arguments += optionalText(fn.arguments, 'tool arguments') ?? '';
  }
}

/** Folds one chunk into the assembly, calling `onDelta` with its text; a chunk of the wrong shape is malformed. */
function addChunk(assembly: Assembly, chunk: unknown, onDelta: (text: string) => void): void {
  if (!isRecord(chunk)) throw malformedStream('a chunk that is not a JSON object');
  if (typeof chunk.model === 'string' && chunk.model !== '') assembly.model ??= chunk.model;
  if (isRecord(chunk.usage)) assembly.usage = chunk.usage as unknown as Assembly['usage'];
  if (chunk.choices === undefined || chunk.choices === null) return;
  if (!Array.isArray(chunk.choices)) throw malformedStream('a chunk whose choices are not an array');
  for (const choice of chunk.choices as unknown[]) {
    if (!isRecord(choice)) throw malformedStream('a choice that is not an object');
    // Only the first choice counts, as in a non-streaming reply (the app never asks for n > 1).
    if (choice.index !== undefined && choice.index !== 0) continue;
    if (isRecord(choice.content_filter_results)) {
      assembly.filterResults = { ...assembly.filterResults, ...choice.content_filter_results };
    }
    if (typeof choice.finish_reason === 'string') assembly.finishReason = choice.finish_reason;
    if (choice.delta === undefined || choice.delta === null) continue;
    if (!isRecord(choice.delta)) throw malformedStream('a choice without a delta object');
    const text = optionalText(choice.delta.content, 'message content');
    if (text !== undefined && text !== '') {
      assembly.content = (assembly.content ?? '') + text;
      onDelta(text);
    }
    const refusal = optionalText(choice.delta.refusal, 'a refusal');
    if (refusal !== undefined && refusal !== '') assembly.refusal = (assembly.refusal ?? '') + refusal;
    addToolCalls(assembly, choice.delta.tool_calls);
  }
}

/**
 * Reads a streamed chat completion to its end and returns it in the shape of a non-streaming one, so the same
 * checks (content filter, refusal, empty answer, malformed reply) judge both. Text deltas go to `onDelta` as they
 * arrive. A stream that breaks off is a retryable failure: the connection's, or the service's own error event.
 */
export async function assembleStream(
  stream: AsyncIterable<Chunk>,
  onDelta: (text: string) => void,
): Promise<OpenAI.Chat.Completions.ChatCompletion> {
  const assembly: Assembly = {
    model: undefined,
    content: undefined,
    refusal: undefined,
    finishReason: undefined,
    filterResults: undefined,
    toolCalls: [],
    usage: undefined,
  };
  try {
    for await (const chunk of stream) {
      addChunk(assembly, chunk, onDelta);
    }
  } catch (error) {
    // A malformed chunk and a bad chunk's JSON are classified already, or by the caller.
    if (error instanceof ModelError || error instanceof SyntaxError) throw error;
    const { APIError } = loadOpenAI();
    if (error instanceof APIError && error.status === undefined) {
      // An error event in the middle of a stream: the service failed after it began to answer.
      throw new ModelError('server_error', `The model service failed while answering: ${error.message}`, {
        retryable: true,
        cause: error,
      });
    }
    if (error instanceof APIError) throw error;
    throw new ModelError(
      'connection_failed',
      'The connection to the model service broke while it answered.',
      {
        retryable: true,
        cause: error,
      },
    );
  }
  // The client ends the stream quietly when its signal aborts; the caller sees its deadline passed and calls
  // that a timeout, whatever is thrown here.
  if (assembly.finishReason === undefined) {
    throw new ModelError(
      'connection_failed',
      'The model service ended the stream before the answer was complete.',
      {
        retryable: true,
      },
    );
  }
  const toolCalls = assembly.toolCalls.filter((call): call is ToolCallParts => call !== undefined);
  return {
    id: 'streamed',
    object: 'chat.completion',
    created: 0,
    model: assembly.model ?? '',
    choices: [
      {
        index: 0,
        finish_reason:
          assembly.finishReason as OpenAI.Chat.Completions.ChatCompletion.Choice['finish_reason'],
        logprobs: null,
        message: {
          role: 'assistant',
          content: assembly.content ?? null,
          refusal: assembly.refusal ?? null,
          ...(toolCalls.length > 0
            ? {
                tool_calls: toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function' as const,
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        },
        ...(assembly.filterResults === undefined ? {} : { content_filter_results: assembly.filterResults }),
      },
    ],
    ...(assembly.usage === undefined ? {} : { usage: assembly.usage }),
  };
}
