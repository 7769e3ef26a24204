import type { ServerResponse } from 'node:http';

/**
 * Chat Completions streaming as the services send it (`stream: true`): `text/event-stream` with one
 * `chat.completion.chunk` per `data:` line, Azure's prompt-filter chunk first (no choices), the text cut in small
 * deltas, tool calls as an id-and-name chunk then argument fragments, the finish reason on its own chunk, with
 * `stream_options.include_usage` a last chunk with no choices and the usage, then `data: [DONE]`. A reply that
 * is not a 200 completion (an error, a hang-up) is sent as it would be without streaming, as the services do.
 */
export interface StreamOptions {
  /** Real time between chunks: slow enough to watch text arrive. */
  chunkDelayMs?: number;
  /** Characters of text per delta chunk (default 4, about one token). */
  chunkChars?: number;
  /** Drops the connection after this many chunks were sent (a worker or network failure mid-answer). */
  hangUpAfterChunks?: number;
  /** Sent instead of the chunks built from the body, each as one `data:` line (e.g. a malformed chunk). */
  rawChunks?: string[];
  /** Told each chunk as it is written (the benchmark times the first token by it). */
  onChunk?: (line: string) => void;
}

interface CompletionJson {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string;
  choices?: {
    finish_reason?: string;
    message?: {
      content?: string | null;
      refusal?: string | null;
      tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
    };
    content_filter_results?: unknown;
  }[];
  usage?: unknown;
  prompt_filter_results?: unknown;
}

/** Whether a reply body is a completion this module can stream. */
export function streamable(status: number | undefined, body: unknown): body is CompletionJson {
  return (
    (status ?? 200) === 200 &&
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as CompletionJson).choices)
  );
}

function cut(text: string, size: number): string[] {
  const pieces: string[] = [];
  const characters = Array.from(text);
  for (let i = 0; i < characters.length; i += size) {
    pieces.push(characters.slice(i, i + size).join(''));
  }
  return pieces;
}

/** The chunks a service streams for a completion body, including usage when the request asked for it. */
export function completionChunks(body: CompletionJson, includeUsage: boolean, chunkChars = 4): unknown[] {
  const base = {
    id: body.id ?? 'chatcmpl-stream',
    object: 'chat.completion.chunk',
    created: body.created ?? 0,
    model: body.model ?? '',
    system_fingerprint: body.system_fingerprint ?? null,
  };
  const azure = body.prompt_filter_results !== undefined;
  const chunks: unknown[] = [];
  if (azure) {
    chunks.push({ ...base, model: '', choices: [], prompt_filter_results: body.prompt_filter_results });
  }
  const choice = body.choices?.[0];
  const message = choice?.message ?? {};
  const delta = (part: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    ...base,
    choices: [{ index: 0, delta: part, finish_reason: null, logprobs: null, ...extra }],
  });
  chunks.push(delta({ role: 'assistant', content: '', refusal: null }));
  const filterResults = choice?.content_filter_results;
  const filter = azure && filterResults !== undefined ? { content_filter_results: filterResults } : {};
  for (const piece of cut(message.content ?? '', chunkChars)) {
    chunks.push(delta({ content: piece }, filter));
  }
  for (const piece of cut(message.refusal ?? '', chunkChars)) {
    chunks.push(delta({ refusal: piece }));
  }
  (message.tool_calls ?? []).forEach((call, index) => {
    chunks.push(
      delta({
        tool_calls: [
          { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
        ],
      }),
    );
    for (const piece of cut(call.function.arguments, 8)) {
      chunks.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  chunks.push({
    ...base,
    choices: [
      { index: 0, delta: {}, finish_reason: choice?.finish_reason ?? 'stop', logprobs: null, ...filter },
    ],
  });
  if (includeUsage) {
    chunks.push({ ...base, choices: [], usage: body.usage ?? null });
  }
  return chunks;
}

/** Writes the chunks as Server-Sent Events, paced, then `[DONE]`; or hangs up part way when told to. */
export async function writeStream(
  response: ServerResponse,
  headers: Record<string, string>,
  lines: string[],
  options: StreamOptions,
  wait: (ms: number) => Promise<void>,
): Promise<void> {
  response.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  // Paced on a schedule from the first chunk, not by sleeps that add up their timer lag: the answer takes
  // chunks x chunkDelayMs however busy the process is, as a model's would.
  const started = Date.now();
  for (const [index, line] of lines.entries()) {
    if (options.hangUpAfterChunks !== undefined && index >= options.hangUpAfterChunks) {
      response.socket?.destroy();
      return;
    }
    if (response.destroyed) return;
    response.write(`data: ${line}\n\n`);
    options.onChunk?.(line);
    if (options.chunkDelayMs !== undefined && options.chunkDelayMs > 0) {
      await wait(Math.max(0, started + (index + 1) * options.chunkDelayMs - Date.now()));
    }
  }
  response.end('data: [DONE]\n\n');
}

/** The `data:` lines for a reply body: the raw chunks when given, else the completion's chunks. */
export function streamLines(
  body: CompletionJson,
  requestBody: Record<string, unknown>,
  options: StreamOptions,
): string[] {
  if (options.rawChunks !== undefined) return options.rawChunks;
  const streamOptions = requestBody.stream_options as { include_usage?: unknown } | undefined;
  return completionChunks(body, streamOptions?.include_usage === true, options.chunkChars).map((chunk) =>
    JSON.stringify(chunk),
  );
}
