import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import {
  carrierOf,
  invocationCarrier,
  linksTo,
  parentFrom,
  spanContextOf,
} from '../../../src/telemetry/traceContext';

const traceId = '0af7651916cd43dd8448eb211c80319c';
const spanId = 'b7ad6b7169203331';
const traceparent = `00-${traceId}-${spanId}-01`;

describe('W3C trace context', () => {
  it('reads a traceparent into a remote, sampled span context, with its tracestate', () => {
    const context = spanContextOf({ traceparent, tracestate: 'az=1,other=2' });
    expect(context).toMatchObject({ traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(context?.traceState?.get('az')).toBe('1');
  });

  it('ignores malformed, forbidden-version and all-zero traceparents', () => {
    for (const bad of [
      '',
      'not a traceparent',
      `ff-${traceId}-${spanId}-01`,
      `00-${'0'.repeat(32)}-${spanId}-01`,
      `00-${traceId}-${'0'.repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
    ]) {
      expect([bad, spanContextOf({ traceparent: bad })]).toEqual([bad, undefined]);
    }
    expect(parentFrom({ traceparent: 'nonsense' })).toBe(ROOT_CONTEXT);
    expect(linksTo(undefined, { traceparent: 'nonsense' })).toEqual([]);
  });

  it('writes a span back as the same traceparent', () => {
    const span = trace.wrapSpanContext(spanContextOf({ traceparent })!);
    expect(carrierOf(span)).toEqual({ traceparent });
    expect(carrierOf(trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.NONE }))).toEqual({
      traceparent: `00-${traceId}-${spanId}-00`,
    });
  });

  it("takes the host's invocation context when it is usable, dropping oversized vendor data", () => {
    expect(invocationCarrier({})).toBeUndefined();
    expect(invocationCarrier({ traceContext: { traceParent: 'x' } })).toBeUndefined();
    expect(
      invocationCarrier({ traceContext: { traceParent: traceparent.toUpperCase(), traceState: '' } }),
    ).toEqual({
      traceparent,
    });
    expect(
      invocationCarrier({ traceContext: { traceParent: traceparent, traceState: `a=${'b'.repeat(600)}` } }),
    ).toEqual({ traceparent });
    expect(invocationCarrier({ traceContext: { traceParent: traceparent, traceState: 'a=b' } })).toEqual({
      traceparent,
      tracestate: 'a=b',
    });
  });
});
