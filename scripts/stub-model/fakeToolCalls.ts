import { strictSchemaProblems, type JsonSchema } from '../../src/tools/modelSchema';
import type { RecordedRequest, Reply } from './fakeOpenAIServer';
import { scriptedMcpCalls } from './fakeMcpToolCalls';

/**
 * The loopback model's tool calling (Chat Completions function tools): the checks the real service makes on a
 * request with tools or tool messages, and a scripted model that calls the offered tools when a question needs
 * them and then answers quoting their results.
 */

export interface ToolCallJson {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

interface MessageJson {
  role: string;
  content?: string | null;
  tool_calls?: ToolCallJson[];
  tool_call_id?: string;
}

interface ToolJson {
  type?: string;
  function?: { name?: string; description?: string; parameters?: JsonSchema; strict?: boolean };
}

function invalidRequest(message: string, param: string | null, code: string | null = null): Reply {
  return { status: 400, body: { error: { message, type: 'invalid_request_error', param, code } } };
}

/** The names of the functions a request offers. */
export function offeredTools(body: RecordedRequest['body']): string[] {
  const tools = Array.isArray(body.tools) ? (body.tools as ToolJson[]) : [];
  return tools.flatMap((tool) => (typeof tool.function?.name === 'string' ? [tool.function.name] : []));
}

/**
 * What the service rejects about tools, as it words it; undefined when the request is fine: a malformed or
 * non-strict-valid function schema, a `tool` message that answers no call of the assistant message before it,
 * an assistant's calls not each answered by a tool message, or (when tools are offered) a call of a tool the
 * request does not offer.
 */
export function toolProtocolRejection(body: RecordedRequest['body']): Reply | undefined {
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools) || body.tools.length === 0) {
      return invalidRequest(
        "Invalid 'tools': empty array. Expected an array with minimum length 1.",
        'tools',
        'empty_array',
      );
    }
    for (const [index, tool] of (body.tools as ToolJson[]).entries()) {
      const name = tool.function?.name;
      if (tool.type !== 'function' || typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
        return invalidRequest(
          `Invalid 'tools[${index}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
          `tools[${index}].function.name`,
          'invalid_value',
        );
      }
      const parameters = tool.function?.parameters ?? {};
      const problems = tool.function?.strict === true ? strictSchemaProblems(parameters) : [];
      if (problems.length > 0) {
        return invalidRequest(
          `Invalid schema for function '${name}': ${problems[0] ?? ''}.`,
          `tools[${index}].function.parameters`,
          'invalid_function_parameters',
        );
      }
    }
  }
  const offered = body.tools === undefined ? undefined : offeredTools(body);
  const messages = (body.messages ?? []) as MessageJson[];
  for (const [index, message] of messages.entries()) {
    if (message.role === 'tool') {
      // A tool message answers a call of the nearest assistant message before it, past other tool messages only.
      let before = index - 1;
      while (before >= 0 && messages[before]?.role === 'tool') {
        before--;
      }
      const calls = messages[before]?.tool_calls ?? [];
      if (!calls.some((call) => call.id === message.tool_call_id)) {
        return invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${index}].role`,
        );
      }
    }
    if (message.role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const answered = new Set<string | undefined>();
      for (let next = index + 1; messages[next]?.role === 'tool'; next++) {
        answered.add(messages[next]?.tool_call_id);
      }
      const missing = message.tool_calls.filter((call) => !answered.has(call.id)).map((call) => call.id);
      if (missing.length > 0) {
        return invalidRequest(
          `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(', ')}`,
          'messages',
        );
      }
      const unknown =
        offered === undefined
          ? []
          : message.tool_calls.filter((call) => !offered.includes(call.function.name));
      if (unknown.length > 0) {
        return invalidRequest(
          `Invalid 'messages[${index}].tool_calls': the function '${unknown[0]?.function.name ?? ''}' is not among the tools offered.`,
          `messages.[${index}].tool_calls`,
        );
      }
    }
  }
  return undefined;
}

/** A completion that asks for these calls; ids are deterministic per conversation: call_<round>_<index>. */
export function toolCallsReply(
  request: RecordedRequest,
  calls: { name: string; arguments: unknown }[],
): Reply {
  const messages = (request.body.messages ?? []) as MessageJson[];
  const round = messages.filter((message) => (message.tool_calls?.length ?? 0) > 0).length + 1;
  const promptTokens = messages.reduce((sum, message) => sum + (message.content ?? '').length, 0);
  return {
    status: 200,
    body: {
      id: `chatcmpl-${request.receivedAt.toString(36)}`,
      object: 'chat.completion',
      created: Math.floor(request.receivedAt / 1000),
      model: request.flavour === 'openai' ? (request.model ?? 'unknown') : 'gpt-5.4-mini-2026-03-17',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          logprobs: null,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: calls.map((call, index) => ({
              id: `call_${round}_${index + 1}`,
              type: 'function',
              function: {
                name: call.name,
                arguments:
                  typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
              },
            })),
          },
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: 10 * calls.length,
        total_tokens: promptTokens + 10 * calls.length,
      },
    },
  };
}

