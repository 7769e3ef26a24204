/**
 * Captures what the app's OpenTelemetry API calls produce, in memory: the SDK's BasicTracerProvider with an
 * InMemorySpanExporter, and a MeterProvider read on demand. Both are registered as the global providers, which
 * live on globalThis, so the built app (loaded in its own module registry by FunctionsHost) reports to them
 * through its own copy of @opentelemetry/api, as it would to the Azure Monitor distro.
 */
import { metrics, trace, type Attributes, type AttributeValue } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** Reads metrics only when a test asks. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface MetricPoint {
  attributes: Attributes;
  /** A counter's sum, or a histogram's sum. */
  sum: number;
  /** How many values a histogram recorded; 1 for a counter point. */
  count: number;
}

export class TelemetryCapture {
  private constructor(
    private readonly spanExporter: InMemorySpanExporter,
    private readonly tracerProvider: BasicTracerProvider,
    private readonly reader: OnDemandReader,
    private readonly meterProvider: MeterProvider,
  ) {}

  static install(): TelemetryCapture {
    const spanExporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(spanExporter)],
    });
    const reader = new OnDemandReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    trace.disable();
    metrics.disable();
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    return new TelemetryCapture(spanExporter, tracerProvider, reader, meterProvider);
  }

  async uninstall(): Promise<void> {
    trace.disable();
    metrics.disable();
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }

  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  spansNamed(name: string): ReadableSpan[] {
    return this.spans().filter((span) => span.name === name);
  }

  /** Every data point of a metric so far (cumulative), one per attribute set. */
  async metric(name: string): Promise<MetricPoint[]> {
    const { resourceMetrics } = await this.reader.collect();
    const found = resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.filter((metric) => metric.descriptor.name === name),
    );
    return found.flatMap((metric) =>
      metric.dataPoints.map((point) => {
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          const value = point.value as Histogram;
          return { attributes: point.attributes, sum: value.sum ?? 0, count: value.count };
        }
        return { attributes: point.attributes, sum: point.value as number, count: 1 };
      }),
    );
  }

  /**
   * Every span name, status message and attribute value, and every attribute value of the given metrics, as
   * text: what an exporter would send.
   */
  async allRecordedText(metricNames: readonly string[]): Promise<string> {
    const defined = (attributes: Attributes) =>
      Object.values(attributes).filter((value): value is AttributeValue => value !== undefined);
    const values: AttributeValue[] = this.spans().flatMap((span) => [
      span.name,
      span.status.message ?? '',
      ...defined(span.attributes),
      ...span.events.flatMap((event) => defined(event.attributes ?? {})),
    ]);
    for (const name of metricNames) {
      for (const point of await this.metric(name)) {
        values.push(...defined(point.attributes));
      }
    }
    return values.map((value) => (Array.isArray(value) ? value.join('\n') : String(value))).join('\n');
  }
}

/** The span id and trace id a W3C traceparent names. */
export function traceparentIds(traceparent: string): { traceId: string; spanId: string } {
  const [, traceId = '', spanId = ''] = traceparent.split('-');
  return { traceId, spanId };
}
