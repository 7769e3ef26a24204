import { SpanKind, type Attributes } from '@opentelemetry/api';
import * as z from 'zod';
import { toolCallTelemetrySchema, type ToolCallTelemetry } from '../tools/executeTool';
import type { ToolCallResult } from '../tools/tool';
import { attr, operationNames, spanNames } from './conventions';
import { markFailed, tracer } from './telemetry';
import { invocationCarrier, linksTo, parentFrom, spanContextOf, type TracedInvocation } from './traceContext';

// Read leniently: the span describes even an input the activity itself will refuse.
const callLabelsSchema = z.object({
  tool: z.string().catch('unknown'),
  callId: z.string().catch('unknown'),
  arguments: z.string().optional().catch(undefined),
  telemetry: toolCallTelemetrySchema.optional().catch(undefined),
});

export interface ToolCallObservation {
  tool: string;
  telemetry: ToolCallTelemetry | undefined;
  end(result: ToolCallResult): void;
  crashed(): void;
}

/**
 * Starts the `execute_tool` span of one call (one executeTool activity execution), in the run's trace like the
 * attempt's span, linked to the host's invocation. Arguments and results go on it only with content capture on.
 */
export function observeToolCall(
  rawInput: unknown,
  invocation: TracedInvocation,
  captureContent: boolean,
): ToolCallObservation {
  const parsed = callLabelsSchema.safeParse(rawInput);
  const labels = parsed.success
    ? parsed.data
    : { tool: 'unknown', callId: 'unknown', arguments: undefined, telemetry: undefined };
  const { telemetry } = labels;
  const host = invocationCarrier(invocation);
  const inRunTrace = spanContextOf(telemetry?.trace) !== undefined;
  const attributes: Attributes = {
    [attr.operationName]: operationNames.executeTool,
    [attr.toolName]: labels.tool,
    [attr.toolCallId]: labels.callId,
    [attr.toolType]: 'function',
    ...(telemetry === undefined
      ? {}
      : {
          [attr.agentName]: telemetry.agent,
          ...(telemetry.runId === undefined ? {} : { [attr.instanceId]: telemetry.runId }),
          [attr.turnInstanceId]: telemetry.turnId,
          [attr.conversationId]: telemetry.threadId,
          [attr.toolRound]: telemetry.round,
          [attr.attempt]: telemetry.attempt,
        }),
    ...(captureContent && labels.arguments !== undefined
      ? { [attr.toolCallArguments]: labels.arguments }
      : {}),
  };
  const span = tracer().startSpan(
    spanNames.executeTool(labels.tool),
    { kind: SpanKind.INTERNAL, attributes, links: inRunTrace ? linksTo(host) : [] },
    parentFrom(inRunTrace ? telemetry?.trace : host),
  );
  return {
    tool: labels.tool,
    telemetry,
    end(result) {
      if (result.status === 'ok') {
        if (captureContent) {
          span.setAttribute(attr.toolCallResult, result.output);
        }
      } else {
        markFailed(span, result.error.code, result.error.transient);
      }
      span.end();
    },
    crashed() {
      markFailed(span, 'activity_failed', true);
      span.end();
    },
  };
}
