import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import * as z from 'zod';
import {
  attemptTelemetrySchema,
  type AgentAttemptResult,
  type AttemptTelemetry,
  type ModelCallObserver,
  type ModelCallOutcome,
} from '../agents/agentAttempt';
import type { AppSettings, ModelTarget } from '../config/settings';
import type { ChatMessage } from '../model/chatModel';
import { attr, operationNames, spanNames } from './conventions';
import { instruments, markFailed, tracer } from './telemetry';
import { invocationCarrier, linksTo, parentFrom, spanContextOf, type TracedInvocation } from './traceContext';

/** The model service a call goes to, as the GenAI conventions name it. */
export interface ModelEndpoint {
  provider: 'azure.ai.openai' | 'openai';
  serverAddress?: string;
  serverPort?: number;
}

export interface AttemptTelemetryOptions {
  /** Prompts, instructions and answers go on the model-call span only when this is true. */
  captureContent: boolean;
  endpoint?: ModelEndpoint;
  maxCompletionTokens?: number;
}

export function modelEndpointOf(target: ModelTarget): ModelEndpoint {
  const provider = target.kind === 'azure-openai' ? 'azure.ai.openai' : 'openai';
  try {
    const url = new URL(target.kind === 'azure-openai' ? target.endpoint : target.baseUrl);
    return { provider, serverAddress: url.hostname, ...(url.port ? { serverPort: Number(url.port) } : {}) };
  } catch {
    return { provider };
  }
}

/** What the settings say about an attempt's telemetry; content capture stays off when they cannot be read. */
export function attemptTelemetryOptions(settings: () => AppSettings): AttemptTelemetryOptions {
  try {
    const current = settings();
    return {
      captureContent: current.telemetry.captureMessageContent,
      endpoint: modelEndpointOf(current.model),
      maxCompletionTokens: current.request.maxCompletionTokens,
    };
  } catch {
    return { captureContent: false };
  }
}

// Read leniently: the span describes even an input the attempt itself will refuse.
const attemptLabelsSchema = z.object({
  agent: z.object({ name: z.string(), model: z.string().optional() }).catch({ name: 'unknown' }),
  telemetry: attemptTelemetrySchema.optional().catch(undefined),
});

export interface AttemptObservation {
  agent: string;
  telemetry: AttemptTelemetry | undefined;
  /** Traces and measures the attempt's model call, as a child of the attempt's span. */
  observeModelCall: ModelCallObserver;
  /** Ends the attempt's span with its result. */
  end(result: AgentAttemptResult): void;
  /** Ends the attempt's span when the attempt threw: the orchestration will count it as activity_failed. */
  crashed(): void;
}

function idAttributes(telemetry: AttemptTelemetry | undefined): Attributes {
  if (telemetry === undefined) {
    return {};
  }
  return {
    ...(telemetry.runId === undefined ? {} : { [attr.instanceId]: telemetry.runId }),
    [attr.turnInstanceId]: telemetry.turnId,
    [attr.conversationId]: telemetry.threadId,
    [attr.attempt]: telemetry.attempt,
  };
}

function endpointAttributes(endpoint: ModelEndpoint | undefined): Attributes {
  return endpoint === undefined
    ? {}
    : {
        [attr.providerName]: endpoint.provider,
        ...(endpoint.serverAddress === undefined ? {} : { [attr.serverAddress]: endpoint.serverAddress }),
        ...(endpoint.serverPort === undefined ? {} : { [attr.serverPort]: endpoint.serverPort }),
      };
}

const textPart = (content: string) => ({ type: 'text', content });

/** A message as the GenAI conventions' parts: text, the model's tool calls, or a tool's response. */
function partsOf(message: ChatMessage): object[] {
  if ('tool_calls' in message) {
    return message.tool_calls.map((call) => ({
      type: 'tool_call',
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    }));
  }
  if (message.role === 'tool') {
    return [{ type: 'tool_call_response', id: message.tool_call_id, response: message.content }];
  }
  return [textPart(message.content)];
}

/** The GenAI conventions' opt-in content attributes: JSON arrays of messages made of parts. */
function inputContent(messages: ChatMessage[]): Attributes {
  return {
    [attr.systemInstructions]: JSON.stringify(
      messages.filter((message) => message.role === 'system').flatMap(partsOf),
    ),
    [attr.inputMessages]: JSON.stringify(
      messages
        .filter((message) => message.role !== 'system')
        .map((message) => ({ role: message.role, parts: partsOf(message) })),
    ),
  };
}

