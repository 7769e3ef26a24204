import {
  metrics,
  SpanStatusCode,
  trace,
  type Counter,
  type Histogram,
  type MeterProvider,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import packageJson from '../../package.json';
import { attr, metricNames } from './conventions';
import { startAzureMonitor, type ExporterOptions, type RunningExporter } from './exporter';
import { messageOf } from '../errorMessage';

const scope = { name: packageJson.name, version: packageJson.version };

export interface TelemetryStarter {
  /** Starts the exporter the first time it is called, when the environment asks for one; never throws. */
  ensureStarted(): void;
  /** Exports what is buffered and stops the exporter, if one was started. */
  shutdown(): Promise<void>;
}

/**
 * Starts the Application Insights exporter once per process, on first use, and only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set. Without it nothing is loaded and every span and instrument is the
 * OpenTelemetry API's no-op. A failure to start is reported once and leaves telemetry off: it never fails a
 * request or an activity.
 */
export function createTelemetryStarter(
  env: NodeJS.ProcessEnv,
  start: (options: ExporterOptions) => RunningExporter,
  warn: (message: string) => void,
): TelemetryStarter {
  let started = false;
  let running: RunningExporter | undefined;
  return {
    ensureStarted() {
      if (started) {
        return;
      }
      started = true;
      const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
      if (!connectionString) {
        return;
      }
      const clientId = env.AZURE_CLIENT_ID?.trim();
      try {
        running = start({ connectionString, ...(clientId ? { managedIdentityClientId: clientId } : {}) });
      } catch (error) {
        warn(`Telemetry export to Application Insights is off: ${messageOf(error)}`);
      }
    },
    async shutdown() {
      await running?.shutdown();
    },
  };
}

const starter = createTelemetryStarter(process.env, startAzureMonitor, (message) => {
  // Outside any invocation: the worker forwards stderr to the host's logs.
  console.warn(message);
});

/** Exports what is buffered before the worker stops (the appTerminate hook). */
export function shutdownTelemetry(): Promise<void> {
  return starter.shutdown();
}

/** The app's tracer; the first call starts the exporter when one is configured. */
export function tracer(): Tracer {
  starter.ensureStarted();
  return trace.getTracer(scope.name, scope.version);
}

export interface Instruments {
  tokenUsage: Histogram;
  operationDuration: Histogram;
  retries: Counter;
  agentOutcomes: Counter;
  runDuration: Histogram;
  runAnswers: Histogram;
  runTokenUsage: Histogram;
}

// Bucket advice from the GenAI conventions; an exporter that keeps buckets (OTLP) uses them.
const secondsBuckets = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

function createInstruments(provider: MeterProvider): Instruments {
  const meter = provider.getMeter(scope.name, scope.version);
  const seconds = { unit: 's', advice: { explicitBucketBoundaries: secondsBuckets } };
  const tokens = { unit: '{token}', advice: { explicitBucketBoundaries: tokenBuckets } };
  return {
    tokenUsage: meter.createHistogram(metricNames.tokenUsage, {
      ...tokens,
      description: 'Tokens used by one model call, by token type.',
    }),
    operationDuration: meter.createHistogram(metricNames.operationDuration, {
      ...seconds,
      description: 'Duration of one model call.',
    }),
    retries: meter.createCounter(metricNames.retries, {
      unit: '{retry}',
      description: "Agent attempts that followed a failed one, by the failure's error type.",
    }),
    agentOutcomes: meter.createCounter(metricNames.agentOutcomes, {
      unit: '{turn}',
      description: "Each agent's outcome in a panel run: answered, failed or timed_out.",
    }),
    runDuration: meter.createHistogram(metricNames.runDuration, {
      ...seconds,
      description: 'Duration of a panel run, from its start to its last answer or its deadline.',
    }),
    runAnswers: meter.createHistogram(metricNames.runAnswers, {
      unit: '{answer}',
      description: 'Answers a panel run returned.',
    }),
    runTokenUsage: meter.createHistogram(metricNames.runTokenUsage, {
      ...tokens,
      description: 'Tokens a whole panel run used, by token type.',
    }),
  };
}

let instrumentsOf: { provider: MeterProvider; instruments: Instruments } | undefined;

/**
 * The app's metric instruments. Instruments taken from the API before a meter provider is registered stay no-ops
 * for good (the metrics API has no proxy, unlike tracing), so they are made again whenever the global provider
 * changes: once when the exporter starts, and when a test registers its own.
 */
export function instruments(): Instruments {
  starter.ensureStarted();
  const provider = metrics.getMeterProvider();
  if (instrumentsOf?.provider !== provider) {
    instrumentsOf = { provider, instruments: createInstruments(provider) };
  }
  return instrumentsOf.instruments;
}

/** Marks a span failed the one way every span here reports a failure: its error type, whether a retry may help. */
export function markFailed(span: Span, errorType: string, retryable: boolean): void {
  span.setAttributes({ [attr.errorType]: errorType, [attr.retryable]: retryable });
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
}
