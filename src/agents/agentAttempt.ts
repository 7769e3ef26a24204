import * as z from 'zod';
import { ConfigurationError } from '../config/settings';
import { carryMaxBytes, errorMessageMaxChars, fitText, jsonBytes } from '../limits/payloadLimits';
import type { ChatCompletionResult, ChatMessage, ChatTool, TokenUsage } from '../model/chatModel';
import type { CompletionModel } from '../model/modelApi';
import { ModelError, type ModelErrorCode } from '../model/modelError';
import { optionalTraceCarrier } from '../telemetry/traceCarrier';
import { threadMessageSchema } from '../threads/thread';
import { toolArgumentsMaxChars } from '../tools/tool';
import { mcpServerOf, mcpServerOffer } from '../tools/mcp/mcpNames';
import { mcpToolSource, type McpToolSource } from '../tools/mcp/mcpToolSource';
import { toolRegistry } from '../tools/toolCatalog';
import type { StreamKey } from '../streams/streamKey';
import type { StreamWriter } from '../streams/streamWriter';
import { agentDefinitionSchema, agentKey } from './agentDefinition';
import { structuredAnswer } from './structuredAnswer';

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
    /** The tool round this model call follows (1 after the first round of tool calls); absent before any. */
    round: z.number().int().min(1).optional(),
    /** The error code of the attempt before this one, when this attempt is a retry. */
    retryOf: z.string().min(1).optional(),
    /** The run's trace: the attempt's span joins it. */
    trace: optionalTraceCarrier,
  })
  .strict();
export type AttemptTelemetry = z.infer<typeof attemptTelemetrySchema>;

/** A tool call's arguments are kept to this many UTF-8 bytes of JSON as well as toolArgumentsMaxChars characters. */
export const toolArgumentsMaxBytes = 4096;
/** A call id longer than this is cut: the services use ids of a few dozen characters. */
export const toolCallIdMaxChars = 128;
/** Of an answer that did not match its schema, this much goes back to the model when it is asked again. */
export const reaskAnswerMaxChars = 8000;
/** Calls past this many in one reply are dropped by the attempt (the loop's own per-round limit is lower). */
export const attemptToolCallsMax = 16;

/** One call the model asked for, as the turn stores it and sends it back. */
export const toolCallSchema = z
  .object({
    id: z.string().min(1).max(toolCallIdMaxChars),
    name: z.string().min(1).max(64),
    /** The raw JSON text the model sent, capped. */
    arguments: z.string(),
    /** The arguments were longer than the caps and are kept shortened: the call is not run. */
    truncated: z.literal(true).optional(),
  })
  .strict();
export type AttemptToolCall = z.infer<typeof toolCallSchema>;

/** One round of the tool loop: the calls the model asked for and one result (text for the model) per call id. */
export const toolRoundSchema = z
  .object({
    calls: z.array(toolCallSchema).min(1),
    results: z.array(z.object({ id: z.string().min(1), output: z.string() }).strict()),
    /** What the model API needs sent back with the calls (opaque; at most carryMaxBytes). */
    carry: z.string().optional(),
  })
  .strict();
export type ToolRound = z.infer<typeof toolRoundSchema>;