function modelCallObserver(
  attemptSpan: Span,
  agent: string,
  common: Attributes,
  options: AttemptTelemetryOptions,
): ModelCallObserver {
  return ({ model, messages }) => {
    attemptSpan.setAttribute(attr.requestModel, model);
    const metricAttributes: Attributes = {
      [attr.operationName]: operationNames.chat,
      [attr.requestModel]: model,
      [attr.agentName]: agent,
      ...endpointAttributes(options.endpoint),
    };
    const span = tracer().startSpan(
      spanNames.chat(model),
      {
        kind: SpanKind.CLIENT,
        attributes: {
          ...common,
          ...metricAttributes,
          ...(options.maxCompletionTokens === undefined
            ? {}
            : { [attr.requestMaxTokens]: options.maxCompletionTokens }),
          ...(options.captureContent ? inputContent(messages) : {}),
        },
      },
      trace.setSpan(ROOT_CONTEXT, attemptSpan),
    );
    const started = performance.now();
    return (outcome: ModelCallOutcome) => {
      const seconds = (performance.now() - started) / 1000;
      const { operationDuration, tokenUsage } = instruments();
      if ('errorType' in outcome) {
        span.setAttribute(attr.errorType, outcome.errorType);
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorType });
        operationDuration.record(seconds, { ...metricAttributes, [attr.errorType]: outcome.errorType });
      } else {
        const { completion } = outcome;
        span.setAttributes({
          [attr.responseModel]: completion.model,
          [attr.finishReasons]: [completion.finishReason],
          [attr.inputTokens]: completion.usage.inputTokens,
          [attr.outputTokens]: completion.usage.outputTokens,
          ...(options.captureContent
            ? {
                [attr.outputMessages]: JSON.stringify([
                  {
                    role: 'assistant',
                    parts:
                      completion.toolCalls === undefined
                        ? [textPart(completion.text)]
                        : completion.toolCalls.map((call) => ({ type: 'tool_call', ...call })),
                    finish_reason: completion.finishReason,
                  },
                ]),
              }
            : {}),
        });
        const answered = { ...metricAttributes, [attr.responseModel]: completion.model };
        operationDuration.record(seconds, answered);
        tokenUsage.record(completion.usage.inputTokens, { ...answered, [attr.tokenType]: 'input' });
        tokenUsage.record(completion.usage.outputTokens, { ...answered, [attr.tokenType]: 'output' });
      }
      span.end();
    };
  };
}

/**
 * Starts the span of one agent attempt (one runAgentTurn activity execution). It joins the run's trace, whose
 * context the turn orchestration passes in the input, and links to the host's invocation that runs it: a run is
 * asynchronous and spans many invocations, and the durable engine replays orchestrations, so nothing nests the
 * whole run but the run's own trace. Without a run trace it is a child of the invocation.
 */
export function observeAttempt(
  rawInput: unknown,
  invocation: TracedInvocation,
  options: AttemptTelemetryOptions,
): AttemptObservation {
  const parsed = attemptLabelsSchema.safeParse(rawInput);
  const agent = parsed.success ? parsed.data.agent.name : 'unknown';
  const telemetry = parsed.success ? parsed.data.telemetry : undefined;
  const host = invocationCarrier(invocation);
  const runTrace = telemetry?.trace;
  const inRunTrace = spanContextOf(runTrace) !== undefined;
  const common: Attributes = { [attr.agentName]: agent, ...idAttributes(telemetry) };
  const span = tracer().startSpan(
    spanNames.invokeAgent(agent),
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        [attr.operationName]: operationNames.invokeAgent,
        ...common,
        ...endpointAttributes(options.endpoint),
      },
      links: inRunTrace ? linksTo(host) : [],
    },
    parentFrom(inRunTrace ? runTrace : host),
  );
  if (telemetry !== undefined && telemetry.attempt > 1 && telemetry.retryOf !== undefined) {
    instruments().retries.add(1, { [attr.agentName]: agent, [attr.errorType]: telemetry.retryOf });
  }
  return {
    agent,
    telemetry,
    observeModelCall: modelCallObserver(span, agent, common, options),
    end(result) {
      if (result.status === 'answered') {
        span.setAttributes({
          [attr.responseModel]: result.model,
          [attr.finishReasons]: [result.finishReason],
          [attr.inputTokens]: result.usage.inputTokens,
          [attr.outputTokens]: result.usage.outputTokens,
        });
      } else if (result.status === 'tool_calls') {
        span.setAttributes({
          [attr.responseModel]: result.model,
          [attr.finishReasons]: ['tool_calls'],
          [attr.inputTokens]: result.usage.inputTokens,
          [attr.outputTokens]: result.usage.outputTokens,
        });
      } else if (result.status === 'invalid_output') {
        span.setAttributes({
          [attr.responseModel]: result.model,
          [attr.inputTokens]: result.usage.inputTokens,
          [attr.outputTokens]: result.usage.outputTokens,
        });
        markFailed(span, 'invalid_output', true);
      } else {
        markFailed(span, result.error.code, result.error.retryable);
      }
      span.end();
    },
    crashed() {
      markFailed(span, 'activity_failed', true);
      span.end();
    },
  };
}
