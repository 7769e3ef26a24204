import { strictSchemaProblems, type JsonSchema } from '../../src/tools/modelSchema';
import type { RecordedRequest, Reply } from './fakeOpenAIServer';
import { responsesStructuredText } from './fakeStructuredOutput';
import { scriptedCalls } from './fakeToolCalls';

/**
 * The loopback model's Responses API (`POST /v1/responses`, Azure's `/openai/v1/responses`): the checks the real
 * service makes on a request (tool declarations, text.format, reasoning items and their encrypted content,
 * function_call_output ids, previous_response_id against what was stored), a scripted model that reasons
 * (encrypted reasoning items), calls the offered tools and answers quoting their results, and streaming events.
 */

/** An input or output item, as loose as the wire. */
export interface ItemJson {
  type?: string;
  id?: string;
  role?: string;
  content?: unknown;
  call_id?: string;
  name?: string;
  arguments?: string;
  output?: string;
  encrypted_content?: string | null;
  summary?: unknown[];
  status?: string;
}

interface ToolJson {
  type?: string;
  name?: string;
  parameters?: JsonSchema;
  strict?: boolean;
  function?: unknown;
}

/** What the loopback keeps between requests, as the service would: the responses stored (store not false). */
export interface ResponsesState {
  stored: Set<string>;
  counter: number;
}

function invalidRequest(message: string, param: string | null, code: string | null = null): Reply {
  return { status: 400, body: { error: { message, type: 'invalid_request_error', param, code } } };
}

/** The request's input as items: a string input is one user message. */
export function inputItems(body: RecordedRequest['body']): ItemJson[] {
  const input = body.input;
  if (typeof input === 'string') {
    return [{ role: 'user', content: input }];
  }
  return Array.isArray(input) ? (input as ItemJson[]) : [];
}

/** The text of a message item: a string, or its input_text / output_text parts joined. */
export function textOf(item: ItemJson | undefined): string | undefined {
  if (item === undefined) {
    return undefined;
  }
  if (typeof item.content === 'string') {
    return item.content;
  }
  return Array.isArray(item.content)
    ? (item.content as { text?: unknown }[])
        .map((part) => (typeof part.text === 'string' ? part.text : ''))
        .join('')
    : undefined;
}

/** The names of the functions a Responses request offers (flat declarations). */
export function offeredFunctions(body: RecordedRequest['body']): string[] {
  const tools = Array.isArray(body.tools) ? (body.tools as ToolJson[]) : [];
  return tools.flatMap((tool) => (typeof tool.name === 'string' ? [tool.name] : []));
}

/** The reasoning item's sealed content: which item followed it and which model wrote it, base64 JSON. */
function seal(content: { id: string; next: string; model: string }): string {
  return Buffer.from(JSON.stringify(content), 'utf8').toString('base64');
}

