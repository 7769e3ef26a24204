import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import { attr, spanNames } from './conventions';
import { panelRunRecordSchema } from './panelRunRecord';
import { instruments, tracer } from './telemetry';
import type { TraceCarrier } from './traceCarrier';
import { carrierOf, parentFrom } from './traceContext';

/** The span around starting a panel run, and what the run carries of it. */
export interface PanelStartSpan {
  /**
   * The trace context the run carries in its input. Without an exporter the span records nothing but still
   * carries the host's context, so the run's work stays correlated with the request that started it.
   */
  readonly carrier: TraceCarrier | undefined;
  started(instanceId: string, agents: string[], continuedFrom: string | undefined): void;
  /** The request was refused (unknown agents, no such conversation, ...): no run, not a fault. */
  refused(code: string): void;
  failed(error: unknown): void;
  end(): void;
}

/**
 * Starts the panel.start span, a child of the host's invocation (the POST request or the MCP tool call). It
 * covers resolving the panel and scheduling the orchestration; the run itself is the panel.run span.
 */
export function startPanelSpan(parent: TraceCarrier | undefined): PanelStartSpan {
  const span: Span = tracer().startSpan(
    spanNames.panelStart,
    { kind: SpanKind.INTERNAL },
    parentFrom(parent),
  );
  return {
    // Only a recorded span is worth carrying into the run: without telemetry the run then skips recording itself.
    carrier: span.isRecording() ? carrierOf(span) : undefined,
    started(instanceId, agents, continuedFrom) {
      span.setAttributes({
        [attr.instanceId]: instanceId,
        [attr.agents]: agents,
        [attr.agentCount]: agents.length,
        ...(continuedFrom === undefined ? {} : { [attr.continuedRun]: continuedFrom }),
      });
    },
    refused(code) {
      span.setAttribute(attr.errorType, code);
    },
    failed(error) {
      span.setAttribute(attr.errorType, error instanceof Error ? error.name : 'unknown');
      span.setStatus({ code: SpanStatusCode.ERROR });
    },
    end() {
      span.end();
    },
  };
}

/**
 * Records a finished panel run: the panel.run span over the whole run (its start and end come from the
 * orchestration's replay-safe clock), and the per-run metrics. Called from an activity, which runs once per run
 * and is never replayed; an unreadable record is dropped, since telemetry must not fail the run.
 */
export function recordPanelRun(raw: unknown): void {
  const parsed = panelRunRecordSchema.safeParse(raw);
  if (!parsed.success) {
    return;
  }
  const run = parsed.data;
  const startedAt = Date.parse(run.startedAt);
  const endedAt = Math.max(startedAt, Date.parse(run.endedAt));
  const answered = run.agents.filter((agent) => agent.status === 'answered');
  const failed = run.agents.filter((agent) => agent.status !== 'answered');
  const span = tracer().startSpan(
    spanNames.panelRun,
    {
      kind: SpanKind.INTERNAL,
      startTime: startedAt,
      attributes: {
        [attr.instanceId]: run.runId,
        [attr.outcome]: run.outcome,
        [attr.agents]: run.agents.map((agent) => agent.agent),
        [attr.agentCount]: run.agents.length,
        [attr.answerCount]: answered.length,
        [attr.failedAgents]: failed.map((agent) => agent.agent),
        [attr.inputTokens]: run.usage.inputTokens,
        [attr.outputTokens]: run.usage.outputTokens,
      },
    },
    parentFrom(run.trace),
  );
  if (run.outcome === 'failed') {
    span.setAttribute(attr.errorType, 'no_answer');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'no_answer' });
  }
  span.end(endedAt);

  const metrics = instruments();
  const outcome = { [attr.outcome]: run.outcome };
  metrics.runDuration.record((endedAt - startedAt) / 1000, outcome);
  metrics.runAnswers.record(answered.length, { ...outcome, [attr.agentCount]: run.agents.length });
  metrics.runTokenUsage.record(run.usage.inputTokens, { ...outcome, [attr.tokenType]: 'input' });
  metrics.runTokenUsage.record(run.usage.outputTokens, { ...outcome, [attr.tokenType]: 'output' });
  for (const agent of run.agents) {
    metrics.agentOutcomes.add(1, {
      [attr.agentName]: agent.agent,
      [attr.agentOutcome]: agent.status,
      ...(agent.code === undefined ? {} : { [attr.errorType]: agent.code }),
    });
  }
}
