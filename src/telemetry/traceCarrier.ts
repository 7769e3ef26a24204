import * as z from 'zod';

/**
 * The W3C trace context (traceparent, tracestate) of the span that started a run. It travels in the
 * orchestration input so that work done later, in other invocations, can join the run's trace: replays read it
 * as data, nothing derives it from a clock. A malformed value is dropped rather than failing the run, and the
 * bounds keep it from growing an input: telemetry must never stop an answer.
 */
export const traceCarrierSchema = z
  .object({
    traceparent: z.string().max(128),
    tracestate: z.string().max(512).optional(),
  })
  .strict();
export type TraceCarrier = z.infer<typeof traceCarrierSchema>;

/** An optional carrier that turns anything unusable into "no carrier". */
export const optionalTraceCarrier = traceCarrierSchema.optional().catch(undefined);