export const agentAttemptInputSchema = z
  .object({
    agent: agentDefinitionSchema,
    /** The thread's earlier messages; empty for a fresh thread. */
    history: z.array(threadMessageSchema),
    prompt: z.string().min(1),
    answerMaxChars: z.number().int().min(1),
    answerMaxBytes: z.number().int().min(64),
    telemetry: attemptTelemetrySchema.optional(),
    /** Names of the tools offered to the model in this call; absent: none (an agent without tools, or the last call). */
    tools: z.array(z.string().min(1)).min(1).optional(),
    /** This turn's tool rounds so far, sent after the prompt in order. */
    rounds: z.array(toolRoundSchema).optional(),
    /** The answer that did not match the agent's output schema, and why: the model is asked once more. */
    reask: z
      .object({
        answer: z.string().max(reaskAnswerMaxChars),
        problem: z.string().min(1).max(errorMessageMaxChars),
      })
      .strict()
      .optional(),
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
  /** The answer parsed, when the agent has an output schema: JSON valid against it. */
  data?: unknown;
}

/** The answer did not match the agent's output schema (not JSON, or not valid): the turn may ask once more. */
export interface AgentInvalidOutput {
  status: 'invalid_output';
  /** The start of the answer, for the model to correct. */
  answer: string;
  problem: string;
  model: string;
  requestedModel: string;
  usage: TokenUsage;
}

/** The model asked for tool calls instead of answering. API-neutral: no service's message shape leaks in. */
export interface AgentToolCalls {
  status: 'tool_calls';
  calls: AttemptToolCall[];
  /** Opaque: the turn keeps it on the round and sends it back with the calls. Absent when over carryMaxBytes. */
  carry?: string;
  model: string;
  requestedModel: string;
  usage: TokenUsage;
}

/** What one attempt returns. It never throws for a model failure: retrying is the orchestration's decision. */
export type AgentAttemptResult =
  | ({ status: 'answered' } & AgentAnswerText)
  | AgentToolCalls
  | AgentInvalidOutput
  | { status: 'failed'; error: AgentError };

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

/**
 * Opens the display stream of one model call (its run, agent and attempt), or gives undefined when there is
 * none to write to; then the call is made without streaming. Whatever it returns never fails the attempt.
 */
export type OpenAttemptStream = (key: StreamKey) => StreamWriter | undefined;

/** Where a model call's text is shown: the panel run's stream, or the turn's own when it runs alone. */
export function attemptStreamKey(input: AgentAttemptInput): StreamKey | undefined {
  const where = input.telemetry;
  if (where === undefined) return undefined;
  return { runId: where.runId ?? where.turnId, agent: agentKey(input.agent.name), attempt: where.attempt };
}

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
    ...(input.rounds ?? []).flatMap((round): ChatMessage[] => [
      {
        role: 'assistant',
        content: null,
        tool_calls: round.calls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: { name: call.name, arguments: call.arguments },
        })),
        ...(round.carry === undefined ? {} : { carry: round.carry }),
      },
      ...round.results.map((result) => ({
        role: 'tool' as const,
        tool_call_id: result.id,
        content: result.output,
      })),
    ]),
    ...(input.reask === undefined
      ? []
      : [
          { role: 'assistant' as const, content: input.reask.answer },
          {
            role: 'user' as const,
            content: `${input.reask.problem} Answer the question again with JSON that matches the schema, and nothing else.`,
          },
        ]),
  ];
}

/**
 * The declarations of the offered tools: the app's own by name, and each MCP server entry expanded to the server's
 * listed tools. A name the app does not know is a bad input, not a model failure. A server whose tools cannot be
 * listed offers none this time (its failure is noted, without secrets); a call of one of its tools the model
 * knows from an earlier round gets the same failure as its result.
 */
async function offeredTools(
  names: string[] | undefined,
  mcp: McpToolSource,
): Promise<{ tools: ChatTool[]; unavailable: string[] } | { unknown: string[] }> {
  const tools: ChatTool[] = [];
  const unknown: string[] = [];
  const unavailable: string[] = [];
  const listings = await Promise.all(
    (names ?? []).map(async (name) => {
      const server = mcpServerOf(name);
      if (server === undefined || name !== mcpServerOffer(server)) {
        return { name, declarations: undefined };
      }
      const listed = await mcp.declarations(server);
      if ('error' in listed) {
        unavailable.push(`${server} (${listed.error.code})`);
        return { name, declarations: [] };
      }
      return { name, declarations: listed.declarations };
    }),
  );
  for (const { name, declarations } of listings) {
    if (declarations !== undefined) {
      tools.push(...declarations);
      continue;
    }
    const declaration = toolRegistry.declaration(name);
    if (declaration === undefined) {
      unknown.push(name);
    } else {
      tools.push(declaration);
    }
  }
  return unknown.length > 0 ? { unknown } : { tools, unavailable };
}