function unseal(sealed: string): { id?: unknown; next?: unknown; model?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(sealed, 'base64').toString('utf8'));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** What the service rejects about a Responses request, as it words it; undefined when it is fine. */
export function responsesRejection(
  body: RecordedRequest['body'],
  model: string,
  state: ResponsesState,
  /** A model without reasoning (the server's classicModels). */
  { classic }: { classic: boolean } = { classic: false },
): Reply | undefined {
  const include = Array.isArray(body.include) ? (body.include as unknown[]) : [];
  if (classic && include.includes('reasoning.encrypted_content')) {
    return invalidRequest('Encrypted content is not supported with this model.', 'include');
  }
  if ('messages' in body || 'max_completion_tokens' in body) {
    const parameter = 'messages' in body ? 'messages' : 'max_completion_tokens';
    return invalidRequest(`Unsupported parameter: '${parameter}'.`, parameter, 'unknown_parameter');
  }
  const previous = body.previous_response_id;
  if (previous !== undefined && (typeof previous !== 'string' || !state.stored.has(previous))) {
    return invalidRequest(
      `Previous response with id '${JSON.stringify(previous)}' not found.`,
      'previous_response_id',
      'previous_response_not_found',
    );
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) {
      return invalidRequest("Invalid type for 'tools': expected an array.", 'tools', 'invalid_type');
    }
    for (const [index, tool] of (body.tools as ToolJson[]).entries()) {
      if (tool.type !== 'function' || typeof tool.name !== 'string') {
        // The Chat Completions shape ({type, function: {...}}) is the usual mistake.
        return invalidRequest(
          `Missing required parameter: 'tools[${index}].name'.`,
          `tools[${index}].name`,
          'missing_required_parameter',
        );
      }
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) {
        return invalidRequest(
          `Invalid 'tools[${index}].name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
          `tools[${index}].name`,
          'invalid_value',
        );
      }
      const problems = tool.strict === true ? strictSchemaProblems(tool.parameters ?? {}) : [];
      if (problems.length > 0) {
        return invalidRequest(
          `Invalid schema for function '${tool.name}': ${problems[0] ?? ''}.`,
          `tools[${index}].parameters`,
          'invalid_function_parameters',
        );
      }
    }
  }
  const format = (
    body.text as
      { format?: { type?: string; name?: unknown; schema?: JsonSchema; strict?: boolean } } | undefined
  )?.format;
  if (format?.type === 'json_schema') {
    if (typeof format.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(format.name)) {
      return invalidRequest(
        "Invalid 'text.format.name': string does not match pattern.",
        'text.format.name',
        'invalid_value',
      );
    }
    const problems = format.strict === true ? strictSchemaProblems(format.schema ?? {}) : [];
    if (problems.length > 0) {
      return invalidRequest(
        `Invalid schema for response_format '${format.name}': ${problems[0] ?? ''}.`,
        'text.format.schema',
        'invalid_json_schema',
      );
    }
  }
  return inputRejection(inputItems(body), body.store === false, model);
}

function inputRejection(items: ItemJson[], stateless: boolean, model: string): Reply | undefined {
  const calls = new Set<string>();
  const answered = new Set<string>();
  for (const [index, item] of items.entries()) {
    if (item.type === 'reasoning') {
      if (typeof item.encrypted_content !== 'string') {
        if (stateless) {
          return invalidRequest(
            `Item with id '${item.id ?? ''}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
            `input[${index}]`,
          );
        }
        continue;
      }
      const sealed = unseal(item.encrypted_content);
      if (sealed === undefined || sealed.id !== item.id) {
        return invalidRequest(
          `The encrypted content for item ${item.id ?? ''} could not be verified.`,
          `input[${index}].encrypted_content`,
          'invalid_encrypted_content',
        );
      }
      if (sealed.model !== model) {
        return invalidRequest(
          `The encrypted content for item ${item.id ?? ''} was produced by another model.`,
          `input[${index}].encrypted_content`,
          'invalid_encrypted_content',
        );
      }
      if (items[index + 1]?.id !== sealed.next) {
        return invalidRequest(
          `Item '${item.id ?? ''}' of type 'reasoning' was provided without its required following item.`,
          'input',
        );
      }
    }
    if (item.type === 'function_call') {
      calls.add(item.call_id ?? '');
    }
    if (item.type === 'function_call_output') {
      if (!calls.has(item.call_id ?? '')) {
        return invalidRequest(
          `No tool call found for function call output with call_id ${item.call_id ?? ''}.`,
          'input',
        );
      }
      answered.add(item.call_id ?? '');
    }
  }
  const unanswered = [...calls].find((id) => !answered.has(id));
  if (unanswered !== undefined) {
    return invalidRequest(`No tool output found for function call ${unanswered}.`, 'input');
  }
  return undefined;
}

function responseBody(
  request: RecordedRequest,
  state: ResponsesState,
  output: ItemJson[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const id = `resp_${(++state.counter).toString(36)}_${request.receivedAt.toString(36)}`;
  if (request.body.store !== false) {
    state.stored.add(id);
  }
  const inputTokens = JSON.stringify(request.body.input ?? '').length;
  const outputTokens = JSON.stringify(output).length;
  return {
    id,
    object: 'response',
    created_at: Math.floor(request.receivedAt / 1000),
    status: 'completed',
    error: null,
    incomplete_details: null,
    model: request.flavour === 'openai' ? (request.model ?? 'unknown') : 'gpt-5.4-mini-2026-03-17',
    output,
    parallel_tool_calls: true,
    store: request.body.store !== false,
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputTokens,
    },
    ...extra,
  };
}

/** A reasoning item before `next`; its encrypted content only when the request included it. */
function reasoningItem(request: RecordedRequest, state: ResponsesState, next: string): ItemJson {
  const id = `rs_${(++state.counter).toString(36)}`;
  const include = Array.isArray(request.body.include) ? (request.body.include as unknown[]) : [];
  return {
    type: 'reasoning',
    id,
    summary: [],
    ...(include.includes('reasoning.encrypted_content')
      ? { encrypted_content: seal({ id, next, model: request.model ?? '' }) }
      : {}),
  };
}

