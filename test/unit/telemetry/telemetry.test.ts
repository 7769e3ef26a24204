import { appEntry } from '../../support/appEntry';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTelemetryStarter } from '../../../src/telemetry/telemetry';
import type { ExporterOptions, RunningExporter } from '../../../src/telemetry/exporter';

const repoRoot = join(__dirname, '../../..');

function starterWith(env: NodeJS.ProcessEnv, start: (options: ExporterOptions) => RunningExporter) {
  const warnings: string[] = [];
  const starter = createTelemetryStarter(env, start, (message) => warnings.push(message));
  return { starter, warnings };
}

describe('the telemetry starter', () => {
  it('loads no exporter when APPLICATIONINSIGHTS_CONNECTION_STRING is absent or empty', () => {
    for (const env of [{}, { APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' }, { AZURE_CLIENT_ID: 'id' }]) {
      const start = jest.fn<RunningExporter, [ExporterOptions]>();
      const { starter } = starterWith(env, start);
      starter.ensureStarted();
      expect(start).not.toHaveBeenCalled();
    }
  });

  it('starts the exporter once, on first use, with the connection string and the identity to send as', () => {
    const start = jest.fn<RunningExporter, [ExporterOptions]>(() => ({ shutdown: () => Promise.resolve() }));
    const { starter } = starterWith(
      { APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=abc', AZURE_CLIENT_ID: 'client-id' },
      start,
    );
    expect(start).not.toHaveBeenCalled();
    starter.ensureStarted();
    starter.ensureStarted();
    expect(start.mock.calls).toEqual([
      [{ connectionString: 'InstrumentationKey=abc', managedIdentityClientId: 'client-id' }],
    ]);
  });

  it('leaves telemetry off, says why once, and never throws when the exporter cannot start', () => {
    const start = jest.fn<RunningExporter, [ExporterOptions]>(() => {
      throw new Error('no distro here');
    });
    const { starter, warnings } = starterWith({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'x' }, start);
    expect(() => {
      starter.ensureStarted();
      starter.ensureStarted();
    }).not.toThrow();
    expect(start).toHaveBeenCalledTimes(1);
    expect(warnings).toEqual(['Telemetry export to Application Insights is off: no distro here']);
  });

  it('shuts the exporter down when asked, and does nothing when none was started', async () => {
    const shutdown = jest.fn(() => Promise.resolve());
    const { starter } = starterWith({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'x' }, () => ({ shutdown }));
    await starterWith({}, jest.fn()).starter.shutdown();
    await starter.shutdown();
    expect(shutdown).not.toHaveBeenCalled();
    starter.ensureStarted();
    await starter.shutdown();
    expect(shutdown).toHaveBeenCalledTimes(1);
  });
});

describe('loading the built app', () => {
  // A fresh Node process, as the worker loads "main": which heavy telemetry packages did loading pull in?
  const loadedPackages = (env: Record<string, string>) => {
    const script = `
      require(${JSON.stringify(appEntry)});
      const loaded = Object.keys(require.cache).filter((file) =>
        /node_modules\\/(@azure\\/monitor-opentelemetry|@opentelemetry\\/sdk-|@azure\\/identity)/.test(file));
      process.stdout.write(JSON.stringify(loaded));
      process.exit(0);`;
    const result = spawnSync(process.execPath, ['-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 60_000,
    });
    // Outside the worker @azure/functions only warns that it is in test mode (and says HTTP streaming is on).
    expect([result.status, result.stderr.replace(/^WARNING: .*\n/gm, '')]).toEqual([0, '']);
    return JSON.parse(result.stdout.replace(/^HTTP streaming enabled\.\n/m, '')) as string[];
  };

  it('loads neither the Azure Monitor distro, the OpenTelemetry SDK nor Azure Identity', () => {
    expect(loadedPackages({})).toEqual([]);
  });

  it('still loads none of them with a connection string set: the exporter starts on first use', () => {
    expect(
      loadedPackages({
        APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
      }),
    ).toEqual([]);
  });
});

describe('the lazily loaded packages', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name));

  it('are required in one module only, src/telemetry/exporter.ts, so a bundler can split them off', () => {
    const requiring = sources(join(repoRoot, 'src'))
      .filter((file) =>
        /require\('@azure\/monitor-opentelemetry'\)|from '@azure\/monitor-opentelemetry'/.test(
          readFileSync(file, 'utf8').replace(/import type [^;]+;/g, ''),
        ),
      )
      .map((file) => file.slice(repoRoot.length + 1));
    expect(requiring).toEqual(['src/telemetry/exporter.ts']);
  });
});