const compounds: Record<string, string> = {
  caffeine: 'C8H10N4O2',
  water: 'H2O',
  glucose: 'C6H12O6',
  ethanol: 'C2H5OH',
  'table salt': 'NaCl',
};

const unitWords: Record<string, string> = {
  joule: 'J',
  joules: 'J',
  electronvolt: 'eV',
  electronvolts: 'eV',
  calorie: 'cal',
  calories: 'cal',
  kilojoules: 'kJ',
  kelvin: 'K',
  metres: 'm',
  meters: 'm',
};

const unitOf = (word: string) => unitWords[word.toLowerCase()] ?? word;

/**
 * The calls the scripted model makes for a question, for the tools on offer: a molar mass ("molar mass of
 * caffeine", with the facts of its first element), a conversion ("1 eV in joules", with the constant behind an
 * eV). Nothing for other questions, so they are answered at once as without tools.
 */
export function scriptedCalls(question: string, offered: string[]): { name: string; arguments: unknown }[] {
  const calls: { name: string; arguments: unknown }[] = [];
  const mass = /molar mass of (?:the )?([A-Za-z][A-Za-z0-9()·*[\]]*(?: salt)?)/i.exec(question);
  const named = mass?.[1];
  const formula = named === undefined ? undefined : (compounds[named.toLowerCase()] ?? named);
  if (formula !== undefined && offered.includes('molar_mass')) {
    calls.push({ name: 'molar_mass', arguments: { formula } });
  }
  if (formula !== undefined && offered.includes('element_facts')) {
    calls.push({
      name: 'element_facts',
      arguments: { element: /^[A-Z][a-z]?/.exec(formula)?.[0] ?? formula },
    });
  }
  const conversion = /(\d+(?:\.\d+)?)\s*([A-Za-z°/*]+)\s+in(?:to)?\s+([A-Za-z°/*]+)/.exec(question);
  const [, amount, from, to] = conversion ?? [];
  if (amount !== undefined && from !== undefined && to !== undefined && offered.includes('convert_units')) {
    calls.push({
      name: 'convert_units',
      arguments: { value: Number(amount), from: unitOf(from), to: unitOf(to) },
    });
  }
  if (/\beV\b|electronvolt/i.test(question) && offered.includes('physical_constant')) {
    calls.push({ name: 'physical_constant', arguments: { query: 'elementary charge' } });
  }
  calls.push(...scriptedMcpCalls(question, offered));
  return calls;
}

/**
 * The scripted model's reply to a request with tools or tool results; undefined when it has nothing to do with
 * tools (the default answer then). Asked with tools and a question that needs them, it calls them all at once;
 * given the results, it answers quoting each.
 */
export function scriptedToolReply(
  request: RecordedRequest,
  answer: (text: string) => Reply,
  defaultText: string,
): Reply | undefined {
  const messages = (request.body.messages ?? []) as MessageJson[];
  const lastUser = messages.map((message) => message.role).lastIndexOf('user');
  const sinceQuestion = messages.slice(lastUser + 1);
  const results = sinceQuestion.filter((message) => message.role === 'tool');
  if (results.length > 0) {
    const names = new Map(
      sinceQuestion.flatMap((message) =>
        (message.tool_calls ?? []).map((call) => [call.id, call.function.name]),
      ),
    );
    const quoted = results.map(
      (result) => `${names.get(result.tool_call_id ?? '') ?? 'tool'} said ${result.content ?? ''}`,
    );
    return answer(`${defaultText} Using my tools: ${quoted.join('; ')}`);
  }
  const offered = offeredTools(request.body);
  if (offered.length === 0) {
    return undefined;
  }
  const calls = scriptedCalls(request.lastUserMessage ?? '', offered);
  return calls.length === 0 ? undefined : toolCallsReply(request, calls);
}

/** The calls a reply asks for (name and raw arguments), or undefined for a reply without tool calls. */
export function toolCallsOf(reply: Reply): { name: string; arguments: string }[] | undefined {
  const body = reply.body as { choices?: { message?: { tool_calls?: ToolCallJson[] } }[] } | undefined;
  const calls = body?.choices?.[0]?.message?.tool_calls;
  return calls === undefined
    ? undefined
    : calls.map((call) => ({ name: call.function.name, arguments: call.function.arguments }));
}