/** A response that answers with text, after a reasoning item. */
export function responseText(
  request: RecordedRequest,
  state: ResponsesState,
  text: string,
  extra: Record<string, unknown> = {},
): Reply {
  const message: ItemJson = {
    type: 'message',
    id: `msg_${(++state.counter).toString(36)}`,
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  };
  return {
    status: 200,
    body: responseBody(request, state, [reasoningItem(request, state, message.id ?? ''), message], extra),
  };
}

/**
 * A response that calls these functions at once, after a reasoning item; call ids are deterministic per
 * conversation: call_<round>_<index>.
 */
export function responseCalls(
  request: RecordedRequest,
  state: ResponsesState,
  calls: { name: string; arguments: unknown }[],
): Reply {
  const round =
    inputItems(request.body).filter((item) => item.type === 'function_call_output').length > 0
      ? new Set(
          inputItems(request.body)
            .filter((item) => item.type === 'function_call')
            .map((item) => /^call_(\d+)_/.exec(item.call_id ?? '')?.[1] ?? item.call_id),
        ).size + 1
      : 1;
  const items: ItemJson[] = calls.map((call, index) => ({
    type: 'function_call',
    id: `fc_${(++state.counter).toString(36)}`,
    call_id: `call_${round}_${index + 1}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    status: 'completed',
  }));
  return {
    status: 200,
    body: responseBody(request, state, [reasoningItem(request, state, items[0]?.id ?? ''), ...items]),
  };
}

/**
 * The scripted model on the Responses API, as on Chat Completions: with tools and a question that needs them it
 * calls them all at once; given their outputs, it answers quoting each; otherwise `defaultText`.
 */
export function defaultResponsesReply(
  request: RecordedRequest,
  state: ResponsesState,
  defaultText: string,
): Reply {
  // A structured answer is the schema's JSON at once, as on Chat Completions.
  const structured = responsesStructuredText(request);
  if (structured !== undefined) {
    return responseText(request, state, structured);
  }
  const items = inputItems(request.body);
  const lastUser = items.map((item) => item.role).lastIndexOf('user');
  const since = items.slice(lastUser + 1);
  const outputs = since.filter((item) => item.type === 'function_call_output');
  if (outputs.length > 0) {
    const names = new Map(
      since.filter((item) => item.type === 'function_call').map((item) => [item.call_id, item.name]),
    );
    const quoted = outputs.map((item) => `${names.get(item.call_id) ?? 'tool'} said ${item.output ?? ''}`);
    return responseText(request, state, `${defaultText} Using my tools: ${quoted.join('; ')}`);
  }
  const calls = scriptedCalls(request.lastUserMessage ?? '', offeredFunctions(request.body));
  return calls.length > 0 ? responseCalls(request, state, calls) : responseText(request, state, defaultText);
}

/** The calls a Responses reply asks for, or undefined for a reply without function calls. */
export function responseCallsOf(reply: Reply): { name: string; arguments: string }[] | undefined {
  const output = (reply.body as { object?: unknown; output?: ItemJson[] } | undefined)?.output;
  const calls = Array.isArray(output) ? output.filter((item) => item.type === 'function_call') : [];
  return calls.length === 0
    ? undefined
    : calls.map((call) => ({ name: call.name ?? '', arguments: call.arguments ?? '' }));
}

/**
 * A response as the service streams it: response.created, each output item added and done, the text in
 * output_text deltas of a few characters, then response.completed (or .incomplete / .failed) with the whole
 * response. Replies that are not a response (errors) are sent as they are.
 */
export function streamed(reply: Reply): Reply {
  const response = reply.body as { object?: unknown; status?: unknown; output?: ItemJson[] } | undefined;
  if ((reply.status ?? 200) !== 200 || response?.object !== 'response') {
    return reply;
  }
  let sequence = 0;
  const events: string[] = [];
  const emit = (type: string, data: Record<string, unknown>) => {
    events.push(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`,
    );
  };
  emit('response.created', { response: { ...response, status: 'in_progress', output: [] } });
  for (const [index, item] of (response.output ?? []).entries()) {
    emit('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress' } });
    if (item.type === 'message') {
      const text = textOf(item) ?? '';
      for (let at = 0; at < text.length; at += 8) {
        emit('response.output_text.delta', {
          item_id: item.id,
          output_index: index,
          content_index: 0,
          delta: text.slice(at, at + 8),
          logprobs: [],
        });
      }
    }
    emit('response.output_item.done', { output_index: index, item });
  }
  const end =
    response.status === 'incomplete'
      ? 'response.incomplete'
      : response.status === 'failed'
        ? 'response.failed'
        : 'response.completed';
  emit(end, { response });
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    rawBody: events.join(''),
    ...(reply.delayMs === undefined ? {} : { delayMs: reply.delayMs }),
  };
}
