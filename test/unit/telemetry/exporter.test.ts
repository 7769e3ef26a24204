import { DefaultAzureCredential } from '@azure/identity';
import { distroOptions, startAzureMonitor } from '../../../src/telemetry/exporter';

// The distro would register global providers and start exporting: stand in for it.
jest.mock('@azure/monitor-opentelemetry', () => ({
  useAzureMonitor: jest.fn(),
  shutdownAzureMonitor: jest.fn(() => Promise.resolve()),
}));

// eslint-disable-next-line @typescript-eslint/no-require-imports
const distro = require('@azure/monitor-opentelemetry') as {
  useAzureMonitor: jest.Mock;
  shutdownAzureMonitor: jest.Mock;
};

const connectionString =
  'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/';

describe('the Azure Monitor exporter', () => {
  it('sends with an Entra credential for the app identity, since local auth is disabled', () => {
    const options = distroOptions({ connectionString, managedIdentityClientId: 'client-id' });
    expect(options.azureMonitorExporterOptions?.connectionString).toBe(connectionString);
    expect(options.azureMonitorExporterOptions?.credential).toBeInstanceOf(DefaultAzureCredential);
  });

  it("records only the app's own spans: every auto-instrumentation and live metrics are off", () => {
    const options = distroOptions({ connectionString });
    const instrumentations = Object.values(options.instrumentationOptions ?? {});
    expect(instrumentations.length).toBeGreaterThanOrEqual(10);
    expect(instrumentations.every((instrumentation) => instrumentation?.enabled === false)).toBe(true);
    expect(options.enableLiveMetrics).toBe(false);
  });

  it('starts the distro with those options and shuts it down through it', async () => {
    const running = startAzureMonitor({ connectionString });
    expect(distro.useAzureMonitor).toHaveBeenCalledTimes(1);
    const [options] = distro.useAzureMonitor.mock.calls[0] as [ReturnType<typeof distroOptions>];
    expect(options.azureMonitorExporterOptions?.connectionString).toBe(connectionString);
    await running.shutdown();
    expect(distro.shutdownAzureMonitor).toHaveBeenCalledTimes(1);
  });
});