/** The calls of a reply, each capped, so the result (and every later input carrying it) stays bounded. */
function cappedCalls(completion: ChatCompletionResult): AttemptToolCall[] {
  return (completion.toolCalls ?? []).slice(0, attemptToolCallsMax).map((call) => {
    const args = fitText(call.arguments, toolArgumentsMaxChars, toolArgumentsMaxBytes);
    return {
      id: fitText(call.id, toolCallIdMaxChars).text,
      name: fitText(call.name, 64).text,
      arguments: args.text,
      ...(args.truncated ? { truncated: true as const } : {}),
    };
  });
}

export function failedAttempt(error: AgentError): AgentAttemptResult {
  return {
    status: 'failed',
    error: { ...error, message: fitText(error.message, errorMessageMaxChars).text },
  };
}

/**
 * One attempt of one agent at one prompt, with its thread's earlier messages. With `openStream`, the model's
 * text is also written, as it arrives, to the attempt's display stream; the result is the same either way.
 */
export async function runAgentAttempt(
  rawInput: unknown,
  /** The model for this call; `toolTurn` when it offers tools or sends back a turn's tool rounds. */
  chat: (call: { toolTurn: boolean }) => CompletionModel,
  observe?: ModelCallObserver,
  mcp: McpToolSource = mcpToolSource,
  /** Where the model's text is written as it arrives, when the activity has a channel. */
  openStream?: OpenAttemptStream,
): Promise<AgentAttemptResult> {
  const parsed = agentAttemptInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    return failedAttempt({ code: 'invalid_input', message: z.prettifyError(parsed.error), retryable: false });
  }
  const input = parsed.data;
  const offer = await offeredTools(input.tools, mcp);
  if ('unknown' in offer) {
    return failedAttempt({
      code: 'invalid_input',
      message: `Unknown tools offered: ${offer.unknown.join(', ')}.`,
      retryable: false,
    });
  }
  if (offer.unavailable.length > 0) {
    // Server names and error codes only: what a listing failed with may name a URL or echo a header.
    console.warn(`MCP tools not offered this call; listing failed for: ${offer.unavailable.join(', ')}.`);
  }
  const tools = offer.tools;
  let ended: ((outcome: ModelCallOutcome) => void) | undefined;
  const key = attemptStreamKey(input);
  const stream = key === undefined ? undefined : openStream?.(key);
  try {
    const model = chat({ toolTurn: tools.length > 0 || (input.rounds ?? []).length > 0 });
    const messages = buildMessages(input);
    ended = observe?.({ model: input.agent.model ?? model.defaultModel, messages });
    const output = input.agent.output;
    const completion = await model.complete(messages, input.agent.model, tools, {
      ...(output === undefined ? {} : { output }),
      ...(stream === undefined
        ? {}
        : {
            onDelta: (text: string) => {
              stream.write(text);
            },
          }),
    });
    ended?.({ completion });
    ended = undefined;
    if (completion.toolCalls !== undefined && completion.toolCalls.length > 0) {
      return {
        status: 'tool_calls',
        calls: cappedCalls(completion),
        ...(completion.carry === undefined || jsonBytes(completion.carry) > carryMaxBytes
          ? {}
          : { carry: completion.carry }),
        model: completion.model,
        requestedModel: completion.requestedModel,
        usage: completion.usage,
      };
    }
    if (output !== undefined) {
      let checked;
      try {
        checked = structuredAnswer(completion.text, output, input.answerMaxBytes);
      } catch (error) {
        return failedAttempt({
          code: 'invalid_input',
          message: `The output schema does not compile: ${(error as Error).message}`,
          retryable: false,
        });
      }
      if (!checked.ok) {
        return {
          status: 'invalid_output',
          answer: fitText(completion.text, reaskAnswerMaxChars).text,
          problem: fitText(checked.problem, errorMessageMaxChars).text,
          model: completion.model,
          requestedModel: completion.requestedModel,
          usage: completion.usage,
        };
      }
      return {
        status: 'answered',
        answer: completion.text,
        truncated: false,
        data: checked.data,
        model: completion.model,
        requestedModel: completion.requestedModel,
        finishReason: completion.finishReason,
        usage: completion.usage,
      };
    }
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
  } finally {
    // The last batch is written before the attempt returns, so the text is whole when the answer is known.
    await stream?.close();
  }
}
