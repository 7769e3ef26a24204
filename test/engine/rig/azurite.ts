/** Azurite (the project's dev dependency) as the Azure Storage account behind the extension's backend. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../../support/appEntry';
import { freePort } from './ports';
import type { ProcessGroup } from './processes';

// Azurite's well-known development account; it is public and only ever valid against an emulator.
const accountName = 'devstoreaccount1';
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  connectionString: string;
  startMs: number;
  ports: AzuritePorts;
}

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export interface AzuriteOptions {
  /** Keeps the data in this folder (so a restarted Azurite still has it); default: in memory. */
  location?: string;
  /** The ports of an Azurite started before, to start it again where its clients look for it. */
  ports?: AzuritePorts;
}

function azuriteMain(): string {
  const pkg = require.resolve('azurite/package.json');
  const { bin } = JSON.parse(readFileSync(pkg, 'utf8')) as { bin: Record<string, string> };
  return path.resolve(path.dirname(pkg), bin.azurite!);
}

export async function startAzurite(
  processes: ProcessGroup,
  options: AzuriteOptions = {},
): Promise<AzuriteInstance> {
  const [blob, queue, table] = options.ports
    ? [options.ports.blob, options.ports.queue, options.ports.table]
    : await Promise.all([freePort(), freePort(), freePort()]);
  const args = [
    '--require',
    // From the sources, also for the compiled copy the benchmark runs (tsc does not copy .cjs files).
    path.join(projectRoot, 'test', 'engine', 'rig', 'exitWithParent.cjs'),
    azuriteMain(),
    ...(options.location === undefined ? ['--inMemoryPersistence'] : ['--location', options.location]),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    ...['--blobHost', '127.0.0.1', '--blobPort', String(blob)],
    ...['--queueHost', '127.0.0.1', '--queuePort', String(queue)],
    ...['--tableHost', '127.0.0.1', '--tablePort', String(table)],
  ];
  const started = await processes.start('azurite', process.execPath, args, {
    // One line per service (blob, queue, table).
    ready: /(successfully listening[\s\S]*){3}/,
  });
  const endpoint = (service: string, port: number): string =>
    `${service}Endpoint=http://127.0.0.1:${port}/${accountName};`;
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${accountName};AccountKey=${accountKey};` +
      endpoint('Blob', blob) +
      endpoint('Queue', queue) +
      endpoint('Table', table),
    startMs: started.ms,
    ports: { blob, queue, table },
  };
}
