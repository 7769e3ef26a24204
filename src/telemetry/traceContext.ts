import {
  createTraceState,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { TraceCarrier } from './traceCarrier';

// version-traceid-parentid-flags; version ff is forbidden by the W3C spec.
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The span context a carrier names, or undefined when it is malformed or all zeros. Parsed here with the API
 * alone: the W3C propagator lives in @opentelemetry/core, which only the lazily loaded SDK brings.
 */
export function spanContextOf(carrier: TraceCarrier | undefined): SpanContext | undefined {
  const match = carrier === undefined ? null : traceparentPattern.exec(carrier.traceparent.trim());
  if (match === null || match[1] === 'ff') {
    return undefined;
  }
  const [, , traceId = '', spanId = '', flags = '00'] = match;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(carrier?.tracestate ? { traceState: createTraceState(carrier.tracestate) } : {}),
  };
  return trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

// Vendor data past 512 characters is dropped, not cut: a cut entry would be malformed (and the carrier's bound).
function usableTracestate(tracestate: string | undefined): tracestate is string {
  return tracestate !== undefined && tracestate !== '' && tracestate.length <= 512;
}

/** The carrier of a span, to hand to work that runs later; undefined for a span with no valid context. */
export function carrierOf(span: Span): TraceCarrier | undefined {
  const context = span.spanContext();
  if (!trace.isSpanContextValid(context)) {
    return undefined;
  }
  const flags = (context.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const tracestate = context.traceState?.serialize();
  return {
    traceparent: `00-${context.traceId}-${context.spanId}-${flags}`,
    ...(usableTracestate(tracestate) ? { tracestate } : {}),
  };
}

/** A context whose parent is the carrier's span; the root context when there is none. */
export function parentFrom(carrier: TraceCarrier | undefined): Context {
  const spanContext = spanContextOf(carrier);
  return spanContext === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/** Links to the carriers' spans, skipping the unusable ones. */
export function linksTo(...carriers: (TraceCarrier | undefined)[]): Link[] {
  return carriers.flatMap((carrier) => {
    const context = spanContextOf(carrier);
    return context === undefined ? [] : [{ context }];
  });
}

/** What an invocation context tells about its trace (the InvocationContext of @azure/functions has it). */
export interface TracedInvocation {
  traceContext?: { traceParent?: string | undefined; traceState?: string | undefined } | undefined;
}

/**
 * The host's trace context for one invocation (its request or its Durable activity), as the worker hands it to
 * the function. Spans made in a handler name it as parent or link, so they join the host's telemetry.
 */
export function invocationCarrier(invocation: TracedInvocation): TraceCarrier | undefined {
  const traceparent = invocation.traceContext?.traceParent?.trim().toLowerCase();
  if (traceparent === undefined || spanContextOf({ traceparent }) === undefined) {
    return undefined;
  }
  const tracestate = invocation.traceContext?.traceState?.trim();
  return { traceparent, ...(usableTracestate(tracestate) ? { tracestate } : {}) };
}
