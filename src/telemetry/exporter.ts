/**
 * The only module that loads the Azure Monitor OpenTelemetry distro (@azure/monitor-opentelemetry) and, for its
 * credential, @azure/identity. Both load on first use with a plain require, and only when a connection string is
 * set: the distro brings the OpenTelemetry Node SDK and its exporters, about a second of module loading on a
 * small instance, which a cold start without telemetry must not pay. A require, not import(): loading stays
 * synchronous, so the span that triggers it is already recorded, and it resolves the CommonJS builds the rest of
 * the app uses instead of a second, ESM copy of the SDK.
 */
import type { AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';

function loadDistro(): typeof import('@azure/monitor-opentelemetry') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
}

function loadIdentity(): typeof import('@azure/identity') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@azure/identity') as typeof import('@azure/identity');
}

export interface ExporterOptions {
  connectionString: string;
  /** Client id of the user-assigned identity that sends the telemetry (AZURE_CLIENT_ID). */
  managedIdentityClientId?: string;
}

export interface RunningExporter {
  /** Exports what is buffered and stops; for the worker's appTerminate hook. */
  shutdown(): Promise<void>;
}

const off = { enabled: false };

/** The distro's options: Entra ingestion, and nothing recorded but this app's own spans and metrics. */
export function distroOptions(options: ExporterOptions): AzureMonitorOpenTelemetryOptions {
  const { DefaultAzureCredential } = loadIdentity();
  return {
    azureMonitorExporterOptions: {
      connectionString: options.connectionString,
      // Local (key) auth is disabled on the resource: ingestion needs an Entra token for the app's identity,
      // which holds Monitoring Metrics Publisher on it.
      credential: new DefaultAzureCredential(
        options.managedIdentityClientId === undefined
          ? {}
          : { managedIdentityClientId: options.managedIdentityClientId },
      ),
    },
    // The host already records requests, dependencies and logs. Auto-instrumentation would add a span for every
    // call the durable client makes to the host, and log records the host forwards anyway.
    instrumentationOptions: {
      http: off,
      azureSdk: off,
      mongoDb: off,
      mySql: off,
      postgreSql: off,
      redis: off,
      redis4: off,
      bunyan: off,
      winston: off,
      console: off,
    },
    enableLiveMetrics: false,
  };
}

/** Registers the distro's tracer and meter providers globally, exporting to Application Insights. */
export function startAzureMonitor(options: ExporterOptions): RunningExporter {
  const distro = loadDistro();
  distro.useAzureMonitor(distroOptions(options));
  return { shutdown: distro.shutdownAzureMonitor };
}
